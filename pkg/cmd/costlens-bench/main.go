// Command costlens-bench measures the panel, page and alert queries on seeded data as
// Grafana runs them (the plugin's own query code, as the deployed non-superuser role
// with row-level security in force), beside the plain SQL a Grafana PostgreSQL panel
// would run for the same answer, in the same run, and prints one table of medians and
// ratios; then ingest throughput through the upload code as the role, as a share of a
// raw COPY of the same rows, and how soon an uploaded event shows in a query.
//
//	npm run bench -- --events 10000000          (by hand; npm run bench is 1,000,000)
//	go run ./pkg/cmd/costlens-bench --short     (CI: 100,000 events, 3 runs)
//
// It makes (or with --reuse, reuses) a database costlens_bench_<events> on the server
// at --server-url, an admin URL such as COSTLENS_TEST_DATABASE_URL. Absolute times are
// noisy on a shared machine; the ratios against plain SQL from the same run are what
// to compare. It asserts nothing: it is a measurement, not a test.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/costlens/costlens/pkg/ingest"
	"github.com/costlens/costlens/pkg/plugin"
	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/query/engine"
	"github.com/costlens/costlens/pkg/seed"
	"github.com/costlens/costlens/pkg/store"
	"github.com/costlens/costlens/pkg/store/storetest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "costlens-bench:", err)
		os.Exit(1)
	}
}

type options struct {
	serverURL string
	events    int
	runs      int
	ingest    int
	reuse     bool
	keep      bool
	rules     string
	load      int
	loadFor   time.Duration
	loadKPI   bool
}

func run() error {
	var o options
	flag.StringVar(&o.serverURL, "server-url", firstNonEmpty(os.Getenv(storetest.EnvVar), os.Getenv("COSTLENS_DATABASE_URL")),
		"admin URL of the PostgreSQL server (default $COSTLENS_TEST_DATABASE_URL, then $COSTLENS_DATABASE_URL)")
	flag.IntVar(&o.events, "events", 1_000_000, fmt.Sprintf("seeded events, %d to %d", seed.MinEvents, seed.MaxEvents))
	flag.IntVar(&o.runs, "runs", 7, "timed runs of each query (interleaved with its plain SQL); the median is shown")
	flag.IntVar(&o.ingest, "ingest", 50_000, "events uploaded to measure ingest throughput")
	flag.BoolVar(&o.reuse, "reuse", false, "reuse costlens_bench_<events> when it already holds the seed (implies --keep)")
	flag.BoolVar(&o.keep, "keep", false, "keep the database afterwards, for --reuse")
	flag.StringVar(&o.rules, "rules", filepath.Join("provisioning", "alerting", "costlens-rules.yaml"), "the provisioned alert rules to evaluate")
	flag.IntVar(&o.load, "load", 0, "instead of the table: this many concurrent dashboard users, with p50/p95/p99 and errors per panel")
	flag.DurationVar(&o.loadFor, "load-for", 30*time.Second, "how long --load runs")
	flag.BoolVar(&o.loadKPI, "load-kpi", true, "--load asks for the KPI panel too (its P99 latency reads the events)")
	short := flag.Bool("short", false, "CI's short mode: --events 100000 --runs 3 --ingest 20000")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", flag.Arg(0))
	}
	if *short {
		o.events, o.runs, o.ingest = 100_000, 3, 20_000
	}
	if o.serverURL == "" {
		return errors.New("--server-url (or COSTLENS_TEST_DATABASE_URL) is required")
	}
	if o.runs < 1 || o.ingest < 10_000 {
		return errors.New("--runs must be at least 1 and --ingest at least 10000")
	}
	ctx := context.Background()
	b, err := setUp(ctx, o)
	if b != nil {
		defer b.close()
	}
	if err != nil {
		return err
	}
	if o.load > 0 {
		err = b.load(ctx, o, os.Stdout)
	} else {
		err = b.measure(ctx, o)
	}
	if !o.keep && !o.reuse {
		b.close()
		if dropErr := dropDatabase(ctx, o); err == nil {
			err = dropErr
		}
	}
	return err
}

