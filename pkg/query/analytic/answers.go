// Package analytic holds the query types that answer with more than an aggregate:
// budgets, forecasts, anomalies, recommendations and KPIs. It fills in how each query
// type answers (query.Handlers' Answer): the aggregates from pkg/query/engine, the rest
// from here. The plugin imports it, and with it every type answers.
package analytic

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/query/engine"
)

func init() {
	for t, answer := range map[query.Type]query.AnswerFunc{
		query.TypeCost:            engine.AnswerCost,
		query.TypeBreakdown:       engine.AnswerBreakdown,
		query.TypeAllocation:      engine.AnswerAllocation,
		query.TypeBudget:          answerBudget,
		query.TypeForecast:        answerForecast,
		query.TypeAnomalies:       answerAnomalies,
		query.TypeRecommendations: answerRecommendations,
		query.TypeKPI:             answerKPI,
	} {
		query.Handlers[t].Answer = answer
	}
}

func answerBudget(ctx context.Context, db query.DB, q query.Query, r query.Range, _ time.Duration, env query.Env) (data.Frames, error) {
	f, err := BudgetFrame(ctx, db, q, r, env)
	if err != nil {
		return nil, err
	}
	return data.Frames{f}, nil
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
