package ingest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/costlens/costlens/pkg/ingest"
	"github.com/costlens/costlens/pkg/pricing"
	"github.com/costlens/costlens/pkg/store/storetest"
)

// tokenBook holds the public list prices the hand-worked cases use (per 1M tokens):
// OpenAI gpt-4o 2.50 in, 1.25 cached, 10.00 out, and its Batch API rates 1.25 in,
// 5.00 out; Anthropic claude-sonnet-4 3.00 in, 3.75 cache write (5-minute), 6.00 cache
// write (1-hour), 0.30 cache read, 15.00 out; and a made-up model whose reasoning is priced apart from its output.
const tokenBook = `
prices:
  - {provider: openai, model: gpt-4o, currency: USD, unit: 1m_tokens, effective_from: "2024-10-01", input: "2.50", cached_input: "1.25", output: "10.00"}
  - {provider: openai, model: gpt-4o, service_tier: batch, currency: USD, unit: 1m_tokens, effective_from: "2024-10-01", input: "1.25", output: "5.00"}
  - {provider: anthropic, model: claude-sonnet-4, currency: USD, unit: 1m_tokens, effective_from: "2025-05-22", input: "3.00", cache_write: "3.75", cache_write_1h: "6.00", cached_input: "0.30", output: "15.00"}
  - {provider: example, model: thinker, currency: USD, unit: 1m_tokens, effective_from: "2025-01-01", input: "1.00", output: "4.00", reasoning: "2.00"}
`

