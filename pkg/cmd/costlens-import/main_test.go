package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/costlens/costlens/pkg/ingest"
	"github.com/costlens/costlens/pkg/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// As the Grafana role: the good rows land, and a file with a rejected row ends with
// rejectedRows (exit 2) rather than success.
func TestImportWithRejectedRowsDoesNotSucceed(t *testing.T) {
	db := storetest.New(t)
	file := filepath.Join(t.TempDir(), "events.ndjson")
	body := `{"tenant":"acme","request_id":"a1","ts":"2026-03-02T10:00:00Z","model":"gpt-4o","input_tokens":10}
{"tenant":"acme","request_id":"a2","ts":"not a time"}
`
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run([]string{"events", file, "--database-url", db.URL})
	var rejected rejectedRows
	if !errors.As(err, &rejected) || rejected != 1 {
		t.Fatalf("import: %v, want 1 rows rejected", err)
	}
	var n int
	if err := db.Role.QueryRow(context.Background(), "SELECT count(*) FROM costlens.cost_events").Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d events stored (%v), want 1", n, err)
	}
	// the same file again: nothing new, the bad row still reported
	if err := run([]string{"events", file, "--database-url", db.URL}); !errors.As(err, &rejected) {
		t.Fatalf("second import: %v", err)
	}
}

// The ECB publishes its rates zipped: the importer reads the archive's one CSV file.
func TestImportTheECBZipAsPublished(t *testing.T) {
	db := storetest.New(t)
	daily, err := os.ReadFile("../../ingest/testdata/ecb/eurofxref-2021-06-03.csv")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "eurofxref.zip")
	out, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	w, _ := zw.Create("eurofxref.csv")
	_, _ = w.Write(daily)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	if err := run([]string{"fx", file, "--database-url", db.URL}); err != nil {
		t.Fatal(err)
	}
	var n int
	var usd string
	err = db.Role.QueryRow(context.Background(), `SELECT count(*), max(rate::text) FILTER (WHERE quote = 'USD')
		FROM costlens.fx_rates WHERE base = 'EUR' AND rate_date = '2021-06-03' AND source = 'ECB'`).Scan(&n, &usd)
	if err != nil || n != 31 || usd != "1.2187" {
		t.Fatalf("%d rates, EUR/USD %s (%v); want 31 and 1.2187", n, usd, err)
	}
}

// A Collector file exporter's output (OTLP/JSON lines, gzipped): every export line is
// read, a broken line is one rejected row, and the spans land once however often the
// file is imported.
func TestImportOTLPJSONLines(t *testing.T) {
	db := storetest.New(t)
	raw, err := os.ReadFile("../../plugin/testdata/otlp/collector-export.json")
	if err != nil {
		t.Fatal(err)
	}
	var export bytes.Buffer
	if err := json.Compact(&export, raw); err != nil {
		t.Fatal(err)
	}
	// the same export twice (a collector restarted mid-batch sends it again) and a torn line
	lines := export.String() + "\n" + export.String() + "\n" + `{"resourceSpans":[{"scopeSpans":[` + "\n"
	file := filepath.Join(t.TempDir(), "traces.jsonl.gz")
	out, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(out)
	_, _ = zw.Write([]byte(lines))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	// the span naming tenant globex goes to globex: this import is not bound to a tenant
	err = run([]string{"otlp", file, "--database-url", db.URL, "--user-attributes", "app.user,enduser.id"})
	var rejected rejectedRows
	if !errors.As(err, &rejected) || rejected != 1 {
		t.Fatalf("import: %v, want 1 row rejected (the torn line)", err)
	}
	var n, users int
	var tokens string
	if err := db.Role.QueryRow(context.Background(), `SELECT count(*), count(*) FILTER (WHERE user_id = 'u-7'),
		sum(input_tokens)::text || ' ' || sum(cached_input_tokens) || ' ' || sum(output_tokens) || ' ' || sum(reasoning_tokens)
		FROM costlens.cost_events`).Scan(&n, &users, &tokens); err != nil || n != 3 || users != 2 || tokens != "250 1000 312 120" {
		t.Fatalf("%d events, %d of u-7, tokens %s (%v); want 3, 2 and 250 1000 312 120", n, users, tokens, err)
	}
}

