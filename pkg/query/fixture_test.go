package query_test

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/costlens/costlens/pkg/query"
	// the query types are declared there
	_ "github.com/costlens/costlens/pkg/query/analytic"
)

// testdata/queries.json is shared with src/datasource/types.test.ts: both sides parse
// the same example queries and check the same whitelists, so the TypeScript and Go
// query models cannot drift apart unnoticed.
type sharedFixture struct {
	Dimensions []string `json:"dimensions"`
	Metrics    []string `json:"metrics"`
	Operators  []string `json:"operators"`
	Intervals  []string `json:"intervals"`
	AllocDims  []string `json:"allocationDimensions"`
	AllocMets  []string `json:"allocationMetrics"`
	BillDims   []string `json:"billingDimensions"`
	Sources    []string `json:"costSources"`
	QueryTypes []string `json:"queryTypes"`
	// TypeSpecs are the per-type facts both registries hold (query.Handlers and
	// QUERY_TYPE_SPECS): whose dimensions, what the editor offers, the outputs.
	TypeSpecs map[string]struct {
		Dimensions string   `json:"dimensions"`
		Groups     bool     `json:"groups"`
		Filters    bool     `json:"filters"`
		TopN       bool     `json:"topN"`
		Interval   bool     `json:"interval"`
		Outputs    []string `json:"outputs"`
		Metrics    []string `json:"metrics"`
	} `json:"typeSpecs"`
	Examples []struct {
		Name  string          `json:"name"`
		Query json.RawMessage `json:"query"`
	} `json:"examples"`
}

func TestSharedQueryFixture(t *testing.T) {
	raw, err := os.ReadFile("testdata/queries.json")
	if err != nil {
		t.Fatal(err)
	}
	var f sharedFixture
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	var dims, metrics []string
	for _, d := range query.Dimensions {
		dims = append(dims, d.Key)
	}
	for _, m := range query.Metrics {
		metrics = append(metrics, m.Key)
	}
	if !slices.Equal(dims, f.Dimensions) {
		t.Errorf("dimensions %v, fixture %v", dims, f.Dimensions)
	}
	if !slices.Equal(metrics, f.Metrics) {
		t.Errorf("metrics %v, fixture %v", metrics, f.Metrics)
	}
	var allocDims []string
	for _, d := range query.AllocationDimensions {
		allocDims = append(allocDims, d.Key)
	}
	var allocMetrics []string
	for _, m := range query.AllocationMetrics {
		allocMetrics = append(allocMetrics, m.Key)
	}
	if !slices.Equal(allocMetrics, f.AllocMets) {
		t.Errorf("allocation metrics %v, fixture %v", allocMetrics, f.AllocMets)
	}
	if !slices.Equal(allocDims, f.AllocDims) {
		t.Errorf("allocation dimensions %v, fixture %v", allocDims, f.AllocDims)
	}
	if !slices.Equal(query.BillingDimensions, f.BillDims) {
		t.Errorf("billing dimensions %v, fixture %v", query.BillingDimensions, f.BillDims)
	}
	for _, src := range f.Sources {
		if _, err := query.Prepare(query.Query{QueryType: query.TypeCost, CostSource: src}, query.Defaults{Currency: "USD"}); err != nil {
			t.Errorf("cost source %q: %v", src, err)
		}
	}
	dimensionSets := map[string][]query.Dimension{"events": query.Dimensions, "allocation": query.AllocationDimensions,
		"budget": query.BudgetDimensions, "recommendations": query.RecommendationDimensions}
	if len(f.TypeSpecs) != len(query.Handlers) {
		t.Errorf("%d type specs in the fixture, %d handlers", len(f.TypeSpecs), len(query.Handlers))
	}
	for name, spec := range f.TypeSpecs {
		h, ok := query.Handlers[query.Type(name)]
		if !ok {
			t.Errorf("type %s: no handler", name)
			continue
		}
		if dims := dimensionSets[spec.Dimensions]; len(dims) == 0 || &dims[0] != &h.Dimensions[0] {
			t.Errorf("type %s: the fixture says %s dimensions, the handler has %v", name, spec.Dimensions, h.Dimensions[0].Key)
		}
		if spec.Groups != h.Groups || spec.Filters != h.Filters || spec.TopN != h.TopN || spec.Interval != h.Interval {
			t.Errorf("type %s: fixture groups/filters/topN/interval %v %v %v %v, handler %v %v %v %v", name,
				spec.Groups, spec.Filters, spec.TopN, spec.Interval, h.Groups, h.Filters, h.TopN, h.Interval)
		}
		var metrics []string
		for _, m := range h.Metrics {
			metrics = append(metrics, m.Key)
		}
		if !slices.Equal(metrics, spec.Metrics) {
			t.Errorf("type %s: fixture metrics %v, handler %v", name, spec.Metrics, metrics)
		}
		if !slices.Equal(spec.Outputs, h.Outputs) && !(len(spec.Outputs) == 0 && len(h.Outputs) == 0) {
			t.Errorf("type %s: fixture outputs %v, handler %v", name, spec.Outputs, h.Outputs)
		}
		// and what the handler says holds: the default output is the first, groupBy is
		// refused where the type does not group (kpi groups only by model_version)
		q, err := query.Prepare(query.Query{QueryType: query.Type(name)}, query.Defaults{Currency: "USD"})
		if err != nil {
			t.Errorf("type %s with defaults only: %v", name, err)
		}
		if want := append(spec.Outputs, "")[0]; q.Output != want {
			t.Errorf("type %s: default output %q, want %q", name, q.Output, want)
		}
		if _, err := query.Prepare(query.Query{QueryType: query.Type(name), GroupBy: []string{h.Dimensions[len(h.Dimensions)-1].Key}}, query.Defaults{Currency: "USD"}); (err == nil) != spec.Groups {
			t.Errorf("type %s: grouping by %s gives %v, the spec says groups=%v", name, h.Dimensions[len(h.Dimensions)-1].Key, err, spec.Groups)
		}
	}
	var types []string
	for _, qt := range query.Types {
		types = append(types, string(qt))
	}
	if !slices.Equal(types, f.QueryTypes) {
		t.Errorf("query types %v, fixture %v", types, f.QueryTypes)
	}
	if !slices.Equal(query.Operators, f.Operators) {
		t.Errorf("operators %v, fixture %v", query.Operators, f.Operators)
	}
	for _, iv := range f.Intervals {
		if _, err := query.Prepare(query.Query{QueryType: query.TypeCost, Interval: iv}, query.Defaults{Currency: "USD"}); err != nil {
			t.Errorf("interval %q: %v", iv, err)
		}
	}
	if len(f.Examples) < 5 {
		t.Fatalf("%d examples", len(f.Examples))
	}
	for _, ex := range f.Examples {
		// Every key the frontend sends must be a field of the Go model (refId is Grafana's).
		var strict struct {
			query.Query
			RefID string `json:"refId"`
		}
		dec := json.NewDecoder(bytes.NewReader(ex.Query))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&strict); err != nil {
			t.Errorf("%s: %v", ex.Name, err)
			continue
		}
		if _, err := query.Parse(ex.Query, query.Defaults{Currency: "USD"}); err != nil {
			t.Errorf("%s: %v", ex.Name, err)
		}
	}
}
