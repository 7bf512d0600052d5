package engine

import (
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/query"
)

// TextColumn and NumColumn are the columns of an analytic table.
type TextColumn struct {
	Key, Label string
	Values     []string
}

type NumColumn struct {
	Key    string // a metric key, so output "alert" can keep just the one asked for
	Values []*float64
	// Label and Unit, when set, are the column's own (an amount in an original
	// currency); otherwise they are the metric's, in the answer's currency
	Label, Unit string
}

// Table lays out every table Costlens answers with: the text columns, then the
// numeric ones. For a type with outputs, "alert" keeps only the query's metric numeric,
// so each row reads as one labelled number to Grafana alerting; "table" keeps every
// column.
func Table(name string, q query.Query, currency string, text []TextColumn, nums []NumColumn) *data.Frame {
	f := data.NewFrame(name)
	for _, c := range text {
		field := data.NewField(c.Key, nil, c.Values)
		field.Config = &data.FieldConfig{DisplayName: c.Label}
		f.Fields = append(f.Fields, field)
	}
	metrics := q.QueryType.Metrics()
	alert := q.Output == "alert" && len(q.QueryType.Handler().Outputs) > 0
	for _, c := range nums {
		if alert && c.Key != q.Metric {
			continue
		}
		label, unit := c.Label, c.Unit
		if label == "" {
			m, _ := query.FindMetric(metrics, c.Key)
			label, unit = m.Label, m.Unit
		}
		if unit == "currency" {
			unit = CurrencyUnit(currency)
		}
		field := data.NewField(c.Key, nil, c.Values)
		field.Config = &data.FieldConfig{DisplayName: label, Unit: unit}
		f.Fields = append(f.Fields, field)
	}
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTable, Custom: map[string]any{"currency": currency}}
	return f
}

// DecimalValue is a frame cell of an amount (always defined).
func DecimalValue(d decimal.Decimal) *float64 { return FloatOf(d, true) }

// FloatValue is a frame cell of a computed number.
func FloatValue(f float64) *float64 { return &f }

// GroupColumns are the text columns of a table with one row per group: one per
// dimension of groupBy, holding each row's values.
func GroupColumns(groupBy []string, rows [][]string) []TextColumn {
	cols := make([]TextColumn, len(groupBy))
	for i, g := range groupBy {
		d, _ := query.DimensionByKey(g)
		cols[i] = TextColumn{Key: g, Label: d.Label}
		for _, r := range rows {
			cols[i].Values = append(cols[i].Values, r[i])
		}
	}
	return cols
}