func benchDatabase(o options) string { return fmt.Sprintf("costlens_bench_%d", o.events) }

func dropDatabase(ctx context.Context, o options) error {
	admin, err := pgx.Connect(ctx, o.serverURL)
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+benchDatabase(o)+" WITH (FORCE)")
	return err
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// bench holds the pools: the owner's (schema, ANALYZE, and the plain-SQL baseline,
// which as the admin skips row-level security: the baseline at its fastest), the
// Grafana role's, and the role bound to one tenant.
type bench struct {
	owner, role, bound *pgxpool.Pool
	now                time.Time
}

func (b *bench) close() {
	for _, p := range []*pgxpool.Pool{b.owner, b.role, b.bound} {
		if p != nil {
			p.Close()
		}
	}
	b.owner, b.role, b.bound = nil, nil, nil
}

func setUp(ctx context.Context, o options) (*bench, error) {
	name := benchDatabase(o)
	admin, err := pgx.Connect(ctx, o.serverURL)
	if err != nil {
		return nil, err
	}
	defer admin.Close(ctx)
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return nil, err
	}
	dbURL := storetest.WithDatabase(o.serverURL, name)
	fresh := !o.reuse || !exists
	if fresh {
		for _, stmt := range []string{
			"DROP DATABASE IF EXISTS " + name + " WITH (FORCE)",
			"CREATE DATABASE " + name,
			// as the tests do: a database default zone that is neither UTC nor a whole hour off it
			"ALTER DATABASE " + name + " SET timezone TO '" + storetest.DatabaseTimeZone + "'",
		} {
			if _, err := admin.Exec(ctx, stmt); err != nil {
				return nil, err
			}
		}
		if err := storetest.ApplyInitSQL(ctx, dbURL); err != nil {
			return nil, err
		}
	}
	b := &bench{now: time.Now().UTC()}
	if b.owner, err = pgxpool.New(ctx, dbURL); err != nil {
		return nil, err
	}
	if _, err := store.Migrate(ctx, b.owner); err != nil {
		return nil, err
	}
	if b.role, err = store.OpenURL(ctx, storetest.AsRole(dbURL), "", 8); err != nil {
		return nil, err
	}
	if b.bound, err = store.OpenURL(ctx, storetest.AsRole(dbURL), "acme", 8); err != nil {
		return nil, err
	}
	if fresh || mustCount(ctx, b.owner, "SELECT count(*) FROM costlens.cost_events") < int64(o.events)/2 {
		started := time.Now()
		fmt.Fprintf(os.Stderr, "seeding %d events as %s ...\n", o.events, storetest.Role)
		cfg := seed.Config{Seed: 1, Events: o.events, Days: 90, End: b.now.Truncate(24*time.Hour).AddDate(0, 0, 1), Until: b.now, Progress: os.Stderr}
		if _, err := seed.Run(ctx, b.role, cfg); err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "seeded in %.0fs (events and their summaries)\n", time.Since(started).Seconds())
	} else {
		var last time.Time
		if err := b.owner.QueryRow(ctx, "SELECT max(ts) FROM costlens.cost_events").Scan(&last); err != nil {
			return nil, err
		}
		b.now = last.Add(time.Minute)
	}
	if _, err := b.owner.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		return nil, err
	}
	return b, nil
}

func mustCount(ctx context.Context, pool *pgxpool.Pool, sql string) int64 {
	var n int64
	_ = pool.QueryRow(ctx, sql).Scan(&n)
	return n
}

// row is one line of the table.
type row struct {
	name, rng        string
	costlens, plain  time.Duration // medians; plain 0 when there is no plain equivalent
	goal             string
	met              func(r row) bool
	costlensOnlyNote string
}

