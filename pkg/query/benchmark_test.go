package query_test

import (
	"context"
	"testing"
	"time"

	"github.com/costlens/costlens/pkg/query"
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
		if err := c.q.Validate(); err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := query.Aggregate(context.Background(), pool, c.q, r, query.BucketFor(c.q, 0), env, c.withBucket); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cfg.Events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
