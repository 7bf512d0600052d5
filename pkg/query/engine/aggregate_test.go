package engine_test

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/query/engine"
	"github.com/costlens/costlens/pkg/query/querytest"
	"github.com/costlens/costlens/pkg/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var (
	week = querytest.Week
	utc  = querytest.UTC
)

func seeded(t *testing.T) *pgxpool.Pool { return querytest.Seeded(t) }

func mustQuery(t *testing.T, q query.Query) query.Query { return querytest.Prepared(t, q) }

func breakdown(t *testing.T, pool *pgxpool.Pool, q query.Query, env query.Env) *engine.Result {
	t.Helper()
	q.QueryType = query.TypeBreakdown
	res, err := engine.Aggregate(context.Background(), pool, engine.RequestOf(mustQuery(t, q)), week, query.Bucket{}, env, false)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func assertMoney(t *testing.T, what string, got decimal.Decimal, want string) {
	t.Helper()
	if !got.Equal(dec(want)) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

func TestTotalsInUSD(t *testing.T) {
	res := breakdown(t, seeded(t), query.Query{}, utc)
	if len(res.Groups) != 1 {
		t.Fatalf("%d groups, want 1", len(res.Groups))
	}
	tot := res.Groups[0].Total
	// 0.0075 + 0.0720/7.20 + 0.00225 + 0.012 + 0.0725/7.25 (Saturday: Friday's rate)
	assertMoney(t, "cost", tot.Cost, "0.04175")
	if tot.Requests != 6 || tot.Unpriced != 1 {
		t.Errorf("requests %d unpriced %d, want 6 and 1", tot.Requests, tot.Unpriced)
	}
	if tot.InputTokens != 7600 || tot.OutputTokens != 2850 || tot.CachedTokens != 1000 {
		t.Errorf("tokens in/out/cached = %d/%d/%d, want 7600/2850/1000", tot.InputTokens, tot.OutputTokens, tot.CachedTokens)
	}
	checks := map[string]string{
		"tokens":             "11450",
		"unpriced_requests":  "1",
		"cost_per_request":   "0.00835",        // 0.04175 / 5 priced requests
		"cost_per_1k_tokens": "0.003694690265", // 41.75 / 11300 priced tokens, 12 places
	}
	for metric, want := range checks {
		v, ok := tot.Value(metric)
		if !ok {
			t.Errorf("%s undefined", metric)
			continue
		}
		assertMoney(t, metric, v, want)
	}
}

func TestReportedCostSourceConvertsCNYAtTheDaysRate(t *testing.T) {
	res := breakdown(t, seeded(t), query.Query{CostSource: query.SourceReported}, utc)
	tot := res.Groups[0].Total
	// 0.0080 + 0.0020 USD + 0.10 CNY / 7.20 on Tue 03-03
	assertMoney(t, "reported cost", tot.Cost.Round(10), "0.0238888889")
	if tot.Unpriced != 3 {
		t.Errorf("events without a reported cost = %d, want 3", tot.Unpriced)
	}
}

func TestBreakdownByFeatureLargestFirstWithOriginalCurrencies(t *testing.T) {
	res := breakdown(t, seeded(t), query.Query{GroupBy: []string{"feature"}, ShowOriginalCurrency: true}, utc)
	want := []struct {
		feature, cost string
		original      map[string]string
	}{
		{"chat", "0.0295", map[string]string{"USD": "0.0195", "CNY": "0.072"}},
		{"summarize", "0.01", map[string]string{"CNY": "0.0725"}},
		{"search", "0.00225", map[string]string{"USD": "0.00225"}},
	}
	if len(res.Groups) != len(want) {
		t.Fatalf("%d groups, want %d", len(res.Groups), len(want))
	}
	for i, w := range want {
		g := res.Groups[i]
		if g.Values[0] != w.feature {
			t.Fatalf("row %d is %q, want %q", i, g.Values[0], w.feature)
		}
		assertMoney(t, w.feature+" cost", g.Total.Cost, w.cost)
		if len(g.Total.Original) != len(w.original) {
			t.Errorf("%s originals %v, want %v", w.feature, g.Total.Original, w.original)
		}
		for cur, amount := range w.original {
			assertMoney(t, w.feature+" original "+cur, g.Total.Original[cur], amount)
		}
	}
}

func TestGroupBySeveralDimensions(t *testing.T) {
	res := breakdown(t, seeded(t), query.Query{GroupBy: []string{"tenant", "provider"}}, utc)
	got := map[string]string{}
	for _, g := range res.Groups {
		got[strings.Join(g.Values, "/")] = g.Total.Cost.String()
	}
	want := map[string]string{
		"acme/openai":      "0.00975", // r1 + r3
		"acme/alibaba":     "0.01",    // r2
		"acme/selfhost":    "0",       // r6, unpriced
		"globex/anthropic": "0.012",
		"globex/alibaba":   "0.01",
	}
	if len(got) != len(want) {
		t.Fatalf("groups %v, want %v", got, want)
	}
	for k, v := range want {
		if !dec(got[k]).Equal(dec(v)) {
			t.Errorf("%s = %s, want %s", k, got[k], v)
		}
	}
	if first := strings.Join(res.Groups[0].Values, "/"); first != "globex/anthropic" {
		t.Errorf("largest first: got %s", first)
	}
}

func TestFilters(t *testing.T) {
	pool := seeded(t)
	cases := []struct {
		name    string
		filters []query.Filter
		want    string
	}{
		{"equals", []query.Filter{{Dimension: "model_version", Operator: "=", Values: []string{"qwen2.5-32b-v1.2-fp16"}}}, "0.02"},
		{"not equals", []query.Filter{{Dimension: "feature", Operator: "!=", Values: []string{"chat"}}}, "0.01225"},
		{"in", []query.Filter{{Dimension: "feature", Operator: "in", Values: []string{"chat", "search"}}}, "0.03175"},
		{"not in", []query.Filter{{Dimension: "provider", Operator: "not in", Values: []string{"openai", "anthropic"}}}, "0.02"},
		// a multi-value template variable arrives as several values on "="
		{"multi-value variable", []query.Filter{{Dimension: "feature", Operator: "=", Values: []string{"summarize", "search"}}}, "0.01225"},
		{"user and tenant together", []query.Filter{
			{Dimension: "user", Operator: "=", Values: []string{"u1"}},
			{Dimension: "tenant", Operator: "=", Values: []string{"acme"}},
		}, "0.00975"},
		{"value containing SQL stays a value", []query.Filter{{Dimension: "feature", Operator: "=", Values: []string{"chat' OR '1'='1"}}}, "0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := breakdown(t, pool, query.Query{Filters: c.filters}, utc)
			got := decimal.Zero
			if len(res.Groups) > 0 {
				got = res.Groups[0].Total.Cost
			}
			assertMoney(t, "cost", got, c.want)
		})
	}
}

func TestBoundTenantSeesOnlyItsRows(t *testing.T) {
	res := breakdown(t, seeded(t), query.Query{}, query.Env{Location: time.UTC, Tenant: "globex"})
	tot := res.Groups[0].Total
	assertMoney(t, "globex cost", tot.Cost, "0.022")
	if tot.Requests != 2 {
		t.Errorf("globex requests = %d, want 2", tot.Requests)
	}
}

func TestNormaliseToCNYAndThroughCrossRatesToEUR(t *testing.T) {
	pool := seeded(t)
	res := breakdown(t, pool, query.Query{Currency: "CNY"}, utc)
	// 0.0075*7.2 + 0.072 + 0.00225*7.2 + 0.012*7.2 + 0.0725
	assertMoney(t, "CNY total", res.Groups[0].Total.Cost, "0.3011")

	eur := breakdown(t, pool, query.Query{Currency: "EUR",
		Filters: []query.Filter{{Dimension: "feature", Operator: "=", Values: []string{"summarize"}}}}, utc)
	// 0.0725 CNY / 7.25 = 0.01 USD; / 1.08 = 0.00925925... EUR
	assertMoney(t, "EUR", eur.Groups[0].Total.Cost.Round(10), "0.0092592593")
}

func TestMissingRateIsAnErrorNotAZero(t *testing.T) {
	q := mustQuery(t, query.Query{QueryType: query.TypeBreakdown, Currency: "JPY"})
	_, err := engine.Aggregate(context.Background(), seeded(t), engine.RequestOf(q), week, query.Bucket{}, utc, false)
	if err == nil || err.Error() != "no FX rate from CNY to JPY on or before 2026-03-02" {
		t.Fatalf("err = %v", err)
	}
}

func TestNoRateBeforeTheFirstRateDay(t *testing.T) {
	pool := seeded(t)
	storetest.Exec(t, pool, `INSERT INTO costlens.cost_events (tenant, request_id, ts, priced_cost, price_currency)
		VALUES ('acme', 'early', '2026-03-01T12:00:00Z', 1.00, 'CNY')`)
	q := mustQuery(t, query.Query{QueryType: query.TypeBreakdown})
	r := query.Range{From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: week.To}
	_, err := engine.Aggregate(context.Background(), pool, engine.RequestOf(q), r, query.Bucket{}, utc, false)
	if err == nil || err.Error() != "no FX rate from CNY to USD on or before 2026-03-01" {
		t.Fatalf("err = %v (a later rate must never be used)", err)
	}
}

func dailySeries(t *testing.T, pool *pgxpool.Pool, r query.Range, env query.Env) map[string]string {
	t.Helper()
	q := mustQuery(t, query.Query{QueryType: query.TypeCost, Interval: "1d"})
	res, err := engine.Aggregate(context.Background(), pool, engine.RequestOf(q), r, query.BucketFor(q, 0), env, true)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, b := range res.Buckets {
		v := decimal.Zero
		if len(res.Groups) > 0 {
			if tot, ok := res.Groups[0].Buckets[b]; ok {
				v = tot.Cost
			}
		}
		out[b.UTC().Format(time.RFC3339)] = v.String()
	}
	return out
}

func assertSeries(t *testing.T, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("buckets %v, want %v", got, want)
	}
	for k, v := range want {
		g, ok := got[k]
		if !ok || !dec(g).Equal(dec(v)) {
			t.Errorf("bucket %s = %q, want %s", k, g, v)
		}
	}
}

