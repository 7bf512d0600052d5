package pricing

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"time"

	"github.com/shopspring/decimal"
	"gopkg.in/yaml.v3"

	"github.com/costlens/costlens/pkg/fx"
	"github.com/costlens/costlens/pkg/names"
)

// Row is one price_book row: one usage type of one model, in force from EffectiveFrom
// until EffectiveTo (open-ended when nil), above MinContextTokens.
type Row struct {
	ID               int64
	Provider         string
	Model            string
	ModelIsPattern   bool
	UsageType        string // input, output, cached_input, cache_write, cache_write_1h, reasoning, request, gpu_second
	ServiceTier      string // "" for the standard rate, else the tier ("batch", "flex") it prices
	UnitPrice        decimal.Decimal
	Unit             string // token, 1k_tokens, 1m_tokens, request, second
	Currency         string
	MinContextTokens int64
	EffectiveFrom    time.Time
	EffectiveTo      *time.Time
	CheckedOn        *time.Time
	Source           string
}

// yamlPrice is one entry of the version-controlled price book file.
type yamlPrice struct {
	Provider      string  `yaml:"provider"`
	Model         string  `yaml:"model"`
	Pattern       bool    `yaml:"pattern"`
	Currency      string  `yaml:"currency"`
	Unit          string  `yaml:"unit"`
	EffectiveFrom string  `yaml:"effective_from"`
	CheckedOn     string  `yaml:"checked_on"`
	Source        string  `yaml:"source"`
	Input         *string `yaml:"input"`
	Output        *string `yaml:"output"`
	CachedInput   *string `yaml:"cached_input"`
	// CacheWrite prices prompt tokens written to a cache; Reasoning prices reasoning
	// output where it differs from output (otherwise reasoning is output).
	CacheWrite *string `yaml:"cache_write"`
	// CacheWrite1h prices cache writes kept for an hour (Anthropic: 2x input), where
	// they differ from cache_write (5 minutes).
	CacheWrite1h *string `yaml:"cache_write_1h"`
	Reasoning    *string `yaml:"reasoning"`
	// ServiceTier makes this entry the rates of a tier ("batch", "flex"): a request
	// served at a tier is priced only by that tier's entries.
	ServiceTier string  `yaml:"service_tier"`
	Request     *string `yaml:"request"`
	// GPUSecond prices self-hosted serving by the GPU time an event reports.
	GPUSecond *string `yaml:"gpu_second"`
	// InstanceHour is the list price of an instance type (model names the type): not an
	// event price, it tells right-sizing recommendations what a smaller type costs.
	InstanceHour *string    `yaml:"instance_hour"`
	Tiers        []yamlTier `yaml:"tiers"`
}

type yamlTier struct {
	MinContextTokens int64   `yaml:"min_context_tokens"`
	Input            *string `yaml:"input"`
	Output           *string `yaml:"output"`
	CachedInput      *string `yaml:"cached_input"`
	CacheWrite       *string `yaml:"cache_write"`
	CacheWrite1h     *string `yaml:"cache_write_1h"`
	Reasoning        *string `yaml:"reasoning"`
}

// maxUnitPrice bounds one unit price (a request or an instance hour costs far less).
var maxUnitPrice = decimal.NewFromInt(1_000_000)

var units = map[string]bool{"token": true, "1k_tokens": true, "1m_tokens": true, "request": true}

// ParseYAML reads a price book file: `prices:` entries, each with provider, model (or a
// glob when pattern: true), currency, unit, effective_from, and input/output/
// cached_input/request prices, plus tiers that apply above min_context_tokens prompt
// tokens. Errors name the entry and field.
func ParseYAML(b []byte) ([]Row, error) {
	rows, _, err := ParseFile(b)
	return rows, err
}

// ParseFile reads a price book file once: its prices (ParseYAML) and its aliases
// (ParseAliases).
func ParseFile(b []byte) ([]Row, []Alias, error) {
	var doc yamlFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("price book: %w", err)
	}
	rows, err := pricesOf(doc.Prices)
	if err != nil {
		return nil, nil, err
	}
	aliases, err := aliasesOf(doc)
	if err != nil {
		return nil, nil, err
	}
	return rows, aliases, nil
}

// yamlFile is a whole price book file.
type yamlFile struct {
	Prices      []yamlPrice `yaml:"prices"`
	yamlAliases `yaml:",inline"`
}

