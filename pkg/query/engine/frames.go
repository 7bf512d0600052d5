package engine

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/query"
)

// grafanaCurrencyUnits are the currencies Grafana has a built-in unit for.
var grafanaCurrencyUnits = map[string]bool{
	"USD": true, "GBP": true, "EUR": true, "JPY": true, "RUB": true, "UAH": true, "BRL": true,
	"DKK": true, "ISK": true, "NOK": true, "SEK": true, "CZK": true, "CHF": true, "PLN": true,
	"ZAR": true, "INR": true, "KRW": true, "IDR": true, "PHP": true, "VND": true,
}

// CurrencyUnit is the Grafana unit id for amounts in code.
func CurrencyUnit(code string) string {
	if grafanaCurrencyUnits[code] {
		return "currency" + code
	}
	return "suffix: " + code
}

func unitFor(metric, currency string) string {
	m, _ := query.MetricByKey(metric)
	if m.Unit == "currency" {
		return CurrencyUnit(currency)
	}
	return m.Unit
}

func FloatOf(d decimal.Decimal, ok bool) *float64 {
	if !ok {
		return nil
	}
	f := d.InexactFloat64()
	return &f
}

func LabelsFor(q query.Query, values []string) data.Labels {
	if len(q.GroupBy) == 0 {
		return nil
	}
	l := data.Labels{}
	for i, g := range q.GroupBy {
		l[g] = values[i]
	}
	return l
}

func DisplayName(q query.Query, values []string) string {
	if len(values) == 0 {
		m, _ := query.MetricByKey(q.Metric)
		return m.Label
	}
	parts := make([]string, len(values))
	for i, v := range values {
		if v == "" {
			v = "(none)"
		}
		parts[i] = v
	}
	return strings.Join(parts, " / ")
}

func meta(q query.Query, res *Result, env query.Env, frameType data.FrameType) *data.FrameMeta {
	m := &data.FrameMeta{
		Type:                frameType,
		TypeVersion:         data.FrameTypeVersion{0, 1},
		ExecutedQueryString: res.SQL,
		Custom:              map[string]any{"currency": res.Currency, "costSource": q.CostSource},
	}
	if !env.IncompleteAfter.IsZero() {
		m.Custom.(map[string]any)["incompleteAfter"] = env.IncompleteAfter.UTC().Format(time.RFC3339)
	}
	if s := res.StaleFX; env.FXMaxAgeDays > 0 && s.Days > env.FXMaxAgeDays {
		m.Notices = append(m.Notices, data.Notice{Severity: data.NoticeSeverityWarning, Text: fmt.Sprintf(
			"converted at an FX rate %d days older than the amount (%s to %s: the %s rate for %s); load newer rates",
			s.Days, s.From, s.To, s.Rate.Format(time.DateOnly), s.AmountDay.Format(time.DateOnly))})
	}
	return m
}

// TimeSeriesFrames shapes a cost query's result for panels and alerting: one frame
// per dimension combination (multi-frame time series), labels naming the values, so an
// alert rule gets one series per value. Additive metrics read 0 in empty buckets;
// ratios read null there. topN > 0 keeps the largest N series.
func TimeSeriesFrames(q query.Query, res *Result, env query.Env) data.Frames {
	groups := res.Groups
	if q.TopN > 0 && len(groups) > q.TopN {
		groups = groups[:q.TopN]
	}
	additive := q.Metric != "cost_per_request" && q.Metric != "cost_per_1k_tokens"
	var frames data.Frames
	for _, g := range groups {
		times := make([]time.Time, len(res.Buckets))
		values := make([]*float64, len(res.Buckets))
		for i, b := range res.Buckets {
			times[i] = b
			if t, ok := g.Buckets[b]; ok {
				values[i] = FloatOf(t.Value(q.Metric))
			} else if additive {
				zero := 0.0
				values[i] = &zero
			}
		}
		frames = append(frames, seriesFrame(q, res, env, g.Values, q.Metric, unitFor(q.Metric, res.Currency), "", times, values))
		if q.ShowOriginalCurrency && q.Metric == "cost" {
			for _, cur := range originalCurrencies(g) {
				orig := make([]*float64, len(res.Buckets))
				for i, b := range res.Buckets {
					v := decimal.Zero
					if t, ok := g.Buckets[b]; ok {
						v = t.Original[cur]
					}
					orig[i] = FloatOf(v, true)
				}
				frames = append(frames, seriesFrame(q, res, env, g.Values, "cost_original", CurrencyUnit(cur), cur, times, orig))
			}
		}
	}
	if len(frames) == 0 {
		// An empty answer still carries the frame shape, so alerting reads "no data" cleanly.
		f := data.NewFrame(q.Metric, data.NewField("time", nil, []time.Time{}), data.NewField(q.Metric, nil, []*float64{}))
		f.Meta = meta(q, res, env, data.FrameTypeTimeSeriesMulti)
		frames = append(frames, f)
	}
	return frames
}

