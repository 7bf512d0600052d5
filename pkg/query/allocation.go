package query

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/allocation"
	"github.com/costlens/costlens/pkg/fx"
)

// AllocationDimensions are what an allocation query may group and filter by.
var AllocationDimensions = []Dimension{
	{"model_version", "model_version", "Model version"},
	{"resource", "resource_id", "Resource"},
	{"provider", "provider", "Provider"},
	{"region", "region", "Region"},
}

func allocationDimension(key string) (Dimension, bool) {
	for _, d := range AllocationDimensions {
		if d.Key == key {
			return d, true
		}
	}
	return Dimension{}, false
}

func validateAllocation(q *Query) error {
	if q.Metric != "cost" {
		return invalid("metric", "allocation queries return cost only, got %q", q.Metric)
	}
	for i, g := range q.GroupBy {
		if _, ok := allocationDimension(g); !ok {
			return invalid(fmt.Sprintf("groupBy[%d]", i), "allocation groups by model_version, resource, provider or region, not %q", g)
		}
	}
	for i, f := range q.Filters {
		if _, ok := allocationDimension(f.Dimension); !ok {
			return invalid(fmt.Sprintf("filters[%d].dimension", i), "allocation filters by model_version, resource, provider or region, not %q", f.Dimension)
		}
	}
	return nil
}

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

func matches(f Filter, v string) bool {
	in := slices.Contains(f.Values, v)
	if f.Operator == "=" || f.Operator == "in" {
		return in
	}
	return !in
}

// AllocationFrame splits the billing lines whose charge period starts in the range
// across the model versions they served (idle cost as the model version "idle"),
// converts each share at the rate of its line's day, and totals by the query's groupBy
// (default: resource and model version), largest first.
func AllocationFrame(ctx context.Context, db DB, q Query, r Range, env Env) (*data.Frame, error) {
	lines, err := allocation.Allocate(ctx, db, r.From, r.To, env.Tenant)
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
	}
	totals := map[string]*total{}
	var order []*total
	for _, a := range lines {
		lt := a.PeriodStart.In(env.Location)
		day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC)
	shares:
		for _, s := range a.Shares {
			for _, f := range q.Filters {
				if !matches(f, allocationValue(a, s, f.Dimension)) {
					continue shares
				}
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
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		if c := order[i].cost.Cmp(order[j].cost); c != 0 {
			return c > 0
		}
		return strings.Join(order[i].values, "\x1f") < strings.Join(order[j].values, "\x1f")
	})
	if q.TopN > 0 && len(order) > q.TopN {
		order = order[:q.TopN]
	}

	labels := make([]string, len(groupBy))
	for i, g := range groupBy {
		d, _ := allocationDimension(g)
		labels[i] = d.Label
	}
	rows := make([]tableRow, len(order))
	for r, t := range order {
		rows[r] = tableRow{values: t.values, value: floatOf(t.cost, true), original: t.original}
	}
	value := &data.Field{Name: "cost", Config: &data.FieldConfig{DisplayName: "Allocated cost", Unit: CurrencyUnit(q.Currency)}}
	f := tableFrame("allocation", groupBy, labels, rows, value, q.ShowOriginalCurrency, "Allocated cost")
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTable, Custom: map[string]any{"currency": q.Currency, "lines": len(lines)}}
	return f, nil
}
