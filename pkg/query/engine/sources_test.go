package engine_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/query/engine"
	"github.com/costlens/costlens/pkg/query/querytest"
	"github.com/costlens/costlens/pkg/store/storetest"
)

// groupsOf renders a result's groups as "values=cost" in order.
func groupsOf(res *engine.Result, metric string) []string {
	var out []string
	for _, g := range res.Groups {
		v, _ := g.Total.Value(metric)
		out = append(out, strings.Join(g.Values, "/")+"="+v.String())
	}
	return out
}

func assertGroups(t *testing.T, res *engine.Result, metric string, want ...string) {
	t.Helper()
	if got := groupsOf(res, metric); !slices.Equal(got, want) {
		t.Errorf("groups %v, want %v", got, want)
	}
}

func TestModelVersionPartsAsDimensions(t *testing.T) {
	pool := seeded(t)
	// fp16: 0.0720 CNY / 7.20 + 0.0725 CNY / 7.25; no quantization: 0.0075 + 0.00225 + 0.012
	assertGroups(t, breakdown(t, pool, query.Query{GroupBy: []string{"quantization"}}, utc), "cost",
		"=0.02175", "fp16=0.02")
	assertGroups(t, breakdown(t, pool, query.Query{GroupBy: []string{"model_family", "model_size"}}, utc), "cost",
		"qwen2.5/32b=0.02", "claude-3-5-sonnet/=0.012", "gpt-4o-2024-08-06/=0.00975", "mystery/7b=0")
	// a part filter is applied after the SQL, with the other filters still in SQL
	assertGroups(t, breakdown(t, pool, query.Query{GroupBy: []string{"feature"}, Filters: []query.Filter{
		{Dimension: "quantization", Operator: "=", Values: []string{"fp16"}},
		{Dimension: "tenant", Operator: "=", Values: []string{"acme"}},
	}}, utc), "cost", "chat=0.01")
	assertGroups(t, breakdown(t, pool, query.Query{GroupBy: []string{"version"}, Filters: []query.Filter{
		{Dimension: "model_size", Operator: "not in", Values: []string{"32b", "7b"}},
	}}, utc), "cost", "v2=0.012", "=0.00975")
}

func TestUnpricedFilter(t *testing.T) {
	pool := seeded(t)
	res := breakdown(t, pool, query.Query{Metric: "requests", GroupBy: []string{"model_version"},
		Filters: []query.Filter{{Dimension: "pricing", Operator: "=", Values: []string{"unpriced"}}}}, utc)
	assertGroups(t, res, "requests", "mystery-7b=1")
	res = breakdown(t, pool, query.Query{Metric: "requests", GroupBy: []string{"pricing"}}, utc)
	assertGroups(t, res, "requests", "priced=5", "unpriced=1")
}

func TestDimensionValuesOfModelVersionParts(t *testing.T) {
	pool := seeded(t)
	values := func(key string, filters ...query.Filter) []string {
		t.Helper()
		d, _ := query.DimensionByKey(key)
		vs, err := engine.DimensionValues(context.Background(), pool, d, filters, week, utc, 100)
		if err != nil {
			t.Fatal(err)
		}
		return vs
	}
	if got := values("model_size"); !slices.Equal(got, []string{"", "32b", "7b"}) {
		t.Errorf("sizes %q", got)
	}
	if got := values("model_size", query.Filter{Dimension: "provider", Operator: "=", Values: []string{"alibaba"}}); !slices.Equal(got, []string{"32b"}) {
		t.Errorf("alibaba sizes %q", got)
	}
	if got := values("feature", query.Filter{Dimension: "quantization", Operator: "=", Values: []string{"fp16"}}); !slices.Equal(got, []string{"chat", "summarize"}) {
		t.Errorf("fp16 features %q", got)
	}
	if got := values("pricing"); !slices.Equal(got, []string{"priced", "unpriced"}) {
		t.Errorf("pricing %q", got)
	}
}

// billed adds two hourly CNY lines for the self-hosted qwen version's resource, with
// GPU-seconds on its two requests: 03-02 11:00 (Mon, 7.20) 19.80 CNY, r2 used 900 of
// 3600 GPU-s -> 4.95 qwen + 14.85 idle; 03-07 12:00 (Sat, Friday's 7.25) 29.00 CNY,
// r5 used 1800 -> 14.50 + 14.50 idle.
func billed(t *testing.T) *pgxpool.Pool { return querytest.Billed(t) }

