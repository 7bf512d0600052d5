package query

import (
	"fmt"
	"strings"
	"time"
)

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
	// RawOnly makes the planner read the events even where the hourly rollup would do.
	RawOnly bool
	// FXMaxAgeDays flags answers that converted an amount at a rate more days older
	// than the amount (0: never).
	FXMaxAgeDays int
}

// sqlBuilder collects bind parameters; every user value goes through arg.
type sqlBuilder struct {
	args []any
}

func (b *sqlBuilder) arg(v any) string {
	b.args = append(b.args, v)
	return fmt.Sprintf("$%d", len(b.args))
}

func costColumns(source string) (cost, currency string) {
	if source == SourceReported {
		return "reported_cost", "reported_currency"
	}
	// tokens, and the requests a blended query does not take from the bills
	return "priced_cost", "price_currency"
}

// whereClause renders the time range, tenant binding and filters. Filters on parts of
// the model version are applied in Go after the query (see columnsFor).
func whereClause(b *sqlBuilder, filters []Filter, r Range, env Env) string {
	return whereOn(b, "ts", filters, r, env)
}

// whereOn is whereClause over a table whose time column is tsCol (the rollup's hour).
func whereOn(b *sqlBuilder, tsCol string, filters []Filter, r Range, env Env) string {
	conds := []string{tsCol + " >= " + b.arg(r.From), tsCol + " < " + b.arg(r.To)}
	if env.Tenant != "" {
		conds = append(conds, "tenant = "+b.arg(env.Tenant))
	}
	for _, f := range filters {
		d, _ := DimensionByKey(f.Dimension) // validated
		if d.Column == "" {
			continue
		}
		switch f.Operator {
		case "=":
			conds = append(conds, d.Column+" = "+b.arg(f.Values[0]))
		case "!=":
			conds = append(conds, d.Column+" <> "+b.arg(f.Values[0]))
		case "in":
			conds = append(conds, d.Column+" = ANY("+b.arg(f.Values)+"::text[])")
		case "not in":
			conds = append(conds, d.Column+" <> ALL("+b.arg(f.Values)+"::text[])")
		}
	}
	return strings.Join(conds, " AND ")
}

// bucketExpr bins the time column in the configured time zone, so a day bucket is a local day.
func bucketExpr(b *sqlBuilder, tsCol string, bucket Bucket, tz string) string {
	if bucket.Month {
		return fmt.Sprintf("(date_trunc('month', %[2]s AT TIME ZONE %[1]s) AT TIME ZONE %[1]s)", tz, tsCol)
	}
	// 2000-01-03 was a Monday, so week buckets start on Mondays.
	return fmt.Sprintf("(date_bin(%s::interval, %s AT TIME ZONE %s, TIMESTAMP '2000-01-03') AT TIME ZONE %s)",
		b.arg(fmt.Sprintf("%d seconds", int64(bucket.Fixed/time.Second))), tsCol, tz, tz)
}

// RollupAllows says whether the hourly rollup answers a query exactly: its buckets are
// whole hours (or months), its range starts and ends on the hour, and the time zone is
// a whole number of hours from UTC at both ends, so every local day and bucket is a
// union of whole UTC hours; and it neither groups nor filters by user, which the
// rollup leaves out.
func RollupAllows(q Query, r Range, bucket Bucket, env Env, withBucket bool) bool {
	if env.RawOnly {
		return false
	}
	// the rollup has no users
	for _, d := range q.GroupBy {
		if d == "user" {
			return false
		}
	}
	for _, f := range q.Filters {
		if f.Dimension == "user" {
			return false
		}
	}
	if withBucket && !bucket.Month && (bucket.Fixed < time.Hour || bucket.Fixed%time.Hour != 0) {
		return false
	}
	for _, t := range []time.Time{r.From, r.To} {
		if !t.Truncate(time.Hour).Equal(t) {
			return false
		}
		if _, off := t.In(env.Location).Zone(); off%3600 != 0 {
			return false
		}
	}
	return true
}

