package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/costlens/costlens/pkg/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// instanceSettings points a data source at dbURL the way Grafana would hand it over.
func instanceSettings(t *testing.T, dbURL string, extra map[string]any) backend.DataSourceInstanceSettings {
	t.Helper()
	cfg, err := pgconn.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	jd := map[string]any{
		"host": cfg.Host, "port": int(cfg.Port), "database": cfg.Database, "user": cfg.User, "sslMode": "disable",
	}
	for k, v := range extra {
		jd[k] = v
	}
	raw, _ := json.Marshal(jd)
	return backend.DataSourceInstanceSettings{
		UID: "costlens-test", JSONData: raw,
		DecryptedSecureJSONData: map[string]string{"password": cfg.Password},
	}
}

func newInstance(t *testing.T, s backend.DataSourceInstanceSettings) *Datasource {
	t.Helper()
	inst, err := NewDatasource(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	d := inst.(*Datasource)
	d.now = func() time.Time { return testNow }
	t.Cleanup(d.Dispose)
	return d
}

// testNow is every test instance's clock, so that what depends on today (the upload
// window, incomplete hours) does not change with the day the tests run.
var testNow = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

func seededInstance(t *testing.T, extra map[string]any) *Datasource {
	t.Helper()
	pool, dbURL := storetest.NewPool(t)
	storetest.SeedExample(t, pool)
	return newInstance(t, instanceSettings(t, dbURL, extra))
}

var exampleWeek = backend.TimeRange{
	From: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
	To:   time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC),
}

func dataQuery(refID, raw string) backend.DataQuery {
	return backend.DataQuery{RefID: refID, JSON: json.RawMessage(raw), TimeRange: exampleWeek, Interval: time.Hour, MaxDataPoints: 1000}
}

