package pricing

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/costlens/costlens/pkg/names"
)

// Alias makes a name an event uses price as the price book's. A provider alias maps
// Provider (as events name it) to Target (the book's provider). A model alias prices
// a model of the book's Provider that matches Match (a name, or a glob when Pattern)
// and has no price of its own at the prices of model Target.
type Alias struct {
	Kind     string // "provider" or "model"
	Provider string
	Match    string
	Pattern  bool
	Target   string
}

type yamlAliases struct {
	ProviderAliases []struct {
		Name     string `yaml:"name"`
		Provider string `yaml:"provider"`
	} `yaml:"provider_aliases"`
	ModelAliases []struct {
		Provider string `yaml:"provider"`
		Model    string `yaml:"model"`
		Pattern  bool   `yaml:"pattern"`
		PriceAs  string `yaml:"price_as"`
	} `yaml:"model_aliases"`
}

// ParseAliases reads the provider_aliases and model_aliases of a price book file:
//
//	provider_aliases:
//	  - {name: OpenAI, provider: openai}
//	model_aliases:
//	  - {provider: openai, model: 'gpt-4o-20*', pattern: true, price_as: gpt-4o}
//
// Errors name the entry and field; a name given twice is refused.
func ParseAliases(b []byte) ([]Alias, error) {
	_, aliases, err := ParseFile(b)
	return aliases, err
}