func (b *bench) measure(ctx context.Context, o options) error {
	now := b.now
	unaligned := query.Range{From: now.AddDate(0, 0, -30), To: now}
	aligned := query.Range{From: now.Truncate(time.Hour).AddDate(0, 0, -30), To: now.Truncate(time.Hour)}
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	mtd := query.Range{From: monthStart, To: now}
	last30 := [2]string{"30 days on the hour", "now-30d..now"}
	utc := query.Env{Location: time.UTC}
	acme := query.Env{Location: time.UTC, Tenant: "acme"}

	byFeature := mustQuery(`{"queryType":"cost","metric":"cost","groupBy":["feature"],"interval":"1d","currency":"USD"}`)
	topVersions := mustQuery(`{"queryType":"breakdown","metric":"cost","groupBy":["model_version"],"topN":10,"currency":"USD"}`)
	total := mustQuery(`{"queryType":"breakdown","metric":"cost","currency":"USD"}`)
	byUser := mustQuery(`{"queryType":"cost","metric":"cost","groupBy":["user"],"interval":"1d","currency":"USD"}`)
	forecastPage := mustQuery(`{"queryType":"forecast","groupBy":["feature"],"output":"table","currency":"USD"}`)
	anomalyPage := mustQuery(`{"queryType":"anomalies","groupBy":["feature"],"output":"table","interval":"1d","currency":"USD"}`)

	under := func(ms float64, ratio float64) func(r row) bool {
		return func(r row) bool {
			return float64(r.costlens)/float64(time.Millisecond) <= ms && (ratio == 0 || r.plain == 0 || float64(r.plain)/float64(r.costlens) >= ratio)
		}
	}
	var rows []row
	add := func(name, rng string, pool *pgxpool.Pool, q query.Query, r query.Range, env query.Env, plain *plainSQL, goal string, met func(row) bool) error {
		c, p, err := b.time(ctx, o.runs, pool, q, r, env, plain)
		if err != nil {
			return fmt.Errorf("%s (%s): %w", name, rng, err)
		}
		rows = append(rows, row{name: name, rng: rng, costlens: c, plain: p, goal: goal, met: met})
		return nil
	}
	alignedMTD := query.Range{From: monthStart, To: now.Truncate(time.Hour)}
	lastMonth := monthStart.AddDate(0, -1, 0)
	fifteenth := lastMonth.AddDate(0, 0, 14).Add(now.Sub(now.Truncate(24 * time.Hour)))
	midMonth := query.Range{From: lastMonth, To: fifteenth.Truncate(time.Hour)}
	midMonthNow := query.Range{From: lastMonth, To: fifteenth}
	kpi := mustQuery(`{"queryType":"kpi","currency":"USD"}`)
	cases := []struct {
		name      string
		pool      *pgxpool.Pool
		q         query.Query
		env       query.Env
		ranges    [2]query.Range // on the hour, and as Grafana sends it
		labels    [2]string
		plain     func(query.Range) *plainSQL
		goal      string
		met       func(row) bool
		unaligned bool // the goal is for the unaligned range only
	}{
		{"daily cost by feature", b.role, byFeature, utc, [2]query.Range{aligned, unaligned}, last30,
			func(r query.Range) *plainSQL { return dailyByFeature(r, "") }, "≤ 50 ms, ≥ 40×", under(50, 40), true},
		{"top 10 model versions", b.role, topVersions, utc, [2]query.Range{aligned, unaligned}, last30,
			topModelVersions, "≤ 50 ms, ≥ 40×", under(50, 40), true},
		{"month to date", b.role, total, utc, [2]query.Range{alignedMTD, mtd}, [2]string{"month start..the hour", "now/M..now"},
			monthToDate, "≤ 50 ms, ≥ 40×", under(50, 40), true},
		// early in a month the plain SQL reads a day or two: the same query as on the 15th
		{"month to date, as seen on the 15th of last month", b.role, total, utc, [2]query.Range{midMonth, midMonthNow},
			[2]string{"month start..the hour", "now/M..now"}, monthToDate, "≤ 50 ms, ≥ 40×", under(50, 40), true},
		{"one tenant's view (bound to acme), daily by feature", b.bound, byFeature, acme, [2]query.Range{aligned, unaligned}, last30,
			func(r query.Range) *plainSQL { return dailyByFeature(r, "acme") }, "≤ 50 ms, ≥ 40×", under(50, 40), true},
		{"daily cost by user", b.role, byUser, utc, [2]query.Range{aligned, unaligned}, last30,
			dailyByUser, "≤ 200 ms", under(200, 0), true},
		{"Forecast page: by feature", b.role, forecastPage, utc, [2]query.Range{aligned, unaligned}, last30, nil, "", nil, false},
		{"Anomalies page: by feature, daily", b.role, anomalyPage, utc, [2]query.Range{aligned, unaligned}, last30, nil, "", nil, false},
		{"KPIs by model version (P99 latency reads the events)", b.role, kpi, utc, [2]query.Range{aligned, unaligned}, last30, nil, "", nil, false},
	}
	for _, c := range cases {
		for i, r := range c.ranges {
			var plain *plainSQL
			if c.plain != nil {
				plain = c.plain(r)
			}
			goal, met := c.goal, c.met
			if c.unaligned && i == 0 {
				goal, met = "", nil
			}
			if err := add(c.name, c.labels[i], c.pool, c.q, r, c.env, plain, goal, met); err != nil {
				return err
			}
		}
	}
	rules, err := loadRules(o.rules)
	if err != nil {
		return err
	}
	for _, rule := range rules {
		r := query.Range{From: now.Add(-rule.lookback), To: now}
		if err := add("alert: "+rule.title, rule.rangeLabel(), b.role, rule.q, r, utc, nil, "≤ 300 ms", under(300, 0)); err != nil {
			return err
		}
	}

	// the same panel right after 10,000 new events: no refresh is waited for
	clean := rows[1].costlens // daily cost by feature, now-30d..now
	if _, err := b.upload(ctx, generate(10_000, now, 24*time.Hour, 7)); err != nil {
		return err
	}
	after, _, err := b.time(ctx, 1, b.role, byFeature, unaligned, utc, nil)
	if err != nil {
		return err
	}
	rows = append(rows, row{name: "daily cost by feature, first query after 10,000 new events", rng: "now-30d..now",
		costlens: after, goal: fmt.Sprintf("≤ 2× clean (%s)", ms(clean)), met: func(r row) bool { return r.costlens <= 2*clean }})

	printTable(os.Stdout, o, rows)
	return b.ingestReport(ctx, o, now)
}

