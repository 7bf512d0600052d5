package query

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// DB is the part of a pgx pool (or transaction) the planners' SQL runs on.
type DB interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Range is a half-open time range [From, To).
type Range struct {
	From, To time.Time
}

// Env is what the data source instance contributes to every query.
type Env struct {
	Location *time.Location // day and month boundaries
	Tenant   string         // bound tenant; empty means every tenant the role may read
	// IncompleteAfter marks the newest buckets as possibly incomplete (late events).
	IncompleteAfter time.Time
	// RawOnly makes the planner read the events even where a summary would do.
	RawOnly bool
	// FXMaxAgeDays flags answers that converted an amount at a rate more days older
	// than the amount (0: never).
	FXMaxAgeDays int
	// MaxDataPoints is the most buckets a series may have (Grafana's maxDataPoints;
	// DefaultMaxPoints when 0).
	MaxDataPoints int64
}
