package analytic

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/analytics"
	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/query/engine"
)

// historyDays is how far before the period a forecast reads: the analytics fit window.
const historyDays = 364 // a year: the forecaster's backtest reads its misses from it

// GroupForecast is one scope's period-end projection.
type GroupForecast struct {
	Values       []string
	PeriodStart  time.Time
	PeriodEnd    time.Time
	Method       analytics.Method
	Actual       decimal.Decimal // spend in the period so far, exact
	Projected    decimal.Decimal // actual + the expected rest of the period, to the cent
	Lower80      decimal.Decimal
	Upper80      decimal.Decimal
	Lower95      decimal.Decimal
	Upper95      decimal.Decimal
	Budget       *decimal.Decimal
	RunsOutOn    *time.Time // the day cumulative spend is expected to reach the budget
	Days         []time.Time
	DailyActual  []decimal.Decimal // per day of the period up to today (today so far)
	Cumulative   []forecastPoint   // per day of the period
	HistoryDays  int
	BurnRateNote string
}

type forecastPoint struct {
	actual                             *float64 // cumulative, up to today
	expected                           *float64 // cumulative, from today
	lower80, upper80, lower95, upper95 *float64
}

// Forecasts projects period-end spend for each group of the query, as of the end of
// the time range: actual to date (decimal, exact) plus the model's expected rest of
// the period (rounded to the cent), with intervals, the budget and when it runs out.
func Forecasts(ctx context.Context, db query.DB, q query.Query, r query.Range, env query.Env) ([]GroupForecast, error) {
	now := r.To
	start, end := PeriodRange(now.Add(-time.Nanosecond), q.Period, env.Location)
	histStart := start.AddDate(0, 0, -historyDays)
	cq := engine.Request{GroupBy: q.GroupBy, Filters: q.Filters, Currency: q.Currency, CostSource: q.CostSource}
	day := query.Bucket{Fixed: 24 * time.Hour}
	res, err := engine.Aggregate(ctx, db, cq, query.Range{From: histStart, To: now}, day, env, true)
	if err != nil {
		return nil, err
	}
	lt := now.In(env.Location)
	today := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, env.Location)
	tomorrow := today.AddDate(0, 0, 1)
	todayShare := float64(tomorrow.Sub(now)) / float64(tomorrow.Sub(today))
	budgets, err := LoadBudgets(ctx, db, env.Tenant)
	if err != nil {
		return nil, err
	}
	var override *decimal.Decimal
	if q.Budget != "" {
		b := decimal.RequireFromString(q.Budget)
		override = &b
	}
	rates, err := engine.LoadRates(ctx, db, today.AddDate(0, 0, -1), today)
	if err != nil {
		return nil, err
	}
	groups := res.Groups
	if len(groups) == 0 && len(q.GroupBy) == 0 {
		groups = []*engine.Group{{Buckets: map[time.Time]*engine.Totals{}}} // no spend yet is still a forecast
	}
	var out []GroupForecast
	for _, g := range groups {
		gf := GroupForecast{Values: g.Values, PeriodStart: start, PeriodEnd: end}
		var history []float64
		for _, b := range res.Buckets {
			cost := decimal.Zero
			if t, ok := g.Buckets[b]; ok {
				cost = t.Cost
			}
			if b.Before(today) {
				history = append(history, cost.InexactFloat64())
			}
			if !b.Before(start) {
				gf.Days = append(gf.Days, b)
				gf.DailyActual = append(gf.DailyActual, cost)
				gf.Actual = gf.Actual.Add(cost)
			}
		}
		// history starts at the first day with spend: days before a scope existed are not zeros to learn from
		for len(history) > 0 && history[0] == 0 {
			history = history[1:]
		}
		gf.HistoryDays = len(history)
		// the weekday of the last history day: yesterday, as history runs up to today
		model := analytics.FitDaily(history, today.AddDate(0, 0, -1).Weekday())
		remaining := daysBetween(today, end)
		proj := model.Project(remaining, todayShare)
		gf.Method = proj.Method
		switch {
		case proj.Method == analytics.MethodBurnRate:
			gf.BurnRateNote = "fewer than 14 days of history: projected at the average daily spend so far"
		case len(history) < analytics.MinSelectDays:
			gf.BurnRateNote = fmt.Sprintf("%d days of history, fewer than %d: the forecaster is not chosen by backtest on this series' past, and its intervals are not read from its past misses",
				len(history), analytics.MinSelectDays)
		}
		cents := func(f float64) decimal.Decimal { return gf.Actual.Add(decimal.NewFromFloat(f).Round(2)) }
		gf.Projected, gf.Lower80, gf.Upper80 = cents(proj.Expected), cents(proj.Lower80), cents(proj.Upper80)
		gf.Lower95, gf.Upper95 = cents(proj.Lower95), cents(proj.Upper95)
		gf.Budget = override
		if gf.Budget == nil {
			if b, ok := budgetFor(budgets, q.Period, forecastScope(q, g.Values, env)); ok {
				amount, err := rates.Convert(b.Amount, b.Currency, q.Currency, time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC))
				if err != nil {
					return nil, err
				}
				gf.Budget = &amount
			}
		}
		gf.Cumulative, gf.RunsOutOn = cumulative(gf, model, todayShare, today)
		out = append(out, gf)
	}
	return out, nil
}