func pricesOf(prices []yamlPrice) ([]Row, error) {
	var rows []Row
	given := map[string]string{} // a price's identity -> where it was first given
	for i, p := range prices {
		where := fmt.Sprintf("prices[%d]", i)
		if p.Provider == "" || p.Model == "" {
			return nil, fmt.Errorf("%s: provider and model are required", where)
		}
		if !fx.ValidCurrency(p.Currency) {
			return nil, fmt.Errorf("%s (%s %s): currency %q is not an upper-case ISO-4217 code", where, p.Provider, p.Model, p.Currency)
		}
		for _, f := range []struct{ name, v string }{{"provider", p.Provider}, {"model", p.Model}, {"source", p.Source}} {
			if msg := names.Check(f.v, 200); msg != "" {
				return nil, fmt.Errorf("%s: %s %.40q %s", where, f.name, f.v, msg)
			}
		}
		tokenPrices := p.Input != nil || p.Output != nil || p.CachedInput != nil || p.CacheWrite != nil || p.CacheWrite1h != nil || p.Reasoning != nil || len(p.Tiers) > 0
		if p.Unit == "" && !tokenPrices {
			p.Unit = "token" // unused: request, GPU-second and instance-hour prices carry their own unit
		}
		if !units[p.Unit] {
			return nil, fmt.Errorf("%s (%s %s): unit %q is not token, 1k_tokens, 1m_tokens or request", where, p.Provider, p.Model, p.Unit)
		}
		if msg := checkTier(p.ServiceTier); msg != "" {
			return nil, fmt.Errorf("%s (%s %s): service_tier %q %s", where, p.Provider, p.Model, p.ServiceTier, msg)
		}
		if p.Pattern {
			if _, err := path.Match(p.Model, ""); err != nil {
				return nil, fmt.Errorf("%s: model pattern %q: %w", where, p.Model, err)
			}
		}
		from, err := time.Parse(time.DateOnly, p.EffectiveFrom)
		if err != nil {
			// a price can change mid-day: a full RFC 3339 time is accepted too
			if from, err = time.Parse(time.RFC3339, p.EffectiveFrom); err != nil {
				return nil, fmt.Errorf("%s (%s %s): effective_from %q is not YYYY-MM-DD or an RFC 3339 time", where, p.Provider, p.Model, p.EffectiveFrom)
			}
		}
		from = from.UTC()
		var checked *time.Time
		if p.CheckedOn != "" {
			c, err := time.Parse(time.DateOnly, p.CheckedOn)
			if err != nil {
				return nil, fmt.Errorf("%s (%s %s): checked_on %q is not YYYY-MM-DD", where, p.Provider, p.Model, p.CheckedOn)
			}
			checked = &c
		}
		add := func(field, usage string, v *string, minCtx int64) error {
			if v == nil {
				return nil
			}
			price, err := decimal.NewFromString(*v)
			if err != nil || price.IsNegative() || price.GreaterThan(maxUnitPrice) {
				return fmt.Errorf("%s (%s %s): %s %.40q is not a decimal from 0 to %s", where, p.Provider, p.Model, field, *v, maxUnitPrice)
			}
			key := fmt.Sprintf("%s\x00%s\x00%t\x00%s\x00%s\x00%d\x00%s", p.Provider, p.Model, p.Pattern, usage, p.ServiceTier, minCtx, from.Format(time.RFC3339Nano))
			if first, dup := given[key]; dup {
				// which of the two is the price? neither reading is safe
				return fmt.Errorf("%s (%s %s): %s from %s is given twice (also %s)", where, p.Provider, p.Model, field, p.EffectiveFrom, first)
			}
			given[key] = fmt.Sprintf("%s.%s", where, field)
			unit := p.Unit
			switch usage {
			case "request":
				unit = "request"
			case "gpu_second":
				unit = "second"
			case "instance_hour":
				unit = "hour"
			}
			rows = append(rows, Row{Provider: p.Provider, Model: p.Model, ModelIsPattern: p.Pattern, UsageType: usage, ServiceTier: p.ServiceTier,
				UnitPrice: price, Unit: unit, Currency: p.Currency, MinContextTokens: minCtx, EffectiveFrom: from,
				CheckedOn: checked, Source: p.Source})
			return nil
		}
		entry := append(entryTokenPrices(p.Input, p.Output, p.CachedInput, p.CacheWrite, p.CacheWrite1h, p.Reasoning),
			usagePrice{"request", p.Request}, usagePrice{"gpu_second", p.GPUSecond}, usagePrice{"instance_hour", p.InstanceHour})
		for _, f := range entry {
			if err := add(f.usage, f.usage, f.v, 0); err != nil {
				return nil, err
			}
		}
		for j, t := range p.Tiers {
			if t.MinContextTokens <= 0 {
				return nil, fmt.Errorf("%s.tiers[%d]: min_context_tokens must be positive", where, j)
			}
			for _, f := range entryTokenPrices(t.Input, t.Output, t.CachedInput, t.CacheWrite, t.CacheWrite1h, t.Reasoning) {
				if err := add(fmt.Sprintf("tiers[%d].%s", j, f.usage), f.usage, f.v, t.MinContextTokens); err != nil {
					return nil, err
				}
			}
		}
	}
	return rows, nil
}