func aliasesOf(doc yamlFile) ([]Alias, error) {
	var out []Alias
	seen := map[string]string{}
	add := func(where string, a Alias) error {
		for _, f := range []struct{ name, v string }{{"provider", a.Provider}, {"target", a.Target}, {"match", a.Match}} {
			if f.v == "" && !(f.name == "match" && a.Kind == "provider") {
				return fmt.Errorf("%s: %s is required", where, map[string]string{"provider": "provider", "target": "provider or price_as", "match": "model"}[f.name])
			}
			if msg := names.Check(f.v, 200); msg != "" {
				return fmt.Errorf("%s: %.40q %s", where, f.v, msg)
			}
		}
		if a.Pattern {
			if _, err := path.Match(a.Match, ""); err != nil {
				return fmt.Errorf("%s: model pattern %q: %w", where, a.Match, err)
			}
		}
		key := a.Kind + "\x00" + a.Provider + "\x00" + a.Match
		if first, dup := seen[key]; dup {
			return fmt.Errorf("%s: the same alias as %s", where, first)
		}
		seen[key] = where
		out = append(out, a)
		return nil
	}
	for i, p := range doc.ProviderAliases {
		if err := add(fmt.Sprintf("provider_aliases[%d]", i), Alias{Kind: "provider", Provider: p.Name, Target: p.Provider}); err != nil {
			return nil, err
		}
	}
	for i, m := range doc.ModelAliases {
		if err := add(fmt.Sprintf("model_aliases[%d]", i), Alias{Kind: "model", Provider: m.Provider, Match: m.Model, Pattern: m.Pattern, Target: m.PriceAs}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// applyAliases stores aliases (a changed target replaces the stored one: aliases have no
// history; events already priced keep their cost until repriced) and counts the added
// or changed.
func applyAliases(ctx context.Context, tx pgx.Tx, aliases []Alias) (int, error) {
	n := 0
	for _, a := range aliases {
		tag, err := tx.Exec(ctx, `INSERT INTO costlens.price_aliases (kind, provider, match, pattern, target) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (kind, provider, match) DO UPDATE SET pattern = EXCLUDED.pattern, target = EXCLUDED.target
			WHERE (costlens.price_aliases.pattern, costlens.price_aliases.target) IS DISTINCT FROM (EXCLUDED.pattern, EXCLUDED.target)`,
			a.Kind, a.Provider, a.Match, a.Pattern, a.Target)
		if err != nil {
			return n, err
		}
		n += int(tag.RowsAffected())
	}
	return n, nil
}

// loadAliases reads every alias.
func loadAliases(ctx context.Context, db querier) ([]Alias, error) {
	rows, err := db.Query(ctx, `SELECT kind, provider, match, pattern, target FROM costlens.price_aliases ORDER BY kind, provider, pattern, match`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Alias, error) {
		var a Alias
		err := r.Scan(&a.Kind, &a.Provider, &a.Match, &a.Pattern, &a.Target)
		return a, err
	})
}

// Used is what unpriced requests used, for Hint: the service tier they were served at,
// and whether some wrote to the cache for five minutes or for an hour.
type Used struct {
	ServiceTier                string
	CacheWrites, CacheWrites1h bool
}

// dated matches a model name ending in a snapshot date: -2024-08-06 or -20241022.
var dated = regexp.MustCompile(`^(.+)-(\d{4}-\d{2}-\d{2}|\d{8})$`)

// Hint says, for a provider and model the book left unpriced, what would price it
// ("" when nothing would): the book may price it now (an alias or a price added after
// the events were stored: reprice them); the provider may be the book's under another
// spelling (a provider alias); or the model may be a dated snapshot of one the book
// prices (a model alias); or the book prices the model but not what these requests
// used: the service tier they were served at (batch rates) or cache writes (for five
// minutes or an hour), which used says. It suggests; it never prices.
func (b *Book) Hint(provider, model string, ts time.Time, used Used) string {
	probe := Usage{Input: 1, Output: 1, ServiceTier: used.ServiceTier}
	if used.CacheWrites {
		probe.CacheWrite = 1
	}
	if used.CacheWrites1h {
		probe.CacheWrite++
		probe.CacheWrite1h = 1
	}
	if p, ok := b.PriceFor(provider, model, ts, probe); ok {
		r := b.rows[p.PriceID]
		return fmt.Sprintf("priced now as %s %s: reprice the range to price the stored requests", r.Provider, r.Model)
	}
	tier := used.ServiceTier
	if p, ok := b.PriceFor(provider, model, ts, Usage{Input: 1, Output: 1}); ok && (tier != "" || used.CacheWrites || used.CacheWrites1h) {
		r := b.rows[p.PriceID]
		var need []string
		if _, ok := b.PriceFor(provider, model, ts, Usage{Input: 1, Output: 1, ServiceTier: tier}); !ok {
			need = append(need, fmt.Sprintf("%s rates (an entry for %s %s with service_tier: %s)", tier, r.Provider, r.Model, tier))
		}
		if used.CacheWrites {
			if _, ok := b.PriceFor(provider, model, ts, Usage{Input: 1, Output: 1, CacheWrite: 1}); !ok {
				need = append(need, fmt.Sprintf("a cache_write price for %s %s (these requests wrote to the cache)", r.Provider, r.Model))
			}
		}
		if used.CacheWrites1h {
			if _, ok := b.PriceFor(provider, model, ts, Usage{Input: 1, Output: 1, CacheWrite: 1, CacheWrite1h: 1}); !ok {
				need = append(need, fmt.Sprintf("a cache_write_1h price for %s %s (these requests wrote to the cache for an hour)", r.Provider, r.Model))
			}
		}
		return "add " + strings.Join(need, " and ")
	}
	if _, known := b.byProvider[provider]; !known {
		if _, aliased := b.providers[provider]; !aliased {
			for p := range b.byProvider {
				if strings.EqualFold(p, provider) {
					return fmt.Sprintf("add a provider alias: provider_aliases: [{name: %q, provider: %q}]", provider, p)
				}
			}
			return ""
		}
	}
	if m := dated.FindStringSubmatch(model); m != nil {
		if _, ok := b.PriceFor(provider, m[1], ts, probe); ok {
			book := provider
			if p, ok := b.providers[provider]; ok {
				book = p
			}
			return fmt.Sprintf("if the snapshot costs what %s does, add a model alias: model_aliases: [{provider: %q, model: %q, price_as: %q}]",
				m[1], book, model, m[1])
		}
	}
	return ""
}
