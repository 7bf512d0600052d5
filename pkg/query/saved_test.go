package query_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/costlens/costlens/pkg/query"
	// the query types are declared there
	_ "github.com/costlens/costlens/pkg/query/analytic"
)

// Saved queries keep working (testdata/saved-queries.json, shared with
// src/datasource/migrate.test.ts): every query of the provisioned dashboards as this
// version saves them parses, and each earlier shape is answered exactly as the query
// the frontend's migrateQuery turns it into.
func TestSavedQueriesKeepWorking(t *testing.T) {
	raw, err := os.ReadFile("testdata/saved-queries.json")
	if err != nil {
		t.Fatal(err)
	}
	var saved struct {
		Current []struct {
			Name  string          `json:"name"`
			Query json.RawMessage `json:"query"`
		} `json:"current"`
		Old []struct {
			Name     string          `json:"name"`
			Saved    json.RawMessage `json:"saved"`
			Migrated json.RawMessage `json:"migrated"`
		} `json:"old"`
	}
	if err := json.Unmarshal(raw, &saved); err != nil {
		t.Fatal(err)
	}
	// the dashboards' one variable in a query, as Grafana interpolates it
	interpolate := func(q json.RawMessage) json.RawMessage {
		return json.RawMessage(strings.ReplaceAll(string(q), "${currency}", "CNY"))
	}
	d := query.Defaults{Currency: "USD"}
	for _, c := range saved.Current {
		if _, err := query.Parse(interpolate(c.Query), d); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
	// and the snapshot holds every query the provisioned dashboards have now
	dashboards, _ := filepath.Glob("../../provisioning/dashboards/*.json")
	inSnapshot := map[string]bool{}
	for _, c := range saved.Current {
		inSnapshot[canonical(t, c.Query)] = true
	}
	for _, f := range dashboards {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var dash any
		if err := json.Unmarshal(b, &dash); err != nil {
			t.Fatal(err)
		}
		for _, target := range costlensTargets(dash) {
			delete(target, "datasource")
			raw, _ := json.Marshal(target)
			if !inSnapshot[canonical(t, raw)] {
				t.Errorf("%s: %s is not in the saved-queries snapshot: add it to testdata/saved-queries.json", filepath.Base(f), raw)
			}
		}
	}
	for _, o := range saved.Old {
		got, err := query.Parse(o.Saved, d)
		if err != nil {
			t.Errorf("%s: %v", o.Name, err)
			continue
		}
		want, err := query.Parse(o.Migrated, d)
		if err != nil {
			t.Errorf("%s, migrated: %v", o.Name, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read as %+v, the migrated query as %+v", o.Name, got, want)
		}
	}
	if len(saved.Current) < 15 || len(saved.Old) < 3 {
		t.Errorf("%d current and %d old saved queries", len(saved.Current), len(saved.Old))
	}
}

func canonical(t *testing.T, raw json.RawMessage) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v) // map keys sorted
	return string(b)
}

// costlensTargets are the panel targets of a dashboard that are Costlens queries.
func costlensTargets(v any) []map[string]any {
	var out []map[string]any
	switch x := v.(type) {
	case map[string]any:
		if ts, ok := x["targets"].([]any); ok {
			for _, t := range ts {
				if m, ok := t.(map[string]any); ok && m["queryType"] != nil {
					out = append(out, m)
				}
			}
		}
		for k, e := range x {
			if k != "targets" {
				out = append(out, costlensTargets(e)...)
			}
		}
	case []any:
		for _, e := range x {
			out = append(out, costlensTargets(e)...)
		}
	}
	return out
}
