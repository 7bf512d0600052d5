package plugin

import (
	"context"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/costlens/costlens/pkg/store/storetest"
)

// call sends one resource request as a user with role; path may carry a query string.
func call(t *testing.T, d *Datasource, method, role, path, body string) (int, string) {
	t.Helper()
	var got *backend.CallResourceResponse
	p, _, _ := strings.Cut(path, "?")
	req := &backend.CallResourceRequest{Method: method, Path: p, URL: path, Body: []byte(body),
		PluginContext: backend.PluginContext{User: &backend.User{Login: "finops", Role: role}}}
	if err := d.CallResource(context.Background(), req, backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
		got = r
		return nil
	})); err != nil {
		t.Fatal(err)
	}
	return got.Status, strings.TrimSpace(string(got.Body))
}

func TestBudgetEndpoints(t *testing.T) {
	_, dbURL := storetest.NewPool(t)
	d := newInstance(t, instanceSettings(t, dbURL, map[string]any{"tenant": "acme"}))
	budget := `{"scopeDimension":"user","scopeValue":"u1","period":"month","amount":"250.00","currency":"usd"}`
	if status, resp := call(t, d, "PUT", "Viewer", "budgets", budget); status != 403 {
		t.Fatalf("viewer: %d %s", status, resp)
	}
	status, resp := call(t, d, "PUT", "Editor", "budgets", budget)
	if status != 200 || resp != `{"id":1,"tenant":"acme","scopeDimension":"user","scopeValue":"u1","period":"month","amount":"250","currency":"USD"}` {
		t.Fatalf("put: %d %s", status, resp)
	}
	// the same scope and period again replaces the amount
	if status, resp = call(t, d, "PUT", "Editor", "budgets", strings.Replace(budget, "250.00", "300", 1)); status != 200 || !strings.Contains(resp, `"id":1,`) {
		t.Fatalf("replace: %d %s", status, resp)
	}
	bad := map[string]string{
		`{"scopeDimension":"colour","scopeValue":"red","amount":"1","currency":"USD"}`: `{"error":"scopeDimension: \"colour\" is not a dimension a budget can cover"}`,
		`{"amount":"0","currency":"USD"}`:                                              `{"error":"amount: must be positive, got 0"}`,
		`{"amount":"5","currency":"USD","period":"fortnight"}`:                         `{"error":"period: \"fortnight\" is not day, week, month, quarter or year"}`,
		`{"amount":"5","currency":"USD","tenant":"globex"}`:                            `{"error":"tenant: \"globex\" is not this data source's tenant \"acme\""}`,
		`{"amount":"5","currency":"USD","colour":"red"}`:                               `{"error":"body: json: unknown field \"colour\""}`,
	}
	for body, want := range bad {
		if status, resp := call(t, d, "PUT", "Admin", "budgets", body); status != 400 || resp != want {
			t.Errorf("%s: %d %s, want %s", body, status, resp, want)
		}
	}
	if status, resp = call(t, d, "GET", "Viewer", "budgets", ""); status != 200 || !strings.HasPrefix(resp, `[{"id":1,"tenant":"acme","scopeDimension":"user","scopeValue":"u1","period":"month","amount":"300"`) {
		t.Fatalf("list: %d %s", status, resp)
	}
	if status, resp = call(t, d, "DELETE", "Editor", "budgets/1", ""); status != 200 {
		t.Fatalf("delete: %d %s", status, resp)
	}
	if status, resp = call(t, d, "DELETE", "Editor", "budgets/1", ""); status != 404 || resp != `{"error":"id: no budget 1"}` {
		t.Fatalf("delete again: %d %s", status, resp)
	}
}

func TestRecommendationStateEndpoint(t *testing.T) {
	pool, dbURL := storetest.NewPool(t)
	d := newInstance(t, instanceSettings(t, dbURL, nil))
	if status, resp := call(t, d, "POST", "Editor", "recommendations/state", `{"id":"delete/gpu-old/old-v1","action":"snooze","until":"2020-01-01T00:00:00Z"}`); status != 400 ||
		resp != `{"error":"until: \"2020-01-01T00:00:00Z\" is not a future RFC 3339 time"}` {
		t.Fatalf("past snooze: %d %s", status, resp)
	}
	if status, resp := call(t, d, "POST", "Editor", "recommendations/state", `{"id":"delete/gpu-old/old-v1","action":"dismiss","note":"kept for the audit"}`); status != 200 {
		t.Fatalf("dismiss: %d %s", status, resp)
	}
	var state, by, note string
	if err := pool.QueryRow(context.Background(), `SELECT state, updated_by, note FROM costlens.recommendation_states`).Scan(&state, &by, &note); err != nil ||
		state != "dismissed" || by != "finops" || note != "kept for the audit" {
		t.Fatalf("stored %s by %s (%s) %v", state, by, note, err)
	}
	if status, _ := call(t, d, "POST", "Editor", "recommendations/state", `{"id":"delete/gpu-old/old-v1","action":"restore"}`); status != 200 {
		t.Fatal("restore")
	}
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM costlens.recommendation_states`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d states after restore", n)
	}
}

func TestPricesEndpointListsThePricesInForce(t *testing.T) {
	_, dbURL := storetest.NewPool(t)
	d := newInstance(t, instanceSettings(t, dbURL, nil))
	book := "prices:\n  - provider: openai\n    model: gpt-4o\n    currency: USD\n    unit: 1m_tokens\n    effective_from: 2026-01-01\n    checked_on: 2026-01-02\n    input: 2.50\n"
	if status, resp := post(t, d, "Admin", "ingest/prices", []byte(book)); status != 200 {
		t.Fatalf("%d %s", status, resp)
	}
	changed := strings.Replace(strings.Replace(book, "2.50", "2.00", 1), "2026-01-01", "2026-02-01", 1)
	if status, resp := post(t, d, "Admin", "ingest/prices", []byte(changed)); status != 200 {
		t.Fatalf("%d %s", status, resp)
	}
	status, resp := call(t, d, "GET", "Viewer", "prices", "")
	want := `[{"provider":"openai","model":"gpt-4o","pattern":false,"usageType":"input","serviceTier":"","unitPrice":"2","unit":"1m_tokens","currency":"USD","minContextTokens":0,"effectiveFrom":"2026-02-01T00:00:00Z","checkedOn":"2026-01-02","source":""}]`
	if status != 200 || resp != want {
		t.Fatalf("%d %s", status, resp)
	}
}
