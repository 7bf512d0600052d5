package query

import (
	"context"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Handler is everything Costlens knows about one query type, in one place: what it
// groups and filters by, what it returns, what its editor offers, its defaults, its own
// checks and how it answers. The parser, the validator and the plugin look a type up
// in Handlers and nowhere else. The frontend keeps the same facts per type in
// QUERY_TYPE_SPECS (src/datasource/types.ts); testdata/queries.json holds them, and
// both sides' tests compare their registry with it.
//
// Dimensions, Metrics and Answer are required; the rest are optional extras. The
// facts live here, with the model; Answer is filled in by the package that answers
// (pkg/query/analytic, which the plugin imports), so that the model does not depend on
// the engine.
type Handler struct {
	Type Type
	// Dimensions it may group and filter by; Metrics it returns, the first the default.
	Dimensions []Dimension
	Metrics    []Metric
	// What the query editor offers for it: group by, filters, topN, its own interval.
	Groups, Filters, TopN, Interval bool
	// Outputs it can answer with, the first the default; nil when it has one shape.
	Outputs []string
	// Defaults fills what is particular to the type, after the defaults every query gets.
	Defaults func(q *Query)
	// Check validates what is particular to the type, after the checks every query gets.
	Check func(q Query) error
	// Answer runs a validated query of this type into frames.
	Answer AnswerFunc
}

// AnswerFunc answers a validated query over a range.
type AnswerFunc func(ctx context.Context, db DB, q Query, r Range, interval time.Duration, env Env) (data.Frames, error)

// Handlers maps every query type to its handler.
var Handlers = map[Type]*Handler{}

// Types lists every query type, in the editor's order.
var Types = []Type{TypeCost, TypeBreakdown, TypeAllocation, TypeBudget, TypeForecast, TypeAnomalies, TypeRecommendations, TypeKPI}

func init() {
	tableOutputs := []string{"table", "alert"}
	seriesOutputs := []string{"series", "table", "alert"}
	for _, h := range []*Handler{
		{Type: TypeCost, Dimensions: Dimensions, Metrics: Metrics, Groups: true, Filters: true, TopN: true, Interval: true},
		{Type: TypeBreakdown, Dimensions: Dimensions, Metrics: Metrics, Groups: true, Filters: true, TopN: true},
		{Type: TypeAllocation, Dimensions: AllocationDimensions, Metrics: AllocationMetrics, Groups: true, TopN: true},
		{Type: TypeBudget, Dimensions: BudgetDimensions, Metrics: BudgetMetrics, Outputs: tableOutputs,
			Check: func(q Query) error {
				if len(q.GroupBy) > 0 {
					return Invalid("groupBy", "a budget query returns one row per stored budget; filter by scope, scope_value or period instead")
				}
				return nil
			}},
		{Type: TypeForecast, Dimensions: Dimensions, Metrics: ForecastMetrics, Groups: true, Filters: true, Outputs: seriesOutputs},
		{Type: TypeAnomalies, Dimensions: Dimensions, Metrics: AnomalyMetrics, Groups: true, Filters: true, Outputs: seriesOutputs,
			Defaults: func(q *Query) {
				if q.ThresholdPercent == 0 && q.ZScore == 0 {
					// measured on the generator's spikes: all found, 13 false alarms in ~2,400
					// series-days with z 4, against 50 with the percent alone
					q.ThresholdPercent, q.ZScore = 150, 4
				}
			},
			Check: checkAnomalies},
		{Type: TypeRecommendations, Dimensions: RecommendationDimensions, Metrics: RecommendationMetrics, Outputs: tableOutputs,
			Check: func(q Query) error {
				if len(q.GroupBy) > 0 {
					return Invalid("groupBy", "recommendations are listed one per row; filter by kind, model_version or resource instead")
				}
				return nil
			}},
		{Type: TypeKPI, Dimensions: Dimensions, Metrics: KPIMetrics, Filters: true, TopN: true, Outputs: tableOutputs, Check: checkKPI},
	} {
		Handlers[h.Type] = h
	}
}

// handler is the handler of a known type (Validate has checked it).
func (t Type) handler() *Handler {
	if h, ok := Handlers[t]; ok {
		return h
	}
	return Handlers[TypeCost]
}

// Handler is the type's handler (the cost type's for an unknown one).
func (t Type) Handler() *Handler { return t.handler() }

// Answer runs a validated query with its type's handler.
func Answer(ctx context.Context, db DB, q Query, r Range, interval time.Duration, env Env) (data.Frames, error) {
	h, ok := Handlers[q.QueryType]
	if !ok || h.Answer == nil {
		return nil, fmt.Errorf("queryType %q: nothing answers it (the plugin imports pkg/query/analytic)", q.QueryType)
	}
	return h.Answer(ctx, db, q, r, interval, env)
}
