package plugin

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/seed"
	"github.com/costlens/costlens/pkg/store/storetest"
)

// Every provisioned alert rule's Costlens query parses, runs on the seed data, and
// answers in a shape Grafana alerting reads: each frame has exactly one numeric field.
func TestProvisionedAlertRulesRunAndAreAlertable(t *testing.T) {
	rf, err := ReadRuleFile(filepath.Join("..", "..", "provisioning", "alerting", "costlens-rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	pool, _ := storetest.NewPool(t)
	end := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if _, err := seed.Run(context.Background(), pool, seed.Config{Seed: 5, Events: 20_000, Days: 90, End: end}); err != nil {
		t.Fatal(err)
	}
	now := end.Add(-6 * time.Hour) // evaluated during the last seeded day
	titles := map[string]bool{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			titles[r.Title] = true
			refs := map[string]bool{}
			for _, d := range r.Data {
				refs[d.RefID] = true
				if d.DatasourceUID == "__expr__" {
					continue
				}
				if d.DatasourceUID != "costlens" {
					t.Errorf("%s: data source %q is not the provisioned Costlens one", r.UID, d.DatasourceUID)
				}
				js, _ := json.Marshal(d.Model)
				q, err := query.Parse(js, query.Defaults{Currency: "USD"})
				if err != nil {
					t.Errorf("%s: %v", r.UID, err)
					continue
				}
				rng := query.Range{From: now.Add(-time.Duration(d.RelativeTimeRange.From) * time.Second), To: now}
				frames, err := Run(context.Background(), pool, q, rng, time.Minute, query.Env{Location: time.UTC})
				if err != nil {
					t.Errorf("%s: %v", r.UID, err)
					continue
				}
				for _, f := range frames {
					if n := numericFields(f); n != 1 {
						t.Errorf("%s: frame %q has %d numeric fields, alerting needs 1", r.UID, f.Name, n)
					}
				}
				if q.QueryType == query.TypeBudget && frames[0].Rows() == 0 {
					t.Errorf("%s: no budget rows on the seed data", r.UID)
				}
				if r.UID == "costlens-tenant-forecast-over-budget" {
					// every seeded tenant has its own monthly budget: each row is held against it
					held := 0
					for _, f := range frames {
						for _, fd := range f.Fields {
							for i := 0; fd.Type().Numeric() && i < fd.Len(); i++ {
								if v, ok := fd.ConcreteAt(i); ok && v != nil {
									held++
								}
							}
						}
					}
					if held != 3 {
						t.Errorf("%s: %d tenants held against their own budget, want the seed's 3", r.UID, held)
					}
				}
			}
			if !refs[r.Condition] {
				t.Errorf("%s: condition %s is not one of its queries", r.UID, r.Condition)
			}
		}
	}
	for _, want := range []string{
		"Feature daily cost over 150 % of its daily average",
		"Daily total over the monthly budget / days in the month",
		"User or tenant at 80 % of the monthly quota",
		"Month-end forecast over budget by more than 10 %",
		"Tenant month-end forecast over its own budget by more than 10 %",
		"Model version daily cost over 120 % of its 7-day moving average",
		"Provider hourly spend far below its usual level",
	} {
		if !titles[want] {
			t.Errorf("no rule %q", want)
		}
	}
}

func numericFields(f *data.Frame) int {
	n := 0
	for _, fd := range f.Fields {
		if fd.Type().Numeric() {
			n++
		}
	}
	return n
}

// A rule on hourly anomalies keeps firing through the hours a lasting change is not
// flagged (its expected level catches up over days, some hours on and some off), read
// from the key Grafana reads (keepFiringFor, camelCase: keep_firing_for is dropped
// without a word); every rule's pending period is a duration Grafana accepts.
func TestHourlyAnomalyRulesKeepFiring(t *testing.T) {
	rf, err := ReadRuleFile(filepath.Join("..", "..", "provisioning", "alerting", "costlens-rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	hourly := 0
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			pending, err := time.ParseDuration(r.For)
			if err != nil {
				t.Errorf("%s: for %q: %v", r.UID, r.For, err)
			}
			for _, d := range r.Data {
				if d.Model["queryType"] != "anomalies" || d.Model["interval"] != "1h" {
					continue
				}
				hourly++
				keep, err := time.ParseDuration(r.KeepFiringFor)
				if err != nil || keep < 6*time.Hour || keep < pending {
					t.Errorf("%s: keepFiringFor %q, want at least 6h and its for (%s)", r.UID, r.KeepFiringFor, r.For)
				}
			}
		}
	}
	if hourly != 1 {
		t.Errorf("%d rules on hourly anomalies, want the provider drop rule", hourly)
	}
}
