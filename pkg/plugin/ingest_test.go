package plugin

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/costlens/costlens/pkg/store/storetest"
)

func post(t *testing.T, d *Datasource, role, path string, body []byte) (int, string) {
	t.Helper()
	return call(t, d, "POST", role, path, string(body))
}

func TestIngestEventsEndpoint(t *testing.T) {
	_, dbURL := storetest.NewPool(t)
	d := newInstance(t, instanceSettings(t, dbURL, map[string]any{"tenant": "acme"}))
	body := []byte(`{"request_id":"e1","ts":"2026-03-02T10:00:00Z","feature":"chat"}
{"request_id":"e2","ts":"not a time"}`)

	status, resp := post(t, d, "Viewer", "ingest/events", body)
	if status != 403 || resp != `{"error":"uploading data needs the Editor or Admin role"}` {
		t.Fatalf("viewer: %d %s", status, resp)
	}
	status, resp = post(t, d, "Editor", "ingest/events", body)
	want := `{"received":2,"accepted":1,"duplicates":0,"rejected":[{"row":2,"field":"ts","message":"\"not a time\" is not an RFC 3339 time such as 2026-03-02T10:00:00Z"}]}`
	if status != 200 || resp != want {
		t.Fatalf("editor: %d %s", status, resp)
	}
	status, resp = post(t, d, "Admin", "ingest/events", body)
	if status != 200 || !strings.HasPrefix(resp, `{"received":2,"accepted":0,"duplicates":1,`) {
		t.Fatalf("retry: %d %s", status, resp)
	}
}

func TestAHundredMegabyteUploadIsRefusedWhole(t *testing.T) {
	pool, dbURL := storetest.NewPool(t)
	d := newInstance(t, instanceSettings(t, dbURL, nil))
	row := []byte(`{"tenant":"acme","request_id":"big","ts":"2026-03-02T10:00:00Z"}` + "\n")
	body := bytes.Repeat(row, 100<<20/len(row)+1)
	status, resp := post(t, d, "Editor", "ingest/events", body)
	if status != 413 || resp != `{"error":"the upload (100 MiB) is over the 32 MiB limit: split it, or load it with the costlens-import command"}` {
		t.Fatalf("%d %s", status, resp)
	}
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM costlens.cost_events").Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d events stored from a refused upload (%v)", n, err)
	}
}

func TestIngestFXEndpointNeedsTheDirection(t *testing.T) {
	_, dbURL := storetest.NewPool(t)
	d := newInstance(t, instanceSettings(t, dbURL, nil))
	fred := []byte("Date,Country,Exchange rate\n2015-01-01,China,6.2181\n2015-02-01,China,6.2518\n")
	status, resp := post(t, d, "Editor", "ingest/fx", fred)
	if status != 400 || !strings.Contains(resp, "the direction of its rates is ambiguous") {
		t.Fatalf("%d %s", status, resp)
	}
	status, resp = post(t, d, "Editor", "ingest/fx?pairs=China%3DUSD/CNY&source=FRED", fred)
	if status != 200 || resp != `{"received":2,"accepted":2,"duplicates":0,"rejected":[]}` {
		t.Fatalf("%d %s", status, resp)
	}
}

func TestIngestBillingEndpointUsesTheBoundTenant(t *testing.T) {
	pool, dbURL := storetest.NewPool(t)
	d := newInstance(t, instanceSettings(t, dbURL, map[string]any{"tenant": "acme"}))
	export := []byte("ProviderName,ResourceId,ChargePeriodStart,ChargePeriodEnd,BilledCost,BillingCurrency,x_Tenant\n" +
		"AWS,i-1,2026-03-02T10:00:00Z,2026-03-02T11:00:00Z,32.77,USD,\n" +
		"AWS,i-2,2026-03-02T10:00:00Z,2026-03-02T11:00:00Z,1.00,USD,globex\n")
	status, resp := post(t, d, "Editor", "ingest/billing?tenant=globex", export)
	want := `{"received":2,"accepted":1,"duplicates":0,"rejected":[{"row":3,"field":"x_Tenant","message":"\"globex\" is not this data source's tenant \"acme\""}]}`
	if status != 200 || resp != want {
		t.Fatalf("%d %s", status, resp)
	}
	var tenant, cost string
	if err := pool.QueryRow(context.Background(), "SELECT tenant, billed_cost::text FROM costlens.billing_line_items").Scan(&tenant, &cost); err != nil || tenant != "acme" || cost != "32.77" {
		t.Fatalf("stored %s %s (%v)", tenant, cost, err)
	}
}

