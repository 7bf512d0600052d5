package plugin

import (
	"encoding/json"
	"testing"

	"github.com/costlens/costlens/pkg/store/storetest"
)

// Every route passes one guard, in one order: bad settings (400), the caller's role
// (403 naming the action), shared data on a bound data source (403), then the handler.
func TestEveryRouteIsGuarded(t *testing.T) {
	_, dbURL := storetest.NewPool(t)
	unbound := newInstance(t, instanceSettings(t, dbURL, nil))
	bound := newInstance(t, instanceSettings(t, dbURL, map[string]any{"tenant": "acme"}))
	broken := newInstance(t, instanceSettings(t, dbURL, map[string]any{"timeZone": "Nowhere/Land"}))
	for _, c := range []struct {
		method, path string
		viewer       string // what a Viewer gets on the unbound data source ("" = not refused)
		boundEditor  string // what an Editor gets on the bound one ("" = not refused)
	}{
		{"GET", "values?dimension=feature", "", ""},
		{"GET", "currencies", "", ""},
		{"GET", "budgets", "", ""},
		{"GET", "prices", "", ""},
		{"GET", "unpriced", "", ""},
		{"POST", "ingest/events", "uploading data needs the Editor or Admin role", ""},
		{"POST", "ingest/billing", "uploading data needs the Editor or Admin role", ""},
		{"POST", "ingest/fx", "uploading data needs the Editor or Admin role", `FX rates are shared by every tenant: this data source is bound to tenant "acme", so upload them through one that is not`},
		{"POST", "ingest/prices", "uploading data needs the Editor or Admin role", `prices are shared by every tenant: this data source is bound to tenant "acme", so upload them through one that is not`},
		{"POST", "ingest/model-versions", "uploading data needs the Editor or Admin role", `model versions are shared by every tenant: this data source is bound to tenant "acme", so upload them through one that is not`},
		{"POST", "reprice?from=0", "repricing needs the Editor or Admin role", ""},
		{"PUT", "budgets", "changing this needs the Editor or Admin role", ""},
		{"DELETE", "budgets/1", "changing this needs the Editor or Admin role", ""},
		{"POST", "recommendations/state", "changing this needs the Editor or Admin role", ""},
	} {
		name := c.method + " " + c.path
		status, resp := call(t, broken, c.method, "Admin", c.path, "")
		if status != 400 || resp != `{"error":"settings: timeZone \"Nowhere/Land\" is not an IANA time zone"}` {
			t.Errorf("%s with bad settings: %d %s", name, status, resp)
		}
		status, resp = call(t, unbound, c.method, "Viewer", c.path, "")
		if c.viewer != "" && (status != 403 || errorOf(resp) != c.viewer) {
			t.Errorf("%s as a Viewer: %d %s, want 403 %q", name, status, resp, c.viewer)
		}
		if c.viewer == "" && (status == 403 || status >= 500) {
			t.Errorf("%s as a Viewer: %d %s, want it answered", name, status, resp)
		}
		status, resp = call(t, bound, c.method, "Editor", c.path, "")
		if c.boundEditor != "" && (status != 403 || errorOf(resp) != c.boundEditor) {
			t.Errorf("%s as an Editor of a bound data source: %d %s, want 403 %q", name, status, resp, c.boundEditor)
		}
		if c.boundEditor == "" && (status == 403 || status >= 500) {
			t.Errorf("%s as an Editor of a bound data source: %d %s, want it answered", name, status, resp)
		}
	}
	// the lookups the editor used to have and never called are gone
	if status, _ := call(t, unbound, "GET", "Viewer", "dimensions", ""); status != 404 {
		t.Errorf("GET dimensions: %d, want 404", status)
	}
}

// errorOf is the message of an {"error": …} answer.
func errorOf(resp string) string {
	var a apiError
	_ = json.Unmarshal([]byte(resp), &a)
	return a.Error
}