func loadBook(t *testing.T, ctx context.Context, db *storetest.Database, yaml string) *pricing.Book {
	t.Helper()
	rows, aliases, err := pricing.ParseFile([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pricing.Apply(ctx, db.Role, rows, aliases...); err != nil {
		t.Fatal(err)
	}
	book, err := pricing.LoadBook(ctx, db.Role)
	if err != nil {
		t.Fatal(err)
	}
	return book
}

// Each token is charged once, at its own price: cached reads are never charged as input
// too, cache writes at the cache-write price, reasoning inside output, a batch request
// at the batch rate. Stored and priced as the Grafana role.
func TestTokenSemanticsChargeEachTokenOnce(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	book := loadBook(t, ctx, db, tokenBook)

	// OpenAI reports prompt_tokens 1,000 with prompt_tokens_details.cached_tokens 800:
	// its input includes the cache, so 200 are uncached.
	openai := ingest.Event{Row: 1, Tenant: "acme", RequestID: "oa-1", TS: day("2026-11-02T10:00:00Z"), Provider: "openai", Model: "gpt-4o"}
	if e := (ingest.SourceTokens{Input: 1000, Output: 200, CacheRead: 800, InputIncludesCache: true}).Normalise(&openai); e != nil {
		t.Fatal(e)
	}
	// Anthropic reports input_tokens 50 beside cache_creation_input_tokens 2,000 and
	// cache_read_input_tokens 10,000: its input excludes the cache.
	anthropic := ingest.Event{Row: 2, Tenant: "acme", RequestID: "an-1", TS: day("2026-11-02T10:00:00Z"), Provider: "anthropic", Model: "claude-sonnet-4"}
	if e := (ingest.SourceTokens{Input: 50, Output: 500, CacheRead: 10_000, CacheWrite: 2_000}).Normalise(&anthropic); e != nil {
		t.Fatal(e)
	}
	batch := ingest.Event{Row: 3, Tenant: "acme", RequestID: "oa-batch", TS: day("2026-11-02T10:00:00Z"), Provider: "openai", Model: "gpt-4o",
		InputTokens: 1000, OutputTokens: 500, ServiceTier: "batch"}
	thinker := ingest.Event{Row: 4, Tenant: "acme", RequestID: "th-1", TS: day("2026-11-02T10:00:00Z"), Provider: "example", Model: "thinker"}
	if e := (ingest.SourceTokens{Input: 1000, Output: 3000, Reasoning: 2500}).Normalise(&thinker); e != nil {
		t.Fatal(e)
	}
	// Anthropic again, 1,000 of the 2,000 cache writes for an hour
	anthropic1h := ingest.Event{Row: 6, Tenant: "acme", RequestID: "an-1h", TS: day("2026-11-02T10:00:00Z"), Provider: "anthropic", Model: "claude-sonnet-4"}
	if e := (ingest.SourceTokens{Input: 50, Output: 500, CacheRead: 10_000, CacheWrite: 2_000, CacheWrite1h: 1_000}).Normalise(&anthropic1h); e != nil {
		t.Fatal(e)
	}
	// a flex request: the book has no flex rate for gpt-4o, so it stays unpriced
	flex := ingest.Event{Row: 5, Tenant: "acme", RequestID: "oa-flex", TS: day("2026-11-02T10:00:00Z"), Provider: "openai", Model: "gpt-4o",
		InputTokens: 1000, ServiceTier: "flex"}
	events := []ingest.Event{openai, anthropic, batch, thinker, flex, anthropic1h}
	rules := ingest.Rules{Window: ingest.WindowAt(day("2026-12-03T12:00:00Z"), 1096)}
	for i := range events {
		if e := rules.Check(&events[i]); e != nil {
			t.Fatal(e)
		}
	}
	w := ingest.NewEventWriter(ctx, db.Role, book, ingest.WriteOptions{})
	if err := w.Add(events); err != nil {
		t.Fatal(err)
	}
	if accepted, _, err := w.Close(); err != nil || accepted != 6 {
		t.Fatalf("accepted %d, %v", accepted, err)
	}
	want := map[string]string{
		// 200 × 2.50 + 800 × 1.25 + 200 × 10.00 = 500 + 1,000 + 2,000 per 1M = 0.0035
		// (charging the 800 as input too would have made it 0.0055)
		"oa-1": "200 800 0 200 0 0.0035",
		// 50 × 3.00 + 2,000 × 3.75 + 10,000 × 0.30 + 500 × 15.00
		// = 150 + 7,500 + 3,000 + 7,500 per 1M = 0.01815
		"an-1": "50 10000 2000 500 0 0.01815",
		// at the batch rate: 1,000 × 1.25 + 500 × 5.00 = 3,750 per 1M (standard: 0.0075)
		"oa-batch": "1000 0 0 500 0 0.00375",
		// 1,000 × 1.00 + 500 × 4.00 + 2,500 × 2.00 = 1,000 + 2,000 + 5,000 per 1M
		"th-1":    "1000 0 0 3000 2500 0.008",
		"oa-flex": "1000 0 0 0 0 unpriced",
		// 50 × 3.00 + 1,000 × 3.75 + 1,000 × 6.00 + 10,000 × 0.30 + 500 × 15.00
		// = 150 + 3,750 + 6,000 + 3,000 + 7,500 per 1M
		"an-1h": "50 10000 2000 500 0 0.0204",
	}
	rows, err := db.Role.Query(ctx, `SELECT request_id, concat_ws(' ', input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,
		reasoning_tokens, coalesce(trim_scale(priced_cost)::text, 'unpriced')) FROM costlens.cost_events`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for rows.Next() {
		var id, v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		got[id] = v
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: input cached cache_write output reasoning cost = %q, want %q", id, got[id], w)
		}
	}
	// the summaries carry the cache writes: the hour's tokens add up to the events'
	var summed int64
	if err := db.Role.QueryRow(ctx, `SELECT sum(input_tokens + cached_input_tokens + cache_write_tokens + output_tokens)
		FROM costlens.cost_hourly`).Scan(&summed); err != nil || summed != 200+800+200+50+10_000+2_000+500+1_500+4_000+1_000+12_550 {
		t.Errorf("hourly summary tokens %d (%v), want 32800", summed, err)
	}
}

// A source that breaks its own rule is a row error naming its field, never a guess.
func TestTokensThatContradictTheirSourceAreRowErrors(t *testing.T) {
	e := ingest.Event{Row: 7}
	err := (ingest.SourceTokens{Input: 100, CacheRead: 800, InputIncludesCache: true, InputField: "prompt_tokens"}).Normalise(&e)
	if err == nil || err.Error() != "row 7: prompt_tokens: 100 input tokens cannot include 800 cache-read and 0 cache-write tokens: this source's input is read as including them" {
		t.Errorf("got %v", err)
	}
	err = (ingest.SourceTokens{Output: 10, Reasoning: 20, OutputField: "completion_tokens"}).Normalise(&e)
	if err == nil || err.Error() != "row 7: completion_tokens: 10 output tokens cannot include 20 reasoning tokens" {
		t.Errorf("got %v", err)
	}
	rules := ingest.Rules{Window: ingest.WindowAt(day("2026-12-03T12:00:00Z"), 1096)}
	for _, c := range []struct {
		row  string
		want string
	}{
		{`{"tenant":"a","request_id":"r","ts":"2026-11-02T10:00:00Z","output_tokens":5,"reasoning_tokens":6}`,
			"row 1: reasoning_tokens: 6 is more than output_tokens 5: reasoning is counted inside output"},
		{`{"tenant":"a","request_id":"r","ts":"2026-11-02T10:00:00Z","service_tier":"Batch"}`,
			`row 1: service_tier: "Batch" is not a lower-case tier name such as batch or flex`},
		{`{"tenant":"a","request_id":"r","ts":"2026-11-02T10:00:00Z","cache_write_tokens":-1}`,
			"row 1: cache_write_tokens: must be from 0 to 1000000000, got -1"},
		{`{"tenant":"a","request_id":"r","ts":"2026-11-02T10:00:00Z","cache_write_tokens":10,"cache_write_1h_tokens":11}`,
			"row 1: cache_write_1h_tokens: 11 is more than cache_write_tokens 10: an hour's cache writes are counted inside them"},
	} {
		_, rejected, err := ingest.ParseEvents(strings.NewReader(c.row), rules)
		if err != nil || len(rejected) != 1 || rejected[0].Error() != c.want {
			t.Errorf("%s: rejected %v (%v), want %s", c.row, rejected, err, c.want)
		}
	}
	// "standard" and "default" are the standard rate, stored as ""
	events, rejected, _ := ingest.ParseEvents(strings.NewReader(`{"tenant":"a","request_id":"r","ts":"2026-11-02T10:00:00Z","service_tier":"default"}`), rules)
	if len(rejected) != 0 || len(events) != 1 || events[0].ServiceTier != "" {
		t.Errorf("default tier: %v %v", events, rejected)
	}
}

func day(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