// time runs a Costlens query (plugin.Run, as the plugin answers Grafana) and its plain
// SQL alternately, after one warm-up each, and returns the medians.
func (b *bench) time(ctx context.Context, runs int, pool *pgxpool.Pool, q query.Query, r query.Range, env query.Env, plain *plainSQL) (time.Duration, time.Duration, error) {
	var cs, ps []time.Duration
	for i := 0; i <= runs; i++ {
		t0 := time.Now()
		frames, err := plugin.Run(ctx, pool, q, r, time.Minute, env)
		if err != nil {
			return 0, 0, err
		}
		if len(frames) == 0 {
			return 0, 0, errors.New("no frames")
		}
		if i > 0 {
			cs = append(cs, time.Since(t0))
		}
		if plain != nil {
			t0 = time.Now()
			if err := drain(ctx, b.owner, plain.sql, plain.args...); err != nil {
				return 0, 0, fmt.Errorf("plain SQL: %w", err)
			}
			if i > 0 {
				ps = append(ps, time.Since(t0))
			}
		}
	}
	return median(cs), median(ps), nil
}

func drain(ctx context.Context, pool *pgxpool.Pool, sql string, args ...any) error {
	rows, err := pool.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	rows.Close()
	return rows.Err()
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func printTable(w io.Writer, o options, rows []row) {
	fmt.Fprintf(w, "\nCostlens queries at %d seeded events (medians of %d runs; plain SQL as the admin, Costlens as %s)\n\n",
		o.events, o.runs, storetest.Role)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "query\trange\tCostlens\tplain SQL\tplain ÷ Costlens\tgoal at 10M\tmet here")
	for _, r := range rows {
		ratio := "—"
		if r.plain > 0 && r.costlens > 0 {
			ratio = fmt.Sprintf("%.1f×", float64(r.plain)/float64(r.costlens))
		}
		met := "—"
		if r.met != nil {
			met = map[bool]string{true: "yes", false: "no"}[r.met(r)]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.name, r.rng, ms(r.costlens), ms(r.plain), ratio, firstNonEmpty(r.goal, "—"), met)
	}
	tw.Flush()
}

