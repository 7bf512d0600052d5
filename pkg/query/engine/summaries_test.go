package engine_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/costlens/costlens/pkg/plugin"
	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/query/engine"
	"github.com/costlens/costlens/pkg/seed"
	"github.com/costlens/costlens/pkg/store/storetest"
)

// frameText renders frames as Grafana receives them, less the SQL they ran (which
// differs between a summary plan and a raw one by design).
func frameText(t *testing.T, frames data.Frames) string {
	t.Helper()
	var sb strings.Builder
	for _, f := range frames {
		if f.Meta != nil {
			f.Meta.ExecutedQueryString = ""
		}
		b, err := f.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		sb.Write(b)
		sb.WriteByte('\n')
	}
	return sb.String()
}

func loadZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// tiersOf lists the tiers a plan reads, in a fixed order.
func tiersOf(p engine.AggregatePlan) string {
	var out []string
	for _, name := range []string{"daily", "daily_user", "hourly", "hourly_user", "events"} {
		if p.Reads(name) {
			out = append(out, name)
		}
	}
	return strings.Join(out, "+")
}

// Every query type answers from the summaries exactly what it answers from the events,
// for the ranges Grafana sends (now-30d..now, now/M..now, now-6h..now, none on the
// hour), in UTC, whole-hour zones, a zone crossing a DST change, and half-hour and
// 45-minute zones; and stays exact after late, restated, deleted and moved events.
func TestSummaryAnswersEqualRawAnswers(t *testing.T) {
	db := storetest.New(t)
	pool := db.Role
	cfg := seed.Config{Seed: 9, Events: 20_000, Days: 90, End: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)}
	if _, err := seed.Run(context.Background(), pool, cfg); err != nil {
		t.Fatal(err)
	}
	storetest.Exec(t, pool, `INSERT INTO costlens.budgets (tenant, scope_dimension, scope_value, period, amount, currency)
		VALUES ('', 'feature', 'chat', 'week', 50, 'USD') ON CONFLICT DO NOTHING`)
	zones := []*time.Location{time.UTC, loadZone(t, "Asia/Shanghai"), loadZone(t, "America/New_York"),
		loadZone(t, "Asia/Kolkata"), loadZone(t, "Asia/Kathmandu")}
	now := time.Date(2026, 3, 14, 19, 17, 13, 0, time.UTC)
	ranges := func(loc *time.Location) map[string]query.Range {
		lt := now.In(loc)
		return map[string]query.Range{
			"now-30d..now": {From: now.AddDate(0, 0, -30), To: now},
			"now/M..now":   {From: time.Date(lt.Year(), lt.Month(), 1, 0, 0, 0, 0, loc), To: now},
			"now-6h..now":  {From: now.Add(-6 * time.Hour), To: now},
		}
	}
	tenants := query.Filter{Dimension: "tenant", Operator: "in", Values: []string{"acme", "globex"}}
	queries := []query.Query{
		{QueryType: query.TypeCost, Metric: "cost", GroupBy: []string{"feature"}, Interval: "1d", Currency: "USD"},
		{QueryType: query.TypeCost, Metric: "cost_per_1k_tokens", GroupBy: []string{"model"}, Interval: "6h", Currency: "CNY"},
		{QueryType: query.TypeCost, Metric: "requests", GroupBy: []string{"pricing", "tenant"}, Interval: "1w", Currency: "USD"},
		{QueryType: query.TypeCost, Metric: "cost", GroupBy: []string{"quantization"}, Interval: "1M", Currency: "EUR", CostSource: query.SourceReported},
		{QueryType: query.TypeCost, Metric: "cost", GroupBy: []string{"user"}, Interval: "1d", Currency: "USD"},
		{QueryType: query.TypeCost, Metric: "tokens", GroupBy: []string{"provider"}, Interval: "15m", Currency: "USD"},
		{QueryType: query.TypeBreakdown, Metric: "cost", GroupBy: []string{"model_version", "feature"}, Currency: "USD", ShowOriginalCurrency: true,
			Filters: []query.Filter{tenants, {Dimension: "model_size", Operator: "=", Values: []string{"32b"}}}},
		{QueryType: query.TypeBreakdown, Metric: "unpriced_requests", GroupBy: []string{"provider", "region"}, Currency: "USD"},
		{QueryType: query.TypeBreakdown, Metric: "cost", GroupBy: []string{"user"}, Currency: "CNY", TopN: 5,
			Filters: []query.Filter{tenants, {Dimension: "feature", Operator: "!=", Values: []string{"chat"}}}},
		{QueryType: query.TypeCost, Metric: "cost", GroupBy: []string{"model_version"}, Interval: "1d", Currency: "CNY", CostSource: query.SourceBlended},
		{QueryType: query.TypeKPI, Currency: "USD"},
		{QueryType: query.TypeBudget, Currency: "USD"},
		{QueryType: query.TypeForecast, GroupBy: []string{"tenant"}, Output: "table", Currency: "USD"},
		{QueryType: query.TypeForecast, GroupBy: []string{"user"}, Output: "alert", Metric: "percent_of_budget", Budget: "100", Currency: "USD"},
		{QueryType: query.TypeAnomalies, GroupBy: []string{"feature"}, Output: "table", Interval: "1d", Currency: "USD"},
		{QueryType: query.TypeAnomalies, GroupBy: []string{"model_version"}, Output: "alert", Interval: "1d", Currency: "USD"},
	}
	for i := range queries {
		q := &queries[i]
		if q.CostSource == "" {
			q.CostSource = query.SourceTokens
		}
		if q.Metric == "" {
			q.Metric = q.QueryType.Metrics()[0].Key
		}
		prepared, err := query.Prepare(*q, query.Defaults{Currency: "USD"})
		if err != nil {
			t.Fatalf("query %d: %v", i, err)
		}
		*q = prepared
	}
	ctx := context.Background()
	compare := func(step string, p *pgxpool.Pool, zones ...*time.Location) {
		t.Helper()
		for _, loc := range zones {
			for name, r := range ranges(loc) {
				for _, q := range queries {
					env := query.Env{Location: loc}
					summarised, err := plugin.Run(ctx, p, q, r, time.Hour, env)
					if err != nil {
						t.Fatalf("%s %s %s %s: %v", step, loc, name, q.QueryType, err)
					}
					env.RawOnly = true
					raw, err := plugin.Run(ctx, p, q, r, time.Hour, env)
					if err != nil {
						t.Fatal(err)
					}
					a, b := frameText(t, summarised), frameText(t, raw)
					if a != b {
						t.Errorf("%s %s %s %s %s by %v: summaries and events differ\n%s\n---\n%s", step, loc, name, q.QueryType, q.Metric, q.GroupBy, a, b)
					}
					// (a table of anomalies may rightly be empty, and six hours hold no whole day)
					mayBeEmpty := q.QueryType == query.TypeAnomalies && (q.Output == "table" || name == "now-6h..now")
					if (len(raw) == 0 || raw[0].Rows() == 0) && !mayBeEmpty {
						t.Errorf("%s %s %s %s by %v: no rows to compare", step, loc, name, q.QueryType, q.GroupBy)
					}
				}
			}
		}
	}
	compare("seeded", pool, zones...)

	// template variables' values too
	for _, key := range []string{"feature", "user", "model_size", "tenant", "pricing"} {
		d, _ := query.DimensionByKey(key)
		filters := []query.Filter{{Dimension: "provider", Operator: "!=", Values: []string{"openai"}}}
		if key == "user" {
			filters = []query.Filter{{Dimension: "feature", Operator: "in", Values: []string{"chat", "agent"}}}
		}
		for name, r := range ranges(time.UTC) {
			got, err := engine.DimensionValues(ctx, pool, d, filters, r, query.Env{Location: time.UTC}, 100)
			if err != nil {
				t.Fatal(err)
			}
			want, err := engine.DimensionValues(ctx, pool, d, filters, r, query.Env{Location: time.UTC, RawOnly: true}, 100)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) || len(want) == 0 {
				t.Errorf("values of %s over %s: %v from summaries, %v from events", key, name, got, want)
			}
		}
	}

	// the parts each plan reads: whole days and hours from summaries, edges from events
	plan := func(q query.Query, r query.Range, loc *time.Location) string {
		return tiersOf(engine.PlanAggregate(engine.RequestOf(q), r, query.BucketFor(q, time.Hour), query.Env{Location: loc}, q.QueryType == query.TypeCost))
	}
	last30 := ranges(time.UTC)["now-30d..now"]
	for _, c := range []struct {
		name string
		q    query.Query
		loc  *time.Location
		want string
	}{
		{"daily by feature, UTC", queries[0], time.UTC, "daily+hourly+events"},
		{"daily by feature, Shanghai (local days are not UTC days)", queries[0], zones[1], "hourly+events"},
		{"daily by feature, Kolkata (local midnight inside a UTC hour)", queries[0], zones[3], "hourly+events"},
		{"by user", queries[4], time.UTC, "daily_user+hourly_user+events"},
		{"15-minute buckets", queries[5], time.UTC, "events"},
		{"top model versions of two tenants, by a part of the version", queries[6], time.UTC, "daily+hourly+events"},
		{"top users but chat", queries[8], time.UTC, "daily_user+hourly_user+events"},
	} {
		if got := plan(c.q, last30, c.loc); got != c.want {
			t.Errorf("%s: reads %s, want %s", c.name, got, c.want)
		}
	}
	// an empty range (the first hour of a month, aligned to the hour) answers nothing, not an SQL error
	empty := query.Range{From: now.Truncate(time.Hour), To: now.Truncate(time.Hour)}
	for _, q := range []query.Query{queries[0], queries[4]} {
		res, err := engine.Aggregate(ctx, pool, engine.RequestOf(q), empty, query.BucketFor(q, time.Hour), query.Env{Location: time.UTC}, true)
		if err != nil || len(res.Groups) != 0 {
			t.Errorf("empty range by %v: %v, %v", q.GroupBy, res, err)
		}
		if vals, err := engine.DimensionValues(ctx, pool, mustDimension(t, q.GroupBy[0]), nil, empty, query.Env{Location: time.UTC}, 10); err != nil || len(vals) != 0 {
			t.Errorf("values of %s over an empty range: %v, %v", q.GroupBy[0], vals, err)
		}
	}
	// a range on the hour needs no events at all
	aligned := query.Range{From: now.Truncate(24*time.Hour).AddDate(0, 0, -30), To: now.Truncate(time.Hour)}
	if got := plan(queries[0], aligned, time.UTC); got != "daily+hourly" {
		t.Errorf("aligned range reads %s", got)
	}

	// late events, restated prices, deletions, an event in a month without a partition
	// (the default partition), then that month's partition made: the rows move
	storetest.Exec(t, pool, `
		INSERT INTO costlens.cost_events (tenant, request_id, ts, feature, user_id, model, model_version, provider, input_tokens, priced_cost, price_currency)
		VALUES ('acme', 'late-1', '2026-02-20T10:15:00Z', 'chat', 'u-acme-01', 'gpt-4o', 'gpt-4o-2024-08-06', 'openai', 500, 123.45, 'USD'),
		       ('acme', 'late-2', '2026-03-14T18:59:59Z', 'chat', 'u-acme-02', 'gpt-4o', 'gpt-4o-2024-08-06', 'openai', 900, 7.5, 'USD'),
		       ('globex', 'old-1', '2025-06-10T23:45:00Z', 'search', 'u-globex-01', 'gpt-4o', 'gpt-4o-2024-08-06', 'openai', 100, 1.25, 'USD');
		UPDATE costlens.cost_events SET priced_cost = priced_cost * 2 WHERE request_id IN (SELECT request_id FROM costlens.cost_events WHERE ts >= '2026-03-01' ORDER BY request_id LIMIT 50);
		UPDATE costlens.cost_events SET priced_cost = NULL, price_currency = NULL, feature = 'moved' WHERE request_id IN (SELECT request_id FROM costlens.cost_events WHERE ts >= '2026-02-25' ORDER BY request_id DESC LIMIT 7);
		DELETE FROM costlens.cost_events WHERE request_id IN (SELECT request_id FROM costlens.cost_events WHERE ts >= '2026-03-01' ORDER BY request_id DESC LIMIT 20);
		SELECT costlens.ensure_event_months(ARRAY['2025-06-10T00:00:00Z'::timestamptz])`)
	compare("after changes", pool, time.UTC, zones[2], zones[3])
	june := query.Range{From: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)}
	res, err := engine.Aggregate(ctx, pool, engine.RequestOf(queries[7]), june, query.Bucket{}, query.Env{Location: time.UTC}, false)
	if err != nil || len(res.Groups) != 1 || res.Groups[0].Total.Requests != 1 {
		t.Fatalf("the moved June event: %+v, %v", res, err)
	}

	// the trigger-kept summaries are exactly what a rebuild from the events gives
	checksum := func() string {
		var sum string
		if err := db.Owner.QueryRow(ctx, `SELECT md5(
			(SELECT coalesce(string_agg(h::text, ';' ORDER BY h::text), '') FROM costlens.cost_hourly h) ||
			(SELECT coalesce(string_agg(d::text, ';' ORDER BY d::text), '') FROM costlens.cost_daily d) ||
			(SELECT coalesce(string_agg(v::text, ';' ORDER BY v::text), '') FROM costlens.cost_hourly_user v) ||
			(SELECT coalesce(string_agg(u::text, ';' ORDER BY u::text), '') FROM costlens.cost_daily_user u))`).Scan(&sum); err != nil {
			t.Fatal(err)
		}
		return sum
	}
	kept := checksum()
	var read int64
	if err := pool.QueryRow(ctx, "SELECT costlens.rebuild_summaries('2025-01-01', '2026-04-01')").Scan(&read); err != nil {
		t.Fatal(err)
	}
	var stored int64
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM costlens.cost_events").Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if rebuilt := checksum(); kept != rebuilt || read != stored {
		t.Errorf("summaries kept on the write path differ from a rebuild (%d of %d events read)", read, stored)
	}

	// a role that may only read answers from the summaries too: no query writes
	reader := storetest.ReadOnlyPool(t, db)
	compare("read-only role", reader, time.UTC)

	// a tenant-bound session reads its own summary rows only, and gets its part of the answer
	bound := storetest.BoundPool(t, db.URL, "globex")
	q := queries[7]
	got, err := engine.Aggregate(ctx, bound, engine.RequestOf(q), last30, query.Bucket{}, query.Env{Location: time.UTC, Tenant: "globex"}, false)
	if err != nil {
		t.Fatal(err)
	}
	q.Filters = []query.Filter{{Dimension: "tenant", Operator: "=", Values: []string{"globex"}}}
	want, err := engine.Aggregate(ctx, pool, engine.RequestOf(q), last30, query.Bucket{}, query.Env{Location: time.UTC, RawOnly: true}, false)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := render(got), render(want); a != b || len(want.Groups) == 0 {
		t.Errorf("bound globex from summaries:\n%s\nwant (raw, filtered):\n%s", a, b)
	}
}

func mustDimension(t *testing.T, key string) query.Dimension {
	t.Helper()
	d, ok := query.DimensionByKey(key)
	if !ok {
		t.Fatalf("no dimension %q", key)
	}
	return d
}

// render prints a result completely: every group, every bucket, every total and every
// original-currency amount, so two results compare by their text.
func render(res *engine.Result) string {
	var sb strings.Builder
	for _, g := range res.Groups {
		fmt.Fprintf(&sb, "%v total %+v\n", g.Values, g.Total)
		var times []time.Time
		for t := range g.Buckets {
			times = append(times, t)
		}
		sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
		for _, t := range times {
			fmt.Fprintf(&sb, "  %s %+v\n", t.UTC().Format(time.RFC3339), *g.Buckets[t])
		}
	}
	return sb.String()
}
