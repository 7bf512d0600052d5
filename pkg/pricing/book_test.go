package pricing_test

import (
	"context"
	"fmt"
	"github.com/shopspring/decimal"
	"strings"
	"testing"
	"time"

	"github.com/costlens/costlens/pkg/pricing"
	"github.com/costlens/costlens/pkg/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const book = `
prices:
  - provider: openai
    model: gpt-4o
    currency: USD
    unit: 1m_tokens
    effective_from: 2026-01-01
    source: example
    input: 2.50
    output: 10.00
    cached_input: 1.25
  - provider: google
    model: gemini-1.5-pro
    currency: USD
    unit: 1m_tokens
    effective_from: 2026-01-01
    input: 1.25
    output: 5.00
    tiers:
      - min_context_tokens: 128001
        input: 2.50
        output: 10.00
  - provider: selfhost
    model: "llama-*"
    pattern: true
    currency: CNY
    unit: 1k_tokens
    effective_from: 2026-01-01
    input: 0.004
    output: 0.012
    request: 0.001
`

var feb = time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)

func mustBook(t *testing.T) *pricing.Book {
	rows, err := pricing.ParseYAML([]byte(book))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 10 {
		t.Fatalf("%d rows, want 10 (3 + 2 + 2 tier + 3)", len(rows))
	}
	return pricing.NewBook(rows)
}

func assertPrice(t *testing.T, b *pricing.Book, what, provider, model string, ts time.Time, in, out, cached int64, want string) {
	t.Helper()
	p, ok := b.PriceFor(provider, model, ts, pricing.Usage{Input: in, Output: out, Cached: cached})
	if want == "unpriced" {
		if ok {
			t.Errorf("%s: priced at %s %s, want unpriced", what, p.Cost, p.Currency)
		}
		return
	}
	if !ok || p.Cost.String()+" "+p.Currency != want {
		t.Errorf("%s: %s %s (%v), want %s", what, p.Cost, p.Currency, ok, want)
	}
}

func TestPriceFor(t *testing.T) {
	b := mustBook(t)
	// 1000 × 2.50/1M + 500 × 10/1M + 2000 × 1.25/1M
	assertPrice(t, b, "cached tokens", "openai", "gpt-4o", feb, 1000, 500, 2000, "0.01 USD")
	// prompt of exactly 128,000 tokens stays in the base tier: 128000 × 1.25/1M + 1000 × 5/1M
	assertPrice(t, b, "tier boundary, below", "google", "gemini-1.5-pro", feb, 128000, 1000, 0, "0.165 USD")
	// one more token moves the whole request to the higher tier: 128001 × 2.5/1M + 1000 × 10/1M
	assertPrice(t, b, "tier boundary, above", "google", "gemini-1.5-pro", feb, 128001, 1000, 0, "0.3300025 USD")
	// pattern, per 1K, plus a per-request price: 0.004 + 500 × 0.012/1000 + 0.001
	assertPrice(t, b, "pattern", "selfhost", "llama-3-70b-instruct", feb, 1000, 500, 0, "0.011 CNY")
	assertPrice(t, b, "unknown model", "openai", "gpt-5-preview", feb, 10, 10, 0, "unpriced")
	assertPrice(t, b, "cached tokens with no cached price", "google", "gemini-1.5-pro", feb, 10, 10, 10, "unpriced")
	assertPrice(t, b, "before the price existed", "openai", "gpt-4o", time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC), 10, 10, 0, "unpriced")
}

func TestPricedByGPUSeconds(t *testing.T) {
	rows, err := pricing.ParseYAML([]byte(`prices:
  - provider: alibaba
    model: qwen2.5-32b
    currency: CNY
    unit: 1m_tokens
    effective_from: 2026-01-01
    gpu_second: 0.0055
  - provider: selfhost
    model: llama-3-70b
    currency: USD
    unit: 1m_tokens
    effective_from: 2026-01-01
    request: 0.0001
    gpu_second: 0.00122
`))
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].Unit != "second" || rows[0].UsageType != "gpu_second" {
		t.Fatalf("row %+v", rows[0])
	}
	b := pricing.NewBook(rows)
	gs := func(s string) *decimal.Decimal { d := decimal.RequireFromString(s); return &d }
	feb := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		what, provider, model string
		u                     pricing.Usage
		want                  string
	}{
		// 2.5 GPU-s × 0.0055; the tokens carry no price of their own and need none
		{"GPU time only", "alibaba", "qwen2.5-32b", pricing.Usage{Input: 4000, Output: 800, GPUSeconds: gs("2.5")}, "0.01375 CNY"},
		{"no GPU time reported", "alibaba", "qwen2.5-32b", pricing.Usage{Input: 4000, Output: 800}, "unpriced"},
		// 0.0001 + 10 × 0.00122
		{"per request plus GPU time", "selfhost", "llama-3-70b", pricing.Usage{Input: 10, GPUSeconds: gs("10")}, "0.0123 USD"},
		// the request price alone still prices it when no GPU time is reported
		{"per request, no GPU time", "selfhost", "llama-3-70b", pricing.Usage{Input: 10}, "0.0001 USD"},
	}
	for _, c := range cases {
		p, ok := b.PriceFor(c.provider, c.model, feb, c.u)
		got := "unpriced"
		if ok {
			got = p.Cost.String() + " " + p.Currency
		}
		if got != c.want {
			t.Errorf("%s: %s, want %s", c.what, got, c.want)
		}
	}
}

func TestParseYAMLNamesTheBadEntry(t *testing.T) {
	cases := map[string]string{
		"prices:\n  - provider: a\n    model: m\n    currency: usd\n    unit: 1m_tokens\n    effective_from: 2026-01-01\n":            `prices[0] (a m): currency "usd" is not an upper-case ISO-4217 code`,
		"prices:\n  - provider: a\n    model: m\n    currency: USD\n    unit: per_token\n    effective_from: 2026-01-01\n":            `prices[0] (a m): unit "per_token" is not token, 1k_tokens, 1m_tokens or request`,
		"prices:\n  - provider: a\n    model: m\n    currency: USD\n    unit: token\n    effective_from: soon\n":                      `prices[0] (a m): effective_from "soon" is not YYYY-MM-DD or an RFC 3339 time`,
		"prices:\n  - provider: a\n    model: m\n    currency: USD\n    unit: token\n    effective_from: 2026-01-01\n    input: -1\n": `prices[0] (a m): input "-1" is not a decimal from 0 to 1000000`,
		"prices:\n  - provider: a\n    model: m\n    colour: red\n":                                                                   "price book: yaml: unmarshal errors:\n  line 4: field colour not found in type pricing.yamlPrice",
	}
	for doc, want := range cases {
		if _, err := pricing.ParseYAML([]byte(doc)); err == nil || err.Error() != want {
			t.Errorf("got %v\nwant %s", err, want)
		}
	}
}

func TestApplyKeepsHistoryAndPricesByTime(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	ctx := context.Background()
	rows, _ := pricing.ParseYAML([]byte(book))
	if res, err := pricing.Apply(ctx, pool, rows); err != nil || fmt.Sprint(res) != fmt.Sprint(pricing.ApplyResult{Added: 10}) {
		t.Fatalf("first load %+v %v", res, err)
	}
	if res, err := pricing.Apply(ctx, pool, rows); err != nil || fmt.Sprint(res) != fmt.Sprint(pricing.ApplyResult{Unchanged: 10}) {
		t.Fatalf("same file again %+v %v", res, err)
	}
	// gpt-4o input drops to 2.00 at noon on 2 March
	changed := strings.Replace(strings.Replace(book, "input: 2.50\n    output: 10.00\n    cached_input", "input: 2.00\n    output: 10.00\n    cached_input", 1),
		"effective_from: 2026-01-01\n    source: example", "effective_from: 2026-03-02T12:00:00Z\n    source: example", 1)
	rows2, err := pricing.ParseYAML([]byte(changed))
	if err != nil {
		t.Fatal(err)
	}
	res, err := pricing.Apply(ctx, pool, rows2)
	if err != nil || fmt.Sprint(res) != fmt.Sprint(pricing.ApplyResult{Changed: 1, Unchanged: 9}) {
		t.Fatalf("changed price %+v %v", res, err)
	}
	b, err := pricing.LoadBook(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	assertPrice(t, b, "a second before noon", "openai", "gpt-4o", time.Date(2026, 3, 2, 11, 59, 59, 0, time.UTC), 1000, 0, 0, "0.0025 USD")
	assertPrice(t, b, "at noon", "openai", "gpt-4o", time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC), 1000, 0, 0, "0.002 USD")
	var history int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM costlens.price_book WHERE model = 'gpt-4o' AND usage_type = 'input'").Scan(&history); err != nil || history != 2 {
		t.Errorf("gpt-4o input rows %d, want 2 (old closed, new open)", history)
	}

	backdated := strings.Replace(changed, "input: 2.00", "input: 1.00", 1)
	backdated = strings.Replace(backdated, "2026-03-02T12:00:00Z", "2026-02-01", 1)
	rows3, _ := pricing.ParseYAML([]byte(backdated))
	if _, err := pricing.Apply(ctx, pool, rows3); err == nil || err.Error() != "price book: openai gpt-4o input changes on 2026-02-01, not after the price in force since 2026-03-02: give the new price a later effective_from" {
		t.Errorf("backdated change: %v", err)
	}
}

// A file that keeps a model's old price beside its new one loads any number of times
// with nothing changed; a price in force that a file leaves out is reported, not closed.
func TestApplyAFileWithHistoryTwice(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	ctx := context.Background()
	history := `prices:
  - provider: openai
    model: gpt-x
    currency: USD
    unit: 1m_tokens
    effective_from: 2026-11-01
    input: 2.00
  - provider: openai
    model: gpt-x
    currency: USD
    unit: 1m_tokens
    effective_from: 2026-11-28
    input: 1.50
  - provider: openai
    model: gpt-y
    currency: USD
    unit: 1m_tokens
    effective_from: 2026-11-01
    input: 9.00
`
	rows, err := pricing.ParseYAML([]byte(history))
	if err != nil {
		t.Fatal(err)
	}
	// gpt-x's first price is added, its second closes it; gpt-y is added
	if res, err := pricing.Apply(ctx, pool, rows); err != nil || fmt.Sprint(res) != fmt.Sprint(pricing.ApplyResult{Added: 2, Changed: 1}) {
		t.Fatalf("first load %+v %v", res, err)
	}
	for i := 0; i < 2; i++ {
		if res, err := pricing.Apply(ctx, pool, rows); err != nil || fmt.Sprint(res) != fmt.Sprint(pricing.ApplyResult{Unchanged: 3}) {
			t.Fatalf("load %d again: %+v %v", i+2, res, err)
		}
	}
	// a later file without gpt-y: gpt-y stays in force and is named
	rows, _ = pricing.ParseYAML([]byte(history[:strings.Index(history, "  - provider: openai\n    model: gpt-y")]))
	res, err := pricing.Apply(ctx, pool, rows)
	if err != nil || fmt.Sprint(res) != fmt.Sprint(pricing.ApplyResult{Unchanged: 2, Dropped: []string{"openai gpt-y input"}}) {
		t.Fatalf("without gpt-y: %+v %v", res, err)
	}
	// a stored price is never restated
	restated, _ := pricing.ParseYAML([]byte(strings.Replace(history, "input: 2.00", "input: 2.10", 1)))
	if _, err := pricing.Apply(ctx, pool, restated); err == nil || err.Error() != "price book: openai gpt-x input from 2026-11-01T00:00:00Z is stored as 2.00 USD per 1m_tokens, not 2.1 USD per 1m_tokens: history is not rewritten; give the new price a later effective_from" {
		t.Errorf("restated: %v", err)
	}
}
