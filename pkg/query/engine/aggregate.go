// Package engine answers aggregates: it plans a request over the events, their
// summaries and the billing allocation into bind-parameter SQL over whitelisted
// identifiers (plan.go), reads the rows (sources.go), filters what SQL could not in one
// place (filters.go), converts currencies and totals groups (aggregate.go), and lays
// the answers out as Grafana frames (frames.go, table.go).
package engine

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/fx"
	"github.com/costlens/costlens/pkg/query"
)

// Totals are the additive measures of one group; money already in the target currency.
type Totals struct {
	Requests, Unpriced                      int64
	InputTokens, OutputTokens, CachedTokens int64
	CacheWriteTokens                        int64
	PricedTokens                            int64 // tokens of the requests that have a cost
	Cost                                    decimal.Decimal
	// Original holds the cost in each source currency, before normalisation.
	Original map[string]decimal.Decimal
}

func (t *Totals) add(o Totals) {
	t.Requests += o.Requests
	t.Unpriced += o.Unpriced
	t.InputTokens += o.InputTokens
	t.OutputTokens += o.OutputTokens
	t.CachedTokens += o.CachedTokens
	t.CacheWriteTokens += o.CacheWriteTokens
	t.PricedTokens += o.PricedTokens
	t.Cost = t.Cost.Add(o.Cost)
	for c, v := range o.Original {
		if t.Original == nil {
			t.Original = map[string]decimal.Decimal{}
		}
		t.Original[c] = t.Original[c].Add(v)
	}
}

// Value computes a metric; ok is false where it is undefined (a ratio over zero).
func (t Totals) Value(metric string) (decimal.Decimal, bool) {
	tokens := t.InputTokens + t.OutputTokens + t.CachedTokens + t.CacheWriteTokens
	switch metric {
	case "cost":
		// a group whose every request is unpriced has an unknown cost, not a zero one
		if t.Requests > 0 && t.Unpriced == t.Requests {
			return decimal.Decimal{}, false
		}
		return t.Cost, true
	case "requests":
		return decimal.NewFromInt(t.Requests), true
	case "input_tokens":
		return decimal.NewFromInt(t.InputTokens), true
	case "output_tokens":
		return decimal.NewFromInt(t.OutputTokens), true
	case "cached_input_tokens":
		return decimal.NewFromInt(t.CachedTokens), true
	case "cache_write_tokens":
		return decimal.NewFromInt(t.CacheWriteTokens), true
	case "tokens":
		return decimal.NewFromInt(tokens), true
	case "unpriced_requests":
		return decimal.NewFromInt(t.Unpriced), true
	case "cost_per_request":
		// Unpriced requests carry no cost, so they are left out of the denominator.
		priced := t.Requests - t.Unpriced
		if priced == 0 {
			return decimal.Decimal{}, false
		}
		return t.Cost.DivRound(decimal.NewFromInt(priced), 12), true
	case "cost_per_1k_tokens":
		// Likewise only the tokens of requests that carry a cost.
		if t.PricedTokens == 0 {
			return decimal.Decimal{}, false
		}
		return t.Cost.Mul(decimal.NewFromInt(1000)).DivRound(decimal.NewFromInt(t.PricedTokens), 12), true
	}
	return decimal.Decimal{}, false
}

// Group is one combination of dimension values, with its totals per time bucket.
type Group struct {
	Values  []string // in the order of Query.GroupBy
	Total   Totals
	Buckets map[time.Time]*Totals
}

// Result is an aggregate query's answer, normalised to one currency.
type Result struct {
	Currency string
	Groups   []*Group // ordered by the query's metric, largest first, then by values
	Buckets  []time.Time
	SQL      string
	// StaleFX is the oldest rate a conversion fell back on (weekends, holidays, or a
	// feed that stopped).
	StaleFX fx.Staleness
}

// rawRow is one (bucket, day, currency, dimension values) subtotal before currency
// normalisation, from the events or from a billing line's share.
type rawRow struct {
	bucket   *time.Time
	day      time.Time
	currency *string
	dims     []string // the values of the query's groupBy
	t        Totals
	cost     decimal.Decimal
}

