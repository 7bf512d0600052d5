package pricing_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/costlens/costlens/pkg/pricing"
	"github.com/costlens/costlens/pkg/store/storetest"
)

func TestStarterPriceBook(t *testing.T) {
	rows, err := pricing.ParseYAML(pricing.Starter)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.CheckedOn == nil || r.Source == "" {
			t.Errorf("%s %s %s: every starter price names its source and the date it was checked", r.Provider, r.Model, r.UsageType)
		}
		if r.CheckedOn != nil && r.CheckedOn.Before(r.EffectiveFrom.Truncate(24*time.Hour)) {
			t.Errorf("%s %s: checked on %s, before it took effect on %s", r.Provider, r.Model, r.CheckedOn, r.EffectiveFrom)
		}
	}
	pool, _ := storetest.NewPool(t)
	ctx := context.Background()
	first, err := pricing.Apply(ctx, pool, rows)
	if err != nil || first.Added != len(rows) {
		t.Fatalf("first load %+v (%d rows) %v", first, len(rows), err)
	}
	if again, err := pricing.Apply(ctx, pool, rows); err != nil || fmt.Sprint(again) != fmt.Sprint(pricing.ApplyResult{Unchanged: len(rows)}) {
		t.Fatalf("second load %+v %v", again, err)
	}
	b, err := pricing.LoadBook(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	nov := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	// 1000 × 2.50 + 500 × 15.00 + 2000 × 0.25, per 1M
	assertPrice(t, b, "gpt-5.4", "openai", "gpt-5.4", nov, 1000, 500, 2000, "0.0105 USD")
	// a prompt of exactly 100,000 tokens: 100000 × 0.10 + 1000 × 0.50, per 1M
	assertPrice(t, b, "haiku 5.5 at the tier boundary", "anthropic", "claude-haiku-5-5", nov, 100000, 1000, 0, "0.0105 USD")
	// one token more: 100001 × 0.50 + 1000 × 2.50, per 1M
	assertPrice(t, b, "haiku 5.5 above it", "anthropic", "claude-haiku-5-5", nov, 100001, 1000, 0, "0.0525005 USD")
	assertPrice(t, b, "haiku 5.5 before its price took effect", "anthropic", "claude-haiku-5-5", time.Date(2026, 10, 6, 23, 0, 0, 0, time.UTC), 10, 10, 0, "unpriced")
	// a dated snapshot id is not priced by the base model's entry
	assertPrice(t, b, "snapshot id", "openai", "gpt-4o-2024-08-06", nov, 10, 10, 0, "unpriced")
	// an instance-hour list price never prices an event
	assertPrice(t, b, "instance price", "aws", "g5.xlarge", nov, 10, 10, 0, "unpriced")
}
