package pricing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/costlens/costlens/pkg/pricing"
	"github.com/costlens/costlens/pkg/store/storetest"
)

func TestRepriceAfterAPriceChange(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	ctx := context.Background()
	rows, _ := pricing.ParseYAML([]byte(book))
	if _, err := pricing.Apply(ctx, pool, rows); err != nil {
		t.Fatal(err)
	}
	// Three gpt-4o events priced at the old 2.50 input price (0.0025 each for 1000 input
	// tokens), one before and two after the noon change to 2.00, and one unpriced
	// gpt-4o-mini event that the new book prices.
	storetest.Exec(t, pool, `INSERT INTO costlens.cost_events (tenant, request_id, ts, provider, model, input_tokens, priced_cost, price_currency) VALUES
		('acme', 'a', '2026-03-02T11:00:00Z', 'openai', 'gpt-4o', 1000, 0.0025, 'USD'),
		('acme', 'b', '2026-03-02T12:30:00Z', 'openai', 'gpt-4o', 1000, 0.0025, 'USD'),
		('acme', 'c', '2026-03-02T13:00:00Z', 'openai', 'gpt-4o', 1000, 0.0025, 'USD'),
		('acme', 'd', '2026-03-02T13:00:00Z', 'openai', 'gpt-4o-mini', 1000, NULL, NULL)`)
	changed := strings.Replace(strings.Replace(book, "input: 2.50\n    output: 10.00\n    cached_input", "input: 2.00\n    output: 10.00\n    cached_input", 1),
		"effective_from: 2026-01-01\n    source: example", "effective_from: 2026-03-02T12:00:00Z\n    source: example", 1) +
		"  - provider: openai\n    model: gpt-4o-mini\n    currency: USD\n    unit: 1m_tokens\n    effective_from: 2026-01-01\n    input: 0.15\n    output: 0.60\n"
	rows2, err := pricing.ParseYAML([]byte(changed))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pricing.Apply(ctx, pool, rows2); err != nil {
		t.Fatal(err)
	}
	rep, err := pricing.Reprice(ctx, pool, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), "")
	if err != nil {
		t.Fatal(err)
	}
	// a keeps 0.0025 (its price_id was never set, so it is stamped: changed);
	// b and c drop to 0.002 each (-0.001); d is newly priced at 1000 × 0.15/1M = 0.00015
	if rep.Examined != 4 || rep.Changed != 4 || rep.NewlyPriced != 1 || rep.NewlyUnpriced != 0 || rep.Delta["USD"] != "-0.00085" {
		t.Errorf("report %+v", rep)
	}
	var total string
	if err := pool.QueryRow(ctx, "SELECT sum(priced_cost)::text FROM costlens.cost_events").Scan(&total); err != nil || total != "0.00665" {
		t.Errorf("total after repricing %s (%v), want 0.0025 + 0.002 + 0.002 + 0.00015 = 0.00665", total, err)
	}
	again, err := pricing.Reprice(ctx, pool, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), "")
	if err != nil || again.Changed != 0 || len(again.Delta) != 0 {
		t.Errorf("repricing twice: %+v %v", again, err)
	}
}
