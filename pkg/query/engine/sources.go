package engine

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/allocation"
	"github.com/costlens/costlens/pkg/modelversion"
	"github.com/costlens/costlens/pkg/query"
)

// rowValue reads a dimension from a row's column values: SQL dimensions directly,
// parts of the model version through the parser.
func rowValue(d query.Dimension, vals map[string]string) string {
	if d.Part != nil {
		return d.Part(modelversion.Parse(vals["model_version"]))
	}
	return vals[d.Key]
}

// keepRow applies the filters the SQL could not: on parts of the model version, and
// every filter for rows that did not come from SQL (all: billing shares).
func keepRow(filters []query.Filter, vals map[string]string, all bool) bool {
	return Passes(filters, func(dim string) (string, bool) {
		d, _ := query.DimensionByKey(dim)
		return rowValue(d, vals), all || d.Part != nil
	})
}

func groupValues(groupBy []string, vals map[string]string) []string {
	out := make([]string, len(groupBy))
	for i, g := range groupBy {
		d, _ := query.DimensionByKey(g)
		out[i] = rowValue(d, vals)
	}
	return out
}

// eventRows runs PlanAggregate over the events and their summaries, leaving out the
// model versions in exclude.
func eventRows(ctx context.Context, db query.DB, q Request, r query.Range, bucket query.Bucket, env query.Env, withBucket bool, exclude []string) ([]rawRow, string, error) {
	plan := PlanAggregate(q, r, bucket, env, withBucket, exclude...)
	rows, err := db.Query(ctx, plan.SQL, plan.Args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var raws []rawRow
	cols := make([]string, len(plan.Columns))
	for rows.Next() {
		var rr rawRow
		var costText string
		dest := []any{&rr.bucket, &rr.day, &rr.currency}
		for i := range cols {
			dest = append(dest, &cols[i])
		}
		dest = append(dest, &rr.t.Requests, &rr.t.Unpriced, &rr.t.InputTokens, &rr.t.OutputTokens, &rr.t.CachedTokens, &rr.t.CacheWriteTokens, &rr.t.PricedTokens, &costText)
		if err := rows.Scan(dest...); err != nil {
			return nil, "", err
		}
		vals := make(map[string]string, len(cols))
		for i, c := range plan.Columns {
			vals[c.Key] = cols[i]
		}
		if !keepRow(q.Filters, vals, false) {
			continue
		}
		rr.dims = groupValues(q.GroupBy, vals)
		if rr.cost, err = decimal.NewFromString(costText); err != nil {
			return nil, "", fmt.Errorf("cost %q: %w", costText, err)
		}
		raws = append(raws, rr)
	}
	return raws, plan.SQL, rows.Err()
}

// billingRows allocates the billing lines whose charge period starts in the range and
// turns each share into a row on the line's start: its bucket, its local day (for the
// FX rate) and its own currency. covered lists the model versions some line's usage
// was allocated to: a blended query takes their cost from the bills alone.
func billingRows(ctx context.Context, db query.DB, q Request, r query.Range, bucket query.Bucket, env query.Env, withBucket bool) ([]rawRow, []string, error) {
	lines, err := allocation.Allocate(ctx, db, r.From, r.To)
	if err != nil {
		return nil, nil, err
	}
	models, err := modelsOfVersions(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	coveredSet := map[string]bool{}
	var raws []rawRow
	for _, a := range lines {
		lt := a.PeriodStart.In(env.Location)
		day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC)
		var at *time.Time
		if withBucket {
			b := BucketStart(a.PeriodStart, bucket, env.Location).UTC()
			at = &b
		}
		for _, s := range a.Shares {
			if s.ModelVersion != allocation.Idle {
				coveredSet[s.ModelVersion] = true
			}
			model := models[s.ModelVersion]
			if model == "" {
				model = modelversion.Parse(s.ModelVersion).Model
			}
			// the share's tenant is who is charged: a user of a shared resource, or the owner for idle
			vals := map[string]string{"tenant": s.Tenant, "provider": a.Provider, "region": a.Region,
				"model_version": s.ModelVersion, "model": model}
			if !keepRow(q.Filters, vals, true) {
				continue
			}
			currency := a.Currency
			raws = append(raws, rawRow{bucket: at, day: day, currency: &currency,
				dims: groupValues(q.GroupBy, vals), cost: s.Cost})
		}
	}
	covered := make([]string, 0, len(coveredSet))
	for v := range coveredSet {
		covered = append(covered, v)
	}
	sort.Strings(covered)
	return raws, covered, nil
}

// modelsOfVersions maps each known model version to its model (model_versions.model).
func modelsOfVersions(ctx context.Context, db query.DB) (map[string]string, error) {
	rows, err := db.Query(ctx, `SELECT model_version, model FROM costlens.model_versions`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var v, m string
		if err := rows.Scan(&v, &m); err != nil {
			return nil, err
		}
		out[v] = m
	}
	return out, rows.Err()
}

// DimensionValues lists up to limit distinct values of a dimension in the range under
// the filters, sorted; parts of the model version are parsed from the versions found.
func DimensionValues(ctx context.Context, db query.DB, d query.Dimension, filters []query.Filter, r query.Range, env query.Env, limit int) ([]string, error) {
	cols := columnsFor(Request{GroupBy: []string{d.Key}, Filters: filters})
	if d.Part == nil && len(cols) == 1 {
		sql, args := PlanDimensionValues(d, filters, r, env, limit)
		return collectStrings(ctx, db, sql, args)
	}
	b := &SQLBuilder{}
	rows, err := db.Query(ctx, distinctSQL(b, cols, filters, r, env), b.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	seen := map[string]bool{}
	vals := make([]string, len(cols))
	for rows.Next() {
		dest := make([]any, len(cols))
		for i := range vals {
			dest[i] = &vals[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		m := map[string]string{}
		for i, c := range cols {
			m[c.Key] = vals[i]
		}
		if keepRow(filters, m, false) {
			seen[rowValue(d, m)] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func collectStrings(ctx context.Context, db query.DB, sql string, args []any) ([]string, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
