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
// Dimensions, Metrics and Answer are required; the rest are optional extras. Every
// type is declared once, in pkg/query/analytic/handlers.go, and registered here when
// that package is imported (the plugin imports it): the model does not depend on the
// engine that answers.
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

// OneFrame answers with the single frame frame makes (its time range, not an interval).
func OneFrame(frame func(ctx context.Context, db DB, q Query, r Range, env Env) (*data.Frame, error)) AnswerFunc {
	return func(ctx context.Context, db DB, q Query, r Range, _ time.Duration, env Env) (data.Frames, error) {
		f, err := frame(ctx, db, q, r, env)
		if err != nil {
			return nil, err
		}
		return data.Frames{f}, nil
	}
}

// Handlers maps every query type to its handler.
var Handlers = map[Type]*Handler{}

// Types lists every registered query type, in the order registered (the editor's).
var Types []Type

// Register adds a query type's handler; pkg/query/analytic registers every type when
// it is imported (the plugin imports it), so that each type is declared in one place.
func Register(h *Handler) {
	if _, dup := Handlers[h.Type]; dup {
		panic(fmt.Sprintf("query type %q registered twice", h.Type))
	}
	if len(h.Dimensions) == 0 || len(h.Metrics) == 0 || h.Answer == nil {
		panic(fmt.Sprintf("query type %q: dimensions, metrics and an answer are required", h.Type))
	}
	Handlers[h.Type] = h
	Types = append(Types, h.Type)
}

// handler is the handler of a known type (Validate has checked it is one).
func (t Type) handler() *Handler {
	if h, ok := Handlers[t]; ok {
		return h
	}
	if h, ok := Handlers[TypeCost]; ok {
		return h
	}
	panic("no query type is registered: import pkg/query/analytic, which declares them")
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
