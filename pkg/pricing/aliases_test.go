package pricing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/costlens/costlens/pkg/ingest"
	"github.com/costlens/costlens/pkg/pricing"
	"github.com/costlens/costlens/pkg/store/storetest"
)

const aliasedBook = `
prices:
  - {provider: openai, model: gpt-4o, currency: USD, unit: 1m_tokens, effective_from: 2026-01-01, input: "2.50", output: "10.00"}
  - {provider: openai, model: gpt-4o-2024-05-13, currency: USD, unit: 1m_tokens, effective_from: 2026-01-01, input: "5.00", output: "15.00"}
provider_aliases:
  - {name: OpenAI, provider: openai}
  - {name: azure_openai, provider: openai}
model_aliases:
  - {provider: openai, model: 'gpt-4o-20*', pattern: true, price_as: gpt-4o}
  - {provider: openai, model: chatgpt-4o-latest, price_as: gpt-4o}
`

// Names that match: events name providers and models as their sources do; the book's
// aliases price them, applied when the event is priced, and a snapshot with a price of
// its own keeps it.
func TestAliasesPriceTheNamesEventsUse(t *testing.T) {
	ctx := context.Background()
	pool, _ := storetest.NewPool(t)
	rows, err := pricing.ParseYAML([]byte(aliasedBook))
	if err != nil {
		t.Fatal(err)
	}
	aliases, err := pricing.ParseAliases([]byte(aliasedBook))
	if err != nil {
		t.Fatal(err)
	}
	res, err := pricing.Apply(ctx, pool, rows, aliases...)
	if err != nil || res.Added != 4 || res.Aliases != 4 {
		t.Fatalf("apply: %+v %v", res, err)
	}
	if again, err := pricing.Apply(ctx, pool, rows, aliases...); err != nil || again.Aliases != 0 || again.Unchanged != 4 {
		t.Fatalf("apply again: %+v %v", again, err)
	}
	// each request: 1,000 input and 500 output tokens
	events := `{"tenant":"acme","request_id":"a1","ts":"2026-03-02T10:00:00Z","provider":"OpenAI","model":"gpt-4o-2024-08-06","input_tokens":1000,"output_tokens":500}
{"tenant":"acme","request_id":"a2","ts":"2026-03-02T10:00:00Z","provider":"azure_openai","model":"gpt-4o-2024-05-13","input_tokens":1000,"output_tokens":500}
{"tenant":"acme","request_id":"a3","ts":"2026-03-02T10:00:00Z","provider":"openai","model":"chatgpt-4o-latest","input_tokens":1000,"output_tokens":500}
{"tenant":"acme","request_id":"a4","ts":"2026-03-02T10:00:00Z","provider":"Anthropic","model":"claude-3-5-sonnet-20241022","input_tokens":1000,"output_tokens":500}
{"tenant":"acme","request_id":"a5","ts":"2026-03-02T10:00:00Z","provider":"openai","model":"gpt-4o-mini-2024-07-18x","input_tokens":1000,"output_tokens":500}`
	if rep, err := ingest.IngestEvents(ctx, pool, strings.NewReader(events), ingest.Rules{}); err != nil || rep.Accepted != 5 {
		t.Fatalf("upload: %+v %v", rep, err)
	}
	for id, want := range map[string]string{
		// gpt-4o's prices: 1000 × 2.50/1M + 500 × 10.00/1M = 0.0025 + 0.005
		"a1": "0.0075 USD gpt-4o input",
		// its own price (azure_openai is openai): 1000 × 5/1M + 500 × 15/1M = 0.005 + 0.0075
		"a2": "0.0125 USD gpt-4o-2024-05-13 input",
		// a name alias
		"a3": "0.0075 USD gpt-4o input",
		// no price and no alias: unpriced, not zero
		"a4": "unpriced",
		// "gpt-4o-mini-2024-07-18x" does not match gpt-4o-20*: unpriced
		"a5": "unpriced",
	} {
		var got string
		err := pool.QueryRow(ctx, `SELECT coalesce(e.priced_cost::numeric(20,6)::float8::text || ' ' || e.price_currency || ' ' || p.model || ' ' || p.usage_type, 'unpriced')
			FROM costlens.cost_events e LEFT JOIN costlens.price_book p ON p.id = e.price_id WHERE e.request_id = $1`, id).Scan(&got)
		if err != nil || got != want {
			t.Errorf("%s: %q (%v), want %q", id, got, err, want)
		}
	}
	// the stored events keep the names they were sent with
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM costlens.cost_events WHERE provider = 'OpenAI' AND model = 'gpt-4o-2024-08-06'").Scan(&n); err != nil || n != 1 {
		t.Errorf("stored names: %d (%v)", n, err)
	}
	// and the book without its aliases prices none of the renamed ones
	plain := pricing.NewBook(nil)
	if _, ok := plain.PriceFor("OpenAI", "gpt-4o-2024-08-06", time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), pricing.Usage{Input: 1}); ok {
		t.Error("priced without any price")
	}
}

func TestParseAliasesNamesTheBadEntry(t *testing.T) {
	for body, want := range map[string]string{
		"provider_aliases:\n  - {name: OpenAI}\n":                                              "provider_aliases[0]: provider or price_as is required",
		"model_aliases:\n  - {provider: openai, price_as: gpt-4o}\n":                           "model_aliases[0]: model is required",
		"model_aliases:\n  - {provider: openai, model: 'gpt-[', pattern: true, price_as: x}\n": `model_aliases[0]: model pattern "gpt-["`,
		"provider_aliases:\n  - {name: a, provider: b}\n  - {name: a, provider: c}\n":          "provider_aliases[1]: the same alias as provider_aliases[0]",
		"model_aliases:\n  - {provider: openai, model: x, price_ass: y}\n":                     "field price_ass not found",
		"provider_aliases:\n  - {name: \"Open\\u200bAI\", provider: openai}\n":                 "provider_aliases[0]:",
	} {
		_, err := pricing.ParseAliases([]byte(body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", body, err, want)
		}
	}
}
