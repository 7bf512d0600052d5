package plugin

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/costlens/costlens/pkg/store/storetest"
)

func noticeTexts(frames data.Frames) string {
	var out []string
	if len(frames) > 0 && frames[0].Meta != nil {
		for _, n := range frames[0].Meta.Notices {
			out = append(out, n.Text)
		}
	}
	return strings.Join(out, " | ")
}

// No answer grows without bound: a 1m interval over three years is widened to what the
// panel can show, a range longer than maxDataPoints months is refused, and the series of
// a graph and the rows of a table are capped, largest kept, each with a notice.
func TestAnswersAreBounded(t *testing.T) {
	pool, dbURL := storetest.NewPool(t)
	// 10,005 users; user uN spends N cents on 2026-03-03
	storetest.Exec(t, pool, `INSERT INTO costlens.cost_events (tenant, request_id, ts, feature, user_id, model, model_version, provider, input_tokens, priced_cost, price_currency)
		SELECT 'acme', 'r' || n, '2026-03-03T10:00:00Z', 'chat', 'u' || n, 'gpt-x', 'gpt-x-v1', 'openai', 10, n / 100.0, 'USD'
		FROM generate_series(1, 10005) n`)
	d := newInstance(t, instanceSettings(t, dbURL, nil))
	threeYears := backend.TimeRange{From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	resp, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		{RefID: "minutes", JSON: json.RawMessage(`{"queryType":"cost","metric":"cost","interval":"1m"}`), TimeRange: threeYears, MaxDataPoints: 1000},
		{RefID: "months", JSON: json.RawMessage(`{"queryType":"cost","metric":"cost","interval":"1M"}`), TimeRange: threeYears, MaxDataPoints: 10},
		{RefID: "users", JSON: json.RawMessage(`{"queryType":"cost","metric":"cost","groupBy":["user"],"interval":"1d"}`), TimeRange: exampleWeek, MaxDataPoints: 1000},
		{RefID: "table", JSON: json.RawMessage(`{"queryType":"breakdown","metric":"cost","groupBy":["user"]}`), TimeRange: exampleWeek, MaxDataPoints: 1000},
		{RefID: "top", JSON: json.RawMessage(`{"queryType":"breakdown","metric":"cost","groupBy":["user"],"topN":3}`), TimeRange: exampleWeek, MaxDataPoints: 1000},
	}})
	if err != nil {
		t.Fatal(err)
	}

	// 2024-01-01 (a Monday) to 2027-01-01 is 1,096 days: 1,578,240 minutes, so 1,578,241
	// one-minute buckets; days would be 1,097, still over 1,000; weeks are 157
	minutes := resp.Responses["minutes"]
	if minutes.Error != nil || len(minutes.Frames) != 1 || minutes.Frames[0].Rows() != 157 {
		t.Fatalf("minutes: %v, %d frames", minutes.Error, len(minutes.Frames))
	}
	if got, want := noticeTexts(minutes.Frames), "interval widened from 1m to 1w: the range holds 1578241 buckets of 1m, more than the 1000 points the panel takes (maxDataPoints)"; got != want {
		t.Errorf("minutes notice %q", got)
	}
	// 36 months and the partial one at the end: 37, over 10
	months := resp.Responses["months"]
	if months.Error == nil || months.ErrorSource != backend.ErrorSourceDownstream ||
		months.Error.Error() != "interval: the range holds 37 buckets even of a month, more than the 10 points the panel takes (maxDataPoints): choose a shorter range" {
		t.Errorf("months: %v (%s)", months.Error, months.ErrorSource)
	}
	// 10,005 users: the 1,000 largest series, u10005 down to u9006
	users := resp.Responses["users"]
	if users.Error != nil || len(users.Frames) != 1000 {
		t.Fatalf("users: %v, %d frames", users.Error, len(users.Frames))
	}
	if first, last := users.Frames[0].Fields[1].Labels["user"], users.Frames[999].Fields[1].Labels["user"]; first != "u10005" || last != "u9006" {
		t.Errorf("kept series from %s to %s", first, last)
	}
	if got := noticeTexts(users.Frames); got != "showing the 1000 largest of 10005 series by cost: narrow the query with filters or topN" {
		t.Errorf("users notice %q", got)
	}
	// a table keeps 10,000 rows, u10005 down to u6
	table := resp.Responses["table"]
	if table.Error != nil || table.Frames[0].Rows() != 10000 {
		t.Fatalf("table: %v", table.Error)
	}
	if v, _ := table.Frames[0].Fields[0].ConcreteAt(9999); v != "u6" {
		t.Errorf("last row %v", v)
	}
	if got := noticeTexts(table.Frames); got != "showing the 10000 largest of 10005 rows by cost: narrow the query with filters or topN" {
		t.Errorf("table notice %q", got)
	}
	// topN under the cap: no notice
	if top := resp.Responses["top"]; top.Error != nil || top.Frames[0].Rows() != 3 || noticeTexts(top.Frames) != "" {
		t.Errorf("top: %v %q", top.Error, noticeTexts(top.Frames))
	}
}

// A query that cannot get a connection in time ends with an error that says so after
// queryTimeoutSeconds, instead of queueing; the wait and the timeout show in the pool
// metrics and the health check's details.
func TestAQueryQueuedOnABusyPoolTimesOut(t *testing.T) {
	_, dbURL := storetest.NewPool(t)
	s := instanceSettings(t, dbURL, map[string]any{"queryTimeoutSeconds": 1, "maxConns": 1})
	s.UID = "uid-of-this-test"
	d := newInstance(t, s)
	held, err := d.pool.Acquire(context.Background()) // the one connection, busy elsewhere
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		{RefID: "A", JSON: json.RawMessage(`{"queryType":"cost","metric":"cost","interval":"1d"}`), TimeRange: exampleWeek, MaxDataPoints: 100},
	}})
	// it gave up queueing: it returned while the only connection was still held, its
	// acquire cancelled (what a clock-bound "it came back in time" would say, without a clock)
	if st := d.pool.Stat(); st.AcquiredConns() != 1 || st.CanceledAcquireCount() != 1 {
		t.Errorf("while the connection is held: %d acquired, %d acquires cancelled; want 1 and 1", st.AcquiredConns(), st.CanceledAcquireCount())
	}
	held.Release()
	a := resp.Responses["A"]
	want := "the query did not finish within 1s (setting queryTimeoutSeconds): all 1 connections were busy, so it may have waited for one; narrow the time range or filters, or raise maxConns or the timeout"
	if a.Error == nil || a.Error.Error() != want || a.ErrorSource != backend.ErrorSourceDownstream {
		t.Fatalf("error %v (%s), want %q", a.Error, a.ErrorSource, want)
	}
	res := health(t, d)
	var details struct{ Pool PoolStats }
	if err := json.Unmarshal(res.JSONDetails, &details); err != nil {
		t.Fatalf("health details %s: %v", res.JSONDetails, err)
	}
	p := details.Pool
	if p.MaxConns != 1 || p.QueryTimeouts != 1 || p.CanceledAcquires != 1 || p.WaitedAcquires < 1 {
		t.Errorf("pool stats %+v: want maxConns 1, 1 timeout, 1 cancelled acquire, at least 1 waited acquire", p)
	}
	// and the same on the metrics endpoint Grafana scrapes
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, mf := range mfs {
		if mf.GetName() != "costlens_query_timeouts_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == "uid-of-this-test" && m.GetCounter().GetValue() == 1 {
				found = true
			}
		}
	}
	if !found {
		t.Error("costlens_query_timeouts_total for this data source is not 1 on the metrics endpoint")
	}
}
