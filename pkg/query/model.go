// Package query is the Costlens query model (mirrored by src/datasource/types.ts): the
// JSON a panel, an alert rule, a variable or an app page sends, its defaults and its
// validation, and the registry of query types (Handlers) with what each groups and
// filters by and returns. pkg/query/engine plans and runs aggregates over the events,
// their summaries and the bills; pkg/query/analytic holds the analytic query types and
// fills in how every type answers.
package query

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/costlens/costlens/pkg/fx"
	"github.com/costlens/costlens/pkg/modelversion"
)

// Type is the queryType of a Costlens query.
type Type string

const (
	TypeCost      Type = "cost"
	TypeBreakdown Type = "breakdown"
	// TypeAllocation splits billing line items across model versions, with idle cost.
	TypeAllocation Type = "allocation"
	// TypeBudget reads the stored budgets: spend to date against each.
	TypeBudget Type = "budget"
	// TypeForecast projects period-end spend with prediction intervals.
	TypeForecast Type = "forecast"
	// TypeAnomalies scores cost per hour or day against a baseline.
	TypeAnomalies Type = "anomalies"
	// TypeRecommendations lists what to delete, right-size or batch, with savings.
	TypeRecommendations Type = "recommendations"
	// TypeKPI is unit economics and efficiency per model version.
	TypeKPI Type = "kpi"
)

// Query is the JSON a panel, an alert rule, a variable or an app page sends.
type Query struct {
	QueryType  Type     `json:"queryType"`
	Metric     string   `json:"metric,omitempty"`
	GroupBy    []string `json:"groupBy,omitempty"`
	Filters    []Filter `json:"filters,omitempty"`
	Currency   string   `json:"currency,omitempty"`
	CostSource string   `json:"costSource,omitempty"`
	TopN       int      `json:"topN,omitempty"`
	// AdhocFilters are a dashboard's ad-hoc filters: applied where this query type (and
	// cost source) can filter by their dimension, listed in Ignored otherwise, so one
	// dashboard filter never breaks the panels it cannot apply to.
	AdhocFilters []Filter `json:"adhocFilters,omitempty"`
	Ignored      []Filter `json:"-"`
	// Interval overrides Grafana's interval for the time buckets: 1m 5m 15m 30m 1h 6h 12h 1d 1w 1M.
	Interval string `json:"interval,omitempty"`
	// ShowOriginalCurrency adds the amounts in their own currencies beside the normalised ones.
	ShowOriginalCurrency bool `json:"showOriginalCurrency,omitempty"`

	// Output shapes budget, forecast, anomalies, recommendations and kpi answers:
	// "table" (every column), "alert" (one numeric column or series per row, the metric,
	// for alert rules), "series" (forecast and anomalies over time, for graphs).
	Output string `json:"output,omitempty"`
	// Period of budgets and forecasts: day, week, month (default), quarter or year.
	Period string `json:"period,omitempty"`
	// Budget is the amount a forecast compares with when no stored budget matches its
	// scope, in the query's currency (a decimal string).
	Budget string `json:"budget,omitempty"`

	// Anomalies: the baseline (robust, the default, or the documented rules' ma7 and
	// average), the thresholds (percent of the baseline and robust z-score; 0 turns one
	// off), the direction (up, the default, down or both), seasonality (default on), the
	// lookback in days, and the dimension that names what contributed to a jump.
	Baseline         string  `json:"baseline,omitempty"`
	ThresholdPercent float64 `json:"thresholdPercent,omitempty"`
	ZScore           float64 `json:"zScore,omitempty"`
	Direction        string  `json:"direction,omitempty"`
	Seasonal         *bool   `json:"seasonal,omitempty"`
	WindowDays       int     `json:"windowDays,omitempty"`
	ContributorsBy   string  `json:"contributorsBy,omitempty"`

	// Recommendations: days without requests before a billed version is a delete
	// candidate (default 7), and whether dismissed and snoozed ones are listed.
	IdleDays         int  `json:"idleDays,omitempty"`
	IncludeDismissed bool `json:"includeDismissed,omitempty"`
}

// Filter restricts a dimension. Values arrive already interpolated by the frontend
// (a multi-value template variable becomes several values).
type Filter struct {
	Dimension string   `json:"dimension"`
	Operator  string   `json:"operator"`
	Values    []string `json:"values"`
}

