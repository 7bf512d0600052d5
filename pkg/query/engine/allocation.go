package engine

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/allocation"
	"github.com/costlens/costlens/pkg/fx"
	"github.com/costlens/costlens/pkg/query"
)

func allocationValue(a allocation.Allocated, s allocation.Share, dim string) string {
	switch dim {
	case "model_version":
		return s.ModelVersion
	case "resource":
		return a.ResourceID
	case "provider":
		return a.Provider
	case "region":
		return a.Region
	}
	return ""
}

// AllocationFrame splits the billing lines whose charge period starts in the range
// across the model versions they served (idle cost as the model version "idle"),
// converts each share at the rate of its line's day, and totals by the query's groupBy
// (default: resource and model version), largest first.
func AllocationFrame(ctx context.Context, db query.DB, q query.Query, r query.Range, env query.Env) (*data.Frame, error) {
	lines, err := allocation.Allocate(ctx, db, r.From, r.To)
	if err != nil {
		return nil, err
	}
	groupBy := q.GroupBy
	if len(groupBy) == 0 {
		groupBy = []string{"resource", "model_version"}
	}
	var rates *fx.Table
	if len(lines) > 0 {
		if rates, err = LoadRates(ctx, db, lines[0].PeriodStart.AddDate(0, 0, -1), r.To); err != nil {
			return nil, err
		}
	}
	type total struct {
		values   []string
		cost     decimal.Decimal
		original map[string]decimal.Decimal
		// a100Hours sums each share's part of its line's A100-hour equivalents;
		// unconverted is set when some line had no unit conversion.
		a100Hours   decimal.Decimal
		unconverted bool
	}
	totals := map[string]*total{}
	var order []*total
	for _, a := range lines {
		lt := a.PeriodStart.In(env.Location)
		day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC)
	shares:
		for _, s := range a.Shares {
			if !Passes(q.Filters, func(d string) (string, bool) { return allocationValue(a, s, d), true }) {
				continue shares
			}
			converted, err := rates.Convert(s.Cost, a.Currency, q.Currency, day)
			if err != nil {
				return nil, err
			}
			values := make([]string, len(groupBy))
			for i, g := range groupBy {
				values[i] = allocationValue(a, s, g)
			}
			key := strings.Join(values, "\x1f")
			t := totals[key]
			if t == nil {
				t = &total{values: values, original: map[string]decimal.Decimal{}}
				totals[key] = t
				order = append(order, t)
			}
			t.cost = t.cost.Add(converted)
			t.original[a.Currency] = t.original[a.Currency].Add(s.Cost)
			switch {
			case a.A100Hours == nil:
				t.unconverted = true
			case a.BilledCost.IsZero():
			default:
				// a share's part of the line's capacity is its part of the line's cost
				t.a100Hours = t.a100Hours.Add(a.A100Hours.Mul(s.Cost).DivRound(a.BilledCost, 12))
			}
		}
	}
	value := func(t *total) (decimal.Decimal, bool) {
		switch q.Metric {
		case "a100_hours":
			return t.a100Hours, !t.unconverted
		case "cost_per_a100_hour":
			if t.unconverted || !t.a100Hours.IsPositive() {
				return decimal.Decimal{}, false
			}
			return t.cost.DivRound(t.a100Hours, 12), true
		}
		return t.cost, true
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, aok := value(order[i])
		b, bok := value(order[j])
		if aok != bok {
			return aok
		}
		if c := a.Cmp(b); c != 0 {
			return c > 0
		}
		return strings.Join(order[i].values, "\x1f") < strings.Join(order[j].values, "\x1f")
	})
	if q.TopN > 0 && len(order) > q.TopN {
		order = order[:q.TopN]
	}

	labels := make([]string, len(groupBy))
	for i, g := range groupBy {
		d, _ := query.FindDimension(query.AllocationDimensions, g)
		labels[i] = d.Label
	}
	rows := make([]tableRow, len(order))
	for r, t := range order {
		rows[r] = tableRow{values: t.values, value: FloatOf(value(t)), original: t.original}
	}
	text, nums := groupColumnsOf(groupBy, labels, rows, NumColumn{Key: q.Metric}, q.ShowOriginalCurrency, "Allocated cost")
	f := Table("allocation", q, q.Currency, text, nums)
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTable, Custom: map[string]any{"currency": q.Currency, "lines": len(lines)}}
	return f, nil
}