// litellmBook: gpt-4o at 2.50 in, 1.25 cached, 10.00 out and claude-sonnet-4 at 3.00 in,
// 3.75 cache write, 0.30 cache read, 15.00 out (USD per 1M tokens, list prices).
const litellmBook = `
prices:
  - {provider: openai, model: gpt-4o, currency: USD, unit: 1m_tokens, effective_from: "2024-10-01", input: "2.50", cached_input: "1.25", output: "10.00"}
  - {provider: anthropic, model: claude-sonnet-4, currency: USD, unit: 1m_tokens, effective_from: "2025-05-22", input: "3.00", cache_write: "3.75", cached_input: "0.30", output: "15.00"}
`

// spendLog is one LiteLLM_SpendLogs row as the proxy writes it.
const spendLog = `INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, spend, total_tokens, prompt_tokens, completion_tokens,
	"startTime", "endTime", request_duration_ms, model, model_group, custom_llm_provider, "user", metadata, cache_hit, request_tags, team_id, end_user, status)
	VALUES ($1, 'acompletion', 'hashed-key-1', $2::float8, $3::int + $4::int, $3, $4, $5::timestamp, $5::timestamp + interval '1.2 seconds', 1200, $6, $7, $8, 'u-internal',
	$9::jsonb, $10, $11::jsonb, $12, $13, 'success')`

