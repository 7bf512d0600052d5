package analytic

import (
	"context"
	"fmt"
	"sort"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/costlens/costlens/pkg/allocation"
	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/query/engine"
)

// kpiSQL reads what the cost aggregate does not: latency percentile and batch
// efficiency (events' attributes batch_size ÷ max_batch_size) per model version.
func planKPI(filters []query.Filter, r query.Range, env query.Env) (string, []any) {
	b := &engine.SQLBuilder{}
	where := engine.WhereClause(b, filters, r, env)
	return fmt.Sprintf(`SELECT model_version,
		percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE latency_ms IS NOT NULL),
		avg(CASE WHEN (attributes->>'max_batch_size') ~ '^[0-9.]+$' AND (attributes->>'max_batch_size')::numeric > 0
		         AND (attributes->>'batch_size') ~ '^[0-9.]+$'
		    THEN (attributes->>'batch_size')::numeric / (attributes->>'max_batch_size')::numeric END)::float8
		FROM costlens.cost_events WHERE %s GROUP BY model_version`, where), b.Args()
}

// KPI is one model version's unit economics and efficiency; nil where undefined.
type KPI struct {
	ModelVersion    string
	Totals          engine.Totals
	P99LatencyMS    *float64
	BatchEfficiency *float64
	GPUUtilisation  *float64 // of the billed GPU capacity of the resources it ran on
}

// KPIs computes the per-model-version indicators over the range.
func KPIs(ctx context.Context, db query.DB, q query.Query, r query.Range, env query.Env) ([]KPI, error) {
	cq := engine.Request{GroupBy: []string{"model_version"}, Filters: q.Filters, Currency: q.Currency, CostSource: query.SourceTokens}
	if q.CostSource == query.SourceReported {
		cq.CostSource = query.SourceReported
	}
	res, err := engine.Aggregate(ctx, db, cq, r, query.Bucket{}, env, false)
	if err != nil {
		return nil, err
	}
	sql, args := planKPI(q.Filters, r, env)
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	extra := map[string][2]*float64{}
	for rows.Next() {
		var mv string
		var p99, batch *float64
		if err := rows.Scan(&mv, &p99, &batch); err != nil {
			rows.Close()
			return nil, err
		}
		extra[mv] = [2]*float64{p99, batch}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	util, err := gpuUtilisation(ctx, db, r, env)
	if err != nil {
		return nil, err
	}
	var out []KPI
	for _, g := range res.Groups {
		k := KPI{ModelVersion: g.Values[0], Totals: g.Total, P99LatencyMS: extra[g.Values[0]][0], BatchEfficiency: extra[g.Values[0]][1]}
		if u, ok := util[k.ModelVersion]; ok {
			k.GPUUtilisation = &u
		}
		out = append(out, k)
	}
	return out, nil
}

// gpuUtilisation is, per model version, the used share of the GPU capacity billed on
// the resources it ran on (lines split by GPU-seconds, with known capacity), weighted
// by each line's capacity; the same for a bound session as for an unbound one.
func gpuUtilisation(ctx context.Context, db query.DB, r query.Range, env query.Env) (map[string]float64, error) {
	use, err := allocation.Utilisation(ctx, db, r.From, r.To)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for mv, u := range use {
		out[mv] = u.Used.Div(u.Capacity).InexactFloat64()
	}
	return out, nil
}

// KPIFrame lays the indicators out one row per model version, costliest first.
func KPIFrame(q query.Query, ks []KPI) *data.Frame {
	sort.SliceStable(ks, func(i, j int) bool { return ks[i].Totals.Cost.GreaterThan(ks[j].Totals.Cost) })
	if q.TopN > 0 && len(ks) > q.TopN {
		ks = ks[:q.TopN]
	}
	mv := engine.TextColumn{Key: "model_version", Label: "Model version"}
	nums := []engine.NumColumn{{Key: "cost_per_1k_tokens"}, {Key: "cost_per_request"}, {Key: "gpu_utilisation"},
		{Key: "cache_hit_ratio"}, {Key: "p99_latency_ms"}, {Key: "batch_efficiency"}}
	for _, k := range ks {
		mv.Values = append(mv.Values, k.ModelVersion)
		var cache *float64
		if prompt := k.Totals.InputTokens + k.Totals.CachedTokens + k.Totals.CacheWriteTokens; prompt > 0 {
			cache = engine.FloatValue(float64(k.Totals.CachedTokens) / float64(prompt))
		}
		for i, v := range []*float64{engine.FloatOf(k.Totals.Value("cost_per_1k_tokens")), engine.FloatOf(k.Totals.Value("cost_per_request")),
			k.GPUUtilisation, cache, k.P99LatencyMS, k.BatchEfficiency} {
			nums[i].Values = append(nums[i].Values, v)
		}
	}
	return engine.Table("kpi", q, q.Currency, []engine.TextColumn{mv}, nums)
}