func TestDailyBucketsFollowTheConfiguredTimeZone(t *testing.T) {
	pool := seeded(t)
	// UTC days: r4 (23:30 UTC Tue) counts on Tuesday; empty days read 0.
	assertSeries(t, dailySeries(t, pool, query.Range{From: week.From, To: week.From.AddDate(0, 0, 6)}, utc), map[string]string{
		"2026-03-02T00:00:00Z": "0.0175",
		"2026-03-03T00:00:00Z": "0.01425",
		"2026-03-04T00:00:00Z": "0",
		"2026-03-05T00:00:00Z": "0",
		"2026-03-06T00:00:00Z": "0",
		"2026-03-07T00:00:00Z": "0.01",
	})
	// Asia/Shanghai (UTC+8): r4 is 07:30 on Wednesday there; days start at 16:00 UTC.
	sh, _ := time.LoadLocation("Asia/Shanghai")
	r := query.Range{From: time.Date(2026, 3, 2, 0, 0, 0, 0, sh), To: time.Date(2026, 3, 6, 0, 0, 0, 0, sh)}
	assertSeries(t, dailySeries(t, pool, r, query.Env{Location: sh}), map[string]string{
		"2026-03-01T16:00:00Z": "0.0175",
		"2026-03-02T16:00:00Z": "0.00225",
		"2026-03-03T16:00:00Z": "0.012",
		"2026-03-04T16:00:00Z": "0",
	})
}

