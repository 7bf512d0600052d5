package engine_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/query/engine"
)

// FuzzParseAndPlan: no query JSON panics the parser, and whatever validates plans to
// SQL whose only placeholders are bind parameters, one per argument.
func FuzzParseAndPlan(f *testing.F) {
	for _, seed := range []string{
		`{"queryType":"cost","metric":"cost","groupBy":["feature","model_version"],"interval":"1d"}`,
		`{"queryType":"breakdown","filters":[{"dimension":"tenant","operator":"in","values":["a","b"]}],"currency":"cny","topN":3}`,
		`{"filters":[{"dimension":"feature","operator":"=","values":["x'); DROP TABLE y; --"]}]}`,
		`{"metric":"cost_per_1k_tokens","costSource":"reported","showOriginalCurrency":true}`,
		`{"groupBy":["user","user"]}`, `[]`, `{"topN":1e9}`, `{`,
	} {
		f.Add(seed)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	r := query.Range{From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := query.Parse([]byte(raw), query.Defaults{Currency: "USD"})
		if err != nil {
			if _, ok := err.(*query.ValidationError); !ok {
				t.Fatalf("error %T is not a query.ValidationError: %v", err, err)
			}
			return
		}
		if q.QueryType == query.TypeAllocation || query.FromBills(q.CostSource) {
			return // no SQL of its own: allocation.Allocate takes only the range and tenant
		}
		// The SQL text must not depend on any user value: the same query with every
		// filter value replaced plans to the identical statement.
		blank := q
		blank.Filters = nil
		for _, f := range q.Filters {
			vs := make([]string, len(f.Values))
			for i := range vs {
				vs[i] = "v"
			}
			blank.Filters = append(blank.Filters, query.Filter{Dimension: f.Dimension, Operator: f.Operator, Values: vs})
		}
		for _, withBucket := range []bool{true, false} {
			env := query.Env{Location: loc, Tenant: "t"}
			plan := engine.PlanAggregate(engine.RequestOf(q), r, query.BucketFor(q, time.Hour), env, withBucket)
			sql, args := plan.SQL, plan.Args
			blankSQL := engine.PlanAggregate(engine.RequestOf(blank), r, query.BucketFor(q, time.Hour), env, withBucket).SQL
			if sql != blankSQL {
				t.Fatalf("SQL depends on filter values:\n%s\n%s", sql, blankSQL)
			}
			n := strconv.Itoa(len(args))
			if !strings.Contains(sql, "$"+n) || strings.Contains(sql, "$"+strconv.Itoa(len(args)+1)) {
				t.Fatalf("%d args but SQL %s", len(args), sql)
			}
		}
	})
}