// Dimension is a whitelisted column a query may group or filter by.
type Dimension struct {
	Key    string // the name in the query JSON
	Column string // the SQL over costlens.cost_events; empty for a part of the model version
	Label  string
	// Part reads the dimension out of the parsed model-version name (Column is empty):
	// the planner groups by model_version and the parts are derived in Go, with the
	// same parser the importers use, so an unparseable name has empty parts.
	Part func(modelversion.Parts) string
}

// pricingColumn says whether the price book priced an event: the "unpriced" filter.
const pricingColumn = "(CASE WHEN priced_cost IS NULL THEN 'unpriced' ELSE 'priced' END)"

// Dimensions lists every dimension in display order.
var Dimensions = []Dimension{
	{Key: "feature", Column: "feature", Label: "Feature"},
	{Key: "user", Column: "user_id", Label: "User"},
	{Key: "tenant", Column: "tenant", Label: "Tenant"},
	{Key: "model", Column: "model", Label: "Model"},
	{Key: "model_version", Column: "model_version", Label: "Model version"},
	{Key: "provider", Column: "provider", Label: "Provider"},
	{Key: "region", Column: "region", Label: "Region"},
	{Key: "model_family", Label: "Model family", Part: func(p modelversion.Parts) string { return p.Model }},
	{Key: "model_size", Label: "Model size", Part: func(p modelversion.Parts) string { return p.Size }},
	{Key: "model_variant", Label: "Model variant", Part: func(p modelversion.Parts) string { return p.Variant }},
	{Key: "version", Label: "Version", Part: func(p modelversion.Parts) string { return p.Version }},
	{Key: "quantization", Label: "Quantization", Part: func(p modelversion.Parts) string { return p.Quantization }},
	{Key: "pricing", Column: pricingColumn, Label: "Pricing (priced / unpriced)"},
}

// BillingDimensions are the event dimensions a billing line's share also carries:
// a bill knows its tenant, provider, region and the model version it served, not
// the feature or user behind the requests.
var BillingDimensions = []string{"tenant", "model", "model_version", "provider", "region",
	"model_family", "model_size", "model_variant", "version", "quantization"}

// DimensionByKey finds a whitelisted event dimension.
func DimensionByKey(key string) (Dimension, bool) { return FindDimension(Dimensions, key) }

func FindDimension(ds []Dimension, key string) (Dimension, bool) {
	for _, d := range ds {
		if d.Key == key {
			return d, true
		}
	}
	return Dimension{}, false
}

// Metric is a whitelisted measure.
type Metric struct {
	Key   string
	Label string
	Unit  string // Grafana unit id; "currency" means the query's currency
}

// Metrics lists every metric the cost and breakdown queries return.
var Metrics = []Metric{
	{"cost", "Cost", "currency"},
	{"requests", "Requests", "short"},
	{"input_tokens", "Input tokens", "short"},
	{"output_tokens", "Output tokens", "short"},
	{"cached_input_tokens", "Cached input tokens", "short"},
	{"cache_write_tokens", "Cache-write input tokens", "short"},
	{"tokens", "Tokens (input + output + cached + cache writes)", "short"},
	{"cost_per_request", "Cost per request", "currency"},
	{"cost_per_1k_tokens", "Cost per 1K tokens", "currency"},
	{"unpriced_requests", "Unpriced requests", "short"},
}

// MetricByKey finds a whitelisted event metric.
func MetricByKey(key string) (Metric, bool) { return FindMetric(Metrics, key) }

func FindMetric(ms []Metric, key string) (Metric, bool) {
	for _, m := range ms {
		if m.Key == key {
			return m, true
		}
	}
	return Metric{}, false
}

// dimensions and metrics are the whitelists of a query type (its handler's):
// allocation reads billing lines, which have resources rather than users and features.
func (t Type) dimensions() []Dimension { return t.handler().Dimensions }

func (t Type) metrics() []Metric { return t.handler().Metrics }

// Metrics lists what a query type returns.
func (t Type) Metrics() []Metric { return t.metrics() }

// ownsMetrics says whether a type has its own metric list (not the event metrics).
func (t Type) ownsMetrics() bool { return t != TypeCost && t != TypeBreakdown }