func TestBillingCostSource(t *testing.T) {
	pool := billed(t)
	// 4.95/7.20 + 14.50/7.25 = 0.6875 + 2; idle 14.85/7.20 + 14.50/7.25 = 2.0625 + 2
	res := breakdown(t, pool, query.Query{CostSource: query.SourceBilling, GroupBy: []string{"model_version"}, ShowOriginalCurrency: true}, utc)
	assertGroups(t, res, "cost", "idle=4.0625", "qwen2.5-32b-v1.2-fp16=2.6875")
	assertMoney(t, "idle in CNY", res.Groups[0].Total.Original["CNY"], "29.35")
	assertGroups(t, breakdown(t, pool, query.Query{CostSource: query.SourceBilling, GroupBy: []string{"tenant"}}, utc), "cost",
		"globex=4", "acme=2.75")
	assertGroups(t, breakdown(t, pool, query.Query{CostSource: query.SourceBilling, GroupBy: []string{"model"},
		Filters: []query.Filter{{Dimension: "model_version", Operator: "!=", Values: []string{"idle"}}}}, utc), "cost",
		"qwen2.5-32b=2.6875")
	// a tenant-bound data source reads only its tenant's lines
	acme := storetest.BoundPool(t, storetest.URLOf(pool), "acme")
	assertGroups(t, breakdown(t, acme, query.Query{CostSource: query.SourceBilling, Currency: "CNY"}, query.Env{Location: time.UTC, Tenant: "acme"}), "cost",
		"=19.8")

	// daily series: each line falls in the bucket of its charge period start
	q := mustQuery(t, query.Query{QueryType: query.TypeCost, CostSource: query.SourceBilling, Interval: "1d"})
	ts, err := engine.Aggregate(context.Background(), pool, engine.RequestOf(q), week, query.BucketFor(q, 0), utc, true)
	if err != nil {
		t.Fatal(err)
	}
	days := map[string]string{}
	for at, b := range ts.Groups[0].Buckets {
		days[at.Format("01-02")] = b.Cost.String()
	}
	if len(days) != 2 || days["03-02"] != "2.75" || days["03-07"] != "4" {
		t.Errorf("daily billed cost %v, want 03-02 2.75 and 03-07 4", days)
	}
}

func TestBlendedCostSource(t *testing.T) {
	pool := billed(t)
	// the bills cover the qwen version; every other request keeps its token price:
	// 6.75 billed + 0.0075 + 0.00225 + 0.012
	assertGroups(t, breakdown(t, pool, query.Query{CostSource: query.SourceBlended}, utc), "cost", "=6.77175")
	assertGroups(t, breakdown(t, pool, query.Query{CostSource: query.SourceBlended, GroupBy: []string{"model_family"}}, utc), "cost",
		"idle=4.0625", "qwen2.5=2.6875", "claude-3-5-sonnet=0.012", "gpt-4o-2024-08-06=0.00975", "mystery=0")
}

func TestBilledSourcesRefuseWhatBillsDoNotKnow(t *testing.T) {
	cases := map[string]query.Query{
		`metric: cost source billing returns cost only, not "requests"`:     {Metric: "requests", CostSource: query.SourceBilling},
		`groupBy[1]: cost source blended cannot group by "feature"`:         {GroupBy: []string{"model", "feature"}, CostSource: query.SourceBlended},
		`filters[0].dimension: cost source billing cannot filter by "user"`: {Filters: []query.Filter{{Dimension: "user", Operator: "=", Values: []string{"u1"}}}, CostSource: query.SourceBilling},
	}
	for want, q := range cases {
		q.QueryType, q.Currency = query.TypeBreakdown, "USD"
		if q.Metric == "" {
			q.Metric = "cost"
		}
		err := q.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("got %v, want %s…", err, want)
		}
	}
}

// A resource used by several tenants is charged back to them by usage, idle to the
// line's owner, and a bound data source gets exactly its tenant's part of the unbound
// answer. globex's g1 used 1800 of the 3600 GPU-seconds of acme's 19.80 CNY line at
// 03-02 11:00: r2 (acme) 900 -> 4.95, g1 (globex) 1800 -> 9.90, idle 900 -> 4.95 (acme).
func TestSharedResourceIsChargedBackByUsage(t *testing.T) {
	pool := billed(t)
	storetest.Exec(t, pool, `INSERT INTO costlens.cost_events (tenant, request_id, ts, feature, user_id, model, model_version,
		provider, input_tokens, gpu_seconds, priced_cost, price_currency) VALUES
		('globex', 'g1', '2026-03-02T11:45:00Z', 'chat', 'u3', 'qwen2.5-32b', 'qwen2.5-32b-v1.2-fp16', 'alibaba', 500, 1800, 0.05, 'CNY')`)
	byTenant := func(source string) query.Query {
		return query.Query{CostSource: source, GroupBy: []string{"tenant"}, Currency: "CNY"}
	}
	// billing: acme 4.95 + 4.95 idle; globex 9.90 + its own 29.00 line
	assertGroups(t, breakdown(t, pool, byTenant(query.SourceBilling), utc), "cost", "globex=38.9", "acme=9.9")
	// blended adds the requests no bill covers, at token prices in CNY at 7.20:
	// acme r1 0.0075 USD = 0.054, r3 0.00225 USD = 0.0162; globex r4 0.012 USD = 0.0864
	assertGroups(t, breakdown(t, pool, byTenant(query.SourceBlended), utc), "cost", "globex=38.9864", "acme=9.9702")
	for tenant, want := range map[string]map[string]string{
		"acme":   {query.SourceBilling: "acme=9.9", query.SourceBlended: "acme=9.9702"},
		"globex": {query.SourceBilling: "globex=38.9", query.SourceBlended: "globex=38.9864"},
	} {
		bound := storetest.BoundPool(t, storetest.URLOf(pool), tenant)
		for source, w := range want {
			assertGroups(t, breakdown(t, bound, byTenant(source), query.Env{Location: time.UTC, Tenant: tenant}), "cost", w)
		}
	}
}
