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