// cumulative walks the period day by day: actual spend up to today, then the expected
// path with intervals that widen with each further day. It also finds the budget's day.
func cumulative(gf GroupForecast, model analytics.Model, todayShare float64, today time.Time) ([]forecastPoint, *time.Time) {
	var pts []forecastPoint
	var runsOut *time.Time
	var running float64
	actual := gf.Actual.InexactFloat64()
	days := periodDays(gf, today.Location())
	future := 0
	for i, d := range days {
		var p forecastPoint
		if i < len(gf.DailyActual) {
			running += gf.DailyActual[i].InexactFloat64()
			p.actual = engine.FloatValue(running)
		}
		if !d.Before(today.UTC()) {
			future++
			part := model.Project(future, todayShare)
			e, l8, u8, l9, u9 := actual+part.Expected, actual+part.Lower80, actual+part.Upper80, actual+part.Lower95, actual+part.Upper95
			p.expected, p.lower80, p.upper80, p.lower95, p.upper95 = &e, &l8, &u8, &l9, &u9
		}
		pts = append(pts, p)
		level := running
		if p.expected != nil {
			level = *p.expected
		}
		if gf.Budget != nil && runsOut == nil && level >= gf.Budget.InexactFloat64() {
			day := d
			runsOut = &day
		}
	}
	return pts, runsOut
}

// periodDays is every day of the period: those read from the database, then the rest
// to the period end (today among them when the range ends at its midnight).
func periodDays(gf GroupForecast, loc *time.Location) []time.Time {
	days := append([]time.Time(nil), gf.Days...)
	next := gf.PeriodStart
	if len(days) > 0 {
		next = days[len(days)-1].In(loc).AddDate(0, 0, 1)
	}
	for d := next; d.Before(gf.PeriodEnd); d = d.AddDate(0, 0, 1) {
		days = append(days, d.UTC())
	}
	return days
}

// ForecastFrames shapes forecasts: "series" gives a cumulative time series per scope
// (actual, expected, 80 % and 95 % bands, budget) to plot beside each other; "table"
// and "alert" one row per scope.
func ForecastFrames(q query.Query, fs []GroupForecast, env query.Env) data.Frames {
	if q.Output != "series" {
		return data.Frames{forecastTable(q, fs)}
	}
	var frames data.Frames
	for _, gf := range fs {
		days := periodDays(gf, env.Location)
		labels := engine.LabelsFor(q, gf.Values)
		col := func(get func(forecastPoint) *float64) []*float64 {
			out := make([]*float64, len(gf.Cumulative))
			for i, p := range gf.Cumulative {
				out[i] = get(p)
			}
			return out
		}
		name := engine.DisplayName(query.Query{GroupBy: q.GroupBy, Metric: "cost"}, gf.Values)
		unit := engine.CurrencyUnit(q.Currency)
		field := func(key, label string, v []*float64) *data.Field {
			f := data.NewField(key, labels, v)
			f.Config = &data.FieldConfig{DisplayNameFromDS: label, Unit: unit}
			return f
		}
		fr := data.NewFrame(name, data.NewField("time", nil, days[:len(gf.Cumulative)]),
			field("actual", "Actual", col(func(p forecastPoint) *float64 { return p.actual })),
			field("expected", "Projected", col(func(p forecastPoint) *float64 { return p.expected })),
			field("lower80", "80 % low", col(func(p forecastPoint) *float64 { return p.lower80 })),
			field("upper80", "80 % high", col(func(p forecastPoint) *float64 { return p.upper80 })),
			field("lower95", "95 % low", col(func(p forecastPoint) *float64 { return p.lower95 })),
			field("upper95", "95 % high", col(func(p forecastPoint) *float64 { return p.upper95 })),
		)
		if gf.Budget != nil {
			b := make([]*float64, len(gf.Cumulative))
			for i := range b {
				b[i] = engine.DecimalValue(*gf.Budget)
			}
			fr.Fields = append(fr.Fields, field("budget", "Budget", b))
		}
		custom := map[string]any{"currency": q.Currency, "method": gf.Method, "projected": gf.Projected.StringFixed(2),
			"actual": gf.Actual.StringFixed(2), "historyDays": gf.HistoryDays}
		if gf.RunsOutOn != nil {
			custom["runsOutOn"] = gf.RunsOutOn.In(env.Location).Format(time.DateOnly)
		}
		if gf.BurnRateNote != "" {
			custom["note"] = gf.BurnRateNote
		}
		fr.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesWide, Custom: custom}
		frames = append(frames, fr)
	}
	return frames
}

