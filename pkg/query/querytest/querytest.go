// Package querytest holds what the query packages' tests share: the example week of
// storetest.SeedExample, a UTC environment, and a database holding the example.
package querytest

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/store/storetest"
)

// Week is the example week: Mon 2026-03-02 00:00 UTC to Mon 2026-03-09 00:00 UTC.
var Week = query.Range{
	From: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
	To:   time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC),
}

// UTC is a data source's environment in UTC, unbound.
var UTC = query.Env{Location: time.UTC}

// Prepared is q with its defaults (USD, token prices, the type's first metric) and
// validated, as Parse would give it; the test fails if it does not validate.
func Prepared(t *testing.T, q query.Query) query.Query {
	t.Helper()
	q, err := query.Prepare(q, query.Defaults{Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// Billed is Seeded with GPU time on two events of the self-hosted model version, the
// version on resource eas-1, and two hourly bills of that resource: 19.80 CNY to acme
// on 2 March 11:00 and 29.00 CNY to globex on 7 March 12:00.
func Billed(t *testing.T) *pgxpool.Pool {
	pool := Seeded(t)
	storetest.Exec(t, pool, `
		UPDATE costlens.cost_events SET gpu_seconds = 900 WHERE request_id = 'r2';
		UPDATE costlens.cost_events SET gpu_seconds = 1800 WHERE request_id = 'r5';
		INSERT INTO costlens.model_versions (model_version, model, resource_id, gpus) VALUES
			('qwen2.5-32b-v1.2-fp16', 'qwen2.5-32b', 'eas-1', 1);
		INSERT INTO costlens.billing_line_items (tenant, provider, region, resource_id, charge_period_start, charge_period_end,
			pricing_unit, consumed_quantity, billed_cost, billing_currency, tags) VALUES
			('acme',   'alibaba', 'cn-hangzhou', 'eas-1', '2026-03-02T11:00Z', '2026-03-02T12:00Z', 'instance-hour', 1, 19.80, 'CNY', '{}'),
			('globex', 'alibaba', 'cn-hangzhou', 'eas-1', '2026-03-07T12:00Z', '2026-03-07T13:00Z', 'instance-hour', 1, 29.00, 'CNY', '{}')`)
	return pool
}

// Seeded is a fresh database holding storetest.SeedExample, as the Grafana role.
func Seeded(t *testing.T) *pgxpool.Pool {
	pool, _ := storetest.NewPool(t)
	storetest.SeedExample(t, pool)
	return pool
}