func TestQueryDataAnswersEachQueryOnItsOwn(t *testing.T) {
	d := seededInstance(t, nil)
	resp, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		dataQuery("A", `{"queryType":"cost","metric":"cost","groupBy":["feature"],"interval":"1d"}`),
		dataQuery("B", `{"queryType":"cost","metric":"profit"}`),
		dataQuery("C", `{"queryType":"breakdown","metric":"cost","groupBy":["model_version"],"topN":2,"currency":"CNY"}`),
		dataQuery("D", `{"queryType":"breakdown","currency":"jpy"}`),
		{RefID: "E", JSON: json.RawMessage(`{"queryType":"cost"}`), TimeRange: backend.TimeRange{From: exampleWeek.To, To: exampleWeek.From}},
	}})
	if err != nil {
		t.Fatal(err)
	}

	b := resp.Responses["B"]
	if b.Error == nil || b.Error.Error() != `metric: unknown metric "profit"` || b.ErrorSource != backend.ErrorSourceDownstream {
		t.Errorf("B: error %v, source %q", b.Error, b.ErrorSource)
	}
	dResp := resp.Responses["D"]
	if dResp.Error == nil || dResp.Error.Error() != "no FX rate from CNY to JPY on or before 2026-03-02" || dResp.ErrorSource != backend.ErrorSourceDownstream {
		t.Errorf("D: error %v, source %q", dResp.Error, dResp.ErrorSource)
	}
	e := resp.Responses["E"]
	if e.Error == nil || e.Error.Error() != "timeRange: from (2026-03-09T00:00:00Z) must be before to (2026-03-02T00:00:00Z)" {
		t.Errorf("E: error %v", e.Error)
	}

	a := resp.Responses["A"]
	if a.Error != nil {
		t.Fatalf("A: %v", a.Error)
	}
	// One series per feature, largest first, each with a feature label and 7 daily points.
	wantSeries := []struct {
		feature string
		values  []float64
	}{
		{"chat", []float64{0.0175, 0.012, 0, 0, 0, 0, 0}},
		{"summarize", []float64{0, 0, 0, 0, 0, 0.01, 0}},
		// 03-04 holds only r6, which is unpriced: its cost is unknown (null), not 0
		{"search", []float64{0, 0.00225, math.NaN(), 0, 0, 0, 0}},
	}
	if len(a.Frames) != len(wantSeries) {
		t.Fatalf("A: %d frames, want %d", len(a.Frames), len(wantSeries))
	}
	for i, w := range wantSeries {
		f := a.Frames[i]
		if f.Fields[1].Labels["feature"] != w.feature {
			t.Errorf("frame %d labels %v, want feature=%s", i, f.Fields[1].Labels, w.feature)
		}
		if f.Meta.Type != data.FrameTypeTimeSeriesMulti {
			t.Errorf("frame %d type %s", i, f.Meta.Type)
		}
		if f.Fields[1].Config.Unit != "currencyUSD" {
			t.Errorf("unit %q", f.Fields[1].Config.Unit)
		}
		if f.Rows() != 7 {
			t.Fatalf("frame %d has %d rows, want 7", i, f.Rows())
		}
		for r, want := range w.values {
			got := f.Fields[1].At(r).(*float64)
			if math.IsNaN(want) {
				if got != nil {
					t.Errorf("%s day %d = %v, want null", w.feature, r, *got)
				}
				continue
			}
			if got == nil || fmt.Sprintf("%.6f", *got) != fmt.Sprintf("%.6f", want) {
				t.Errorf("%s day %d = %v, want %v", w.feature, r, got, want)
			}
		}
	}
	firstDay := a.Frames[0].Fields[0].At(0).(time.Time)
	if !firstDay.Equal(exampleWeek.From) {
		t.Errorf("first bucket %s", firstDay)
	}

	c := resp.Responses["C"]
	if c.Error != nil {
		t.Fatalf("C: %v", c.Error)
	}
	table := c.Frames[0]
	// CNY: qwen 0.072 + 0.0725 = 0.1445; gpt-4o (0.0075 + 0.00225) * 7.2 = 0.0702; claude 0.012 * 7.2 = 0.0864
	wantRows := [][2]string{{"qwen2.5-32b-v1.2-fp16", "0.1445"}, {"claude-3-5-sonnet-v2", "0.0864"}}
	if table.Rows() != 2 {
		t.Fatalf("C: %d rows, want top 2", table.Rows())
	}
	for r, w := range wantRows {
		if got := table.Fields[0].At(r).(string); got != w[0] {
			t.Errorf("C row %d = %s, want %s", r, got, w[0])
		}
		v := table.Fields[1].At(r).(*float64)
		if strconv.FormatFloat(*v, 'f', 4, 64) != w[1] {
			t.Errorf("C row %d cost = %v, want %s", r, *v, w[1])
		}
	}
	if table.Fields[1].Config.Unit != "suffix: CNY" {
		t.Errorf("C unit %q", table.Fields[1].Config.Unit)
	}
}

func TestBoundTenantCannotBeEscapedByAFilter(t *testing.T) {
	d := seededInstance(t, map[string]any{"tenant": "globex"})
	resp, _ := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		dataQuery("A", `{"queryType":"breakdown","metric":"requests","groupBy":["tenant"],"filters":[{"dimension":"tenant","operator":"in","values":["acme","globex"]}]}`),
	}})
	f := resp.Responses["A"].Frames[0]
	if f.Rows() != 1 || f.Fields[0].At(0).(string) != "globex" || *f.Fields[1].At(0).(*float64) != 2 {
		t.Fatalf("bound to globex, got %d rows: %v", f.Rows(), f.Fields)
	}
}

func TestIncompleteHoursAreMarked(t *testing.T) {
	d := seededInstance(t, map[string]any{"incompleteHours": 3})
	d.now = func() time.Time { return time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC) }
	resp, _ := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{dataQuery("A", `{}`)}})
	custom := resp.Responses["A"].Frames[0].Meta.Custom.(map[string]any)
	if custom["incompleteAfter"] != "2026-03-08T09:00:00Z" {
		t.Fatalf("incompleteAfter = %v", custom["incompleteAfter"])
	}
}