// columnsFor lists the event columns a query's SQL groups by: its SQL dimensions, and
// model_version when a part of it is grouped or filtered on.
func columnsFor(q Query) []Dimension {
	var cols []Dimension
	add := func(d Dimension) {
		for _, c := range cols {
			if c.Key == d.Key {
				return
			}
		}
		cols = append(cols, d)
	}
	mv, _ := DimensionByKey("model_version")
	for _, g := range q.GroupBy {
		d, _ := DimensionByKey(g)
		if d.Part != nil {
			d = mv
		}
		add(d)
	}
	for _, f := range q.Filters {
		if d, _ := DimensionByKey(f.Dimension); d.Part != nil {
			add(mv)
		}
	}
	return cols
}

// AggregatePlan is the SQL behind cost and breakdown queries and the columns its rows
// carry after the fixed ones.
type AggregatePlan struct {
	SQL     string
	Args    []any
	Columns []Dimension
	Rollup  bool // reads costlens.cost_hourly rather than the events
}

// PlanAggregate builds the one SQL statement behind cost and breakdown queries. It
// groups by (bucket, local day, currency, dimensions): money is summed per currency and
// day in PostgreSQL's numeric, and converted afterwards at that day's rate.
// withBucket=false leaves the time bucket out (breakdown tables). exclude lists model
// versions whose cost comes from elsewhere (the bills of a blended query).
func PlanAggregate(q Query, r Range, bucket Bucket, env Env, withBucket bool, exclude ...string) AggregatePlan {
	rollup := RollupAllows(q, r, bucket, env, withBucket)
	b := &sqlBuilder{}
	cols := columnsFor(q)
	costCol, curCol := costColumns(q.CostSource)
	table, tsCol := "costlens.cost_events", "ts"
	requests, cached := "count(*)", "cached_input_tokens"
	if rollup {
		table, tsCol = "costlens.cost_hourly", "hour"
		requests, cached = "sum(requests)", "cached_tokens"
	}
	tz := b.arg(env.Location.String())
	var sel, group []string
	if withBucket {
		sel = append(sel, bucketExpr(b, tsCol, bucket, tz)+" AS bucket")
	} else {
		sel = append(sel, "NULL::timestamptz AS bucket")
	}
	sel = append(sel, fmt.Sprintf("(%s AT TIME ZONE %s)::date AS day", tsCol, tz), curCol+"::text AS currency")
	group = append(group, "1", "2", "3")
	for i, d := range cols {
		sel = append(sel, d.Column)
		group = append(group, fmt.Sprint(4+i))
	}
	// a cost is null exactly when its currency is (a table constraint), so the
	// rollup, keyed by currency, tells priced from unpriced as the events do
	sel = append(sel,
		fmt.Sprintf("coalesce(%s, 0)::bigint AS requests", requests),
		fmt.Sprintf("coalesce(%s FILTER (WHERE %s IS NULL), 0)::bigint AS unpriced", requests, curCol),
		"coalesce(sum(input_tokens), 0)::bigint",
		"coalesce(sum(output_tokens), 0)::bigint",
		fmt.Sprintf("coalesce(sum(%s), 0)::bigint", cached),
		fmt.Sprintf("coalesce(sum(input_tokens + output_tokens + %s) FILTER (WHERE %s IS NOT NULL), 0)::bigint", cached, curCol),
		fmt.Sprintf("coalesce(sum(%s), 0)::text AS cost", costCol),
	)
	where := whereOn(b, tsCol, q.Filters, r, env)
	if len(exclude) > 0 {
		where += " AND model_version <> ALL(" + b.arg(exclude) + "::text[])"
	}
	sql := fmt.Sprintf("SELECT %s\nFROM %s\nWHERE %s\nGROUP BY %s\nORDER BY %s",
		strings.Join(sel, ", "), table, where, strings.Join(group, ", "), strings.Join(group, ", "))
	return AggregatePlan{SQL: sql, Args: b.args, Columns: cols, Rollup: rollup}
}

// PlanDimensionValues lists the distinct values of an SQL dimension within the range
// and filters (with model_version for the parts of it the filters name).
func PlanDimensionValues(d Dimension, filters []Filter, r Range, env Env, limit int) (string, []any) {
	b := &sqlBuilder{}
	where := whereClause(b, filters, r, env)
	sql := fmt.Sprintf("SELECT DISTINCT %[1]s FROM costlens.cost_events WHERE %[2]s ORDER BY %[1]s LIMIT %[3]s",
		d.Column, where, b.arg(limit))
	return sql, b.args
}
