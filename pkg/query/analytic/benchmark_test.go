package analytic_test

import (
	"context"
	"testing"
	"time"

	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/query/analytic"
	"github.com/costlens/costlens/pkg/query/engine"
	"github.com/costlens/costlens/pkg/seed"
	"github.com/costlens/costlens/pkg/store/storetest"
)

// BenchmarkAggregate measures the two panel queries over 90 days of seed data
// (BENCH: go test -run '^$' -bench Aggregate ./pkg/query, with PostgreSQL as for the tests).
func BenchmarkAggregate(b *testing.B) {
	pool, _ := storetest.NewPool(b)
	cfg := seed.Config{Seed: 1, Events: 200_000, Days: 90, End: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := seed.Run(context.Background(), pool, cfg); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(context.Background(), "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	r := query.Range{From: cfg.Start(), To: cfg.End}
	env := query.Env{Location: time.UTC}
	cases := []struct {
		name       string
		q          query.Query
		withBucket bool
	}{
		{"daily cost by feature in CNY", query.Query{QueryType: query.TypeCost, Metric: "cost", GroupBy: []string{"feature"}, Interval: "1d"}, true},
		{"top model versions in USD", query.Query{QueryType: query.TypeBreakdown, Metric: "cost", GroupBy: []string{"model", "model_version"}, TopN: 10}, false},
	}
	for _, c := range cases {
		c.q.CostSource = query.SourceTokens
		c.q.Currency = "USD"
		if c.withBucket {
			c.q.Currency = "CNY"
		}
		var err error
		if c.q, err = query.Prepare(c.q, query.Defaults{Currency: "USD"}); err != nil {
			b.Fatal(err)
		}
		for _, raw := range []bool{true, false} {
			e := env
			e.RawOnly = raw
			name := c.name + ", summaries"
			if raw {
				name = c.name + ", raw events"
			}
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					if _, err := engine.Aggregate(context.Background(), pool, engine.RequestOf(c.q), r, query.BucketFor(c.q, 0), e, c.withBucket); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(cfg.Events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

// BenchmarkAlertEvaluation1000Series is one evaluation of the anomaly and the
// forecast alert rules over 1,000 series (users) × 90 days: two events per user and
// day, 180,000 in all, read, aggregated, converted and scored end to end.
func BenchmarkAlertEvaluation1000Series(b *testing.B) {
	pool, _ := storetest.NewPool(b)
	end := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)
	storetest.Exec(b, pool, `INSERT INTO costlens.cost_events (tenant, request_id, ts, feature, user_id, model, model_version,
		provider, input_tokens, output_tokens, priced_cost, price_currency)
		SELECT 'acme', 'r' || u || '-' || d || '-' || k, $1::timestamptz - (d || ' days')::interval + (k * 7 || ' hours')::interval,
		       'chat', 'u' || u, 'gpt-x', 'gpt-x-v1', 'openai', 1000, 100,
		       ((0.01 + (u % 50) * 0.001) * (1 + 0.3 * sin(d + u)) * CASE WHEN extract(isodow FROM $1::timestamptz - (d || ' days')::interval) > 5 THEN 0.5 ELSE 1 END)::numeric(12, 6),
		       'USD'
		FROM generate_series(1, 1000) u, generate_series(1, 90) d, generate_series(1, 2) k`, end)
	if _, err := pool.Exec(context.Background(), "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	env := query.Env{Location: time.UTC}
	now := end.Add(-6 * time.Hour)
	anomalies := query.Query{QueryType: query.TypeAnomalies, GroupBy: []string{"user"}, Output: "alert", Metric: "percent_of_baseline",
		Baseline: "ma7", ThresholdPercent: 120, Interval: "1d", Currency: "USD", CostSource: query.SourceTokens}
	forecast := query.Query{QueryType: query.TypeForecast, GroupBy: []string{"user"}, Output: "alert", Metric: "percent_of_budget",
		Budget: "100", Currency: "USD", CostSource: query.SourceTokens}
	for _, q := range []*query.Query{&anomalies, &forecast} {
		prepared, err := query.Prepare(*q, query.Defaults{Currency: "USD"})
		if err != nil {
			b.Fatal(err)
		}
		*q = prepared
	}
	b.Run("anomalies by user, last 3 days judged", func(b *testing.B) {
		for b.Loop() {
			series, _, err := analytic.Anomalies(context.Background(), pool, anomalies, query.Range{From: now.AddDate(0, 0, -3), To: now}, env)
			if err != nil || len(series) != 1000 {
				b.Fatalf("%d series, %v", len(series), err)
			}
		}
	})
	b.Run("month-end forecast by user", func(b *testing.B) {
		for b.Loop() {
			fs, err := analytic.Forecasts(context.Background(), pool, forecast, query.Range{From: now.Add(-time.Hour), To: now}, env)
			if err != nil || len(fs) != 1000 {
				b.Fatalf("%d forecasts, %v", len(fs), err)
			}
		}
	})
}