func keys[T any](items []T, key func(T) string) string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = key(it)
	}
	return strings.Join(out[:len(out)-1], ", ") + " or " + out[len(out)-1]
}

func (t Type) unknownMetric(m string) error {
	if t.ownsMetrics() {
		return Invalid("metric", "%s returns %s, not %q", t, keys(t.metrics(), func(m Metric) string { return m.Key }), m)
	}
	return Invalid("metric", "unknown metric %q", m)
}

func (t Type) unknownDimension(field, verb, d string) error {
	if dims := t.dimensions(); len(dims) != len(Dimensions) || &dims[0] != &Dimensions[0] {
		// a type with dimensions of its own says which
		return Invalid(field, "%s %s by %s, not %q", t, verb, keys(dims, func(d Dimension) string { return d.Key }), d)
	}
	return Invalid(field, "unknown dimension %q", d)
}

// Operators a filter may use.
var Operators = []string{"=", "!=", "in", "not in"}

// Cost sources a query may read money from.
const (
	// SourceTokens is the price book's cost of each request (token pricing).
	SourceTokens = "tokens"
	// SourcePriced is the earlier name of SourceTokens, still accepted.
	SourcePriced   = "priced"
	SourceReported = "reported"
	// SourceBilling is the billing line items, allocated to the model versions they
	// served, with idle capacity as the model version "idle".
	SourceBilling = "billing"
	// SourceBlended is billing for the model versions a bill in the range covers and
	// token pricing for every other request (hosted APIs).
	SourceBlended = "blended"
)

// fromBills says whether a cost source reads billing line items.
func FromBills(source string) bool { return source == SourceBilling || source == SourceBlended }

// ValidationError is a problem with the query the user wrote; it names the field.
type ValidationError struct {
	Field string
	Msg   string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Msg }

func Invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// CurrencyField reads an ISO-4217 code as a field of the query model.
func CurrencyField(field, code string) (string, error) {
	c, err := fx.ParseCurrency(field, code)
	if err != nil {
		return "", &ValidationError{Field: field, Msg: strings.TrimPrefix(err.Error(), field+": ")}
	}
	return c, nil
}

// Defaults fill what a query leaves out.
type Defaults struct {
	Currency string
}

// Parse reads one query's JSON in one way: unmarshal, fill defaults (ApplyDefaults),
// then check (Validate, which changes nothing).
func Parse(raw json.RawMessage, d Defaults) (Query, error) {
	var q Query
	if err := json.Unmarshal(raw, &q); err != nil {
		return Query{}, Invalid("query", "invalid JSON: %v", err)
	}
	return Prepare(q, d)
}

// Prepare is Parse for a query already decoded (an app page's, a test's).
func Prepare(q Query, d Defaults) (Query, error) {
	q.ApplyDefaults(d)
	return q, q.Validate()
}

// ApplyDefaults fills what a query leaves out, the same for every type (type, metric,
// cost source, currency, period, idle days; ad-hoc filters applied where the type can;
// "=" with several values read as "in"), then what its type's handler fills.
func (q *Query) ApplyDefaults(d Defaults) {
	if q.QueryType == "" {
		q.QueryType = TypeCost
	}
	h, known := Handlers[q.QueryType]
	if !known {
		return // Validate names it
	}
	if q.Metric == "" {
		q.Metric = h.Metrics[0].Key
	}
	if q.CostSource == "" || q.CostSource == SourcePriced {
		q.CostSource = SourceTokens
	}
	if q.Currency == "" {
		q.Currency = d.Currency
	}
	q.Currency = strings.ToUpper(strings.TrimSpace(q.Currency))
	for _, f := range q.AdhocFilters {
		if q.canFilterBy(f.Dimension) {
			q.Filters = append(q.Filters, f)
		} else {
			q.Ignored = append(q.Ignored, f)
		}
	}
	q.AdhocFilters = nil
	for i, f := range q.Filters {
		// a multi-value template variable in an equality filter means "any of"
		if len(f.Values) > 1 && (f.Operator == "=" || f.Operator == "!=") {
			q.Filters[i].Operator = map[string]string{"=": "in", "!=": "not in"}[f.Operator]
		}
	}
	if q.Output == "" && len(h.Outputs) > 0 {
		q.Output = h.Outputs[0]
	}
	if q.Period == "" {
		q.Period = "month"
	}
	if q.IdleDays == 0 {
		q.IdleDays = 7
	}
	if h.Defaults != nil {
		h.Defaults(q)
	}
}