// usagePrice is a price book file's price for one usage type (its field is named so).
type usagePrice struct {
	usage string
	v     *string
}

// entryTokenPrices are the token prices an entry or one of its context tiers gives.
func entryTokenPrices(input, output, cached, cacheWrite, cacheWrite1h, reasoning *string) []usagePrice {
	return []usagePrice{{"input", input}, {"output", output}, {"cached_input", cached},
		{"cache_write", cacheWrite}, {"cache_write_1h", cacheWrite1h}, {"reasoning", reasoning}}
}

// Book answers which price applies to a request.
type Book struct {
	byProvider map[string][]Row // pricing runs per event: look at one provider's rows only
	rows       map[int64]Row    // by id
	providers  map[string]string
	models     map[string][]Alias // the book's provider -> its model aliases, names before globs
}

// NewBook indexes price rows (as stored, with their ids and effective ranges).
func NewBook(rows []Row) *Book { return NewBookWithAliases(rows, nil) }

// NewBookWithAliases is NewBook with the names events use mapped to the book's.
func NewBookWithAliases(rows []Row, aliases []Alias) *Book {
	b := newBook(rows)
	b.providers, b.models = map[string]string{}, map[string][]Alias{}
	for _, a := range aliases {
		if a.Kind == "provider" {
			b.providers[a.Provider] = a.Target
		} else {
			b.models[a.Provider] = append(b.models[a.Provider], a)
		}
	}
	for _, as := range b.models {
		sort.SliceStable(as, func(i, j int) bool { return !as[i].Pattern && as[j].Pattern })
	}
	return b
}

func newBook(rows []Row) *Book {
	sorted := append([]Row(nil), rows...)
	// exact models before patterns; higher tiers first so the first match is the tier in force
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].ModelIsPattern != sorted[j].ModelIsPattern {
			return !sorted[i].ModelIsPattern
		}
		return sorted[i].MinContextTokens > sorted[j].MinContextTokens
	})
	b := &Book{byProvider: map[string][]Row{}, rows: map[int64]Row{}}
	for _, r := range sorted {
		b.byProvider[r.Provider] = append(b.byProvider[r.Provider], r)
		b.rows[r.ID] = r
	}
	return b
}

func perUnit(unit string) decimal.Decimal {
	switch unit {
	case "1k_tokens":
		return decimal.NewFromInt(1000)
	case "1m_tokens":
		return decimal.NewFromInt(1_000_000)
	}
	return decimal.NewFromInt(1)
}

// Priced is a request's cost under the price book.
type Priced struct {
	Cost     decimal.Decimal
	Currency string
	PriceID  int64 // the input (else first) price row used
}

// Usage is what one request consumed.
//
// The counts have the stored meaning (DESIGN "Tokens"): Input is neither read from nor
// written to a cache, Cached was read from one, CacheWrite written to one; Output counts
// every generated token and Reasoning is the part of it spent reasoning. ServiceTier is
// "" for the standard rate.
type Usage struct {
	Input, Output, Cached int64
	CacheWrite, Reasoning int64
	// CacheWrite1h is the part of CacheWrite kept for an hour, at the cache_write_1h price.
	CacheWrite1h int64
	ServiceTier  string
	// Requests is how many requests the counts are for (a usage export's bucket): the
	// per-request price is charged that many times. nil is one request.
	Requests *int64
	// ContextTokens, for a bucket of requests, is the prompt size that picks the context
	// tier; nil: the counts' own prompt (input + cached + cache writes).
	ContextTokens *int64
	GPUSeconds    *decimal.Decimal // nil when the event does not report it
}

