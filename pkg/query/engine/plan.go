package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/costlens/costlens/pkg/query"
)

// SQLBuilder collects bind parameters; every user value goes through arg.
type SQLBuilder struct {
	args []any
}

func (b *SQLBuilder) arg(v any) string {
	b.args = append(b.args, v)
	return fmt.Sprintf("$%d", len(b.args))
}

func costColumns(source string) (cost, currency string) {
	if source == query.SourceReported {
		return "reported_cost", "reported_currency"
	}
	// tokens, and the requests a blended query does not take from the bills
	return "priced_cost", "price_currency"
}

// WhereClause renders the time range, tenant binding and filters over the events.
// Filters on parts of the model version are applied in Go after the query (see columnsFor).
func WhereClause(b *SQLBuilder, filters []query.Filter, r query.Range, env query.Env) string {
	conds := append([]string{"ts >= " + b.arg(r.From), "ts < " + b.arg(r.To)}, filterConditions(b, filters, env)...)
	return strings.Join(conds, " AND ")
}

// filterConditions renders the tenant binding and the filters on SQL dimensions.
func filterConditions(b *SQLBuilder, filters []query.Filter, env query.Env) []string {
	var conds []string
	if env.Tenant != "" {
		conds = append(conds, "tenant = "+b.arg(env.Tenant))
	}
	for _, f := range filters {
		d, _ := query.DimensionByKey(f.Dimension) // validated
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
	return conds
}

// bucketExpr bins the time column in the configured time zone, so a day bucket is a local day.
func bucketExpr(b *SQLBuilder, tsCol string, bucket query.Bucket, tz string) string {
	if bucket.Month {
		return fmt.Sprintf("(date_trunc('month', %[2]s AT TIME ZONE %[1]s) AT TIME ZONE %[1]s)", tz, tsCol)
	}
	// 2000-01-03 was a Monday, so week buckets start on Mondays.
	return fmt.Sprintf("(date_bin(%s::interval, %s AT TIME ZONE %s, TIMESTAMP '2000-01-03') AT TIME ZONE %s)",
		b.arg(fmt.Sprintf("%d seconds", int64(bucket.Fixed/time.Second))), tsCol, tz, tz)
}

// A tier is a table an aggregate can read: the events, or a summary that holds their
// additive subtotals per UTC hour or day (migration 0006, kept exact on the write path).
type tier struct {
	name     string
	table    string
	col      string          // its time column
	start    string          // SQL: the start of a row's period, over a summary's grouped "at"
	period   time.Duration   // 0 for the events
	dims     map[string]bool // the dimensions (by key) it keeps
	requests string          // SQL: the requests a row stands for
}

var (
	eventsTier = tier{name: "events", table: "costlens.cost_events", col: "ts", start: "ts", requests: "sum(request_count)"}
	// the hourly and daily tiers keep every dimension but the user; the user tiers keep
	// the user and the feature (README "Summaries" gives the cardinality reasoning)
	hourlyTier = tier{name: "hourly", table: "costlens.cost_hourly", col: "hour", start: "at", period: time.Hour,
		dims: summaryDims("feature", "tenant", "model", "model_version", "provider", "region", "pricing"), requests: "sum(requests)"}
	dailyTier = tier{name: "daily", table: "costlens.cost_daily", col: "day", start: "(at::timestamp AT TIME ZONE 'UTC')", period: 24 * time.Hour,
		dims: hourlyTier.dims, requests: "sum(requests)"}
	userHourlyTier = tier{name: "hourly_user", table: "costlens.cost_hourly_user", col: "hour", start: "at", period: time.Hour,
		dims: summaryDims("user", "tenant", "feature", "pricing"), requests: "sum(requests)"}
	userTier = tier{name: "daily_user", table: "costlens.cost_daily_user", col: "day", start: "(at::timestamp AT TIME ZONE 'UTC')", period: 24 * time.Hour,
		dims: userHourlyTier.dims, requests: "sum(requests)"}
)

// allTiers is the order a plan's parts are written in.
var allTiers = []tier{eventsTier, dailyTier, hourlyTier, userTier, userHourlyTier}

// rangesOf lists the parts of a range read from the named tier.
func rangesOf(pieces []Piece, tierName string) []query.Range {
	var out []query.Range
	for _, pc := range pieces {
		if pc.Tier == tierName {
			out = append(out, pc.Range)
		}
	}
	return out
}

func summaryDims(keys ...string) map[string]bool {
	m := map[string]bool{}
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// keeps says whether the tier has every dimension in need.
func (t tier) keeps(need []string) bool {
	for _, k := range need {
		if !t.dims[k] {
			return false
		}
	}
	return true
}

// Piece is a part of a query's range and the tier it is read from.
type Piece struct {
	Tier  string
	Range query.Range
}

// cell names what an instant contributes to in a query's answer: its time bucket (when
// the query has buckets) and its local day (the day of the FX rate).
type cell struct{ bucket, day time.Time }

// splitRange divides r into the parts each tier answers exactly: whole UTC days from
// day (when given), whole UTC hours from hour (when given) and the events for the rest.
// A summary row stands for its events only if they all fall in one cell, so a period
// is taken from a summary only when the zone's offset is the same all through it and
// its first and last instants share a cell: in a half-hour zone the hour that holds
// local midnight is read from the events, the other 23 from the hourly tier.
func splitRange(r query.Range, withBucket bool, bucket query.Bucket, loc *time.Location, day, hour *tier) []Piece {
	cellOf := func(t time.Time) cell {
		lt := t.In(loc)
		c := cell{day: time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC)}
		if withBucket {
			c.bucket = BucketStart(t, bucket, loc)
		}
		return c
	}
	uniform := func(from, to time.Time) bool {
		if _, end := from.In(loc).ZoneBounds(); !end.IsZero() && end.Before(to) {
			return false
		}
		return cellOf(from) == cellOf(to.Add(-time.Nanosecond))
	}
	var out []Piece
	add := func(name string, from, to time.Time) {
		if !from.Before(to) {
			return
		}
		if n := len(out); n > 0 && out[n-1].Tier == name && out[n-1].Range.To.Equal(from) {
			out[n-1].Range.To = to
			return
		}
		out = append(out, Piece{Tier: name, Range: query.Range{From: from, To: to}})
	}
	first := r.From.Truncate(time.Hour)
	if first.Before(r.From) {
		first = first.Add(time.Hour)
	}
	last := r.To.Truncate(time.Hour)
	if (day == nil && hour == nil) || !first.Before(last) {
		// all from the events (an empty range too: its one part finds nothing, and the
		// SQL stays whole)
		return []Piece{{Tier: eventsTier.name, Range: r}}
	}
	add(eventsTier.name, r.From, first)
	for t := first; t.Before(last); {
		if day != nil && t.Equal(t.Truncate(24*time.Hour)) && !t.Add(24*time.Hour).After(last) && uniform(t, t.Add(24*time.Hour)) {
			add(day.name, t, t.Add(24*time.Hour))
			t = t.Add(24 * time.Hour)
			continue
		}
		if hour != nil && uniform(t, t.Add(time.Hour)) {
			add(hour.name, t, t.Add(time.Hour))
		} else {
			add(eventsTier.name, t, t.Add(time.Hour))
		}
		t = t.Add(time.Hour)
	}
	add(eventsTier.name, last, r.To)
	return out
}

// tiersFor picks the summaries a query can read: the hourly and daily tiers when it
// neither groups nor filters by user, the user tiers when every dimension it needs is
// one they keep, none when env.RawOnly.
func tiersFor(need []string, env query.Env) (day, hour *tier) {
	switch {
	case env.RawOnly:
		return nil, nil
	case dailyTier.keeps(need):
		return &dailyTier, &hourlyTier
	case userTier.keeps(need):
		return &userTier, &userHourlyTier
	}
	return nil, nil
}

// columnsFor lists the event columns a query's SQL groups by: its SQL dimensions, and
// model_version when a part of it is grouped or filtered on.
func columnsFor(q Request) []query.Dimension {
	var cols []query.Dimension
	add := func(d query.Dimension) {
		for _, c := range cols {
			if c.Key == d.Key {
				return
			}
		}
		cols = append(cols, d)
	}
	mv, _ := query.DimensionByKey("model_version")
	for _, g := range q.GroupBy {
		d, _ := query.DimensionByKey(g)
		if d.Part != nil {
			d = mv
		}
		add(d)
	}
	for _, f := range q.Filters {
		if d, _ := query.DimensionByKey(f.Dimension); d.Part != nil {
			add(mv)
		}
	}
	return cols
}

// neededDimensions is every dimension a query's SQL reads: its columns and its filters'.
func neededDimensions(cols []query.Dimension, filters []query.Filter, exclude []string) []string {
	var need []string
	for _, c := range cols {
		need = append(need, c.Key)
	}
	for _, f := range filters {
		if d, _ := query.DimensionByKey(f.Dimension); d.Column != "" {
			need = append(need, d.Key)
		}
	}
	if len(exclude) > 0 {
		need = append(need, "model_version")
	}
	return need
}

// AggregatePlan is the SQL behind cost and breakdown queries and the columns its rows
// carry after the fixed ones.
type AggregatePlan struct {
	SQL     string
	Args    []any
	Columns []query.Dimension
	Pieces  []Piece // which tier each part of the range is read from
}

// Reads says whether some part of the range is read from the named tier.
func (p AggregatePlan) Reads(tierName string) bool { return len(rangesOf(p.Pieces, tierName)) > 0 }

// PlanAggregate builds the one SQL statement behind cost and breakdown queries. It
// groups by (bucket, local day, currency, dimensions): money is summed per currency and
// day in PostgreSQL's numeric, and converted afterwards at that day's rate. The range
// is read from whole summary days and hours and the events at its edges (splitRange),
// each part grouped alike and the parts added up, so the answer is the raw one.
// withBucket=false leaves the time bucket out (breakdown tables). exclude lists model
// versions whose cost comes from elsewhere (the bills of a blended query).
func PlanAggregate(q Request, r query.Range, bucket query.Bucket, env query.Env, withBucket bool, exclude ...string) AggregatePlan {
	b := &SQLBuilder{}
	cols := columnsFor(q)
	day, hour := tiersFor(neededDimensions(cols, q.Filters, exclude), env)
	pieces := splitRange(r, withBucket, bucket, env.Location, day, hour)
	costCol, curCol := costColumns(q.CostSource)
	tz := b.arg(env.Location.String())
	// the same conditions (and bind parameters) in every part
	filters := filterConditions(b, q.Filters, env)
	if len(exclude) > 0 {
		filters = append(filters, "model_version <> ALL("+b.arg(exclude)+"::text[])")
	}
	var parts []string
	for _, t := range allTiers {
		ranges := rangesOf(pieces, t.name)
		if len(ranges) == 0 {
			continue
		}
		// every part yields (bucket, local day, currency, dimensions, measures); a summary
		// is first summed per period, currency and dimensions, so the zone arithmetic
		// runs once per period rather than once per summary row
		dims := make([]string, len(cols))
		for i, d := range cols {
			dims[i] = fmt.Sprintf("%s AS c%d", d.Column, i)
		}
		measures := []string{
			fmt.Sprintf("%s AS requests", t.requests),
			fmt.Sprintf("%s FILTER (WHERE %s IS NULL) AS unpriced", t.requests, curCol),
			"sum(input_tokens) AS input_tokens", "sum(output_tokens) AS output_tokens",
			"sum(cached_input_tokens) AS cached", "sum(cache_write_tokens) AS cache_write",
			// a cost is null exactly when its currency is (a table constraint), and the
			// summaries are keyed by currency, so they tell priced from unpriced as the events do
			fmt.Sprintf("sum(input_tokens + output_tokens + cached_input_tokens + cache_write_tokens) FILTER (WHERE %s IS NOT NULL) AS priced_tokens", curCol),
			fmt.Sprintf("sum(%s) AS cost", costCol),
		}
		where := append([]string{timeCondition(b, t, ranges)}, filters...)
		bucketSQL := "NULL::timestamptz"
		if withBucket {
			bucketSQL = bucketExpr(b, t.start, bucket, tz)
		}
		head := []string{bucketSQL + " AS bucket", fmt.Sprintf("(%s AT TIME ZONE %s)::date AS day", t.start, tz)}
		var part string
		if t.period == 0 {
			group := []string{"1", "2", "3"}
			for i := range cols {
				group = append(group, fmt.Sprint(4+i))
			}
			sel := append(append(append(head, curCol+"::text AS currency"), dims...), measures...)
			part = fmt.Sprintf("SELECT %s\n  FROM %s\n  WHERE %s\n  GROUP BY %s",
				strings.Join(sel, ", "), t.table, strings.Join(where, " AND "), strings.Join(group, ", "))
		} else {
			group := []string{"1", "2"}
			for i := range cols {
				group = append(group, fmt.Sprint(3+i))
			}
			inner := append(append([]string{t.col + " AS at", curCol + "::text AS currency"}, dims...), measures...)
			outerCols := append(head, "currency")
			for i := range cols {
				outerCols = append(outerCols, fmt.Sprintf("c%d", i))
			}
			outerCols = append(outerCols, "requests", "unpriced", "input_tokens", "output_tokens", "cached", "cache_write", "priced_tokens", "cost")
			part = fmt.Sprintf("SELECT %s FROM (\n    SELECT %s\n    FROM %s\n    WHERE %s\n    GROUP BY %s) g",
				strings.Join(outerCols, ", "), strings.Join(inner, ", "), t.table, strings.Join(where, " AND "), strings.Join(group, ", "))
		}
		parts = append(parts, part)
	}
	outer := []string{"bucket", "day", "currency"}
	group := []string{"1", "2", "3"}
	for i := range cols {
		outer = append(outer, fmt.Sprintf("c%d", i))
		group = append(group, fmt.Sprint(4+i))
	}
	outer = append(outer,
		"coalesce(sum(requests), 0)::bigint", "coalesce(sum(unpriced), 0)::bigint",
		"coalesce(sum(input_tokens), 0)::bigint", "coalesce(sum(output_tokens), 0)::bigint",
		"coalesce(sum(cached), 0)::bigint", "coalesce(sum(cache_write), 0)::bigint", "coalesce(sum(priced_tokens), 0)::bigint",
		"coalesce(sum(cost), 0)::text")
	sql := fmt.Sprintf("SELECT %s\nFROM (\n  %s\n) parts\nGROUP BY %s\nORDER BY %s",
		strings.Join(outer, ", "), strings.Join(parts, "\n  UNION ALL\n  "), strings.Join(group, ", "), strings.Join(group, ", "))
	return AggregatePlan{SQL: sql, Args: b.args, Columns: cols, Pieces: pieces}
}

// timeCondition restricts a tier to its ranges (whole days for a daily tier, compared
// as UTC dates).
func timeCondition(b *SQLBuilder, t tier, ranges []query.Range) string {
	var ors []string
	for _, r := range ranges {
		switch t.period {
		case 24 * time.Hour:
			ors = append(ors, fmt.Sprintf("day >= %s::date AND day < %s::date",
				b.arg(r.From.UTC().Format(time.DateOnly)), b.arg(r.To.UTC().Format(time.DateOnly))))
		default:
			ors = append(ors, fmt.Sprintf("%[1]s >= %[2]s AND %[1]s < %[3]s", t.col, b.arg(r.From), b.arg(r.To)))
		}
	}
	if len(ors) == 1 {
		return ors[0]
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

// PlanDimensionValues lists the distinct values of an SQL dimension within the range
// and filters (with model_version for the parts of it the filters name).
func PlanDimensionValues(d query.Dimension, filters []query.Filter, r query.Range, env query.Env, limit int) (string, []any) {
	b := &SQLBuilder{}
	sql := distinctSQL(b, []query.Dimension{d}, filters, r, env)
	return fmt.Sprintf("%s ORDER BY 1 LIMIT %s", sql, b.arg(limit)), b.args
}

// distinctSQL selects the distinct combinations of cols within the range and filters,
// from the summaries where they keep them (a value found in a whole day or hour inside
// the range is in the range: no zone matters here) and the events for the rest.
func distinctSQL(b *SQLBuilder, cols []query.Dimension, filters []query.Filter, r query.Range, env query.Env) string {
	day, hour := tiersFor(neededDimensions(cols, filters, nil), env)
	pieces := splitRange(r, false, query.Bucket{}, time.UTC, day, hour)
	exprs := make([]string, len(cols))
	for i, c := range cols {
		exprs[i] = c.Column
	}
	conds := filterConditions(b, filters, env)
	var parts []string
	for _, t := range allTiers {
		ranges := rangesOf(pieces, t.name)
		if len(ranges) == 0 {
			continue
		}
		where := append([]string{timeCondition(b, t, ranges)}, conds...)
		parts = append(parts, fmt.Sprintf("SELECT DISTINCT %s FROM %s WHERE %s", strings.Join(exprs, ", "), t.table, strings.Join(where, " AND ")))
	}
	return strings.Join(parts, " UNION ")
}

// Args are the bind parameters collected so far, in order.
func (b *SQLBuilder) Args() []any { return b.args }