// LiteLLM's own table in PostgreSQL, read incrementally from cron as the Grafana role:
// the money to the cent, cached tokens charged once, LiteLLM's spend beside it, a
// response LiteLLM served from its cache free, a late row picked up by the overlap, and
// nothing stored twice however often it runs.
func TestImportLiteLLMSpendLogsFromItsDatabase(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	// LiteLLM's database: here the test database's public schema, owned by its owner
	storetest.Exec(t, db.Owner, ingest.LiteLLMTableDDL)
	book := filepath.Join(t.TempDir(), "book.yaml")
	if err := os.WriteFile(book, []byte(litellmBook), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"prices", book, "--database-url", db.URL}); err != nil {
		t.Fatal(err)
	}
	add := func(id, spend string, prompt, completion int, start, model, group, provider, metadata, cacheHit, tags string, team, endUser any) {
		t.Helper()
		storetest.Exec(t, db.Owner, spendLog, id, spend, prompt, completion, start, model, group, provider, metadata, cacheHit, tags, team, endUser)
	}
	acme := `{"user_api_key_team_alias": "acme", "user_api_key_alias": "support-key", `
	add("chatcmpl-1", "0.0035", 1000, 200, "2026-11-02 10:00:00.000", "gpt-4o", "gpt-4o", "openai",
		acme+`"usage_object": {"prompt_tokens": 1000, "completion_tokens": 200, "prompt_tokens_details": {"cached_tokens": 800}}}`,
		"False", `["feature:support-bot", "prod"]`, "team-uuid-1", "cust-9")
	add("msg_2", "0.01815", 12050, 500, "2026-11-02 10:00:01.000", "claude-sonnet-4", "claude", "anthropic",
		acme+`"usage_object": {"prompt_tokens": 12050, "completion_tokens": 500, "cache_read_input_tokens": 10000, "cache_creation_input_tokens": 2000}}`,
		"False", `[]`, "team-uuid-1", nil)
	add("chatcmpl-3", "0.0", 1000, 200, "2026-11-02 10:00:02.000", "gpt-4o", "gpt-4o", "openai", acme+`"usage_object": null}`,
		"True", `["feature:support-bot"]`, "team-uuid-1", "cust-9")
	add("chatcmpl-4", "0.00225", 500, 100, "2026-11-02 10:00:03.000", "gpt-4o", "gpt-4o", "openai", `{}`, "False", `[]`, nil, nil)

	litellmURL := db.OwnerURL
	var rejected rejectedRows
	if err := run([]string{"litellm", litellmURL, "--database-url", db.URL}); !errors.As(err, &rejected) || rejected != 1 {
		t.Fatalf("first run: %v, want 1 row rejected (chatcmpl-4 has no team)", err)
	}
	type stored struct{ tenant, feature, user, tokens, priced, reported string }
	read := func() map[string]stored {
		rows, err := db.Role.Query(ctx, `SELECT request_id, tenant, feature, user_id,
			concat_ws(' ', input_tokens, cached_input_tokens, cache_write_tokens, output_tokens),
			coalesce(trim_scale(priced_cost)::text, 'unpriced'), trim_scale(reported_cost)::text || ' ' || reported_currency
			FROM costlens.cost_events`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]stored{}
		for rows.Next() {
			var id string
			var s stored
			if err := rows.Scan(&id, &s.tenant, &s.feature, &s.user, &s.tokens, &s.priced, &s.reported); err != nil {
				t.Fatal(err)
			}
			out[id] = s
		}
		return out
	}
	want := map[string]stored{
		// 200 × 2.50 + 800 × 1.25 + 200 × 10.00 per 1M: the 800 cached tokens once
		"chatcmpl-1": {"acme", "support-bot", "cust-9", "200 800 0 200", "0.0035", "0.0035 USD"},
		// 50 × 3.00 + 2,000 × 3.75 + 10,000 × 0.30 + 500 × 15.00 per 1M; no tag: the key alias
		"msg_2": {"acme", "support-key", "u-internal", "50 10000 2000 500", "0.01815", "0.01815 USD"},
		// served from LiteLLM's cache: no provider call, no tokens, nothing to pay
		"chatcmpl-3": {"acme", "support-bot", "cust-9", "0 0 0 0", "0", "0 USD"},
	}
	got := read()
	if len(got) != len(want) {
		t.Errorf("stored %v", got)
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: %+v, want %+v", id, got[id], w)
		}
	}
	// LiteLLM wrote a row late (its batch flush), dated before the cursor, and a new one
	add("chatcmpl-5", "0.0025", 2000, 0, "2026-11-02 09:59:00.000", "gpt-4o", "gpt-4o", "openai",
		acme+`"usage_object": {"prompt_tokens_details": {"cached_tokens": 2000}}}`, "False", `[]`, "team-uuid-1", nil)
	add("chatcmpl-6", "0.00225", 500, 100, "2026-11-02 10:05:00.000", "gpt-4o", "gpt-4o", "openai", acme+`"usage_object": {}}`,
		"False", `["feature:search"]`, "team-uuid-1", nil)
	if err := run([]string{"litellm", litellmURL, "--database-url", db.URL}); !errors.As(err, &rejected) || rejected != 1 {
		t.Fatalf("second run: %v", err)
	}
	got = read()
	if len(got) != 5 || got["chatcmpl-5"].priced != "0.0025" || got["chatcmpl-6"].priced != "0.00225" || got["chatcmpl-6"].feature != "search" {
		t.Errorf("after the second run: %v", got)
	}
	// with no overlap, a third run reads only what is after the cursor: nothing
	if err := run([]string{"litellm", litellmURL, "--database-url", db.URL, "--overlap", "0"}); err != nil {
		t.Fatalf("third run: %v", err)
	}
	var keys int
	if err := db.Role.QueryRow(ctx, "SELECT count(*) FROM costlens.event_keys").Scan(&keys); err != nil || keys != 5 {
		t.Errorf("%d event keys (%v), want 5", keys, err)
	}
	var n int
	var priced, spend string
	if err := db.Role.QueryRow(ctx, `SELECT count(*), sum(priced_cost)::text, sum(reported_cost)::text FROM costlens.cost_events`).Scan(&n, &priced, &spend); err != nil ||
		n != 5 || priced != "0.0264000000000000" || spend != "0.02640" {
		// 0.0035 + 0.01815 + 0 + 0.0025 (2,000 cached × 1.25) + 0.00225 (500 × 2.50 + 100 × 10.00)
		t.Errorf("%d events, priced %s, LiteLLM's spend %s (%v); want 5, 0.0264 and 0.0264", n, priced, spend, err)
	}
	var cursor string
	if err := db.Role.QueryRow(ctx, `SELECT position_ts AT TIME ZONE 'UTC' || ' ' || position_id FROM costlens.import_cursors WHERE name = 'litellm'`).Scan(&cursor); err != nil ||
		cursor != "2026-11-02 10:05:00 chatcmpl-6" {
		t.Errorf("cursor %q (%v)", cursor, err)
	}

	// the same table exported (psql's \copy … CSV HEADER) into a fresh database: the same money
	var csvExport bytes.Buffer
	conn, err := db.Owner.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Conn().PgConn().CopyTo(ctx, &csvExport, `COPY (SELECT * FROM "LiteLLM_SpendLogs" WHERE team_id IS NOT NULL ORDER BY "startTime") TO STDOUT WITH (FORMAT csv, HEADER)`)
	conn.Release()
	if err != nil {
		t.Fatal(err)
	}
	other := storetest.New(t)
	file := filepath.Join(t.TempDir(), "spend-logs.csv")
	if err := os.WriteFile(file, csvExport.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"prices", book, "--database-url", other.URL}); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"litellm", file, "--database-url", other.URL}); err != nil {
		t.Fatalf("CSV export: %v", err)
	}
	if err := other.Role.QueryRow(ctx, `SELECT count(*), sum(priced_cost)::text FROM costlens.cost_events`).Scan(&n, &priced); err != nil ||
		n != 5 || priced != "0.0264000000000000" {
		t.Errorf("from the CSV export: %d events, priced %s (%v)", n, priced, err)
	}
}