func TestShowOriginalCurrencyAddsColumnsBesideTheNormalisedCost(t *testing.T) {
	d := seededInstance(t, nil)
	resp, _ := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		dataQuery("A", `{"queryType":"breakdown","groupBy":["provider"],"showOriginalCurrency":true,"filters":[{"dimension":"provider","operator":"=","values":["alibaba"]}]}`),
	}})
	f := resp.Responses["A"].Frames[0]
	if resp.Responses["A"].Error != nil {
		t.Fatal(resp.Responses["A"].Error)
	}
	names := []string{}
	for _, fl := range f.Fields {
		names = append(names, fl.Name)
	}
	if fmt.Sprint(names) != "[provider cost cost_cny]" {
		t.Fatalf("fields %v", names)
	}
	if got := *f.Fields[1].At(0).(*float64); fmt.Sprintf("%.4f", got) != "0.0200" {
		t.Errorf("USD %v", got)
	}
	if got := *f.Fields[2].At(0).(*float64); fmt.Sprintf("%.4f", got) != "0.1445" {
		t.Errorf("CNY original %v", got)
	}
}

func TestValuesResourceForEditorsAndVariables(t *testing.T) {
	d := seededInstance(t, nil)
	q := url.Values{}
	q.Set("dimension", "feature")
	q.Set("from", strconv.FormatInt(exampleWeek.From.UnixMilli(), 10))
	q.Set("to", strconv.FormatInt(exampleWeek.To.UnixMilli(), 10))
	q.Set("filters", `[{"dimension":"tenant","operator":"=","values":["acme"]}]`)
	status, body := callResource(t, d, "values?"+q.Encode())
	if status != 200 || body != `["chat","search"]` {
		t.Fatalf("values: %d %s", status, body)
	}
	status, body = callResource(t, d, "values?dimension=colour")
	if status != 400 || body != `{"error":"dimension: unknown dimension \"colour\""}` {
		t.Fatalf("bad dimension: %d %s", status, body)
	}
	status, body = callResource(t, d, "currencies")
	if status != 200 || body != `["CNY","EUR","USD"]` {
		t.Fatalf("currencies: %d %s", status, body)
	}
}

func callResource(t *testing.T, d *Datasource, path string) (int, string) {
	t.Helper()
	var got *backend.CallResourceResponse
	p, _, _ := strings.Cut(path, "?")
	// As Grafana sends it: Path without the query string, URL with it.
	err := d.CallResource(context.Background(), &backend.CallResourceRequest{Method: "GET", Path: p, URL: path},
		backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error { got = r; return nil }))
	if err != nil {
		t.Fatal(err)
	}
	body := string(got.Body)
	if n := len(body); n > 0 && body[n-1] == '\n' {
		body = body[:n-1]
	}
	return got.Status, body
}

func TestAllocationQuerySplitsCNYBillingAndNormalisesToUSD(t *testing.T) {
	pool, dbURL := storetest.NewPool(t)
	storetest.SeedExample(t, pool)
	storetest.Exec(t, pool, `
		INSERT INTO costlens.model_versions (model_version, resource_id, gpus) VALUES ('qwen-a', 'gpu-1', 1), ('qwen-b', 'gpu-1', 1);
		INSERT INTO costlens.billing_line_items (tenant, provider, region, resource_id, charge_period_start, charge_period_end,
			pricing_unit, consumed_quantity, billed_cost, billing_currency) VALUES
			('acme', 'alibaba', 'cn-hangzhou', 'gpu-1', '2026-03-02T10:00Z', '2026-03-02T11:00Z', 'instance-hour', 1, 21.60, 'CNY');
		INSERT INTO costlens.cost_events (tenant, request_id, ts, model_version, gpu_seconds) VALUES
			('acme', 'g1', '2026-03-02T10:05Z', 'qwen-a', 1200), ('acme', 'g2', '2026-03-02T10:30Z', 'qwen-b', 900)`)
	d := newInstance(t, instanceSettings(t, dbURL, nil))
	resp, _ := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		dataQuery("A", `{"queryType":"allocation","groupBy":["model_version"],"showOriginalCurrency":true}`),
	}})
	a := resp.Responses["A"]
	if a.Error != nil {
		t.Fatal(a.Error)
	}
	f := a.Frames[0]
	// 21.60 CNY over 3600 GPU-s: qwen-a 1200 -> 7.20, qwen-b 900 -> 5.40, idle 1500 -> 9.00;
	// at 7.20 CNY per USD on Monday: 1.00, 0.75, 1.25 USD
	want := []string{"idle 1.2500 9.00", "qwen-a 1.0000 7.20", "qwen-b 0.7500 5.40"}
	if f.Rows() != len(want) {
		t.Fatalf("%d rows", f.Rows())
	}
	for r, w := range want {
		got := fmt.Sprintf("%s %.4f %.2f", f.Fields[0].At(r), *f.Fields[1].At(r).(*float64), *f.Fields[2].At(r).(*float64))
		if got != w {
			t.Errorf("row %d = %s, want %s", r, got, w)
		}
	}
	if f.Fields[2].Name != "cost_cny" {
		t.Errorf("original column %s", f.Fields[2].Name)
	}
}