func forecastTable(q query.Query, fs []GroupForecast) *data.Frame {
	values := make([][]string, len(fs))
	for i, gf := range fs {
		values[i] = gf.Values
	}
	text := engine.GroupColumns(q.GroupBy, values)
	method := engine.TextColumn{Key: "method", Label: "Method"}
	runsOut := engine.TextColumn{Key: "runs_out_on", Label: "Budget runs out on"}
	nums := []engine.NumColumn{{Key: "projected"}, {Key: "percent_of_budget"}, {Key: "actual"}, {Key: "lower80"},
		{Key: "upper80"}, {Key: "lower95"}, {Key: "upper95"}, {Key: "budget"}}
	for _, gf := range fs {
		method.Values = append(method.Values, string(gf.Method))
		ro := ""
		if gf.RunsOutOn != nil {
			ro = gf.RunsOutOn.In(gf.PeriodStart.Location()).Format(time.DateOnly)
		}
		runsOut.Values = append(runsOut.Values, ro)
		var pct, budget *float64
		if gf.Budget != nil {
			pct = engine.DecimalValue(gf.Projected.Mul(decimal.NewFromInt(100)).DivRound(*gf.Budget, 4))
			budget = engine.DecimalValue(*gf.Budget)
		}
		for i, v := range []*float64{engine.DecimalValue(gf.Projected), pct, engine.DecimalValue(gf.Actual), engine.DecimalValue(gf.Lower80), engine.DecimalValue(gf.Upper80),
			engine.DecimalValue(gf.Lower95), engine.DecimalValue(gf.Upper95), budget} {
			nums[i].Values = append(nums[i].Values, v)
		}
	}
	if q.Output == "table" {
		text = append(text, method, runsOut)
	}
	return engine.Table("forecast", q, q.Currency, text, nums)
}

// forecastScope is what one forecast group is about: the dimension values its filters
// pin (= or in with one value), its own group values, and the bound tenant.
func forecastScope(q query.Query, values []string, env query.Env) map[string]string {
	scope := map[string]string{}
	for _, f := range q.Filters {
		if (f.Operator == "=" || f.Operator == "in") && len(f.Values) == 1 {
			scope[f.Dimension] = f.Values[0]
		}
	}
	for i, g := range q.GroupBy {
		scope[g] = values[i]
	}
	if env.Tenant != "" {
		scope["tenant"] = env.Tenant
	}
	return scope
}

// scope is what a budget covers: its tenant (when it has one) and its dimension value.
func (b Budget) scope() map[string]string {
	scope := map[string]string{}
	if b.Tenant != "" {
		scope["tenant"] = b.Tenant
	}
	if b.ScopeDimension != "" {
		scope[b.ScopeDimension] = b.ScopeValue
	}
	return scope
}

// budgetFor finds the budget of exactly this scope and period: a tenant's forecast is
// held against the tenant's budget, a total one against the total budget, never one
// against the other.
func budgetFor(budgets []Budget, period string, scope map[string]string) (Budget, bool) {
	for _, b := range budgets {
		if b.Period == period && maps.Equal(b.scope(), scope) {
			return b, true
		}
	}
	return Budget{}, false
}
