package main

import (
	"context"
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