// Request is what an aggregate reads: the groups, the filters, where the money comes
// from and the currency it is shown in, and the metric that orders the groups. A cost
// or breakdown query asks for its own (Query.Request); the analytic query types ask for
// what they need (a day's cost by scope, by model version …) rather than making up a
// query of another type.
type Request struct {
	GroupBy    []string
	Filters    []query.Filter
	Currency   string
	CostSource string
	// OrderBy is the metric groups are ordered by, largest first ("cost" when empty).
	OrderBy string
}

// RequestOf is the aggregate a cost or breakdown query reads.
func RequestOf(q query.Query) Request {
	return Request{GroupBy: q.GroupBy, Filters: q.Filters, Currency: q.Currency, CostSource: q.CostSource, OrderBy: q.Metric}
}

// Aggregate runs PlanAggregate (and, for the billing and blended cost sources, the
// billing allocation) and normalises every (day, currency) subtotal into the query's
// currency at that day's rate.
func Aggregate(ctx context.Context, db query.DB, q Request, r query.Range, bucket query.Bucket, env query.Env, withBucket bool) (*Result, error) {
	if q.OrderBy == "" {
		q.OrderBy = "cost"
	}
	var raws []rawRow
	var sql string
	if query.FromBills(q.CostSource) {
		billed, covered, err := billingRows(ctx, db, q, r, bucket, env, withBucket)
		if err != nil {
			return nil, err
		}
		raws = billed
		sql = "-- billing line items through the allocation (pkg/allocation)"
		if q.CostSource == query.SourceBlended {
			events, esql, err := eventRows(ctx, db, q, r, bucket, env, withBucket, covered)
			if err != nil {
				return nil, err
			}
			raws = append(raws, events...)
			sql = esql + "\n" + sql
		}
	} else {
		var err error
		if raws, sql, err = eventRows(ctx, db, q, r, bucket, env, withBucket, nil); err != nil {
			return nil, err
		}
	}
	currencies := map[string]bool{}
	minDay, maxDay := time.Time{}, time.Time{}
	for _, rr := range raws {
		if rr.currency != nil && *rr.currency != q.Currency {
			currencies[*rr.currency] = true
		}
		if minDay.IsZero() || rr.day.Before(minDay) {
			minDay = rr.day
		}
		if rr.day.After(maxDay) {
			maxDay = rr.day
		}
	}

	rates := fx.NewTable(nil)
	if len(currencies) > 0 {
		var err error
		if rates, err = LoadRates(ctx, db, minDay, maxDay); err != nil {
			return nil, err
		}
	}

	res := &Result{Currency: q.Currency, SQL: sql}
	groups := map[string]*Group{}
	for _, rr := range raws {
		t := rr.t
		if rr.currency != nil {
			converted, err := rates.Convert(rr.cost, *rr.currency, q.Currency, rr.day)
			if err != nil {
				return nil, err
			}
			t.Cost = converted
			t.Original = map[string]decimal.Decimal{*rr.currency: rr.cost}
		}
		key := strings.Join(rr.dims, "\x1f")
		g := groups[key]
		if g == nil {
			g = &Group{Values: rr.dims, Buckets: map[time.Time]*Totals{}}
			groups[key] = g
			res.Groups = append(res.Groups, g)
		}
		g.Total.add(t)
		if rr.bucket != nil {
			at := rr.bucket.UTC()
			bt := g.Buckets[at]
			if bt == nil {
				bt = &Totals{}
				g.Buckets[at] = bt
			}
			bt.add(t)
		}
	}
	res.StaleFX = rates.Stalest()
	sortGroups(res.Groups, q.OrderBy)
	if withBucket {
		res.Buckets = bucketStarts(r, bucket, env.Location, res.Groups)
	}
	return res, nil
}

// Keep cuts the groups to the n largest by the query's metric and says how many it left out.
func (r *Result) Keep(n int) (dropped int) {
	if len(r.Groups) <= n {
		return 0
	}
	dropped = len(r.Groups) - n
	r.Groups = r.Groups[:n]
	return dropped
}

