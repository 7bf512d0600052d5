package query

import (
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/shopspring/decimal"
)

// textColumn and numColumn are the columns of an analytic table.
type textColumn struct {
	key, label string
	values     []string
}

type numColumn struct {
	key    string // a metric key, so output "alert" can keep just the one asked for
	values []*float64
	// label and unit, when set, are the column's own (an amount in an original
	// currency); otherwise they are the metric's, in the answer's currency
	label, unit string
}

// tableFrame lays out every table Costlens answers with: the text columns, then the
// numeric ones. For a type with outputs, "alert" keeps only the query's metric numeric,
// so each row reads as one labelled number to Grafana alerting; "table" keeps every
// column.
func tableFrame(name string, q Query, currency string, text []textColumn, nums []numColumn) *data.Frame {
	f := data.NewFrame(name)
	for _, c := range text {
		field := data.NewField(c.key, nil, c.values)
		field.Config = &data.FieldConfig{DisplayName: c.label}
		f.Fields = append(f.Fields, field)
	}
	metrics := q.QueryType.metrics()
	alert := q.Output == "alert" && len(q.QueryType.handler().Outputs) > 0
	for _, c := range nums {
		if alert && c.key != q.Metric {
			continue
		}
		label, unit := c.label, c.unit
		if label == "" {
			m, _ := findMetric(metrics, c.key)
			label, unit = m.Label, m.Unit
		}
		if unit == "currency" {
			unit = CurrencyUnit(currency)
		}
		field := data.NewField(c.key, nil, c.values)
		field.Config = &data.FieldConfig{DisplayName: label, Unit: unit}
		f.Fields = append(f.Fields, field)
	}
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTable, Custom: map[string]any{"currency": currency}}
	return f
}

func num(d decimal.Decimal) *float64 { return floatOf(d, true) }

func numf(f float64) *float64 { return &f }

// groupColumns are the text columns of a table with one row per group: one per
// dimension of groupBy, holding each row's values.
func groupColumns(groupBy []string, rows [][]string) []textColumn {
	cols := make([]textColumn, len(groupBy))
	for i, g := range groupBy {
		d, _ := DimensionByKey(g)
		cols[i] = textColumn{key: g, label: d.Label}
		for _, r := range rows {
			cols[i].values = append(cols[i].values, r[i])
		}
	}
	return cols
}
