package query

import (
	"errors"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/analytics"
)

// AllocationDimensions are what an allocation query may group and filter by.
var AllocationDimensions = []Dimension{
	{Key: "model_version", Column: "model_version", Label: "Model version"},
	{Key: "resource", Column: "resource_id", Label: "Resource"},
	{Key: "provider", Column: "provider", Label: "Provider"},
	{Key: "region", Column: "region", Label: "Region"},
}

// AllocationMetrics are what an allocation query returns per group: the allocated
// cost, the capacity in A100-hour equivalents (through unit_conversions), and the cost
// of one A100-hour, comparable across providers and instance types.
var AllocationMetrics = []Metric{
	{"cost", "Allocated cost", "currency"},
	{"a100_hours", "A100-hour equivalents", "short"},
	{"cost_per_a100_hour", "Cost per A100-hour", "currency"},
}

// BudgetDimensions filter which budgets a budget query reads.
var BudgetDimensions = []Dimension{
	{Key: "scope", Column: "scope_dimension", Label: "Scope"},
	{Key: "scope_value", Column: "scope_value", Label: "Scope value"},
	{Key: "period", Column: "period", Label: "Period"},
}

// BudgetMetrics: percent_used is what "a user at 80 % of quota" alerts on;
// today_percent_of_allowance is "daily spend above budget / days in period".
var BudgetMetrics = []Metric{
	{"percent_used", "Budget used", "percent"},
	{"spend", "Spend to date", "currency"},
	{"budget", "Budget", "currency"},
	{"remaining", "Remaining", "currency"},
	{"daily_allowance", "Daily allowance", "currency"},
	{"today_spend", "Spend today", "currency"},
	{"today_percent_of_allowance", "Today, of the daily allowance", "percent"},
}

// ForecastMetrics: projected is the period-end total; percent_of_budget is what
// "forecast over budget by more than 10 %" alerts on.
var ForecastMetrics = []Metric{
	{"projected", "Projected period total", "currency"},
	{"percent_of_budget", "Projected, of budget", "percent"},
	{"actual", "Spend to date", "currency"},
	{"lower80", "Projected, 80 % low", "currency"},
	{"upper80", "Projected, 80 % high", "currency"},
	{"lower95", "Projected, 95 % low", "currency"},
	{"upper95", "Projected, 95 % high", "currency"},
	{"budget", "Budget", "currency"},
}

// AnomalyMetrics are what an anomaly alert can read per series.
var AnomalyMetrics = []Metric{
	{"flag", "Anomaly (1 = flagged)", "short"},
	{"score", "Anomaly score", "percentunit"},
	{"percent_of_baseline", "Of baseline", "percent"},
	{"z", "Robust z-score", "short"},
	{"actual", "Cost", "currency"},
	{"expected", "Expected cost", "currency"},
}

// RecommendationDimensions filter recommendations.
var RecommendationDimensions = []Dimension{
	{Key: "kind", Column: "kind", Label: "Kind"},
	{Key: "model_version", Column: "model_version", Label: "Model version"},
	{Key: "resource", Column: "resource", Label: "Resource"},
}

// RecommendationMetrics: the estimated monthly saving.
var RecommendationMetrics = []Metric{
	{"monthly_saving", "Estimated monthly saving", "currency"},
}

// KPIMetrics are per model version.
var KPIMetrics = []Metric{
	{"cost_per_1k_tokens", "Cost per 1K tokens", "currency"},
	{"cost_per_request", "Cost per request", "currency"},
	{"gpu_utilisation", "GPU utilisation", "percentunit"},
	{"cache_hit_ratio", "Cache hit ratio", "percentunit"},
	{"p99_latency_ms", "P99 latency", "ms"},
	{"batch_efficiency", "Batch efficiency", "percentunit"},
}

// Periods a budget or forecast covers.
var Periods = []string{"day", "week", "month", "quarter", "year"}

// Outputs a query may ask for.
var Outputs = []string{"table", "alert", "series"}

// validateAnalytics checks the fields the analytic query types share.
func (q Query) validateAnalytics() error {
	if q.Output != "" && !slices.Contains(Outputs, q.Output) {
		return Invalid("output", "%q is not table, alert or series", q.Output)
	}
	if outs := q.QueryType.handler().Outputs; len(outs) > 0 && q.Output != "" && !slices.Contains(outs, q.Output) {
		return Invalid("output", "%s answers with a table: use table or alert", q.QueryType)
	}
	if !slices.Contains(Periods, q.Period) {
		return Invalid("period", "%q is not day, week, month, quarter or year", q.Period)
	}
	if q.Budget != "" {
		b, err := decimal.NewFromString(q.Budget)
		if err != nil || !b.IsPositive() {
			return Invalid("budget", "%q is not a positive decimal amount", q.Budget)
		}
	}
	if q.IdleDays < 1 || q.IdleDays > 90 {
		return Invalid("idleDays", "must be between 1 and 90, got %d", q.IdleDays)
	}
	return nil
}

// CheckKPI: per model version, from token prices or reported costs.
func CheckKPI(q Query) error {
	if len(q.GroupBy) != 0 && !slices.Equal(q.GroupBy, []string{"model_version"}) {
		return Invalid("groupBy", "kpi is per model version")
	}
	if FromBills(q.CostSource) {
		// the unit costs are per priced request and token; bills have neither
		return Invalid("costSource", "kpi reads token prices or reported costs, not %q: for what self-hosted capacity costs use an allocation query (cost_per_a100_hour) or a breakdown with this source", q.CostSource)
	}
	return nil
}

// CheckAnomalies: the detector's settings, the contributors' dimension, the interval.
func CheckAnomalies(q Query) error {
	if _, err := q.AnomalyConfig(); err != nil {
		return anomalyFieldError(err)
	}
	if q.ContributorsBy != "" {
		if _, ok := DimensionByKey(q.ContributorsBy); !ok || slices.Contains(q.GroupBy, q.ContributorsBy) {
			return Invalid("contributorsBy", "%q is not a dimension outside groupBy", q.ContributorsBy)
		}
	}
	if q.Interval != "" && q.Interval != "1d" && q.Interval != "1h" {
		return Invalid("interval", "anomalies are scored per hour (1h) or per day (1d), not %q", q.Interval)
	}
	return nil
}

// AnomalyConfig is the query's anomaly settings for the analytics package.
func (q Query) AnomalyConfig() (analytics.AnomalyConfig, error) {
	c := analytics.AnomalyConfig{Baseline: q.Baseline, Percent: q.ThresholdPercent, Z: q.ZScore,
		Direction: q.Direction, WindowDays: q.WindowDays, Seasonal: q.Seasonal == nil || *q.Seasonal, PerDay: 1}
	if q.Interval == "1h" {
		c.PerDay = 24
	}
	err := c.Validate()
	return c, err
}

// anomalyFieldError names the query field behind an analytics setting.
func anomalyFieldError(err error) error {
	var ce *analytics.ConfigError
	if !errors.As(err, &ce) {
		return Invalid("anomalies", "%s", err.Error())
	}
	field := map[string]string{"baseline": "baseline", "perDay": "interval", "windowDays": "windowDays", "thresholds": "thresholdPercent", "direction": "direction"}[ce.Field]
	return Invalid(field, "%s", ce.Msg)
}
