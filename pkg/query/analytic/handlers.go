// Package analytic holds the query types that answer with more than an aggregate
// (budgets, forecasts, anomalies, recommendations and KPIs) and declares every query
// type, once each, in the registry of pkg/query: what it groups and filters by, what it
// returns, what its editor offers, its outputs, defaults and checks, and how it
// answers. The plugin imports this package, and with it every type is known.
package analytic

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/costlens/costlens/pkg/analytics"
	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/query/engine"
)

func init() {
	tableOutputs := []string{"table", "alert"}
	seriesOutputs := []string{"series", "table", "alert"}
	for _, h := range []*query.Handler{
		{Type: query.TypeCost, Dimensions: query.Dimensions, Metrics: query.Metrics,
			Groups: true, Filters: true, TopN: true, Interval: true, Answer: engine.AnswerCost},
		{Type: query.TypeBreakdown, Dimensions: query.Dimensions, Metrics: query.Metrics,
			Groups: true, Filters: true, TopN: true, Answer: engine.AnswerBreakdown},
		{Type: query.TypeAllocation, Dimensions: query.AllocationDimensions, Metrics: query.AllocationMetrics,
			Groups: true, TopN: true, Answer: query.OneFrame(engine.AllocationFrame)},
		{Type: query.TypeBudget, Dimensions: query.BudgetDimensions, Metrics: query.BudgetMetrics, Outputs: tableOutputs,
			Check:  refuseGroupBy("a budget query returns one row per stored budget; filter by scope, scope_value or period instead"),
			Answer: query.OneFrame(BudgetFrame)},
		{Type: query.TypeForecast, Dimensions: query.Dimensions, Metrics: query.ForecastMetrics,
			Groups: true, Filters: true, Outputs: seriesOutputs, Answer: answerForecast},
		{Type: query.TypeAnomalies, Dimensions: query.Dimensions, Metrics: query.AnomalyMetrics,
			Groups: true, Filters: true, Outputs: seriesOutputs,
			Defaults: func(q *query.Query) {
				if q.ThresholdPercent == 0 && q.ZScore == 0 {
					// chosen on the labelled real series of costlens-analyze bench-anomalies:
					// under one false-alarm episode per series-month (see the README)
					q.ThresholdPercent, q.ZScore = analytics.DefaultPercent, analytics.DefaultZ
				}
			},
			Check: query.CheckAnomalies, Answer: answerAnomalies},
		{Type: query.TypeRecommendations, Dimensions: query.RecommendationDimensions, Metrics: query.RecommendationMetrics,
			Outputs: tableOutputs,
			Check:   refuseGroupBy("recommendations are listed one per row; filter by kind, model_version or resource instead"),
			Answer:  answerRecommendations},
		{Type: query.TypeKPI, Dimensions: query.Dimensions, Metrics: query.KPIMetrics,
			Filters: true, TopN: true, Outputs: tableOutputs, Check: query.CheckKPI, Answer: answerKPI},
	} {
		query.Register(h)
	}
}

// refuseGroupBy is the check of a type that answers one row per item: no groupBy.
func refuseGroupBy(why string) func(query.Query) error {
	return func(q query.Query) error {
		if len(q.GroupBy) > 0 {
			return query.Invalid("groupBy", "%s", why)
		}
		return nil
	}
}

func answerForecast(ctx context.Context, db query.DB, q query.Query, r query.Range, _ time.Duration, env query.Env) (data.Frames, error) {
	fs, err := Forecasts(ctx, db, q, r, env)
	if err != nil {
		return nil, err
	}
	return ForecastFrames(q, fs, env), nil
}

func answerAnomalies(ctx context.Context, db query.DB, q query.Query, r query.Range, _ time.Duration, env query.Env) (data.Frames, error) {
	series, flagged, err := Anomalies(ctx, db, q, r, env)
	if err != nil {
		return nil, err
	}
	return AnomalyFrames(q, series, flagged, r, env), nil
}

func answerRecommendations(ctx context.Context, db query.DB, q query.Query, r query.Range, _ time.Duration, env query.Env) (data.Frames, error) {
	recs, err := Recommendations(ctx, db, q, r, env)
	if err != nil {
		return nil, err
	}
	return data.Frames{RecommendationFrame(q, recs, env)}, nil
}

func answerKPI(ctx context.Context, db query.DB, q query.Query, r query.Range, _ time.Duration, env query.Env) (data.Frames, error) {
	ks, err := KPIs(ctx, db, q, r, env)
	if err != nil {
		return nil, err
	}
	return data.Frames{KPIFrame(q, ks)}, nil
}