func seriesFrame(q query.Query, res *Result, env query.Env, values []string, fieldName, unit, originalCurrency string, times []time.Time, v []*float64) *data.Frame {
	labels := LabelsFor(q, values)
	name := DisplayName(q, values)
	if originalCurrency != "" {
		if labels == nil {
			labels = data.Labels{}
		}
		labels["original_currency"] = originalCurrency
		name += " (" + originalCurrency + ", original)"
	}
	valueField := data.NewField(fieldName, labels, v)
	valueField.Config = &data.FieldConfig{DisplayNameFromDS: name, Unit: unit}
	f := data.NewFrame(name, data.NewField("time", nil, times), valueField)
	f.Meta = meta(q, res, env, data.FrameTypeTimeSeriesMulti)
	return f
}

func originalCurrencies(g *Group) []string {
	var out []string
	for c := range g.Total.Original {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// tableRow is one row of a table frame: its dimension values, its number, and the
// amounts in their original currencies.
type tableRow struct {
	values   []string
	value    *float64
	original map[string]decimal.Decimal
}

// groupColumnsOf turns the rows of a one-row-per-group table into its columns: the
// dimension columns, the one numeric column (so alerting can read each row as a
// labelled number), then, when asked for, one column per original currency; Table
// lays them out.
func groupColumnsOf(keys, labels []string, rows []tableRow, value NumColumn, withOriginal bool, originalLabel string) ([]TextColumn, []NumColumn) {
	text := make([]TextColumn, len(keys))
	for i, key := range keys {
		text[i] = TextColumn{Key: key, Label: labels[i], Values: make([]string, len(rows))}
		for r, row := range rows {
			text[i].Values[r] = row.values[i]
		}
	}
	value.Values = make([]*float64, len(rows))
	for r, row := range rows {
		value.Values[r] = row.value
	}
	nums := []NumColumn{value}
	if !withOriginal {
		return text, nums
	}
	seen := map[string]bool{}
	var curs []string
	for _, row := range rows {
		for c := range row.original {
			if !seen[c] {
				seen[c] = true
				curs = append(curs, c)
			}
		}
	}
	sort.Strings(curs)
	for _, c := range curs {
		col := NumColumn{Key: "cost_" + strings.ToLower(c), Values: make([]*float64, len(rows)),
			Label: fmt.Sprintf("%s (%s, original)", originalLabel, c), Unit: CurrencyUnit(c)}
		for r, row := range rows {
			if v, ok := row.original[c]; ok {
				col.Values[r] = FloatOf(v, true)
			}
		}
		nums = append(nums, col)
	}
	return text, nums
}

// TableFrame shapes a breakdown: one row per dimension combination, largest first.
func TableFrame(q query.Query, res *Result, env query.Env) *data.Frame {
	groups := res.Groups
	if q.TopN > 0 && len(groups) > q.TopN {
		groups = groups[:q.TopN]
	}
	labels := make([]string, len(q.GroupBy))
	for i, g := range q.GroupBy {
		d, _ := query.DimensionByKey(g)
		labels[i] = d.Label
	}
	rows := make([]tableRow, len(groups))
	for r, g := range groups {
		rows[r] = tableRow{values: g.Values, value: FloatOf(g.Total.Value(q.Metric)), original: g.Total.Original}
	}
	text, nums := groupColumnsOf(q.GroupBy, labels, rows, NumColumn{Key: q.Metric}, q.ShowOriginalCurrency, "Cost")
	f := Table("breakdown", q, res.Currency, text, nums)
	f.Meta = meta(q, res, env, data.FrameTypeTable)
	return f
}