func sortGroups(gs []*Group, metric string) {
	sort.SliceStable(gs, func(i, j int) bool {
		a, aok := gs[i].Total.Value(metric)
		b, bok := gs[j].Total.Value(metric)
		if aok != bok {
			return aok
		}
		if c := a.Cmp(b); c != 0 {
			return c > 0
		}
		return strings.Join(gs[i].Values, "\x1f") < strings.Join(gs[j].Values, "\x1f")
	})
}

// bucketStarts lists every bucket in the range, so a bucket with no events reads as
// zero rather than as a gap, plus any bucket PostgreSQL returned that the walk missed
// (the repeated hour of a DST change).
func bucketStarts(r query.Range, bucket query.Bucket, loc *time.Location, groups []*Group) []time.Time {
	seen := map[time.Time]bool{}
	var out []time.Time
	for t := BucketStart(r.From, bucket, loc); t.Before(r.To); t = NextBucket(t, bucket, loc) {
		seen[t.UTC()] = true
		out = append(out, t.UTC())
	}
	for _, g := range groups {
		for t := range g.Buckets {
			if !seen[t.UTC()] {
				seen[t.UTC()] = true
				out = append(out, t.UTC())
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

var binOrigin = time.Date(2000, 1, 3, 0, 0, 0, 0, time.UTC)

// BucketStart mirrors the SQL bucket expression: bins are taken on local wall time.
func BucketStart(t time.Time, bucket query.Bucket, loc *time.Location) time.Time {
	lt := t.In(loc)
	wall := time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), lt.Minute(), lt.Second(), lt.Nanosecond(), time.UTC)
	var start time.Time
	if bucket.Month {
		start = time.Date(wall.Year(), wall.Month(), 1, 0, 0, 0, 0, time.UTC)
	} else {
		start = wall.Add(-(wall.Sub(binOrigin) % bucket.Fixed))
		if wall.Before(binOrigin) && wall.Sub(binOrigin)%bucket.Fixed != 0 {
			start = start.Add(-bucket.Fixed)
		}
	}
	return time.Date(start.Year(), start.Month(), start.Day(), start.Hour(), start.Minute(), start.Second(), 0, loc)
}

func NextBucket(t time.Time, bucket query.Bucket, loc *time.Location) time.Time {
	lt := t.In(loc)
	if bucket.Month {
		return time.Date(lt.Year(), lt.Month()+1, 1, 0, 0, 0, 0, loc)
	}
	if bucket.Fixed >= 24*time.Hour {
		days := int(bucket.Fixed / (24 * time.Hour))
		return time.Date(lt.Year(), lt.Month(), lt.Day()+days, 0, 0, 0, 0, loc)
	}
	next := t.Add(bucket.Fixed)
	return BucketStart(next, bucket, loc)
}

// LoadRates reads the FX rates that can apply to days in [fromDay, toDay]: every rate
// inside, plus the latest earlier rate of each pair (for weekends and holidays).
func LoadRates(ctx context.Context, db query.DB, fromDay, toDay time.Time) (*fx.Table, error) {
	rows, err := db.Query(ctx, `
		SELECT rate_date, base::text, quote::text, rate::text FROM costlens.fx_rates
		WHERE rate_date BETWEEN $1 AND $2
		UNION ALL
		(SELECT DISTINCT ON (base, quote) rate_date, base::text, quote::text, rate::text FROM costlens.fx_rates
		 WHERE rate_date < $1
		 ORDER BY base, quote, rate_date DESC)`, fromDay, toDay)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var rates []fx.Rate
	for rows.Next() {
		var r fx.Rate
		var rate string
		if err := rows.Scan(&r.Day, &r.Base, &r.Quote, &rate); err != nil {
			return nil, err
		}
		if r.Rate, err = decimal.NewFromString(rate); err != nil {
			return nil, err
		}
		rates = append(rates, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return fx.NewTable(rates), nil
}
