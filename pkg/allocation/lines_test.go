package allocation_test

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/allocation"
	"github.com/costlens/costlens/pkg/seed"
	"github.com/costlens/costlens/pkg/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestAllocateLinesFromTheDatabase(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	storetest.Exec(t, pool, `
		INSERT INTO costlens.model_versions (model_version, resource_id, gpus) VALUES
			('qwen-a', 'gpu-1', 1), ('qwen-b', 'gpu-1', 1), ('llama-old', 'gpu-2', 2);
		INSERT INTO costlens.billing_line_items (tenant, provider, resource_id, charge_period_start, charge_period_end,
			pricing_unit, consumed_quantity, billed_cost, billing_currency, tags) VALUES
			('acme', 'alibaba', 'gpu-1', '2026-03-02T10:00Z', '2026-03-02T11:00Z', 'instance-hour', 1, 19.80, 'CNY', '{}'),
			('acme', 'alibaba', 'gpu-2', '2026-03-02T10:00Z', '2026-03-02T11:00Z', 'instance-hour', 1, 136.80, 'CNY', '{}'),
			('acme', 'aws', 'i-123', '2026-03-02T10:00Z', '2026-03-02T11:00Z', 'instance-hour', 1, 10.00, 'USD', '{"model_version":"qwen-b"}');
		INSERT INTO costlens.cost_events (tenant, request_id, ts, model_version, input_tokens, output_tokens, gpu_seconds) VALUES
			('acme',   'e1', '2026-03-02T10:05Z', 'qwen-a', 100, 0, 1200),
			('globex', 'e2', '2026-03-02T10:40Z', 'qwen-b', 300, 0, 600),
			('acme',   'e3', '2026-03-02T10:59Z', 'qwen-b', 100, 0, 300),
			('acme',   'e4', '2026-03-02T11:00Z', 'qwen-a', 999, 0, 999)`)
	day := func(tenant string) map[string]string {
		pool := pool
		if tenant != "" {
			pool = storetest.BoundPool(t, storetest.URLOf(pool), tenant)
		}
		got, err := allocation.Allocate(context.Background(), pool,
			time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		rendered := map[string]string{}
		for _, a := range got {
			rendered[a.ResourceID] = fmt.Sprintf("%s %v", a.Basis, a.Shares)
		}
		return rendered
	}
	check := func(tenant string, want map[string]string) {
		t.Helper()
		if got := day(tenant); !maps.Equal(got, want) {
			t.Errorf("bound to %q:\n got %v\nwant %v", tenant, got, want)
		}
	}
	// Every tenant's usage of a resource is charged back to it; idle stays with the
	// line's owner (acme).
	check("", map[string]string{
		// 3600 GPU-s capacity, 1200 (acme) + 300 (acme) + 600 (globex) used, e4 is in
		// the next hour: 19.80 x 1200/3600 = 6.60; x 300/3600 = 1.65; x 600/3600 = 3.30;
		// idle 19.80 x 1500/3600 = 8.25
		"gpu-1": "gpu_seconds [{qwen-a@acme 6.6} {qwen-b@acme 1.65} {qwen-b@globex 3.3} {idle@acme 8.25}]",
		// 2 GPUs, no traffic at all: the whole 136.80 is idle
		"gpu-2": "none [{idle@acme 136.8}]",
		// tagged line, GPUs unknown: 10.00 by usage 300 : 600 = 3.333.. and 6.666..,
		// truncated to 3.33 and 6.66, the cent left over to the larger share
		"i-123": "gpu_seconds [{qwen-b@acme 3.33} {qwen-b@globex 6.67}]",
	})
	// bound, each tenant gets exactly its part of the unbound answer
	check("acme", map[string]string{
		"gpu-1": "gpu_seconds [{qwen-a@acme 6.6} {qwen-b@acme 1.65} {idle@acme 8.25}]",
		"gpu-2": "none [{idle@acme 136.8}]",
		"i-123": "gpu_seconds [{qwen-b@acme 3.33}]",
	})
	check("globex", map[string]string{
		"gpu-1": "gpu_seconds [{qwen-b@globex 3.3}]",
		"i-123": "gpu_seconds [{qwen-b@globex 6.67}]",
	})
	// globex sees the whole split of a line it is charged on, but not who else used it
	bound := storetest.BoundPool(t, storetest.URLOf(pool), "globex")
	lines, err := allocation.Allocate(context.Background(), bound,
		time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(lines[0].AllShares); lines[0].ResourceID != "gpu-1" || got != "[{qwen-a 6.6} {qwen-b 1.65} {qwen-b@globex 3.3} {idle 8.25}]" {
		t.Errorf("globex's view of %s: %s", lines[0].ResourceID, got)
	}
}

// Conservation over the seed data: for every line, allocated plus idle equals billed.
func TestConservationOverEverySeedLine(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	cfg := seed.Config{Seed: 3, Events: 20_000, Days: 90, End: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	res, err := seed.Run(context.Background(), pool, cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := allocation.Allocate(context.Background(), pool, cfg.Start(), cfg.End)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(got)) != res.LineItems {
		t.Fatalf("%d lines allocated, %d billed", len(got), res.LineItems)
	}
	idle, billed := decimal.Zero, decimal.Zero
	for _, a := range got {
		sum := decimal.Zero
		for _, s := range a.Shares {
			sum = sum.Add(s.Cost)
			if s.ModelVersion == allocation.Idle {
				idle = idle.Add(s.Cost)
			}
		}
		if !sum.Equal(a.BilledCost) {
			t.Fatalf("line %d: shares add to %s, billed %s", a.LineID, sum, a.BilledCost)
		}
		billed = billed.Add(a.BilledCost)
	}
	t.Logf("%d lines, %s CNY billed, %s CNY idle", len(got), billed.StringFixed(2), idle.StringFixed(2))
	if !idle.IsPositive() || !idle.LessThan(billed) {
		t.Errorf("idle %s of %s billed: want some but not all", idle, billed)
	}
}
