package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"sort"
	"strconv"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/costlens/costlens/pkg/plugin"
	"github.com/costlens/costlens/pkg/store/storetest"
)

// loadPanel is one panel a dashboard user's browser asks for, as Grafana sends it.
type loadPanel struct {
	name        string
	json        string
	lookback    time.Duration // the range is now-lookback..now, now moving as the run goes
	monthToDate bool
}

// loadPanels are the Cost overview dashboard's kinds of panels: a graph by feature,
// the top model versions, month to date, a graph by user and the KPI table.
var loadPanels = []loadPanel{
	{name: "daily cost by feature", json: `{"queryType":"cost","metric":"cost","groupBy":["feature"],"interval":"1d","currency":"USD"}`, lookback: 30 * 24 * time.Hour},
	{name: "top 10 model versions", json: `{"queryType":"breakdown","metric":"cost","groupBy":["model_version"],"topN":10,"currency":"USD"}`, lookback: 30 * 24 * time.Hour},
	{name: "month to date", json: `{"queryType":"breakdown","metric":"cost","currency":"USD"}`, monthToDate: true},
	{name: "daily cost by user", json: `{"queryType":"cost","metric":"cost","groupBy":["user"],"interval":"1d","currency":"USD"}`, lookback: 30 * 24 * time.Hour},
	{name: "hourly tokens by model, last 24 h", json: `{"queryType":"cost","metric":"input_tokens","groupBy":["model"],"interval":"1h","currency":"USD"}`, lookback: 24 * time.Hour},
	{name: "KPIs by model version", json: `{"queryType":"kpi","currency":"USD"}`, lookback: 7 * 24 * time.Hour},
}

type sample struct {
	panel int
	took  time.Duration
	err   string
}

// load runs users concurrent dashboard users against one data source instance, set
// up as deployed (the Grafana role, its default pool of 8 connections and query
// timeout), for the given time; each user asks for the panels one after another, with
// no pause, each with the range Grafana would send at that moment.
func (b *bench) load(ctx context.Context, o options, w io.Writer) error {
	u, err := url.Parse(storetest.AsRole(storetest.WithDatabase(o.serverURL, benchDatabase(o))))
	if err != nil {
		return err
	}
	port, _ := strconv.Atoi(u.Port())
	pw, _ := u.User.Password()
	jd, _ := json.Marshal(map[string]any{"host": u.Hostname(), "port": port, "database": u.Path[1:], "user": u.User.Username(), "sslMode": "disable"})
	inst, err := plugin.NewDatasource(ctx, backend.DataSourceInstanceSettings{UID: "costlens-load", JSONData: jd,
		DecryptedSecureJSONData: map[string]string{"password": pw}})
	if err != nil {
		return err
	}
	d := inst.(*plugin.Datasource)
	defer d.Dispose()

	panels := loadPanels
	if !o.loadKPI {
		panels = panels[:len(panels)-1]
	}
	started := time.Now()
	deadline := started.Add(o.loadFor)
	samples := make(chan sample, 1024)
	var wg sync.WaitGroup
	for user := range o.load {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := user; time.Now().Before(deadline); i++ { // users start at different panels
				p := i % len(panels)
				now := b.now.Add(time.Since(started))
				from := now.Add(-loadPanels[p].lookback)
				if loadPanels[p].monthToDate {
					from = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
				}
				t0 := time.Now()
				resp, err := d.QueryData(ctx, &backend.QueryDataRequest{Queries: []backend.DataQuery{{RefID: "A",
					JSON: json.RawMessage(loadPanels[p].json), TimeRange: backend.TimeRange{From: from, To: now},
					Interval: time.Hour, MaxDataPoints: 1000}}})
				s := sample{panel: p, took: time.Since(t0)}
				if err != nil {
					s.err = err.Error()
				} else if e := resp.Responses["A"].Error; e != nil {
					s.err = e.Error()
				}
				samples <- s
			}
		}()
	}
	go func() { wg.Wait(); close(samples) }()
	byPanel := make([][]time.Duration, len(panels))
	var all []time.Duration
	errs := make([]int, len(panels))
	firstErr := map[int]string{}
	for s := range samples {
		byPanel[s.panel] = append(byPanel[s.panel], s.took)
		all = append(all, s.took)
		if s.err != "" {
			errs[s.panel]++
			if _, seen := firstErr[s.panel]; !seen {
				firstErr[s.panel] = s.err
			}
		}
	}
	elapsed := time.Since(started)
	health, _ := d.CheckHealth(ctx, &backend.CheckHealthRequest{})

	fmt.Fprintf(w, "\nLoad: %d concurrent users for %s on %d seeded events, one data source as %s (pool of 8, query timeout 30 s)\n\n",
		o.load, o.loadFor, o.events, storetest.Role)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "panel\trange\trequests\terrors\tp50\tp95\tp99\tmax")
	totalErrs := 0
	for i, p := range panels {
		rng := "now-" + shortDuration(p.lookback) + "..now"
		if p.monthToDate {
			rng = "now/M..now"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", p.name, rng, len(byPanel[i]), errs[i], quantiles(byPanel[i]))
		totalErrs += errs[i]
	}
	fmt.Fprintf(tw, "all panels\t\t%d\t%d\t%s\n", len(all), totalErrs, quantiles(all))
	tw.Flush()
	fmt.Fprintf(w, "\n%.1f requests/s; goal: p95 ≤ 1 s at 50 users on 10M events, 0 errors\n", float64(len(all))/elapsed.Seconds())
	if health != nil && len(health.JSONDetails) > 0 {
		fmt.Fprintf(w, "pool afterwards (health check details): %s\n", health.JSONDetails)
	}
	for p, e := range firstErr {
		fmt.Fprintf(os.Stderr, "%s: first error: %s\n", loadPanels[p].name, e)
	}
	return nil
}

func quantiles(ds []time.Duration) string {
	if len(ds) == 0 {
		return "—\t—\t—\t—"
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	q := func(p float64) string { return ms(ds[min(len(ds)-1, int(p*float64(len(ds))))]) }
	return fmt.Sprintf("%s\t%s\t%s\t%s", q(0.50), q(0.95), q(0.99), ms(ds[len(ds)-1]))
}

func shortDuration(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return fmt.Sprintf("%dh", d/time.Hour)
}