// exportBook: gpt-4o 2.50 in, 1.25 cached, 10.00 out, batch 1.25 in, 5.00 out, snapshots
// through an alias; claude-sonnet-4 3.00 in, 3.75 cache write, 0.30 cache read, 15.00
// out, batch 1.50 in, 7.50 out, and 6.00 in, 22.50 out for prompts over 200K tokens.
const exportBook = `
prices:
  - {provider: openai, model: gpt-4o, currency: USD, unit: 1m_tokens, effective_from: "2024-10-01", input: "2.50", cached_input: "1.25", output: "10.00"}
  - {provider: openai, model: gpt-4o, service_tier: batch, currency: USD, unit: 1m_tokens, effective_from: "2024-10-01", input: "1.25", output: "5.00"}
  - provider: anthropic
    model: claude-sonnet-4
    currency: USD
    unit: 1m_tokens
    effective_from: "2025-05-22"
    input: "3.00"
    cache_write: "3.75"
    cached_input: "0.30"
    output: "15.00"
    tiers: [{min_context_tokens: 200001, input: "6.00", output: "22.50"}]
  - {provider: anthropic, model: claude-sonnet-4, service_tier: batch, currency: USD, unit: 1m_tokens, effective_from: "2025-05-22", input: "1.50", output: "7.50"}
model_aliases:
  - {provider: openai, model: "gpt-4o-20*", pattern: true, price_as: gpt-4o}
`