func TestUploadedEventsArePricedAtTheBookPriceInForce(t *testing.T) {
	_, dbURL := storetest.NewPool(t)
	d := newInstance(t, instanceSettings(t, dbURL, nil))
	prices := []byte("prices:\n  - provider: openai\n    model: gpt-4o\n    currency: USD\n    unit: 1m_tokens\n    effective_from: 2026-01-01\n    input: 2.50\n    output: 10.00\n    cached_input: 1.25\n")
	status, resp := post(t, d, "Admin", "ingest/prices", prices)
	if status != 200 || resp != `{"added":3,"aliases":0,"changed":0,"droppedFromFile":[],"unchanged":0}` {
		t.Fatalf("prices: %d %s", status, resp)
	}
	events := []byte(`{"tenant":"acme","request_id":"p1","ts":"2026-03-02T10:00:00Z","provider":"openai","model":"gpt-4o","input_tokens":1000,"output_tokens":500,"cached_input_tokens":2000}
{"tenant":"acme","request_id":"p2","ts":"2026-03-02T10:00:00Z","provider":"openai","model":"gpt-5-preview","input_tokens":1000}`)
	if status, resp := post(t, d, "Editor", "ingest/events", events); status != 200 || !strings.HasPrefix(resp, `{"received":2,"accepted":2,`) {
		t.Fatalf("events: %d %s", status, resp)
	}
	res, _ := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		dataQuery("A", `{"queryType":"breakdown","metric":"cost"}`),
		dataQuery("B", `{"queryType":"breakdown","metric":"unpriced_requests"}`),
	}})
	// 1000 × 2.50/1M + 500 × 10/1M + 2000 × 1.25/1M = 0.01; the preview model is unpriced, not zero
	if v := *res.Responses["A"].Frames[0].Fields[0].At(0).(*float64); v != 0.01 {
		t.Errorf("cost %v, want 0.01", v)
	}
	if v := *res.Responses["B"].Frames[0].Fields[0].At(0).(*float64); v != 1 {
		t.Errorf("unpriced %v, want 1", v)
	}
	status, resp = post(t, d, "Viewer", "ingest/prices", prices)
	if status != 403 {
		t.Errorf("viewer may not change prices: %d %s", status, resp)
	}

	// Nothing changed in the book: repricing the day changes nothing.
	status, resp = post(t, d, "Editor", "reprice?from=1772409600000&to=1772496000000", nil)
	if status != 200 || resp != `{"examined":2,"changed":0,"newlyPriced":0,"newlyUnpriced":0,"delta":{}}` {
		t.Errorf("reprice: %d %s", status, resp)
	}
	status, resp = post(t, d, "Editor", "reprice?to=1772496000000", nil)
	if status != 400 || resp != `{"error":"from: required, epoch milliseconds"}` {
		t.Errorf("reprice without from: %d %s", status, resp)
	}
}

