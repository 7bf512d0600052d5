package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

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