// The unpriced requests, with what would price each: a provider spelled otherwise, a
// dated snapshot of a priced model, and, once aliases are loaded, a reprice of events
// stored before them.
func TestUnpricedRequestsSayWhatWouldPriceThem(t *testing.T) {
	_, dbURL := storetest.NewPool(t)
	d := newInstance(t, instanceSettings(t, dbURL, nil))
	book := "prices:\n  - {provider: openai, model: gpt-4o, currency: USD, unit: 1m_tokens, effective_from: 2026-01-01, input: \"2.50\", output: \"10.00\"}\n" +
		"  - {provider: anthropic, model: claude-sonnet-4, currency: USD, unit: 1m_tokens, effective_from: 2026-01-01, input: \"3.00\", output: \"15.00\", cached_input: \"0.30\"}\n"
	if status, resp := post(t, d, "Admin", "ingest/prices", []byte(book)); status != 200 {
		t.Fatalf("prices: %d %s", status, resp)
	}
	// testNow is 2026-12-03 12:00 UTC: the last 7 days
	events := `{"tenant":"acme","request_id":"u1","ts":"2026-12-01T10:00:00Z","provider":"OpenAI","model":"gpt-4o","input_tokens":10}
{"tenant":"acme","request_id":"u2","ts":"2026-12-01T10:00:00Z","provider":"openai","model":"gpt-4o-2024-08-06","input_tokens":10}
{"tenant":"acme","request_id":"u3","ts":"2026-12-01T11:00:00Z","provider":"openai","model":"gpt-4o-2024-08-06","input_tokens":10}
{"tenant":"acme","request_id":"u4","ts":"2026-12-01T10:00:00Z","provider":"mystery","model":"m-1","input_tokens":10}
{"tenant":"acme","request_id":"u5","ts":"2026-12-01T10:00:00Z","provider":"openai","model":"gpt-4o","input_tokens":10}
{"tenant":"acme","request_id":"u6","ts":"2026-12-01T10:00:00Z","provider":"openai","model":"gpt-4o","input_tokens":10,"service_tier":"batch"}
{"tenant":"acme","request_id":"u7","ts":"2026-12-01T10:00:00Z","provider":"anthropic","model":"claude-sonnet-4","input_tokens":10,"cache_write_tokens":2000}
{"tenant":"acme","request_id":"u8","ts":"2026-12-01T10:00:00Z","provider":"anthropic","model":"claude-sonnet-4","input_tokens":10,"cache_write_tokens":1000,"cache_write_1h_tokens":1000}`
	if status, resp := post(t, d, "Editor", "ingest/events", []byte(events)); status != 200 {
		t.Fatalf("events: %d %s", status, resp)
	}
	status, resp := call(t, d, "GET", "Viewer", "unpriced", "")
	want := `[{"provider":"anthropic","model":"claude-sonnet-4","serviceTier":"","requests":2,"hint":"add a cache_write price for anthropic claude-sonnet-4 (these requests wrote to the cache) and a cache_write_1h price for anthropic claude-sonnet-4 (these requests wrote to the cache for an hour)"},` +
		`{"provider":"openai","model":"gpt-4o-2024-08-06","serviceTier":"","requests":2,"hint":"if the snapshot costs what gpt-4o does, add a model alias: model_aliases: [{provider: \"openai\", model: \"gpt-4o-2024-08-06\", price_as: \"gpt-4o\"}]"},` +
		`{"provider":"OpenAI","model":"gpt-4o","serviceTier":"","requests":1,"hint":"add a provider alias: provider_aliases: [{name: \"OpenAI\", provider: \"openai\"}]"},` +
		`{"provider":"mystery","model":"m-1","serviceTier":"","requests":1,"hint":""},` +
		`{"provider":"openai","model":"gpt-4o","serviceTier":"batch","requests":1,"hint":"add batch rates (an entry for openai gpt-4o with service_tier: batch)"}]`
	if status != 200 || resp != want {
		t.Fatalf("unpriced: %d %s\nwant %s", status, resp, want)
	}
	aliases := book + "provider_aliases:\n  - {name: OpenAI, provider: openai}\nmodel_aliases:\n  - {provider: openai, model: gpt-4o-2024-08-06, price_as: gpt-4o}\n"
	if status, resp := post(t, d, "Admin", "ingest/prices", []byte(aliases)); status != 200 || resp != `{"added":0,"aliases":2,"changed":0,"droppedFromFile":[],"unchanged":5}` {
		t.Fatalf("aliases: %d %s", status, resp)
	}
	_, resp = call(t, d, "GET", "Viewer", "unpriced", "")
	want = `[{"provider":"anthropic","model":"claude-sonnet-4","serviceTier":"","requests":2,"hint":"add a cache_write price for anthropic claude-sonnet-4 (these requests wrote to the cache) and a cache_write_1h price for anthropic claude-sonnet-4 (these requests wrote to the cache for an hour)"},` +
		`{"provider":"openai","model":"gpt-4o-2024-08-06","serviceTier":"","requests":2,"hint":"priced now as openai gpt-4o: reprice the range to price the stored requests"},` +
		`{"provider":"OpenAI","model":"gpt-4o","serviceTier":"","requests":1,"hint":"priced now as openai gpt-4o: reprice the range to price the stored requests"},` +
		`{"provider":"mystery","model":"m-1","serviceTier":"","requests":1,"hint":""},` +
		`{"provider":"openai","model":"gpt-4o","serviceTier":"batch","requests":1,"hint":"add batch rates (an entry for openai gpt-4o with service_tier: batch)"}]`
	if resp != want {
		t.Fatalf("after the aliases: %s\nwant %s", resp, want)
	}
}