func mustQuery(js string) query.Query {
	q, err := query.Parse(json.RawMessage(js), query.Defaults{Currency: "USD"})
	if err != nil {
		panic(err)
	}
	return q
}

// alertRule is a provisioned rule's Costlens query and its relative time range.
type alertRule struct {
	title    string
	q        query.Query
	lookback time.Duration
}

func (r alertRule) rangeLabel() string { return fmt.Sprintf("now-%s..now", r.lookback) }

func loadRules(path string) ([]alertRule, error) {
	f, err := plugin.ReadRuleFile(path)
	if err != nil {
		return nil, fmt.Errorf("--rules: %w", err)
	}
	var out []alertRule
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			for _, d := range r.Data {
				if d.DatasourceUID == "__expr__" {
					continue
				}
				js, _ := json.Marshal(d.Model)
				q, err := query.Parse(js, query.Defaults{Currency: "USD"})
				if err != nil {
					return nil, fmt.Errorf("%s: %w", r.Title, err)
				}
				out = append(out, alertRule{title: r.Title, q: q, lookback: time.Duration(d.RelativeTimeRange.From) * time.Second})
			}
		}
	}
	return out, nil
}

// upload sends events through the upload code (parse, validate, price, write) as the role.
func (b *bench) upload(ctx context.Context, ndjson []byte) (ingest.Report, error) {
	rep, err := ingest.IngestEvents(ctx, b.role, bytes.NewReader(ndjson), ingest.Rules{})
	if err == nil && len(rep.Rejected) > 0 {
		err = fmt.Errorf("%d rows rejected, first: %+v", len(rep.Rejected), rep.Rejected[0])
	}
	return rep, err
}