// PriceFor prices a request at the price in force at ts, at its service tier's rates, in
// the context tier its prompt size (input + cached + cache-write tokens) falls in:
// input × in + output × out + cached × cached + cache writes × cache_write (an hour's
// at cache_write_1h) + per
// request + GPU-seconds × per GPU-second, reasoning tokens taken out of output at the
// reasoning price when the book has one. ok is false when the model has no price then,
// or when a token count it used has no price of its own, or when its only price is per
// GPU-second and it reports none: such a request is unpriced, never zero.
//
// Names are the book's after the aliases: the provider through its provider alias; a
// model with no price of its own then (a dated snapshot) at the prices of the model its
// first matching model alias names, names before globs.
func (b *Book) PriceFor(provider, model string, ts time.Time, u Usage) (Priced, bool) {
	if u.nothing() {
		return Priced{}, false // a cost line alone (a provider's cost report): nothing to price
	}
	if p, ok := b.providers[provider]; ok {
		provider = p
	}
	if priced, ok := b.priceFor(provider, model, ts, u); ok {
		return priced, true
	}
	for _, a := range b.models[provider] {
		if a.Match == model || (a.Pattern && matchGlob(a.Match, model)) {
			return b.priceFor(provider, a.Target, ts, u)
		}
	}
	return Priced{}, false
}

// nothing: no request and nothing consumed.
func (u Usage) nothing() bool {
	return u.requests() == 0 && u.Input == 0 && u.Output == 0 && u.Cached == 0 && u.CacheWrite == 0 && u.GPUSeconds == nil
}

func (u Usage) requests() int64 {
	if u.Requests == nil {
		return 1
	}
	return *u.Requests
}

func matchGlob(pattern, name string) bool {
	ok, _ := path.Match(pattern, name)
	return ok
}

func (b *Book) priceFor(provider, model string, ts time.Time, u Usage) (Priced, bool) {
	prompt := u.Input + u.Cached + u.CacheWrite
	if u.ContextTokens != nil {
		prompt = *u.ContextTokens
	}
	chosen := map[string]Row{}
	for _, r := range b.byProvider[provider] {
		if r.ServiceTier != u.ServiceTier || ts.Before(r.EffectiveFrom) || (r.EffectiveTo != nil && !ts.Before(*r.EffectiveTo)) {
			continue
		}
		if r.ModelIsPattern {
			if ok, _ := path.Match(r.Model, model); !ok {
				continue
			}
		} else if r.Model != model {
			continue
		}
		if r.MinContextTokens > prompt || r.UsageType == "instance_hour" {
			continue
		}
		if _, seen := chosen[r.UsageType]; !seen {
			chosen[r.UsageType] = r
		}
	}
	if len(chosen) == 0 {
		return Priced{}, false
	}
	var currency string
	cost := decimal.Zero
	// reasoning is output: at its own price where the book gives one, else at output's
	output, reasoning := u.Output, int64(0)
	if _, own := chosen["reasoning"]; own {
		output, reasoning = u.Output-u.Reasoning, u.Reasoning
	}
	for usage, count := range map[string]int64{"input": u.Input, "output": output, "cached_input": u.Cached,
		"cache_write": u.CacheWrite - u.CacheWrite1h, "cache_write_1h": u.CacheWrite1h, "reasoning": reasoning, "request": u.requests()} {
		r, ok := chosen[usage]
		if !ok {
			// a model priced by GPU time needs no token prices; any other must price every token it used
			if _, byGPU := chosen["gpu_second"]; count > 0 && usage != "request" && !byGPU {
				return Priced{}, false
			}
			continue
		}
		if currency != "" && r.Currency != currency {
			return Priced{}, false
		}
		currency = r.Currency
		cost = cost.Add(decimal.NewFromInt(count).Mul(r.UnitPrice).Div(perUnit(r.Unit)))
	}
	if r, ok := chosen["gpu_second"]; ok {
		if u.GPUSeconds == nil && len(chosen) == 1 {
			return Priced{}, false // priced by GPU time only, and none reported
		}
		if currency != "" && r.Currency != currency {
			return Priced{}, false
		}
		currency = r.Currency
		if u.GPUSeconds != nil {
			cost = cost.Add(u.GPUSeconds.Mul(r.UnitPrice))
		}
	}
	var id int64
	for _, usage := range []string{"gpu_second", "request", "reasoning", "cache_write_1h", "cache_write", "cached_input", "output", "input"} {
		if r, ok := chosen[usage]; ok {
			id = r.ID
		}
	}
	return Priced{Cost: cost, Currency: currency, PriceID: id}, true
}