// canFilterBy says whether the query's type and cost source know a dimension.
func (q *Query) canFilterBy(dim string) bool {
	if _, ok := FindDimension(q.QueryType.dimensions(), dim); !ok {
		return false
	}
	return !FromBills(q.CostSource) || q.QueryType == TypeAllocation || slices.Contains(BillingDimensions, dim)
}

// IgnoredNotice says which ad-hoc filters a query could not apply ("" when none).
func (q Query) IgnoredNotice() string {
	if len(q.Ignored) == 0 {
		return ""
	}
	var dims []string
	for _, f := range q.Ignored {
		dims = append(dims, f.Dimension)
	}
	what := string(q.QueryType) + " queries"
	if FromBills(q.CostSource) && q.QueryType != TypeAllocation {
		what += " on " + q.CostSource + " cost"
	}
	return fmt.Sprintf("ad-hoc filters on %s not applied: %s cannot filter by them", strings.Join(dims, ", "), what)
}

// Validate checks every field against the whitelists and its type's handler; it
// changes nothing (defaults are ApplyDefaults').
func (q Query) Validate() error {
	if !slices.Contains(Types, q.QueryType) {
		return Invalid("queryType", "unknown query type %q (want %s)", q.QueryType, keys(Types, func(t Type) string { return string(t) }))
	}
	if _, ok := FindMetric(q.QueryType.metrics(), q.Metric); !ok {
		return q.QueryType.unknownMetric(q.Metric)
	}
	dims := q.QueryType.dimensions()
	seen := map[string]bool{}
	for i, g := range q.GroupBy {
		field := fmt.Sprintf("groupBy[%d]", i)
		if _, ok := FindDimension(dims, g); !ok {
			return q.QueryType.unknownDimension(field, "groups", g)
		}
		if seen[g] {
			return Invalid(field, "dimension %q is listed twice", g)
		}
		seen[g] = true
	}
	for i, f := range q.Filters {
		field := fmt.Sprintf("filters[%d]", i)
		if _, ok := FindDimension(dims, f.Dimension); !ok {
			return q.QueryType.unknownDimension(field+".dimension", "filters", f.Dimension)
		}
		if !slices.Contains(Operators, f.Operator) {
			return Invalid(field+".operator", "unknown operator %q (want =, !=, in or not in)", f.Operator)
		}
		if len(f.Values) == 0 {
			return Invalid(field+".values", "at least one value is needed")
		}
	}
	switch q.CostSource {
	case SourceTokens, SourcePriced, SourceReported:
	case SourceBilling, SourceBlended:
		if q.QueryType == TypeAllocation {
			break // allocation always reads the bills
		}
		if !q.QueryType.ownsMetrics() && q.Metric != "cost" {
			return Invalid("metric", "cost source %s returns cost only, not %q", q.CostSource, q.Metric)
		}
		for i, g := range q.GroupBy {
			if !slices.Contains(BillingDimensions, g) {
				return Invalid(fmt.Sprintf("groupBy[%d]", i), "cost source %s cannot group by %q: bills know %s", q.CostSource, g, strings.Join(BillingDimensions, ", "))
			}
		}
		for i, f := range q.Filters {
			if !slices.Contains(BillingDimensions, f.Dimension) {
				return Invalid(fmt.Sprintf("filters[%d].dimension", i), "cost source %s cannot filter by %q: bills know %s", q.CostSource, f.Dimension, strings.Join(BillingDimensions, ", "))
			}
		}
	default:
		return Invalid("costSource", "unknown cost source %q (want tokens, reported, billing or blended)", q.CostSource)
	}
	if !fx.ValidCurrency(q.Currency) {
		return Invalid("currency", "%q is not an ISO-4217 currency code", q.Currency)
	}
	if q.TopN < 0 || q.TopN > 1000 {
		return Invalid("topN", "must be between 0 and 1000, got %d", q.TopN)
	}
	if err := q.validateAnalytics(); err != nil {
		return err
	}
	if h := q.QueryType.handler(); h.Check != nil {
		if err := h.Check(q); err != nil {
			return err
		}
	}
	if q.Interval != "" && q.Interval != "auto" {
		if _, ok := fixedIntervals[q.Interval]; !ok && q.Interval != "1M" {
			return Invalid("interval", "unknown interval %q (want auto, 1m, 5m, 15m, 30m, 1h, 6h, 12h, 1d, 1w or 1M)", q.Interval)
		}
	}
	return nil
}