// ingestReport measures uploads against a raw COPY of the same rows into an unindexed
// table, and the time from an upload's start to its event answering a query.
func (b *bench) ingestReport(ctx context.Context, o options, now time.Time) error {
	// as a gateway streams them (the last ten minutes), then as a backfill (a whole day)
	t0 := time.Now()
	if rep, err := b.upload(ctx, generate(o.ingest, now, 10*time.Minute, 13)); err != nil || rep.Accepted != o.ingest {
		return fmt.Errorf("%d of %d streamed events accepted: %v", rep.Accepted, o.ingest, err)
	}
	streamS := time.Since(t0).Seconds()
	body := generate(o.ingest, now, 24*time.Hour, 11)
	t0 = time.Now()
	rep, err := b.upload(ctx, body)
	if err != nil {
		return err
	}
	uploadS := time.Since(t0).Seconds()
	if rep.Accepted != o.ingest {
		return fmt.Errorf("%d of %d uploaded events accepted", rep.Accepted, o.ingest)
	}
	events, _, err := ingest.ParseEvents(bytes.NewReader(body), ingest.Rules{})
	if err != nil {
		return err
	}
	copyRows := make([][]any, len(events))
	for i, e := range events {
		copyRows[i] = []any{e.Tenant, e.RequestID, e.TS, e.Feature, e.UserID, e.Model, e.ModelVersion, e.Provider, e.Region,
			e.InputTokens, e.OutputTokens, e.CachedTokens, e.LatencyMS, "{}"}
	}
	rawColumns := []string{"tenant", "request_id", "ts", "feature", "user_id", "model", "model_version", "provider", "region",
		"input_tokens", "output_tokens", "cached_input_tokens", "latency_ms", "attributes"}
	// the baseline: COPY into an existing plain (logged, unindexed) table, as the admin
	// (a table made in the same transaction would skip the WAL and flatter the baseline)
	if _, err := b.owner.Exec(ctx, "DROP TABLE IF EXISTS public.costlens_bench_raw_copy; CREATE TABLE public.costlens_bench_raw_copy (LIKE costlens.cost_events INCLUDING DEFAULTS)"); err != nil {
		return err
	}
	t0 = time.Now()
	_, err = b.owner.CopyFrom(ctx, pgx.Identifier{"public", "costlens_bench_raw_copy"}, rawColumns, pgx.CopyFromRows(copyRows))
	copyS := time.Since(t0).Seconds()
	if err != nil {
		return fmt.Errorf("raw COPY: %w", err)
	}
	if _, err := b.owner.Exec(ctx, "DROP TABLE public.costlens_bench_raw_copy"); err != nil {
		return err
	}
	// and the ceiling for a write path with Costlens's indexes and summaries: the same
	// rows (other request ids) COPYed straight into cost_events by the admin, with no
	// parsing, validation, pricing or idempotency keys
	for i := range copyRows {
		copyRows[i][1] = "raw-" + events[i].RequestID
	}
	t0 = time.Now()
	_, err = b.owner.CopyFrom(ctx, pgx.Identifier{"costlens", "cost_events"}, rawColumns, pgx.CopyFromRows(copyRows))
	intoEventsS := time.Since(t0).Seconds()
	if err != nil {
		return fmt.Errorf("COPY into cost_events: %w", err)
	}

	// the same events as OTLP GenAI spans, in the Collector's batches, decoded from protobuf
	otlpS, err := b.otlpIngest(ctx, events)
	if err != nil {
		return err
	}
	// and as LiteLLM spend logs, read incrementally from LiteLLM's table
	litellmS, err := b.litellmIngest(ctx, events)
	if err != nil {
		return err
	}
	// and as the results of an OpenAI usage export, one per event
	exportS, err := b.exportIngest(ctx, events)
	if err != nil {
		return err
	}

	// one event, then the breakdown that should count it
	probe := fmt.Sprintf("bench-probe-%d", time.Now().UnixNano())
	line := fmt.Sprintf(`{"tenant":"acme","request_id":%q,"ts":%q,"feature":%q,"model":"gpt-4o","model_version":"gpt-4o-2024-08-06","provider":"openai","input_tokens":10}`,
		probe, now.Add(-time.Minute).Format(time.RFC3339Nano), probe)
	q := mustQuery(`{"queryType":"breakdown","metric":"requests","currency":"USD","filters":[{"dimension":"feature","operator":"=","values":["` + probe + `"]}]}`)
	t0 = time.Now()
	if _, err := b.upload(ctx, []byte(line)); err != nil {
		return err
	}
	var visible time.Duration
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		res, err := engine.Aggregate(ctx, b.role, engine.RequestOf(q), query.Range{From: now.AddDate(0, 0, -30), To: now.Add(time.Hour)}, query.Bucket{}, query.Env{Location: time.UTC}, false)
		if err != nil {
			return err
		}
		if len(res.Groups) == 1 && res.Groups[0].Total.Requests == 1 {
			visible = time.Since(t0)
			break
		}
	}
	if visible == 0 {
		return errors.New("the uploaded probe event did not show in a query within a minute")
	}
	uploadRate, copyRate := float64(o.ingest)/uploadS, float64(o.ingest)/copyS
	fmt.Printf("\nIngest of %d NDJSON events through the upload code as %s (parse, validate, price, keys, partitions, staging, summaries)\n\n", o.ingest, storetest.Role)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "measure\tvalue\tgoal\tmet here")
	streamRate := float64(o.ingest) / streamS
	fmt.Fprintf(tw, "upload, events of the last ten minutes (as streamed)\t%.0f events/s\t≥ 50,000 events/s\t%s\n", streamRate, yes(streamRate >= 50_000))
	fmt.Fprintf(tw, "upload, events spread over a day (a backfill)\t%.0f events/s\t≥ 50,000 events/s\t%s\n", uploadRate, yes(uploadRate >= 50_000))
	fmt.Fprintf(tw, "raw COPY of the same rows into an unindexed table (admin)\t%.0f events/s\t\t\n", copyRate)
	fmt.Fprintf(tw, "backfill upload as a share of raw COPY\t%.0f %%\t≥ 40 %%\t%s\n", 100*uploadRate/copyRate, yes(uploadRate/copyRate >= 0.4))
	fmt.Fprintf(tw, "COPY straight into cost_events (admin: indexes and summary trigger, nothing else)\t%.0f events/s\t\t\n", float64(o.ingest)/intoEventsS)
	fmt.Fprintf(tw, "backfill upload as a share of that\t%.0f %%\t\t\n", 100*uploadRate/(float64(o.ingest)/intoEventsS))
	otlpRate := float64(o.ingest) / otlpS
	fmt.Fprintf(tw, "the same events as OTLP GenAI spans (protobuf, %d-span exports, %d in flight: decode, map, then as the upload)\t%.0f events/s\t\t\n", otlpBatch, otlpSenders, otlpRate)
	fmt.Fprintf(tw, "OTLP as a share of raw COPY\t%.0f %%\t\t\n", 100*otlpRate/copyRate)
	litellmRate := float64(o.ingest) / litellmS
	fmt.Fprintf(tw, "the same events as LiteLLM spend logs (read from LiteLLM_SpendLogs in pages of %d, then as the upload)\t%.0f events/s\t\t\n", ingest.LiteLLMPage, litellmRate)
	fmt.Fprintf(tw, "LiteLLM as a share of raw COPY\t%.0f %%\t\t\n", 100*litellmRate/copyRate)
	exportRate := float64(o.ingest) / exportS
	fmt.Fprintf(tw, "the same events as OpenAI usage-export results (hourly buckets, one result each)\t%.0f events/s\t\t\n", exportRate)
	fmt.Fprintf(tw, "usage export as a share of raw COPY\t%.0f %%\t\t\n", 100*exportRate/copyRate)
	fmt.Fprintf(tw, "upload of one event to its first appearance in a query\t%s\t\t\n", ms(visible))
	return tw.Flush()
}