// The providers' own usage and cost exports, as the Grafana role: each usage bucket
// priced to the cent (cached tokens once, batch at the batch rate, a day's bucket of
// small requests at the base context tier), requests counted as the provider counts
// them, the provider's billed amounts beside as reported cost, and a re-import adding
// nothing.
func TestImportProviderExports(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	book := filepath.Join(t.TempDir(), "book.yaml")
	if err := os.WriteFile(book, []byte(exportBook), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"prices", book, "--database-url", db.URL}); err != nil {
		t.Fatal(err)
	}
	dir := "../../ingest/testdata/providers/"
	for _, c := range [][]string{
		{"openai", dir + "openai-usage-completions.json", "--tenant", "acme"},
		{"openai", dir + "openai-costs.json", "--tenant", "acme"},
		{"anthropic", dir + "anthropic-usage-report.json"},
		{"anthropic", dir + "anthropic-cost-report.json"},
	} {
		for range 2 { // the second import of each adds nothing
			if err := run(append(c, "--database-url", db.URL)); err != nil {
				t.Fatalf("%v: %v", c, err)
			}
		}
	}
	rows, err := db.Role.Query(ctx, `SELECT provider, tenant, feature, model, service_tier, request_count,
		concat_ws(' ', input_tokens, cached_input_tokens, cache_write_tokens, output_tokens),
		coalesce(trim_scale(priced_cost)::text, '-'), coalesce(trim_scale(reported_cost)::text, '-')
		FROM costlens.cost_events ORDER BY provider, ts, request_count DESC, priced_cost NULLS LAST, reported_cost`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var provider, tenant, feature, model, tier, tokens, priced, reported string
		var requests int64
		if err := rows.Scan(&provider, &tenant, &feature, &model, &tier, &requests, &tokens, &priced, &reported); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %s/%s %s [%s] %d req, tokens %s, priced %s, reported %s", provider, tenant, feature, model, tier, requests, tokens, priced, reported))
	}
	want := []string{
		// 50 × 3.00 + 2,000 × 3.75 + 10,000 × 0.30 + 500 × 15.00 per 1M
		"anthropic wrkspc_research/ claude-sonnet-4 [] 0 req, tokens 50 10000 2000 500, priced 0.01815, reported -",
		// a day of requests under 200K each: the base tier, 400,000 × 3.00 + 10,000 × 15.00 per 1M
		// (its 400K sum would have picked the long-context tier: 2.625)
		"anthropic default/ claude-sonnet-4 [] 0 req, tokens 400000 0 0 10000, priced 1.35, reported -",
		// 200K-1M window: 300,000 × 6.00 + 1,000 × 22.50 per 1M
		"anthropic default/ claude-sonnet-4 [] 0 req, tokens 300000 0 0 1000, priced 1.8225, reported -",
		// batch: 1,000,000 × 1.50 + 100,000 × 7.50 per 1M
		"anthropic wrkspc_research/ claude-sonnet-4 [batch] 0 req, tokens 1000000 0 0 100000, priced 2.25, reported -",
		// the cost report: "1.815" cents and "225" cents
		"anthropic wrkspc_research/ claude-sonnet-4 [] 0 req, tokens 0 0 0 0, priced -, reported 0.01815",
		"anthropic wrkspc_research/ claude-sonnet-4 [batch] 0 req, tokens 0 0 0 0, priced -, reported 2.25",
		// batch: 1,000,000 × 1.25 + 200,000 × 5.00 per 1M
		"openai acme/proj_support gpt-4o-2024-08-06 [batch] 120 req, tokens 1000000 0 0 200000, priced 2.25, reported -",
		// 1,000 input of which 800 cached: 200 × 2.50 + 800 × 1.25 + 500 × 10.00 per 1M
		"openai acme/proj_support gpt-4o-2024-08-06 [] 5 req, tokens 200 800 0 500, priced 0.0065, reported -",
		"openai acme/proj_search gpt-4o-mini-2024-07-18 [] 3 req, tokens 3000 0 0 90, priced -, reported -",
		"openai acme/proj_support gpt-4o-2024-08-06 [] 0 req, tokens 0 0 0 0, priced -, reported 2.2565",
		"openai acme/proj_support gpt-4o-2024-08-06 [] 0 req, tokens 0 0 0 0, priced -, reported 0.5",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("stored:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// the cost query counts the provider's requests, not the rows
	var requests int64
	var unpriced int64
	if err := db.Role.QueryRow(ctx, `SELECT sum(requests), sum(requests) FILTER (WHERE price_currency IS NULL) FROM costlens.cost_daily WHERE provider = 'openai'`).Scan(&requests, &unpriced); err != nil ||
		requests != 128 || unpriced != 3 {
		t.Errorf("daily summary: %d requests, %d unpriced (%v); want 128 and 3 (gpt-4o-mini)", requests, unpriced, err)
	}
}
