package plugin

import (
	"context"
	"encoding/json"
	"flag"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"

	"github.com/costlens/costlens/pkg/query/querytest"
	"github.com/costlens/costlens/pkg/store/storetest"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden/*.jsonc from the current answers")

// Golden frames: every query type on one small fixed data set (the example week, with
// GPU time, a model version, two hourly bills and three budgets), answered through
// QueryData as Grafana calls it and compared, frames and schema, with the committed
// files in testdata/golden. A change that alters any answer fails here; when the change
// is meant, rerun with -update-golden and review the diff. The files were first written
// by the code as it was before the query package was split (issue 8, at c546eea) and
// pass unchanged after it.
func TestGoldenFrames(t *testing.T) {
	pool := querytest.Billed(t)
	url := storetest.URLOf(pool)
	storetest.Exec(t, pool, `
		UPDATE costlens.cost_events SET attributes = '{"batch_size": 2, "max_batch_size": 8}' WHERE request_id = 'r2';
		INSERT INTO costlens.budgets (tenant, scope_dimension, scope_value, period, amount, currency) VALUES
			('', '', '', 'month', 300, 'USD'), ('acme', 'feature', 'chat', 'month', 720, 'CNY'), ('', 'user', 'u1', 'week', 5, 'USD')`)
	d := newInstance(t, instanceSettings(t, url, nil))
	d.now = func() time.Time { return time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC) }
	month := backend.TimeRange{From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC)}
	for _, c := range []struct {
		name, query string
		tr          backend.TimeRange
	}{
		{"cost-daily-by-feature-cny", `{"queryType":"cost","metric":"cost","groupBy":["feature"],"interval":"1d","currency":"CNY","showOriginalCurrency":true}`, exampleWeek},
		{"cost-hourly-tokens-by-model", `{"queryType":"cost","metric":"tokens","groupBy":["model"],"interval":"1h"}`, exampleWeek},
		{"breakdown-top-model-versions", `{"queryType":"breakdown","metric":"cost","groupBy":["model","model_version"],"topN":3}`, exampleWeek},
		{"breakdown-reported-by-provider", `{"queryType":"breakdown","metric":"cost","groupBy":["provider"],"costSource":"reported","showOriginalCurrency":true}`, exampleWeek},
		{"breakdown-billing-by-model-version", `{"queryType":"breakdown","metric":"cost","groupBy":["model_version"],"costSource":"billing"}`, exampleWeek},
		{"breakdown-blended-by-tenant", `{"queryType":"breakdown","metric":"cost","groupBy":["tenant"],"costSource":"blended"}`, exampleWeek},
		{"allocation-by-resource-and-version", `{"queryType":"allocation","metric":"cost","groupBy":["resource","model_version"],"showOriginalCurrency":true}`, exampleWeek},
		{"budget-table", `{"queryType":"budget","output":"table"}`, month},
		{"budget-alert", `{"queryType":"budget","metric":"percent_used","output":"alert"}`, month},
		{"forecast-table-by-feature", `{"queryType":"forecast","groupBy":["feature"],"output":"table","budget":"50"}`, month},
		{"forecast-series", `{"queryType":"forecast","output":"series"}`, month},
		{"anomalies-table-by-feature", `{"queryType":"anomalies","groupBy":["feature"],"output":"table","interval":"1d"}`, exampleWeek},
		{"anomalies-alert-by-model", `{"queryType":"anomalies","groupBy":["model"],"metric":"score","output":"alert","interval":"1d"}`, exampleWeek},
		{"recommendations", `{"queryType":"recommendations","output":"table"}`, exampleWeek},
		{"kpi-table", `{"queryType":"kpi","output":"table"}`, exampleWeek},
		{"kpi-alert", `{"queryType":"kpi","metric":"cost_per_request","output":"alert"}`, exampleWeek},
	} {
		resp, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
			{RefID: "A", JSON: json.RawMessage(c.query), TimeRange: c.tr, Interval: time.Hour, MaxDataPoints: 1000}}})
		if err != nil {
			t.Fatal(err)
		}
		dr := resp.Responses["A"]
		if dr.Error != nil {
			t.Errorf("%s: %v", c.name, dr.Error)
			continue
		}
		experimental.CheckGoldenJSONResponse(t, "testdata/golden", c.name, &dr, *updateGolden)
	}
}