func TestCostPerA100HourComparesProviders(t *testing.T) {
	pool, dbURL := storetest.NewPool(t)
	storetest.SeedExample(t, pool)
	storetest.Exec(t, pool, `
		INSERT INTO costlens.model_versions (model_version, resource_id, gpu_type, gpus) VALUES ('llama-aws', 'i-1', 'A100', 8);
		INSERT INTO costlens.unit_conversions (from_unit, subject, to_unit, factor) VALUES
			('instance-hour', 'ecs.gn7i-c32g1.8xlarge', 'a100-hour', 0.25),
			('gpu-hour', 'A100', 'a100-hour', 1),
			('vgpu-second', '', 'a100-hour', 0.000034722222222222222222);
		INSERT INTO costlens.billing_line_items (tenant, provider, resource_id, resource_type, charge_period_start, charge_period_end,
			pricing_unit, consumed_quantity, billed_cost, billing_currency) VALUES
			('acme', 'alibaba', 'eas-1', 'ecs.gn7i-c32g1.8xlarge', '2026-03-02T10:00Z', '2026-03-02T11:00Z', 'instance-hour', 1, 21.60, 'CNY'),
			('acme', 'aws', 'i-1', 'p4d.24xlarge', '2026-03-02T10:00Z', '2026-03-02T11:00Z', 'gpu-hour', 8, 32.77, 'USD'),
			('acme', 'azure', 'vm-1', 'NVadsA10', '2026-03-02T10:00Z', '2026-03-02T11:00Z', 'vgpu-second', 28800, 2.00, 'USD'),
			('acme', 'openai', 'api', '', '2026-03-02T10:00Z', '2026-03-02T11:00Z', 'request', 100, 1.00, 'USD')`)
	d := newInstance(t, instanceSettings(t, dbURL, nil))
	resp, _ := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		dataQuery("A", `{"queryType":"allocation","metric":"cost_per_a100_hour","groupBy":["provider"]}`),
		dataQuery("B", `{"queryType":"allocation","metric":"a100_hours","groupBy":["provider"]}`),
	}})
	if resp.Responses["A"].Error != nil {
		t.Fatal(resp.Responses["A"].Error)
	}
	render := func(f *data.Frame) string {
		var out []string
		for r := 0; r < f.Rows(); r++ {
			v := "null"
			if p := f.Fields[1].At(r).(*float64); p != nil {
				v = fmt.Sprintf("%.5f", *p)
			}
			out = append(out, fmt.Sprintf("%s=%s", f.Fields[0].At(r), v))
		}
		return strings.Join(out, " ")
	}
	// alibaba: 21.60 CNY / 7.20 = 3.00 USD over 1 A10-hour = 0.25 A100-hour -> 12.00;
	// aws: 32.77 over 8 A100 GPU-hours -> 4.09625; azure: 2.00 over 28,800 vGPU-seconds = 1
	// A100-hour -> 2.00; openai bills per request: no A100 equivalent, null and last.
	if got := render(resp.Responses["A"].Frames[0]); got != "alibaba=12.00000 aws=4.09625 azure=2.00000 openai=null" {
		t.Errorf("cost per A100-hour: %s", got)
	}
	if got := render(resp.Responses["B"].Frames[0]); got != "aws=8.00000 azure=1.00000 alibaba=0.25000 openai=null" {
		t.Errorf("A100-hours: %s", got)
	}
}

