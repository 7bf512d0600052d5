package query_test

import (
	"testing"
	"time"

	"github.com/costlens/costlens/pkg/query"
	// the query types are declared there
	_ "github.com/costlens/costlens/pkg/query/analytic"
)

func TestParseAppliesDefaults(t *testing.T) {
	q, err := query.Parse([]byte(`{"refId":"A"}`), query.Defaults{Currency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	if q.QueryType != query.TypeCost || q.Metric != "cost" || q.CostSource != query.SourceTokens || q.Currency != "EUR" {
		t.Fatalf("defaults not applied: %+v", q)
	}
}

func TestParseRejectsBadInputNamingTheField(t *testing.T) {
	cases := map[string]string{
		`{"queryType":"cost","metric":"cost",`:                                           "query: invalid JSON: unexpected end of JSON input",
		`{"queryType":"pie"}`:                                                            `queryType: unknown query type "pie" (want cost, breakdown, allocation, budget, forecast, anomalies, recommendations or kpi)`,
		`{"queryType":"allocation","metric":"requests"}`:                                 `metric: allocation returns cost, a100_hours or cost_per_a100_hour, not "requests"`,
		`{"queryType":"allocation","groupBy":["user"]}`:                                  `groupBy[0]: allocation groups by model_version, resource, provider or region, not "user"`,
		`{"metric":"profit"}`:                                                            `metric: unknown metric "profit"`,
		`{"groupBy":["feature","colour"]}`:                                               `groupBy[1]: unknown dimension "colour"`,
		`{"groupBy":["feature","feature"]}`:                                              `groupBy[1]: dimension "feature" is listed twice`,
		`{"filters":[{"dimension":"model;drop table x","operator":"=","values":["a"]}]}`: `filters[0].dimension: unknown dimension "model;drop table x"`,
		`{"filters":[{"dimension":"model","operator":"like","values":["a"]}]}`:           `filters[0].operator: unknown operator "like" (want =, !=, in or not in)`,
		`{"filters":[{"dimension":"model","operator":"in","values":[]}]}`:                `filters[0].values: at least one value is needed`,
		`{"currency":"RMB"}`:                                                             `currency: "RMB" is not an ISO-4217 currency code`,
		`{"costSource":"vibes"}`:                                                         `costSource: unknown cost source "vibes" (want tokens, reported, billing or blended)`,
		`{"topN":-1}`:                                                                    `topN: must be between 0 and 1000, got -1`,
		`{"queryType":"anomalies","baseline":"median"}`:                                  `baseline: "median" is not robust, ma7 or average`,
		`{"queryType":"anomalies","windowDays":15}`:                                      `windowDays: 15 must be whole weeks when seasonality is on`,
		`{"queryType":"anomalies","direction":"sideways"}`:                               `direction: "sideways" is not up, down or both`,
		`{"queryType":"anomalies","interval":"6h"}`:                                      `interval: anomalies are scored per hour (1h) or per day (1d), not "6h"`,
		`{"queryType":"budget","output":"series"}`:                                       `output: budget answers with a table: use table or alert`,
		`{"queryType":"forecast","budget":"-5"}`:                                         `budget: "-5" is not a positive decimal amount`,
		`{"queryType":"kpi","costSource":"blended"}`:                                     `costSource: kpi reads token prices or reported costs, not "blended": for what self-hosted capacity costs use an allocation query (cost_per_a100_hour) or a breakdown with this source`,
		`{"interval":"2d"}`:                                                              `interval: unknown interval "2d" (want auto, 1m, 5m, 15m, 30m, 1h, 6h, 12h, 1d, 1w or 1M)`,
	}
	for raw, want := range cases {
		_, err := query.Parse([]byte(raw), query.Defaults{Currency: "USD"})
		if err == nil || err.Error() != want {
			t.Errorf("%s\n got %v\nwant %s", raw, err, want)
		}
	}
}

func TestBucketForRoundsGrafanaIntervalUp(t *testing.T) {
	cases := []struct {
		interval time.Duration
		want     query.Bucket
	}{
		{10 * time.Second, query.Bucket{Fixed: time.Minute}},
		{2 * time.Minute, query.Bucket{Fixed: 5 * time.Minute}},
		{time.Hour, query.Bucket{Fixed: time.Hour}},
		{3 * time.Hour, query.Bucket{Fixed: 6 * time.Hour}},
		{20 * time.Hour, query.Bucket{Fixed: 24 * time.Hour}},
		{3 * 24 * time.Hour, query.Bucket{Fixed: 7 * 24 * time.Hour}},
		{30 * 24 * time.Hour, query.Bucket{Month: true}},
	}
	for _, c := range cases {
		if got := query.BucketFor(query.Query{}, c.interval); got != c.want {
			t.Errorf("interval %s: %+v, want %+v", c.interval, got, c.want)
		}
	}
	if got := query.BucketFor(query.Query{Interval: "1d"}, time.Minute); got != (query.Bucket{Fixed: 24 * time.Hour}) {
		t.Errorf("explicit 1d: %+v", got)
	}
}