func TestFXDayFollowsTheTimeZoneToo(t *testing.T) {
	pool := seeded(t)
	// 17:00 UTC Thu 03-05 is 01:00 Fri 03-06 in Shanghai, where Friday's 7.25 applies.
	storetest.Exec(t, pool, `INSERT INTO costlens.cost_events (tenant, request_id, ts, feature, priced_cost, price_currency)
		VALUES ('acme', 'r7', '2026-03-05T17:00:00Z', 'late', 0.0725, 'CNY')`)
	only := []query.Filter{{Dimension: "feature", Operator: "=", Values: []string{"late"}}}
	inUTC := breakdown(t, pool, query.Query{Filters: only}, utc)
	assertMoney(t, "UTC day (7.20)", inUTC.Groups[0].Total.Cost.Round(12), "0.010069444444")
	sh, _ := time.LoadLocation("Asia/Shanghai")
	inShanghai := breakdown(t, pool, query.Query{Filters: only}, query.Env{Location: sh})
	assertMoney(t, "Shanghai day (7.25)", inShanghai.Groups[0].Total.Cost.Round(12), "0.01")
}

func TestHourlyAndMonthlyBuckets(t *testing.T) {
	pool := seeded(t)
	q := mustQuery(t, query.Query{QueryType: query.TypeCost, Metric: "requests", Interval: "1h"})
	r := query.Range{From: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)}
	res, err := engine.Aggregate(context.Background(), pool, engine.RequestOf(q), r, query.BucketFor(q, 0), utc, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Buckets) != 4 {
		t.Fatalf("%d hourly buckets, want 4", len(res.Buckets))
	}
	g := res.Groups[0]
	if g.Buckets[time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)].Requests != 1 || g.Buckets[time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC)].Requests != 1 {
		t.Errorf("r1 at 10:00 and r2 at 11:30 should fall in the 10h and 11h buckets: %v", g.Buckets)
	}

	mq := mustQuery(t, query.Query{QueryType: query.TypeCost, Interval: "1M"})
	mr := query.Range{From: time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}
	mres, err := engine.Aggregate(context.Background(), pool, engine.RequestOf(mq), mr, query.BucketFor(mq, 0), utc, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(mres.Buckets) != 2 || !mres.Buckets[0].Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("month buckets %v, want Feb and Mar", mres.Buckets)
	}
	assertMoney(t, "March", mres.Groups[0].Buckets[time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)].Cost, "0.04175")
}