func yes(b bool) string { return map[bool]string{true: "yes", false: "no"}[b] }

var (
	benchTenants  = []string{"acme", "globex", "initech"}
	benchFeatures = []string{"chat", "search", "summarize", "code-assist", "classify", "agent"}
	benchVersions = [][3]string{{"gpt-4o", "gpt-4o-2024-08-06", "openai"}, {"gpt-4o-mini", "gpt-4o-mini-2024-07-18", "openai"},
		{"claude-3-5-sonnet", "claude-3-5-sonnet-v2", "anthropic"}, {"qwen2.5-32b", "qwen2.5-32b-v1.2-fp16", "alibaba"}}
)

// generate writes n realistic NDJSON events from the span before now.
func generate(n int, now time.Time, span time.Duration, seedValue uint64) []byte {
	rng := rand.New(rand.NewPCG(seedValue, uint64(now.UnixNano())))
	var sb strings.Builder
	for i := range n {
		t := benchTenants[rng.IntN(len(benchTenants))]
		v := benchVersions[rng.IntN(len(benchVersions))]
		fmt.Fprintf(&sb, `{"tenant":%q,"request_id":"bench-%d-%d-%d","ts":%q,"feature":%q,"user_id":"u-%s-%02d","model":%q,"model_version":%q,"provider":%q,"region":"us-east-1","input_tokens":%d,"output_tokens":%d,"cached_input_tokens":%d,"latency_ms":%d}`+"\n",
			t, seedValue, now.UnixNano(), i, now.Add(-time.Duration(rng.Int64N(int64(span)))).Format(time.RFC3339Nano),
			benchFeatures[rng.IntN(len(benchFeatures))], t, 1+rng.IntN(8), v[0], v[1], v[2],
			200+rng.IntN(4000), rng.IntN(800), rng.IntN(500), 100+rng.IntN(3000))
	}
	return []byte(sb.String())
}
