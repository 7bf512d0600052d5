package query_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/seed"
	"github.com/costlens/costlens/pkg/store/storetest"
)

// render prints a result completely: every group, every bucket, every total and every
// original-currency amount, so two results compare by their text.
func render(res *query.Result) string {
	var sb strings.Builder
	for _, g := range res.Groups {
		fmt.Fprintf(&sb, "%v total %+v\\n", g.Values, g.Total)
		var times []time.Time
		for t := range g.Buckets {
			times = append(times, t)
		}
		sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
		for _, t := range times {
			fmt.Fprintf(&sb, "  %s %+v\\n", t.UTC().Format(time.RFC3339), *g.Buckets[t])
		}
	}
	return sb.String()
}

// The hourly rollup answers exactly what the events answer, in every zone, bucket and
// cost source it is used for, and stays exact after new events arrive.
func TestRollupAnswersEqualRawAnswers(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	cfg := seed.Config{Seed: 9, Events: 20_000, Days: 90, End: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := seed.Run(context.Background(), pool, cfg); err != nil {
		t.Fatal(err)
	}
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	newYork, _ := time.LoadLocation("America/New_York") // crosses the March DST change
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	r := query.Range{From: cfg.Start().AddDate(0, 0, 20), To: cfg.End.Add(-5 * time.Hour)}
	queries := []query.Query{
		{QueryType: query.TypeCost, Metric: "cost", GroupBy: []string{"feature"}, Interval: "1d", Currency: "USD"},
		{QueryType: query.TypeCost, Metric: "cost_per_1k_tokens", GroupBy: []string{"model"}, Interval: "6h", Currency: "CNY"},
		{QueryType: query.TypeCost, Metric: "requests", GroupBy: []string{"pricing", "tenant"}, Interval: "1w", Currency: "USD"},
		{QueryType: query.TypeCost, Metric: "cost", GroupBy: []string{"quantization"}, Interval: "1M", Currency: "EUR", CostSource: query.SourceReported},
		{QueryType: query.TypeBreakdown, Metric: "cost", GroupBy: []string{"model_version", "feature"}, Currency: "USD", ShowOriginalCurrency: true,
			Filters: []query.Filter{{Dimension: "tenant", Operator: "in", Values: []string{"acme", "globex"}}, {Dimension: "model_size", Operator: "=", Values: []string{"32b"}}}},
		{QueryType: query.TypeBreakdown, Metric: "unpriced_requests", GroupBy: []string{"provider", "region"}, Currency: "USD"},
	}
	compare := func(step string) {
		t.Helper()
		for _, loc := range []*time.Location{time.UTC, shanghai, newYork} {
			for _, q := range queries {
				if q.CostSource == "" {
					q.CostSource = query.SourceTokens
				}
				if err := q.Validate(); err != nil {
					t.Fatal(err)
				}
				env := query.Env{Location: loc}
				withBucket := q.QueryType == query.TypeCost
				bucket := query.BucketFor(q, time.Hour)
				if !query.PlanAggregate(q, r, bucket, env, withBucket).Rollup {
					t.Fatalf("%s %s %s: the rollup was not used", step, loc, q.Metric)
				}
				rolled, err := query.Aggregate(context.Background(), pool, q, r, bucket, env, withBucket)
				if err != nil {
					t.Fatal(err)
				}
				env.RawOnly = true
				raw, err := query.Aggregate(context.Background(), pool, q, r, bucket, env, withBucket)
				if err != nil {
					t.Fatal(err)
				}
				if a, b := render(rolled), render(raw); a != b || len(raw.Groups) == 0 {
					t.Errorf("%s %s %v by %v: rollup and raw differ (%d groups)\\n%s\\n---\\n%s", step, loc, q.Metric, q.GroupBy, len(raw.Groups), a, b)
				}
			}
		}
	}
	compare("seeded")
	// new events, a repriced one and a deleted one: the rollup follows
	storetest.Exec(t, pool, `
		INSERT INTO costlens.cost_events (tenant, request_id, ts, feature, model, model_version, provider, input_tokens, priced_cost, price_currency)
		VALUES ('acme', 'late-1', '2026-02-20T10:15:00Z', 'chat', 'gpt-4o', 'gpt-4o-2024-08-06', 'openai', 500, 123.45, 'USD');
		UPDATE costlens.cost_events SET priced_cost = priced_cost * 2 WHERE request_id IN (SELECT request_id FROM costlens.cost_events WHERE ts >= '2026-02-10' ORDER BY request_id LIMIT 50);
		DELETE FROM costlens.cost_events WHERE request_id IN (SELECT request_id FROM costlens.cost_events WHERE ts >= '2026-02-01' ORDER BY request_id DESC LIMIT 20)`)
	compare("after changes")

	// not used where it cannot be exact
	q := queries[0]
	q.CostSource = query.SourceTokens
	for name, c := range map[string]struct {
		r      query.Range
		bucket query.Bucket
		env    query.Env
	}{
		"half-hour zone":        {r, query.Bucket{Fixed: 24 * time.Hour}, query.Env{Location: kolkata}},
		"range not on the hour": {query.Range{From: r.From.Add(time.Minute), To: r.To}, query.Bucket{Fixed: 24 * time.Hour}, query.Env{Location: time.UTC}},
		"15-minute buckets":     {r, query.Bucket{Fixed: 15 * time.Minute}, query.Env{Location: time.UTC}},
	} {
		if query.PlanAggregate(q, c.r, c.bucket, c.env, true).Rollup {
			t.Errorf("%s: the rollup was used", name)
		}
	}
	byUser := q
	byUser.GroupBy = []string{"user"}
	if query.PlanAggregate(byUser, r, query.Bucket{Fixed: 24 * time.Hour}, query.Env{Location: time.UTC}, true).Rollup {
		t.Error("by user: the rollup was used")
	}
}