// A group whose every request is unpriced (r6, mystery-7b) has an unknown cost: the
// breakdown table shows null, not 0, beside the priced groups.
func TestBreakdownShowsUnpricedGroupsAsNull(t *testing.T) {
	pool := seeded(t)
	q := mustQuery(t, query.Query{QueryType: query.TypeBreakdown, GroupBy: []string{"model_version"}})
	res, err := engine.Aggregate(context.Background(), pool, engine.RequestOf(q), week, query.Bucket{}, utc, false)
	if err != nil {
		t.Fatal(err)
	}
	f := engine.TableFrame(q, res, utc)
	got := map[string]string{}
	for r := 0; r < f.Rows(); r++ {
		v := "null"
		if p := f.Fields[1].At(r).(*float64); p != nil {
			v = fmt.Sprintf("%.5f", *p)
		}
		got[f.Fields[0].At(r).(string)] = v
	}
	// gpt-4o: 0.0075 + 0.00225; claude: 0.012; qwen: 0.0720/7.20 + 0.0725/7.25
	want := map[string]string{"gpt-4o-2024-08-06": "0.00975", "claude-3-5-sonnet-v2": "0.01200", "qwen2.5-32b-v1.2-fp16": "0.02000", "mystery-7b": "null"}
	if !maps.Equal(got, want) {
		t.Errorf("breakdown by model version %v, want %v", got, want)
	}
}
