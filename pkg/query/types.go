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
// Dimensions, Metrics and Answer are required; the rest are optional extras.
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
	Answer func(ctx context.Context, db DB, q Query, r Range, interval time.Duration, env Env) (data.Frames, error)
}

// Handlers maps every query type to its handler.
var Handlers = map[Type]*Handler{}

// Types lists every query type, in the editor's order.
var Types = []Type{TypeCost, TypeBreakdown, TypeAllocation, TypeBudget, TypeForecast, TypeAnomalies, TypeRecommendations, TypeKPI}

func init() {
	tableOutputs := []string{"table", "alert"}
	seriesOutputs := []string{"series", "table", "alert"}
	for _, h := range []*Handler{
		{Type: TypeCost, Dimensions: Dimensions, Metrics: Metrics, Groups: true, Filters: true, TopN: true, Interval: true,
			Answer: answerCost},
		{Type: TypeBreakdown, Dimensions: Dimensions, Metrics: Metrics, Groups: true, Filters: true, TopN: true,
			Answer: answerBreakdown},
		{Type: TypeAllocation, Dimensions: AllocationDimensions, Metrics: AllocationMetrics, Groups: true, TopN: true,
			Answer: func(ctx context.Context, db DB, q Query, r Range, _ time.Duration, env Env) (data.Frames, error) {
				f, err := AllocationFrame(ctx, db, q, r, env)
				return data.Frames{f}, err
			}},
		{Type: TypeBudget, Dimensions: BudgetDimensions, Metrics: BudgetMetrics, Outputs: tableOutputs,
			Check: func(q Query) error {
				if len(q.GroupBy) > 0 {
					return invalid("groupBy", "a budget query returns one row per stored budget; filter by scope, scope_value or period instead")
				}
				return nil
			},
			Answer: func(ctx context.Context, db DB, q Query, r Range, _ time.Duration, env Env) (data.Frames, error) {
				f, err := BudgetFrame(ctx, db, q, r, env)
				return data.Frames{f}, err
			}},
		{Type: TypeForecast, Dimensions: Dimensions, Metrics: ForecastMetrics, Groups: true, Filters: true, Outputs: seriesOutputs,
			Answer: func(ctx context.Context, db DB, q Query, r Range, _ time.Duration, env Env) (data.Frames, error) {
				fs, err := Forecasts(ctx, db, q, r, env)
				if err != nil {
					return nil, err
				}
				return ForecastFrames(q, fs, env), nil
			}},
		{Type: TypeAnomalies, Dimensions: Dimensions, Metrics: AnomalyMetrics, Groups: true, Filters: true, Outputs: seriesOutputs,
			Defaults: func(q *Query) {
				if q.ThresholdPercent == 0 && q.ZScore == 0 {
					// measured on the generator's spikes: all found, 13 false alarms in ~2,400
					// series-days with z 4, against 50 with the percent alone
					q.ThresholdPercent, q.ZScore = 150, 4
				}
			},
			Check: checkAnomalies,
			Answer: func(ctx context.Context, db DB, q Query, r Range, _ time.Duration, env Env) (data.Frames, error) {
				series, flagged, err := Anomalies(ctx, db, q, r, env)
				if err != nil {
					return nil, err
				}
				return AnomalyFrames(q, series, flagged, r, env), nil
			}},
		{Type: TypeRecommendations, Dimensions: RecommendationDimensions, Metrics: RecommendationMetrics, Outputs: tableOutputs,
			Check: func(q Query) error {
				if len(q.GroupBy) > 0 {
					return invalid("groupBy", "recommendations are listed one per row; filter by kind, model_version or resource instead")
				}
				return nil
			},
			Answer: func(ctx context.Context, db DB, q Query, r Range, _ time.Duration, env Env) (data.Frames, error) {
				recs, err := Recommendations(ctx, db, q, r, env)
				if err != nil {
					return nil, err
				}
				return data.Frames{RecommendationFrame(q, recs, env)}, nil
			}},
		{Type: TypeKPI, Dimensions: Dimensions, Metrics: KPIMetrics, Filters: true, TopN: true, Outputs: tableOutputs,
			Check: checkKPI,
			Answer: func(ctx context.Context, db DB, q Query, r Range, _ time.Duration, env Env) (data.Frames, error) {
				ks, err := KPIs(ctx, db, q, r, env)
				if err != nil {
					return nil, err
				}
				return data.Frames{KPIFrame(q, ks)}, nil
			}},
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

// Answer runs a validated query with its type's handler.
func Answer(ctx context.Context, db DB, q Query, r Range, interval time.Duration, env Env) (data.Frames, error) {
	h, ok := Handlers[q.QueryType]
	if !ok {
		return nil, fmt.Errorf("queryType: %q has no handler", q.QueryType)
	}
	return h.Answer(ctx, db, q, r, interval, env)
}

func answerCost(ctx context.Context, db DB, q Query, r Range, interval time.Duration, env Env) (data.Frames, error) {
	bucket, widened, err := BucketWithin(q, interval, r, env.MaxDataPoints)
	if err != nil {
		return nil, err
	}
	res, err := Aggregate(ctx, db, q.Request(), r, bucket, env, true)
	if err != nil {
		return nil, err
	}
	kept := capNotice(res, q, MaxSeries, "series")
	return withNotices(TimeSeriesFrames(q, res, env), widened, kept), nil
}

func answerBreakdown(ctx context.Context, db DB, q Query, r Range, _ time.Duration, env Env) (data.Frames, error) {
	res, err := Aggregate(ctx, db, q.Request(), r, Bucket{}, env, false)
	if err != nil {
		return nil, err
	}
	kept := capNotice(res, q, MaxRows, "rows")
	return withNotices(data.Frames{TableFrame(q, res, env)}, kept), nil
}

// capNotice keeps the largest groups of an answer when there are more than limit (and
// the query's topN asks for no fewer), and says so.
func capNotice(res *Result, q Query, limit int, what string) string {
	if q.TopN > 0 && q.TopN <= limit {
		return ""
	}
	total := len(res.Groups)
	if res.Keep(limit) == 0 {
		return ""
	}
	return fmt.Sprintf("showing the %d largest of %d %s by %s: narrow the query with filters or topN", limit, total, what, q.Metric)
}

// withNotices adds each non-empty notice to every frame, as a warning.
func withNotices(frames data.Frames, notices ...string) data.Frames {
	for _, n := range notices {
		if n == "" {
			continue
		}
		for _, f := range frames {
			f.AppendNotices(data.Notice{Severity: data.NoticeSeverityWarning, Text: n})
		}
	}
	return frames
}
