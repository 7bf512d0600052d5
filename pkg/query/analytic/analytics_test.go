package analytic_test

import (
	"context"
	"fmt"
	"maps"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/costlens/costlens/pkg/analytics"
	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/query/analytic"
	"github.com/costlens/costlens/pkg/query/querytest"
	"github.com/costlens/costlens/pkg/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// dailyEvents inserts one event a day at noon UTC from first to last (inclusive)
// costing cost USD, for feature and user.
func dailyEvents(t *testing.T, pool *pgxpool.Pool, first, last, feature, user, cost string) {
	t.Helper()
	eventsEvery(t, pool, "1 day", first+" 12:00", last+" 12:00", feature, user, cost)
}

// eventsEvery inserts one event every step from first to last (UTC, inclusive) for
// feature and user, costing cost USD, or, with cost empty, an uneven 10 to 22 USD that
// repeats every 13 hours (so no two days of an hourly series are alike).
func eventsEvery(t *testing.T, pool *pgxpool.Pool, step, first, last, feature, user, cost string) {
	t.Helper()
	storetest.Exec(t, pool, `INSERT INTO costlens.cost_events (tenant, request_id, ts, feature, user_id, model, model_version,
		provider, input_tokens, output_tokens, latency_ms, priced_cost, price_currency)
		SELECT 'acme', $3 || '-' || $4 || '-' || d, d AT TIME ZONE 'UTC', $3, $4, 'gpt-x', 'gpt-x-v1', 'openai', 1000, 100, 500,
		       coalesce(nullif($5, '')::numeric, 10 + (extract(epoch FROM d)::bigint / 3600) % 13), 'USD'
		FROM generate_series($1::timestamp, $2::timestamp, $6::interval) d`, first, last, feature, user, cost, step)
}

func cell(t *testing.T, f *data.Frame, field string, row int) any {
	t.Helper()
	fd, _ := f.FieldByName(field)
	if fd == nil {
		t.Fatalf("no field %q in %s", field, f.Name)
	}
	v := fd.At(row)
	if p, ok := v.(*float64); ok {
		if p == nil {
			return nil
		}
		return math.Round(*p*1e6) / 1e6
	}
	return v
}

func runQuery(t *testing.T, _ *pgxpool.Pool, q query.Query, _ query.Range, _ query.Env) query.Query {
	return querytest.Prepared(t, q)
}

func TestBudgetQuery(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	dailyEvents(t, pool, "2026-03-01", "2026-03-10", "chat", "u1", "10.00")
	storetest.Exec(t, pool, `
		INSERT INTO costlens.fx_rates (rate_date, base, quote, rate, source) VALUES ('2026-03-02', 'USD', 'CNY', 7.20, 'test');
		INSERT INTO costlens.budgets (tenant, scope_dimension, scope_value, period, amount, currency) VALUES
			('', '', '', 'month', 300, 'USD'),
			('', 'feature', 'chat', 'month', 720, 'CNY'),
			('', 'feature', 'search', 'week', 50, 'USD')`)
	q := runQuery(t, pool, query.Query{QueryType: query.TypeBudget}, query.Range{}, querytest.UTC)
	// as of 18:00 on Tuesday 10 March: ten days of 10.00
	r := query.Range{From: day("2026-03-10"), To: day("2026-03-10").Add(18 * time.Hour)}
	f, err := analytic.BudgetFrame(context.Background(), pool, q, r, querytest.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if f.Rows() != 3 {
		t.Fatalf("%d rows", f.Rows())
	}
	// rows: total; feature=chat (720 CNY = 100 USD at 7.20); feature=search (week from Monday 9 March)
	want := []map[string]any{
		{"scope": "total", "period_start": "2026-03-01", "spend": 100.0, "budget": 300.0, "percent_used": 33.3333, "remaining": 200.0,
			"daily_allowance": 9.677419, "today_spend": 10.0, "today_percent_of_allowance": 103.3333},
		{"scope": "feature", "scope_value": "chat", "spend": 100.0, "budget": 100.0, "percent_used": 100.0, "remaining": 0.0,
			"daily_allowance": 3.225806, "today_percent_of_allowance": 310.0},
		{"scope": "feature", "scope_value": "search", "period_start": "2026-03-09", "spend": 0.0, "budget": 50.0, "percent_used": 0.0,
			"daily_allowance": 7.142857, "today_spend": 0.0},
	}
	for row, w := range want {
		for k, v := range w {
			if got := cell(t, f, k, row); got != v {
				t.Errorf("row %d %s = %v, want %v", row, k, got, v)
			}
		}
	}
	// alert output: one numeric column per row, the metric
	q.Output, q.Metric = "alert", "percent_used"
	q.Filters = []query.Filter{{Dimension: "scope", Operator: "=", Values: []string{"feature"}}}
	f, err = analytic.BudgetFrame(context.Background(), pool, q, r, querytest.UTC)
	if err != nil {
		t.Fatal(err)
	}
	numeric := 0
	for _, fd := range f.Fields {
		if fd.Type().Numeric() {
			numeric++
		}
	}
	if f.Rows() != 2 || numeric != 1 {
		t.Errorf("alert output: %d rows, %d numeric columns", f.Rows(), numeric)
	}
}

// With 100 days of flat history the forecaster is chosen by backtest: every candidate
// is exact on it, the first tried (the weekday mean) is used, and its past misses are
// none, so the intervals close on 100 + 21 × 10.
func TestForecastQueryChoosesByBacktest(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	dailyEvents(t, pool, "2025-12-01", "2026-03-10", "chat", "u1", "10.00")
	q := runQuery(t, pool, query.Query{QueryType: query.TypeForecast, Output: "table"}, query.Range{}, querytest.UTC)
	fs, err := analytic.Forecasts(context.Background(), pool, q, query.Range{From: day("2026-03-01"), To: day("2026-03-11")}, querytest.UTC)
	if err != nil || len(fs) != 1 {
		t.Fatalf("%v %v", fs, err)
	}
	gf := fs[0]
	got := fmt.Sprint(gf.Method, " ", gf.HistoryDays, " ", gf.Projected, " ", gf.Lower80, " ", gf.Upper80, " ", gf.Lower95, " ", gf.Upper95, " [", gf.BurnRateNote, "]")
	if want := "weekday_mean 100 310 310 310 310 310 []"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// as Grafana asks, now/M..now at 09:37:12: today's 14 h 22 m 48 s still to come (0.5991667
	// of a day, today's event at noon not in yet): 100 + 10 × (0.5991667 + 20) = 305.99
	now := time.Date(2026, 3, 11, 9, 37, 12, 0, time.UTC)
	fs, err = analytic.Forecasts(context.Background(), pool, q, query.Range{From: day("2026-03-01"), To: now}, querytest.UTC)
	if err != nil || len(fs) != 1 {
		t.Fatalf("%v %v", fs, err)
	}
	gf = fs[0]
	got = fmt.Sprint(gf.Method, " ", gf.HistoryDays, " ", gf.Actual, " ", gf.Projected, " ", gf.Lower80, " ", gf.Upper95)
	if want := "weekday_mean 100 100 305.99 305.99 305.99"; got != want {
		t.Errorf("at 09:37: got %s, want %s", got, want)
	}
}

// Spend that grows half again each week (512, 768, ... 19,683 a day, week by week from
// Wednesday 31 December, ten weeks to Tuesday 10 March), forecast from Grafana's
// now/M..now at 09:37:12 on 11 March: the damped growth forecaster is chosen by
// backtest. Spent so far: 3 × 13,122 + 7 × 19,683 = 177,147. To come: the last week's
// level carried half a week on, 19,683 × 1.5^0.5, each day h times 1.5^(s/7) with
// s = 0.8 + ... + 0.8^h days of growth; today only its remaining 14 h 22 m 48 s
// (0.5991667 of it): 601,592.30, so 778,739.30 at month-end (a burn rate says
// 177,147 ÷ 10 × 31 = 549,155.70; the last week's level held flat, 582,600.40).
func TestForecastQueryFollowsGrowingSpend(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	perDay := 512
	for w := 0; w < 10; w++ {
		first := day("2025-12-31").AddDate(0, 0, 7*w)
		dailyEvents(t, pool, first.Format(time.DateOnly), first.AddDate(0, 0, 6).Format(time.DateOnly), "chat", "u1", fmt.Sprint(perDay))
		perDay = perDay * 3 / 2
	}
	q := runQuery(t, pool, query.Query{QueryType: query.TypeForecast, Output: "table"}, query.Range{}, querytest.UTC)
	now := time.Date(2026, 3, 11, 9, 37, 12, 0, time.UTC)
	fs, err := analytic.Forecasts(context.Background(), pool, q, query.Range{From: day("2026-03-01"), To: now}, querytest.UTC)
	if err != nil || len(fs) != 1 {
		t.Fatalf("%v %v", fs, err)
	}
	gf := fs[0]
	if gf.Method != "seasonal_growth" || gf.HistoryDays != 70 || gf.Actual.String() != "177147" || gf.Projected.String() != "778739.3" {
		t.Errorf("method %s on %d days: actual %s, projected %s; want seasonal_growth on 70: 177147, 778739.3",
			gf.Method, gf.HistoryDays, gf.Actual, gf.Projected)
	}
}

func TestForecastQuery(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	dailyEvents(t, pool, "2026-01-15", "2026-03-10", "chat", "u1", "10.00")
	q := runQuery(t, pool, query.Query{QueryType: query.TypeForecast, Output: "table", Budget: "300"}, query.Range{}, querytest.UTC)
	// as of midnight starting 11 March: 10 days of March spent, 21 to go, flat history
	r := query.Range{From: day("2026-03-01"), To: day("2026-03-11")}
	fs, err := analytic.Forecasts(context.Background(), pool, q, r, querytest.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 {
		t.Fatalf("%d forecasts", len(fs))
	}
	gf := fs[0]
	// 100 + 21 × 10; spread floors at 0.2 a day and the 55 days of history have no
	// residual runs: sd = √(0.2² × 21 × 2 + (0.2 × 21 / √55)²) = 1.41448
	sd := math.Sqrt(0.04*42 + 0.04*441/55)
	checks := map[string]string{
		"actual": "100", "projected": "310",
		"upper80": "311.81", "lower80": "308.19", // 210 ± 1.2816 sd, to the cent
		"upper95": "312.77", "lower95": "307.23", // 210 ± 1.96 sd
	}
	got := map[string]string{"actual": gf.Actual.String(), "projected": gf.Projected.String(), "upper80": gf.Upper80.String(),
		"lower80": gf.Lower80.String(), "upper95": gf.Upper95.String(), "lower95": gf.Lower95.String()}
	for k, w := range checks {
		if got[k] != w {
			t.Errorf("%s = %s, want %s (sd %.6f)", k, got[k], w, sd)
		}
	}
	if gf.Method != "seasonal_trend" || gf.RunsOutOn == nil || !gf.RunsOutOn.Equal(day("2026-03-30")) {
		t.Errorf("method %s, runs out on %v, want seasonal_trend and 2026-03-30 (100 + 20 × 10)", gf.Method, gf.RunsOutOn)
	}
	// 55 days is too short a past to choose the forecaster by backtest: the frame says so
	if want := "55 days of history, fewer than 63: the forecaster is not chosen by backtest on this series' past, and its intervals are not read from its past misses"; gf.BurnRateNote != want {
		t.Errorf("note %q, want %q", gf.BurnRateNote, want)
	}
	f := analytic.ForecastFrames(q, fs, querytest.UTC)[0]
	if v := cell(t, f, "percent_of_budget", 0); v != 103.3333 {
		t.Errorf("percent of budget %v, want 103.3333", v)
	}
	if v := cell(t, f, "runs_out_on", 0); v != "2026-03-30" {
		t.Errorf("runs out on %v", v)
	}
	// the series: cumulative actual to 10 March, the projection from 11 March
	q.Output = "series"
	sf := analytic.ForecastFrames(q, fs, querytest.UTC)[0]
	if sf.Rows() != 31 {
		t.Fatalf("%d days in the series", sf.Rows())
	}
	if cell(t, sf, "actual", 9) != 100.0 || cell(t, sf, "actual", 10) != nil || cell(t, sf, "expected", 10) != 110.0 ||
		cell(t, sf, "expected", 30) != 310.0 || cell(t, sf, "budget", 0) != 300.0 {
		t.Errorf("series: actual %v %v, expected %v %v, budget %v", cell(t, sf, "actual", 9), cell(t, sf, "actual", 10),
			cell(t, sf, "expected", 10), cell(t, sf, "expected", 30), cell(t, sf, "budget", 0))
	}
}

func TestForecastFallsBackToBurnRate(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	dailyEvents(t, pool, "2026-03-01", "2026-03-05", "chat", "u1", "10.00")
	q := runQuery(t, pool, query.Query{QueryType: query.TypeForecast, Output: "table"}, query.Range{}, querytest.UTC)
	fs, err := analytic.Forecasts(context.Background(), pool, q, query.Range{From: day("2026-03-01"), To: day("2026-03-06")}, querytest.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if fs[0].Method != "burn_rate" || fs[0].Projected.String() != "310" || !strings.Contains(fs[0].BurnRateNote, "fewer than 14 days") {
		t.Errorf("method %s projected %s note %q", fs[0].Method, fs[0].Projected, fs[0].BurnRateNote)
	}
}

func TestAnomaliesQuery(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	dailyEvents(t, pool, "2026-02-01", "2026-03-12", "chat", "u1", "10.00")
	dailyEvents(t, pool, "2026-02-01", "2026-03-12", "search", "u1", "5.00")
	// 11 March: search jumps by 15.00, all from u2
	storetest.Exec(t, pool, `INSERT INTO costlens.cost_events (tenant, request_id, ts, feature, user_id, model, model_version, provider, priced_cost, price_currency)
		VALUES ('acme', 'spike', '2026-03-11T15:00Z', 'search', 'u2', 'gpt-x', 'gpt-x-v1', 'openai', 15.00, 'USD')`)
	q := runQuery(t, pool, query.Query{QueryType: query.TypeAnomalies, GroupBy: []string{"feature"}, Output: "table",
		ContributorsBy: "user"}, query.Range{}, querytest.UTC)
	// the range ends at 09:00 on 12 March: that day is incomplete and not judged
	r := query.Range{From: day("2026-03-05"), To: day("2026-03-12").Add(9 * time.Hour)}
	series, flagged, err := analytic.Anomalies(context.Background(), pool, q, r, querytest.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if len(flagged) != 1 {
		t.Fatalf("%d flagged: %+v", len(flagged), flagged)
	}
	a := flagged[0]
	if a.Values[0] != "search" || !a.Time.Equal(day("2026-03-11")) || a.Actual != 20 || a.Scored.Expected != 5 {
		t.Errorf("flagged %v on %s: %v vs %v", a.Values, a.Time, a.Actual, a.Scored.Expected)
	}
	if len(a.Contributors) != 1 || a.Contributors[0].Value != "u2" || a.Contributors[0].Delta != 15 || a.Contributors[0].Share != 1 {
		t.Errorf("contributors %+v", a.Contributors)
	}
	f := analytic.AnomalyFrames(q, series, flagged, r, querytest.UTC)[0]
	if v := cell(t, f, "contributors", 0); v != "u2 +15.00 USD (100 %)" {
		t.Errorf("contributors cell %q", v)
	}
	if v := cell(t, f, "percent_of_baseline", 0); v != 400.0 {
		t.Errorf("percent of baseline %v", v)
	}
	// alert output: one series per feature, the flag only, last point 11 March
	q.Output, q.Metric = "alert", "flag"
	frames := analytic.AnomalyFrames(q, series, flagged, r, querytest.UTC)
	for _, fr := range frames {
		flag := fr.Fields[1]
		last := *(flag.At(flag.Len() - 1).(*float64))
		feature := flag.Labels["feature"]
		if len(fr.Fields) != 2 || fr.Fields[0].At(fr.Rows()-1).(time.Time) != day("2026-03-11") {
			t.Errorf("%s: %d fields, last point %v", feature, len(fr.Fields), fr.Fields[0].At(fr.Rows()-1))
		}
		if (feature == "search") != (last == 1) {
			t.Errorf("%s: last flag %v", feature, last)
		}
	}
}

// Spend falling to zero (a broken pipeline, a lost customer) is an incident when the
// query asks for drops, and the contributors are what fell.
func TestAnomaliesQueryFlagsADropWhenAsked(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	dailyEvents(t, pool, "2026-02-01", "2026-03-09", "chat", "u1", "10.00")
	dailyEvents(t, pool, "2026-03-11", "2026-03-12", "chat", "u1", "10.00")
	dailyEvents(t, pool, "2026-02-01", "2026-03-12", "search", "u2", "5.00")
	// Grafana's now-7d..now at 09:37:12: 5 March is only partly in the range and 12 March
	// not complete, neither is judged
	now := time.Date(2026, 3, 12, 9, 37, 12, 0, time.UTC)
	r := query.Range{From: now.AddDate(0, 0, -7), To: now}
	for _, dir := range []string{"up", "down", "both"} {
		q := runQuery(t, pool, query.Query{QueryType: query.TypeAnomalies, GroupBy: []string{"feature"}, Output: "table",
			ContributorsBy: "user", Direction: dir}, query.Range{}, querytest.UTC)
		if q.ThresholdPercent != 120 || q.ZScore != 5 {
			t.Fatalf("defaults %v %% and z %v", q.ThresholdPercent, q.ZScore)
		}
		series, flagged, err := analytic.Anomalies(context.Background(), pool, q, r, querytest.UTC)
		if err != nil {
			t.Fatal(err)
		}
		for i, at := range series[0].Times {
			// judged from the first whole day in the range to the last complete one
			judged := !at.Before(day("2026-03-06")) && at.Before(day("2026-03-12"))
			if series[0].Scored[i].Ready != judged {
				t.Errorf("%s: %s judged %v", dir, at.Format(time.DateOnly), series[0].Scored[i].Ready)
			}
		}
		if dir == "up" {
			if len(flagged) != 0 {
				t.Errorf("up: flagged %+v", flagged)
			}
			continue
		}
		if len(flagged) != 1 {
			t.Fatalf("%s: %d flagged: %+v", dir, len(flagged), flagged)
		}
		// every day before cost 10.00: the robust level is 10, the spread at its floor (0.01 of
		// the relative residuals): z = (0 − 10) / (10 + 1) / 0.01
		a := flagged[0]
		if a.Values[0] != "chat" || !a.Time.Equal(day("2026-03-10")) || a.Actual != 0 || a.Scored.Expected != 10 ||
			math.Abs(a.Scored.Z-(-10.0/11/0.01)) > 1e-9 {
			t.Errorf("%s: flagged %v on %s: %v vs %v, z %v", dir, a.Values, a.Time, a.Actual, a.Scored.Expected, a.Scored.Z)
		}
		f := analytic.AnomalyFrames(q, series, flagged, r, querytest.UTC)[0]
		if v := cell(t, f, "contributors", 0); v != "u1 -10.00 USD (100 %)" {
			t.Errorf("%s: contributors cell %q", dir, v)
		}
		if v := cell(t, f, "percent_of_baseline", 0); v != 0.0 {
			t.Errorf("%s: percent of baseline %v", dir, v)
		}
	}
}

// Hourly anomalies as an alert rule asks for them: Grafana's now-6h..now at 09:37:12 UTC
// in a dashboard on India time (hours run from :30 to :30 UTC), as the Grafana role.
// The hours judged are the whole ones in the range, 10:00 to 14:00 IST (09:07 is partly
// outside, 15:00 not over). A feature at 5.00 an hour whose 11:00 hour has no event is a
// drop: expected 5, spread at its floor, z = (0 − 5) / (5 + 0.5) / 0.01. And an hour's
// verdict does not depend on where the range starts: the lookback starts at a local
// midnight, so the same hours are fitted together whether the rule asks for the last 6
// hours or a panel for the last day.
func TestHourlyAnomaliesOnGrafanasRange(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	eventsEvery(t, pool, "1 hour", "2026-02-01 00:10", "2026-03-12 09:10", "chat", "u1", "")
	eventsEvery(t, pool, "1 hour", "2026-02-01 00:10", "2026-03-12 05:10", "search", "u2", "5.00")
	eventsEvery(t, pool, "1 hour", "2026-03-12 07:10", "2026-03-12 09:10", "search", "u2", "5.00")
	ist, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	env := query.Env{Location: ist}
	now := time.Date(2026, 3, 12, 9, 37, 12, 0, time.UTC)
	q := runQuery(t, pool, query.Query{QueryType: query.TypeAnomalies, GroupBy: []string{"feature"}, Output: "table",
		Interval: "1h", Direction: "down"}, query.Range{}, env)
	hour := func(h int) time.Time { return time.Date(2026, 3, 12, h, 0, 0, 0, ist) }
	rule := query.Range{From: now.Add(-6 * time.Hour), To: now}
	series, flagged, err := analytic.Anomalies(context.Background(), pool, q, rule, env)
	if err != nil {
		t.Fatal(err)
	}
	verdicts := map[string]map[time.Time]analytics.Scored{}
	for _, s := range series {
		verdicts[s.Values[0]] = map[time.Time]analytics.Scored{}
		for i, at := range s.Times {
			judged := !at.Before(hour(10)) && at.Before(hour(15))
			if s.Scored[i].Ready != judged {
				t.Errorf("%s: %s judged %v", s.Values[0], at.In(ist).Format(time.DateTime), s.Scored[i].Ready)
			}
			if judged {
				verdicts[s.Values[0]][at] = s.Scored[i]
			}
		}
	}
	if len(verdicts["chat"]) != 5 || len(verdicts["search"]) != 5 {
		t.Fatalf("judged hours: %d chat, %d search, want 5 each", len(verdicts["chat"]), len(verdicts["search"]))
	}
	if len(flagged) != 1 {
		t.Fatalf("flagged %+v", flagged)
	}
	if a := flagged[0]; a.Values[0] != "search" || !a.Time.Equal(hour(11)) || a.Actual != 0 || a.Scored.Expected != 5 ||
		math.Abs(a.Scored.Z-(-5.0/5.5/0.01)) > 1e-9 {
		t.Errorf("flagged %v at %s: %v vs %v, z %v", a.Values, a.Time.In(ist), a.Actual, a.Scored.Expected, a.Scored.Z)
	}
	// the panel's range, the last day: the same hours, the same verdicts
	panel := query.Range{From: now.Add(-24 * time.Hour), To: now}
	series, _, err = analytic.Anomalies(context.Background(), pool, q, panel, env)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range series {
		for i, at := range s.Times {
			if want, ok := verdicts[s.Values[0]][at]; ok && s.Scored[i] != want {
				t.Errorf("%s at %s: %+v over the last day, %+v over the last 6 hours", s.Values[0], at.In(ist).Format(time.DateTime), s.Scored[i], want)
			}
		}
	}
}

// A runaway job adds 10.00 an hour to a feature's usual 5.00 for ten hours, and again a
// week later, asked for as Grafana asks on a dashboard in India time: now-2d..now at
// 09:37:12 UTC (15:07 IST), as the Grafana role. The second run is flagged though the
// first is in its window. Its day is fitted on the 672 hours before 11 March 00:00 IST:
// every week's profile flat (three weeks of 5.00 in four outvote the one with the
// first run), the level the median 5, the residuals 0 but for the first run's ten at
// (15 − 5) / (5 + 0.5) = 1.81818; their median and MAD 0, so the spread is 1.2533 ×
// 10 × 1.81818 / 672 and z = 672 / 12.533. The reference's tail there is about 1e-5,
// so the score is 1 − 1/672, the first run counted once (counted hour by hour, 1 − 10/672
// = 0.985, under z 5's 0.989, and the repeat went unflagged).
func TestAnomaliesFlagARecurringRunawayJob(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	eventsEvery(t, pool, "1 hour", "2026-02-01 00:10", "2026-03-12 09:10", "chat", "u1", "5.00")
	for _, d := range []string{"2026-03-04", "2026-03-11"} { // 07:40 to 16:40 IST
		eventsEvery(t, pool, "1 hour", d+" 02:10", d+" 11:10", "chat", "batch", "10.00")
	}
	ist, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	env := query.Env{Location: ist}
	q := runQuery(t, pool, query.Query{QueryType: query.TypeAnomalies, GroupBy: []string{"feature"}, Output: "table",
		Interval: "1h", ContributorsBy: "user"}, query.Range{}, env)
	now := time.Date(2026, 3, 12, 9, 37, 12, 0, time.UTC)
	_, flagged, err := analytic.Anomalies(context.Background(), pool, q, query.Range{From: now.Add(-48 * time.Hour), To: now}, env)
	if err != nil {
		t.Fatal(err)
	}
	if len(flagged) != 10 {
		t.Fatalf("%d flagged, want the second run's 10 hours: %+v", len(flagged), flagged)
	}
	for i, a := range flagged {
		h := 16 - i // newest first
		if !a.Time.Equal(time.Date(2026, 3, 11, h, 0, 0, 0, ist)) || a.Actual != 15 || a.Scored.Expected != 5 ||
			math.Abs(a.Scored.Z-672/12.533) > 1e-9 || math.Abs(a.Scored.Score-(1-1.0/672)) > 1e-9 {
			t.Errorf("flagged %d: %s, %v vs %v, z %v, score %v", i, a.Time.In(ist).Format(time.DateTime), a.Actual,
				a.Scored.Expected, a.Scored.Z, a.Scored.Score)
		}
	}
}

// Spend with a weekly pattern (100 a day, 50 on the Tuesday and Wednesday) doubles on
// Thursday 5 February and stays doubled, asked for on Grafana's now-7d..now at 09:37:12
// on 19 February as the Grafana role. Each day judged (13 to 18 February) expects its
// new value: its window's four weeks hold both levels, one of them mixed, and each day
// read over its own week's mean gives 7/6 and 7/12 in the three weeks that are not (the
// medians); the level, the last week's 200 ÷ 7/6 = 171.43. Read from the raw values,
// a weekday with two weeks at each level has the median 1.5× its old value: 16 February
// was expected at 133.33, the Tuesday and Wednesday after at 66.67.
func TestAnomaliesProfileAfterALevelShift(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	start, shift := day("2026-01-01"), day("2026-02-05")
	pattern := func(d time.Time) float64 {
		x := 100.0
		if wd := d.Weekday(); wd == time.Tuesday || wd == time.Wednesday {
			x = 50
		}
		if !d.Before(shift) {
			x *= 2
		}
		return x
	}
	for w := 0; w < 7; w++ { // each weekday in two runs, before and after the change
		d := start.AddDate(0, 0, w)
		last := d.AddDate(0, 0, 28)
		eventsEvery(t, pool, "7 days", d.Format(time.DateOnly)+" 12:00", last.Format(time.DateOnly)+" 12:00", "chat", "u1", fmt.Sprint(pattern(d)))
		eventsEvery(t, pool, "7 days", last.AddDate(0, 0, 7).Format(time.DateOnly)+" 12:00", "2026-02-19 12:00", "chat", "u1", fmt.Sprint(pattern(last.AddDate(0, 0, 7))))
	}
	q := runQuery(t, pool, query.Query{QueryType: query.TypeAnomalies, GroupBy: []string{"feature"}, Output: "table",
		Direction: "both"}, query.Range{}, querytest.UTC)
	now := time.Date(2026, 2, 19, 9, 37, 12, 0, time.UTC)
	series, flagged, err := analytic.Anomalies(context.Background(), pool, q, query.Range{From: now.AddDate(0, 0, -7), To: now}, querytest.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if len(flagged) != 0 || len(series) != 1 {
		t.Fatalf("%d series, flagged %+v", len(series), flagged)
	}
	judged := 0
	for i, at := range series[0].Times {
		if sc := series[0].Scored[i]; sc.Ready {
			judged++
			if math.Abs(sc.Expected-pattern(at)) > 1e-9 || series[0].Actual[i] != pattern(at) {
				t.Errorf("%s: %v, expected %v, want %v", at.Format(time.DateOnly), series[0].Actual[i], sc.Expected, pattern(at))
			}
		}
	}
	if judged != 6 {
		t.Errorf("%d days judged, want 13 to 18 February", judged)
	}
}

func TestRecommendationsQuery(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	storetest.Exec(t, pool, `
		INSERT INTO costlens.fx_rates (rate_date, base, quote, rate, source) VALUES ('2026-03-02', 'USD', 'CNY', 7.20, 'test');
		INSERT INTO costlens.model_versions (model_version, resource_id, gpus) VALUES ('old-v1', 'gpu-old', 1), ('live-v1', 'gpu-live', 1);
		INSERT INTO costlens.billing_line_items (tenant, provider, resource_id, resource_type, charge_period_start, charge_period_end,
			pricing_unit, consumed_quantity, billed_cost, billing_currency, tags) VALUES
			('acme', 'alibaba', 'gpu-old',  'big.gpu', '2026-03-04T10:00Z', '2026-03-04T11:00Z', 'instance-hour', 1, 19.80, 'CNY', '{}'),
			('acme', 'alibaba', 'gpu-live', 'big.gpu', '2026-03-04T10:00Z', '2026-03-04T11:00Z', 'instance-hour', 1, 36.00, 'CNY', '{}');
		INSERT INTO costlens.cost_events (tenant, request_id, ts, model_version, input_tokens, gpu_seconds, attributes) VALUES
			('acme', 'old', '2026-02-20T00:00Z', 'old-v1', 100, 10, '{}'),
			('acme', 'live', '2026-03-04T10:05Z', 'live-v1', 100, 720, '{"batch_size": 2, "max_batch_size": 8}')`)
	q := runQuery(t, pool, query.Query{QueryType: query.TypeRecommendations, IdleDays: 1}, query.Range{}, querytest.UTC)
	r := query.Range{From: day("2026-03-04"), To: day("2026-03-05")}
	recs, err := analytic.Recommendations(context.Background(), pool, q, r, querytest.UTC)
	if err != nil {
		t.Fatal(err)
	}
	render := func(recs []analytic.Recommendation) []string {
		var out []string
		for _, r := range recs {
			out = append(out, r.ID+" "+r.MonthlySaving.StringFixed(2))
		}
		return out
	}
	// right-size: 720 of 3600 GPU-s used (20 %); 36 CNY = 5 USD for the window's day,
	// 150 a month, needing a third of the capacity: 150 × (1 − 0.2 / 0.6)
	// delete: 19.80 CNY = 2.75 USD a day, 82.50 a month
	// batching: batches a quarter full; live-v1's 20 % share is 1 USD a day: 30 × (1 − 0.25 / 0.4)
	want := []string{"right_size/gpu-live 100.00", "delete/gpu-old/old-v1 82.50", "batching/gpu-live/live-v1 11.25"}
	if got := render(recs); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("recommendations %v, want %v", got, want)
	}
	if !strings.HasPrefix(recs[1].Evidence, "no requests since 2026-02-20 (13 days); gpu-old billed 19.80 CNY in the last 1 days") {
		t.Errorf("evidence %q", recs[1].Evidence)
	}
	// a half-size instance with a list price: the saving is the billed hours at its price instead
	storetest.Exec(t, pool, `
		INSERT INTO costlens.unit_conversions (from_unit, subject, to_unit, factor) VALUES
			('instance-hour', 'big.gpu', 'a100-hour', 1), ('instance-hour', 'half.gpu', 'a100-hour', 0.5), ('instance-hour', 'tiny.gpu', 'a100-hour', 0.25);
		INSERT INTO costlens.price_book (provider, model, usage_type, unit_price, unit, currency, effective_from) VALUES
			('alibaba', 'half.gpu', 'instance_hour', 1.00, 'hour', 'USD', '2026-01-01'),
			('alibaba', 'tiny.gpu', 'instance_hour', 0.10, 'hour', 'USD', '2026-01-01');
		INSERT INTO costlens.recommendation_states (tenant, id, state) VALUES ('', 'batching/gpu-live/live-v1', 'dismissed');
		INSERT INTO costlens.recommendation_states (tenant, id, state, until) VALUES ('', 'delete/gpu-old/old-v1', 'snoozed', '2026-03-10T00:00Z')`)
	recs, err = analytic.Recommendations(context.Background(), pool, q, r, querytest.UTC)
	if err != nil {
		t.Fatal(err)
	}
	// 5 USD an hour now, 1 USD at half.gpu (tiny.gpu cannot hold a third of the load): 150 × (1 − 1/5)
	if got := render(recs); strings.Join(got, "|") != "right_size/gpu-live 120.00" {
		t.Errorf("with states and a smaller type: %v", got)
	}
	if recs[0].Action != "Right-size: move gpu-live from big.gpu to half.gpu (1.00 USD an hour)" {
		t.Errorf("action %q", recs[0].Action)
	}
	q.IncludeDismissed = true
	recs, err = analytic.Recommendations(context.Background(), pool, q, r, querytest.UTC)
	if err != nil {
		t.Fatal(err)
	}
	f := analytic.RecommendationFrame(q, recs, querytest.UTC)
	if f.Rows() != 3 || cell(t, f, "state", 1) != "snoozed until 2026-03-10" || cell(t, f, "state", 2) != "dismissed" {
		t.Errorf("%d rows; states %v, %v", f.Rows(), cell(t, f, "state", 1), cell(t, f, "state", 2))
	}
}

func TestKPIQuery(t *testing.T) {
	pool := querytest.Seeded(t)
	q := runQuery(t, pool, query.Query{QueryType: query.TypeKPI}, query.Range{}, querytest.UTC)
	ks, err := analytic.KPIs(context.Background(), pool, q, querytest.Week, querytest.UTC)
	if err != nil {
		t.Fatal(err)
	}
	f := analytic.KPIFrame(q, ks)
	row := -1
	for i := 0; i < f.Rows(); i++ {
		if cell(t, f, "model_version", i) == "gpt-4o-2024-08-06" {
			row = i
		}
	}
	// r1 and r3: 0.0075 + 0.00225 over 1500 + 600 tokens; latencies 800 and 300
	want := map[string]any{"cost_per_1k_tokens": 0.004643, "cost_per_request": 0.004875, "cache_hit_ratio": 0.0,
		"p99_latency_ms": 795.0, "batch_efficiency": nil, "gpu_utilisation": nil}
	for k, v := range want {
		if got := cell(t, f, k, row); got != v {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	// qwen: 1000 cached of 3000 + 1000 prompt tokens
	for i := 0; i < f.Rows(); i++ {
		if cell(t, f, "model_version", i) == "qwen2.5-32b-v1.2-fp16" && cell(t, f, "cache_hit_ratio", i) != 0.25 {
			t.Errorf("qwen cache hit ratio %v", cell(t, f, "cache_hit_ratio", i))
		}
	}
}

// Each forecast is held against the budget of exactly its own scope, from its filters,
// its grouping and the data source's binding: never a tenant against the total budget.
func TestForecastHoldsEachScopeAgainstItsOwnBudget(t *testing.T) {
	pool, dbURL := storetest.NewPool(t)
	dailyEvents(t, pool, "2026-01-15", "2026-03-10", "chat", "u1", "10.00")
	dailyEvents(t, pool, "2026-01-15", "2026-03-10", "search", "u9", "10.00")
	storetest.Exec(t, pool, `UPDATE costlens.cost_events SET tenant = 'globex' WHERE user_id = 'u9';
		INSERT INTO costlens.budgets (tenant, scope_dimension, scope_value, period, amount, currency) VALUES
			('', '', '', 'month', 1000, 'USD'), ('acme', 'tenant', 'acme', 'month', 300, 'USD'),
			('acme', 'user', 'u1', 'month', 250, 'USD'), ('', 'feature', 'chat', 'week', 70, 'USD')`)
	r := query.Range{From: day("2026-03-01"), To: day("2026-03-11")}
	budgets := func(p *pgxpool.Pool, env query.Env, groupBy []string, filters ...query.Filter) map[string]string {
		t.Helper()
		q := runQuery(t, p, query.Query{QueryType: query.TypeForecast, Output: "table", GroupBy: groupBy, Filters: filters}, query.Range{}, env)
		fs, err := analytic.Forecasts(context.Background(), p, q, r, env)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, gf := range fs {
			b := "none"
			if gf.Budget != nil {
				b = gf.Budget.String() + " of " + gf.Projected.String()
			}
			out[strings.Join(gf.Values, ",")] = b
		}
		return out
	}
	eq := func(dim, v string) query.Filter {
		return query.Filter{Dimension: dim, Operator: "=", Values: []string{v}}
	}
	check := func(name string, got, want map[string]string) {
		t.Helper()
		if !maps.Equal(got, want) {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	// each tenant spends 10 a day: 100 so far and 210 to come; the total twice that
	check("total", budgets(pool, querytest.UTC, nil), map[string]string{"": "1000 of 620"})
	check("filtered to acme", budgets(pool, querytest.UTC, nil, eq("tenant", "acme")), map[string]string{"": "300 of 310"})
	check("by tenant", budgets(pool, querytest.UTC, []string{"tenant"}), map[string]string{"acme": "300 of 310", "globex": "none"})
	check("acme's user u1", budgets(pool, querytest.UTC, nil, eq("tenant", "acme"), eq("user", "u1")), map[string]string{"": "250 of 310"})
	// u1 across every tenant is not acme's u1; chat's budget is a weekly one
	check("u1 anywhere", budgets(pool, querytest.UTC, nil, eq("user", "u1")), map[string]string{"": "none"})
	check("chat", budgets(pool, querytest.UTC, []string{"feature"}), map[string]string{"chat": "none", "search": "none"})
	bound := storetest.BoundPool(t, dbURL, "acme")
	check("bound to acme", budgets(bound, query.Env{Location: time.UTC, Tenant: "acme"}, nil), map[string]string{"": "300 of 310"})
}

// Right-sizing never goes below the memory a version's weights need (parameters x
// bytes per parameter x 1.2 headroom), and resources at 40-50 % utilisation are offered
// for review. One hour billed on 4 March, a 1-day window, so a month is 30 x the bill.
func TestRightSizingRespectsWeightMemoryAndBothTiers(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	storetest.Exec(t, pool, `
		INSERT INTO costlens.model_versions (model_version, resource_id, gpus, gpu_type) VALUES
			('llama-3-70b-v1-fp16', 'gpu-big', 2, 'A100'), ('qwen2.5-32b-v1-fp16', 'gpu-q', 4, 'A100'), ('tiny-1b-v1-int8', 'gpu-mid', 1, 'T4');
		INSERT INTO costlens.billing_line_items (tenant, provider, resource_id, charge_period_start, charge_period_end,
			pricing_unit, consumed_quantity, billed_cost, billing_currency) VALUES
			('acme', 'aws', 'gpu-big', '2026-03-04T10:00Z', '2026-03-04T11:00Z', 'instance-hour', 1, 20.00, 'USD'),
			('acme', 'aws', 'gpu-q',   '2026-03-04T10:00Z', '2026-03-04T11:00Z', 'instance-hour', 1, 10.00, 'USD'),
			('acme', 'aws', 'gpu-mid', '2026-03-04T10:00Z', '2026-03-04T11:00Z', 'instance-hour', 1, 2.00, 'USD');
		INSERT INTO costlens.cost_events (tenant, request_id, ts, model_version, input_tokens, gpu_seconds) VALUES
			('acme', 'b', '2026-03-04T10:05Z', 'llama-3-70b-v1-fp16', 100, 36),
			('acme', 'q', '2026-03-04T10:05Z', 'qwen2.5-32b-v1-fp16', 100, 144),
			('acme', 'm', '2026-03-04T10:05Z', 'tiny-1b-v1-int8', 100, 1620)`)
	q := runQuery(t, pool, query.Query{QueryType: query.TypeRecommendations, IdleDays: 1}, query.Range{}, querytest.UTC)
	recs, err := analytic.Recommendations(context.Background(), pool, q, query.Range{From: day("2026-03-04"), To: day("2026-03-05")}, querytest.UTC)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range recs {
		got[r.ID] = r.MonthlySaving.StringFixed(2) + " | " + r.Action
	}
	want := map[string]string{
		// 0.5 % used, but 70B x 2 bytes x 1.2 = 168 GB does not fit in less than 2 x 80 GB: nothing to offer
		// 1 % used would need 1.7 %, but 32B x 2 x 1.2 = 76.8 GB of 4 x 80 GB is 24 %: 300 x (1 - 0.24)
		"right_size/gpu-q": "228.00 | Right-size gpu-q: it needs about 24 % of its GPU capacity",
		// 45 % used: the review tier, 0.45 / 0.6 = 75 % needed: 60 x 0.25
		"right_size/gpu-mid": "15.00 | Consider right-sizing gpu-mid: it needs about 75 % of its GPU capacity",
	}
	if !maps.Equal(got, want) {
		t.Errorf("recommendations\n got %v\nwant %v", got, want)
	}
	for _, r := range recs {
		if r.ID == "right_size/gpu-q" && !strings.HasSuffix(r.Evidence, "; sized to the weights' memory, 24 %: qwen2.5-32b-v1-fp16 weights (32b, fp16) need 77 GB with headroom of 4 x 80 GB") {
			t.Errorf("evidence %q", r.Evidence)
		}
	}
}