func TestIngestModelVersionsEndpoint(t *testing.T) {
	pool, dbURL := storetest.NewPool(t)
	d := newInstance(t, instanceSettings(t, dbURL, nil))
	body := []byte(`[
  {"model_version": "qwen2.5-32b-v1.2-int8", "instance_type": "ecs.gn7i-c32g1.8xlarge", "gpu_type": "A10", "gpus": 1,
   "provider": "alibaba", "region": "cn-hangzhou", "resource_id": "eas-qwen32b-b", "deployed_at": "2026-01-05T00:00:00Z"},
  {"model_version": "llama-3-70b-instruct-v2-int8", "model": "llama-3-70b-instruct", "gpus": "-1"},
  {"model_version": "in-house-ranker", "retired_at": "2026-01-01T00:00:00Z", "deployed_at": "2026-02-01T00:00:00Z"}
]`)
	status, resp := post(t, d, "Editor", "ingest/model-versions", body)
	want := `{"received":3,"accepted":1,"duplicates":0,"rejected":[` +
		`{"row":2,"field":"gpus","message":"must be from 0 to 100000"},` +
		`{"row":3,"field":"retired_at","message":"2026-01-01T00:00:00Z is before deployed_at 2026-02-01T00:00:00Z"}]}`
	if status != 200 || resp != want {
		t.Fatalf("%d %s", status, resp)
	}
	var model, version, quant, params, gpus string
	if err := pool.QueryRow(context.Background(), `SELECT model, version, quantization, params, gpus::text
		FROM costlens.model_versions WHERE model_version = 'qwen2.5-32b-v1.2-int8'`).Scan(&model, &version, &quant, &params, &gpus); err != nil {
		t.Fatal(err)
	}
	if model != "qwen2.5-32b" || version != "v1.2" || quant != "int8" || params != "32b" || gpus != "1" {
		t.Errorf("parsed parts %s %s %s %s, gpus %s", model, version, quant, params, gpus)
	}
	// the same rows again: nothing changes; a retirement updates the stored facts
	if status, resp = post(t, d, "Editor", "ingest/model-versions", []byte(string(body[:strings.Index(string(body), "},")+1])+"]")); status != 200 || !strings.HasPrefix(resp, `{"received":1,"accepted":0,"duplicates":1,`) {
		t.Fatalf("retry: %d %s", status, resp)
	}
	retire := `{"model_version":"qwen2.5-32b-v1.2-int8","resource_id":"eas-qwen32b-b","gpus":1,"retired_at":"2026-03-01T00:00:00Z"}`
	if status, resp = post(t, d, "Editor", "ingest/model-versions", []byte(retire)); status != 200 || !strings.HasPrefix(resp, `{"received":1,"accepted":1,"duplicates":0,`) {
		t.Fatalf("retire: %d %s", status, resp)
	}
	var retired string
	if err := pool.QueryRow(context.Background(), `SELECT (retired_at AT TIME ZONE 'UTC')::text FROM costlens.model_versions`).Scan(&retired); err != nil || retired != "2026-03-01 00:00:00" {
		t.Errorf("retired_at %s (%v)", retired, err)
	}

	bound := newInstance(t, instanceSettings(t, dbURL, map[string]any{"tenant": "acme"}))
	status, resp = post(t, bound, "Admin", "ingest/model-versions", []byte(retire))
	if status != 403 || !strings.Contains(resp, `model versions are shared by every tenant: this data source is bound to tenant \"acme\"`) {
		t.Fatalf("bound: %d %s", status, resp)
	}
}

// A request with no body at all (the SDK hands it over as nil) is the client's
// mistake: 400 naming it, never a panic recovered as 500.
func TestEmptyBodiesAreBadRequests(t *testing.T) {
	_, dbURL := storetest.NewPool(t)
	d := newInstance(t, instanceSettings(t, dbURL, nil))
	upload := `{"error":"the upload is empty: send the file as the request body"}`
	object := `{"error":"body: empty: send a JSON object"}`
	for path, want := range map[string]string{
		"POST ingest/events": upload, "POST ingest/fx": upload, "POST ingest/billing": upload,
		"POST ingest/prices": upload, "POST ingest/model-versions": upload,
		"PUT budgets": object, "POST recommendations/state": object,
	} {
		method, p, _ := strings.Cut(path, " ")
		var got *backend.CallResourceResponse
		req := &backend.CallResourceRequest{Method: method, Path: p, URL: p, Body: nil,
			PluginContext: backend.PluginContext{User: &backend.User{Login: "finops", Role: "Admin"}}}
		if err := d.CallResource(context.Background(), req, backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
			got = r
			return nil
		})); err != nil {
			t.Fatal(err)
		}
		if got.Status != 400 || strings.TrimSpace(string(got.Body)) != want {
			t.Errorf("%s: %d %s", path, got.Status, got.Body)
		}
	}
}