var fixedIntervals = map[string]time.Duration{
	"1m": time.Minute, "5m": 5 * time.Minute, "15m": 15 * time.Minute, "30m": 30 * time.Minute,
	"1h": time.Hour, "6h": 6 * time.Hour, "12h": 12 * time.Hour,
	"1d": 24 * time.Hour, "1w": 7 * 24 * time.Hour,
}

// Bucket is the width of a time bucket: a fixed duration, or a calendar month.
type Bucket struct {
	Fixed time.Duration
	Month bool
}

// bucketLadder is every fixed bucket width, narrowest first; wider than the last is a month.
var bucketLadder = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}

// BucketFor picks the bucket for a query: its own interval when set, else Grafana's
// interval rounded up to the next step in the ladder, never below a minute.
func BucketFor(q Query, grafanaInterval time.Duration) Bucket {
	if q.Interval == "1M" {
		return Bucket{Month: true}
	}
	if d, ok := fixedIntervals[q.Interval]; ok {
		return Bucket{Fixed: d}
	}
	for _, step := range bucketLadder {
		if grafanaInterval <= step {
			return Bucket{Fixed: step}
		}
	}
	return Bucket{Month: true}
}

// String is the bucket's interval as the query model writes it (1m … 1w, 1M).
func (b Bucket) String() string {
	if b.Month {
		return "1M"
	}
	for name, d := range fixedIntervals {
		if d == b.Fixed {
			return name
		}
	}
	return b.Fixed.String()
}

// Caps on one answer, so that no panel, nor a crafted request from any Viewer, can
// ask for millions of points: buckets per series follow Grafana's maxDataPoints
// (DefaultMaxPoints when it sends none); a time series answer keeps at most MaxSeries
// series and a table at most MaxRows rows, the largest, and says so in a notice.
const (
	DefaultMaxPoints = 11_000
	MaxSeries        = 1_000
	MaxRows          = 10_000
)

// BucketWithin is BucketFor widened, when the range would hold more than maxPoints
// buckets, to the narrowest width that fits; note says what was done and why. A range
// holding more months than maxPoints is refused.
func BucketWithin(q Query, grafanaInterval time.Duration, r Range, maxPoints int64) (Bucket, string, error) {
	if maxPoints <= 0 {
		maxPoints = DefaultMaxPoints
	}
	asked := BucketFor(q, grafanaInterval)
	n := bucketCount(r, asked)
	if n <= maxPoints {
		return asked, "", nil
	}
	var wider []Bucket
	for _, step := range bucketLadder {
		if !asked.Month && step > asked.Fixed {
			wider = append(wider, Bucket{Fixed: step})
		}
	}
	if !asked.Month {
		wider = append(wider, Bucket{Month: true})
	}
	for _, b := range wider {
		if bucketCount(r, b) <= maxPoints {
			return b, fmt.Sprintf("interval widened from %s to %s: the range holds %d buckets of %s, more than the %d points the panel takes (maxDataPoints)",
				asked, b, n, asked, maxPoints), nil
		}
	}
	return asked, "", Invalid("interval", "the range holds %d buckets even of a month, more than the %d points the panel takes (maxDataPoints): choose a shorter range",
		bucketCount(r, Bucket{Month: true}), maxPoints)
}

// bucketCount is how many buckets of b the range touches, at most (one more than the
// whole widths it spans, for the partial bucket at each end).
func bucketCount(r Range, b Bucket) int64 {
	if b.Month {
		return int64((r.To.Year()-r.From.Year())*12+int(r.To.Month()-r.From.Month())) + 1
	}
	return int64(r.To.Sub(r.From)/b.Fixed) + 1
}