// A dashboard's ad-hoc filter reaches every panel: applied where the query type can
// filter by its dimension, named in a notice where it cannot, never an error.
func TestAdhocFiltersApplyWhereTheyCan(t *testing.T) {
	d := seededInstance(t, nil)
	adhoc := `"adhocFilters":[{"dimension":"feature","operator":"=","values":["search"]}]`
	resp, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		dataQuery("A", `{"queryType":"breakdown","groupBy":["feature"],`+adhoc+`}`),
		dataQuery("B", `{"queryType":"allocation",`+adhoc+`}`),
		dataQuery("C", `{"queryType":"breakdown","costSource":"billing",`+adhoc+`}`),
	}})
	if err != nil {
		t.Fatal(err)
	}
	a := resp.Responses["A"]
	if a.Error != nil || a.Frames[0].Rows() != 1 || a.Frames[0].Fields[0].At(0) != "search" || len(a.Frames[0].Meta.Notices) != 0 {
		t.Errorf("A: %v, %d rows, notices %v", a.Error, a.Frames[0].Rows(), a.Frames[0].Meta.Notices)
	}
	for ref, want := range map[string]string{
		"B": "ad-hoc filters on feature not applied: allocation queries cannot filter by them",
		"C": "ad-hoc filters on feature not applied: breakdown queries on billing cost cannot filter by them",
	} {
		r := resp.Responses[ref]
		if r.Error != nil || len(r.Frames) == 0 || len(r.Frames[0].Meta.Notices) != 1 || r.Frames[0].Meta.Notices[0].Text != want {
			t.Errorf("%s: error %v, frames %d", ref, r.Error, len(r.Frames))
			if len(r.Frames) > 0 && r.Frames[0].Meta != nil {
				t.Errorf("%s: notices %v", ref, r.Frames[0].Meta.Notices)
			}
		}
	}
}

// An amount converted at a rate much older than itself is flagged on the frame: the
// newest USD/CNY rate is 03-09, an April event converts at it, 42 days old.
func TestStaleFXRatesAreFlagged(t *testing.T) {
	pool, dbURL := storetest.NewPool(t)
	storetest.SeedExample(t, pool)
	storetest.Exec(t, pool, `INSERT INTO costlens.cost_events (tenant, request_id, ts, priced_cost, price_currency)
		VALUES ('acme', 'late', '2026-04-20T10:00:00Z', 7.10, 'CNY')`)
	d := newInstance(t, instanceSettings(t, dbURL, nil))
	q := func(from, to time.Time) backend.DataResponse {
		resp, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{
			RefID: "A", JSON: json.RawMessage(`{"queryType":"breakdown"}`), TimeRange: backend.TimeRange{From: from, To: to}}}})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Responses["A"]
	}
	april := q(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	if april.Error != nil || len(april.Frames[0].Meta.Notices) != 1 || april.Frames[0].Meta.Notices[0].Text !=
		"converted at an FX rate 42 days older than the amount (CNY to USD: the 2026-03-09 rate for 2026-04-20); load newer rates" {
		t.Errorf("April: %v %+v", april.Error, april.Frames[0].Meta)
	}
	// the example week falls back over a weekend at most: no notice
	week := q(exampleWeek.From, exampleWeek.To)
	if week.Error != nil || len(week.Frames[0].Meta.Notices) != 0 {
		t.Errorf("week: %v %+v", week.Error, week.Frames[0].Meta.Notices)
	}
}
