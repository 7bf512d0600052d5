package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/costlens/costlens/pkg/ingest"
	"github.com/costlens/costlens/pkg/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func count(t *testing.T, pool *pgxpool.Pool, sql string) (n int) {
	t.Helper()
	if err := pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func rejectedText(r ingest.Report) string {
	var out []string
	for _, e := range r.Rejected {
		out = append(out, e.Error())
	}
	return strings.Join(out, "\n")
}

const ndjson = "\ufeff" + `{"tenant":"acme","request_id":"a1","ts":"2026-03-02T10:00:00Z","feature":"chat","model":"gpt-4o","input_tokens":1000,"output_tokens":500,"reported_cost":"0.0075","reported_currency":"usd"}

{"tenant":"acme","request_id":"a2","ts":"2026-03-02T11:00:00+08:00","feature":"chat","gpu_seconds":1.25}
{"tenant":"acme","request_id":"a3","ts":"yesterday"}
{"tenant":"acme","request_id":"a4","ts":"2026-03-02T10:00:00Z","input_tokens":-5}
{"tenant":"acme","ts":"2026-03-02T10:00:00Z"}
{"tenant":"acme","request_id":"a6","ts":"2026-03-02T10:00:00Z","reported_cost":0.01,"reported_currency":"RMB"}
{"tenant":"acme","request_id":"a7","ts":"2026-03-02T10:00:00Z","colour":"red"}
{"tenant":"acme","request_id":"a1","ts":"2026-03-02T10:00:00Z"}
not json at all
`

func TestNDJSONUploadKeepsGoodRowsAndNamesBadOnes(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	rep, err := ingest.IngestEvents(context.Background(), pool, strings.NewReader(ndjson), ingest.Rules{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Received != 9 || rep.Accepted != 2 || rep.Duplicates != 1 {
		t.Errorf("received %d accepted %d duplicates %d, want 9, 2 and 1 (a1 repeated on line 9)", rep.Received, rep.Accepted, rep.Duplicates)
	}
	want := strings.Join([]string{
		`row 4: ts: "yesterday" is not an RFC 3339 time such as 2026-03-02T10:00:00Z`,
		`row 5: input_tokens: must be from 0 to 1000000000, got -5`,
		`row 6: request_id: is required (it makes retried uploads safe)`,
		`row 7: reported_currency: "RMB" is not an ISO-4217 currency code (needed with reported_cost)`,
		`row 8: (json): json: unknown field "colour"`,
		`row 10: (json): invalid character 'o' in literal null (expecting 'u')`,
	}, "\n")
	if got := rejectedText(rep); got != want {
		t.Errorf("rejected:\n%s\nwant:\n%s", got, want)
	}
	var cost, ts, gs string
	if err := pool.QueryRow(context.Background(), `SELECT
		(SELECT reported_cost::text || ' ' || reported_currency FROM costlens.cost_events WHERE request_id = 'a1'),
		(SELECT (ts AT TIME ZONE 'UTC')::text FROM costlens.cost_events WHERE request_id = 'a2'),
		(SELECT gpu_seconds::text FROM costlens.cost_events WHERE request_id = 'a2')`).Scan(&cost, &ts, &gs); err != nil {
		t.Fatal(err)
	}
	if cost != "0.0075 USD" || ts != "2026-03-02 03:00:00" || gs != "1.25" {
		t.Errorf("stored a1 cost %q, a2 ts %q gpu %q", cost, ts, gs)
	}
}

func TestRetriedUploadAddsNothing(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	body := []byte(`[{"tenant":"acme","request_id":"r1","ts":"2026-03-02T10:00:00Z"},
		{"tenant":"globex","request_id":"r1","ts":"2026-03-02T10:00:00Z"}]`)
	first, err := ingest.IngestEvents(context.Background(), pool, bytes.NewReader(body), ingest.Rules{})
	if err != nil || first.Accepted != 2 {
		t.Fatalf("first upload: %+v %v", first, err)
	}
	again, err := ingest.IngestEvents(context.Background(), pool, bytes.NewReader(body), ingest.Rules{})
	if err != nil || again.Accepted != 0 || again.Duplicates != 2 {
		t.Fatalf("retry: %+v %v", again, err)
	}
	if n := count(t, pool, "SELECT count(*) FROM costlens.cost_events"); n != 2 {
		t.Errorf("%d events after a retry, want 2", n)
	}
}

func TestBoundTenantWritesOnlyItsOwnRows(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	rep, err := ingest.IngestEvents(context.Background(), pool, strings.NewReader(`[
		{"request_id":"x1","ts":"2026-03-02T10:00:00Z"},
		{"tenant":"globex","request_id":"x2","ts":"2026-03-02T10:00:00Z"}]`), ingest.Rules{Tenant: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accepted != 1 || rejectedText(rep) != `row 2: tenant: "globex" is not this data source's tenant "acme"` {
		t.Errorf("%+v", rep)
	}
	if n := count(t, pool, "SELECT count(*) FROM costlens.cost_events WHERE tenant = 'acme'"); n != 1 {
		t.Errorf("%d acme events", n)
	}
}

func TestAnUploadLargerThanABatch(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	const rows = 20_017 // two whole batches and a part, written by two writers at once
	if rows <= 2*ingest.BatchSize {
		t.Fatalf("the upload must span more than two batches of %d", ingest.BatchSize)
	}
	var b strings.Builder
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&b, `{"tenant":"acme","request_id":"b%d","ts":"2026-0%d-15T10:00:00Z","input_tokens":%d}`+"\n", i, 1+i%3, i)
	}
	rep, err := ingest.IngestEvents(context.Background(), pool, strings.NewReader(b.String()), ingest.Rules{})
	if err != nil || rep.Accepted != rows || rep.Received != rows {
		t.Fatalf("%+v %v", rep, err)
	}
	// sum of 0..20016 = 20016 * 20017 / 2
	if n := count(t, pool, "SELECT sum(input_tokens)::int FROM costlens.cost_events"); n != 200330136 {
		t.Errorf("input tokens %d", n)
	}
	if n := count(t, pool, "SELECT sum(input_tokens)::int FROM costlens.cost_daily"); n != 200330136 {
		t.Errorf("input tokens in the daily summary %d", n)
	}
	if n := count(t, pool, "SELECT count(*) FROM costlens.cost_events_default"); n != 0 {
		t.Errorf("%d rows fell into the default partition", n)
	}
}

// Every key twice in one upload, the second copies in other batches written at the same
// time as the first: each key is stored once, and counted once in the summaries.
func TestConcurrentBatchesStoreEachKeyOnce(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	const unique = 15_000
	var b strings.Builder
	for pass := 0; pass < 2; pass++ {
		for i := 0; i < unique; i++ {
			// the second pass in reverse: batches claim overlapping keys in opposite orders
			k := i
			if pass == 1 {
				k = unique - 1 - i
			}
			fmt.Fprintf(&b, `{"tenant":"acme","request_id":"k%d","ts":"2026-03-0%dT1%d:00:00Z","user_id":"u%d","input_tokens":%d}`+"\n", k, 1+k%5, k%10, k%7, k)
		}
	}
	rep, err := ingest.IngestEvents(context.Background(), pool, strings.NewReader(b.String()), ingest.Rules{})
	if err != nil || rep.Accepted != unique || rep.Duplicates != unique || rep.Received != 2*unique {
		t.Fatalf("%+v %v", rep, err)
	}
	// sum of 0..14999 = 14999 * 15000 / 2, in the events and in every summary tier
	for _, table := range []string{"cost_events", "cost_hourly", "cost_daily", "cost_hourly_user", "cost_daily_user"} {
		if n := count(t, pool, "SELECT sum(input_tokens)::int FROM costlens."+table); n != 112492500 {
			t.Errorf("%s: input tokens %d", table, n)
		}
	}
}

func TestFXCSVWithExplicitPairs(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	csv := "date,base,quote,rate,source\n2026-03-02,USD,CNY,7.2000,ecb\n\n2026-03-03,usd,cny,7.21,\n2026-03-04,USD,CNY,0.1387,\n2026-03-05,USD,USD,1,\n2026-03-06,EUR,USD,-1,\nMarch 9,EUR,USD,1.08,\n"
	rep, err := ingest.IngestFXCSV(context.Background(), pool, strings.NewReader(csv), ingest.FXOptions{Source: "upload"})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		`row 5: rate: 0.1387 for USD/CNY on 2026-03-04 is 0.02 times the 7.21 of 2026-03-03: is this row in the other direction?`,
		`row 6: quote: is the same currency as base (USD)`,
		`row 7: rate: "-1" is not a positive decimal number up to 1e12`,
		`row 8: date: "March 9" is not a YYYY-MM-DD date`,
	}, "\n")
	if rep.Accepted != 2 || rejectedText(rep) != want {
		t.Errorf("accepted %d, rejected:\n%s\nwant:\n%s", rep.Accepted, rejectedText(rep), want)
	}
	again, _ := ingest.IngestFXCSV(context.Background(), pool, strings.NewReader(csv), ingest.FXOptions{Source: "upload"})
	if again.Accepted != 0 || again.Duplicates != 2 {
		t.Errorf("retry: %+v", again)
	}
	changed, _ := ingest.IngestFXCSV(context.Background(), pool, strings.NewReader("date,base,quote,rate\n2026-03-02,USD,CNY,7.3\n"), ingest.FXOptions{})
	if rejectedText(changed) != "row 2: rate: USD/CNY on 2026-03-02 is already stored as 7.2000; not overwritten" {
		t.Errorf("changed rate: %s", rejectedText(changed))
	}
}

// The real FRED monthly file (a cut of ../shared/data/fx-monthly-fred.csv) names
// countries, and its Euro and UK series are currency per USD, not USD per currency as
// its package says: the importer refuses to guess and takes the direction as given.
func TestFREDFileNeedsTheDirectionOfEachCountry(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	body, err := os.ReadFile("testdata/fx-fred-sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ingest.IngestFXCSV(context.Background(), pool, bytes.NewReader(body), ingest.FXOptions{})
	if err == nil || !strings.HasPrefix(err.Error(), "the file names countries, not currency pairs") {
		t.Fatalf("err = %v", err)
	}
	pairs := map[string]string{"China": "USD/CNY", "Japan": "USD/JPY", "Euro": "USD/EUR", "United Kingdom": "USD/GBP"}
	rep, err := ingest.IngestFXCSV(context.Background(), pool, bytes.NewReader(body), ingest.FXOptions{Pairs: pairs, Source: "FRED monthly average"})
	if err != nil || rep.Accepted != 12 || len(rep.Rejected) != 0 {
		t.Fatalf("%+v %v", rep, err)
	}
	var cny string
	if err := pool.QueryRow(context.Background(), "SELECT rate::text FROM costlens.fx_rates WHERE base = 'USD' AND quote = 'CNY' AND rate_date = '2015-01-01'").Scan(&cny); err != nil || cny != "6.2181" {
		t.Errorf("USD/CNY January 2015 = %q, %v", cny, err)
	}
	// A country left out is named, row by row.
	delete(pairs, "Japan")
	rep, _ = ingest.IngestFXCSV(context.Background(), pool, bytes.NewReader(body), ingest.FXOptions{Pairs: pairs})
	if len(rep.Rejected) != 3 || rep.Rejected[0].Error() != `row 8: country: "Japan" has no direction given (e.g. Japan=USD/XXX)` {
		t.Errorf("%s", rejectedText(rep))
	}
}

// Values PostgreSQL would refuse for the whole batch, or that would break other
// tenants' sums, are row errors naming the field; the good rows around them are stored.
func TestHostileValuesAreRowErrorsAndGoodRowsStay(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	ok := func(id string) string {
		return `{"tenant":"acme","request_id":"` + id + `","ts":"2026-03-02T10:00:00Z","input_tokens":10}`
	}
	long := strings.Repeat("x", 10_000)
	lines := []string{
		ok("good-1"),
		`{"tenant":"acme","request_id":"nul","ts":"2026-03-02T10:00:00Z","feature":"a\u0000b"}`,
		`{"tenant":"acme","request_id":"attr","ts":"2026-03-02T10:00:00Z","attributes":{"k":"a\u0000"}}`,
		`{"tenant":"` + long + `","request_id":"long","ts":"2026-03-02T10:00:00Z"}`,
		`{"tenant":"acme","request_id":"mv","ts":"2026-03-02T10:00:00Z","model_version":"` + long + `"}`,
		`{"tenant":"ac\u200bme","request_id":"zwsp","ts":"2026-03-02T10:00:00Z"}`,
		`{"tenant":"evil","request_id":"big","ts":"2026-03-02T10:00:00Z","input_tokens":9223372036854775807}`,
		`{"tenant":"acme","request_id":"neg","ts":"2026-03-02T10:00:00Z","reported_cost":-1,"reported_currency":"USD"}`,
		`{"tenant":"acme","request_id":"huge","ts":"2026-03-02T10:00:00Z","reported_cost":1e309,"reported_currency":"USD"}`,
		ok("good-2"),
	}
	rep, err := ingest.IngestEvents(context.Background(), pool, strings.NewReader(strings.Join(lines, "\n")), ingest.Rules{})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		`row 2: feature: holds the invisible character U+0000 at byte 1`,
		`row 3: attributes: must not hold a NUL character (\u0000): PostgreSQL's jsonb cannot store it`,
		`row 4: tenant: is longer than 100 bytes (10000)`,
		`row 5: model_version: is longer than 200 bytes (10000)`,
		`row 6: tenant: holds the invisible character U+200B at byte 2`,
		`row 7: input_tokens: must be from 0 to 1000000000, got 9223372036854775807`,
		`row 8: reported_cost: must be from 0 to 1000000 per request`,
		`row 9: reported_cost: must be from 0 to 1000000 per request`,
	}, "\n")
	if got := rejectedText(rep); got != want || rep.Received != 10 || rep.Accepted != 2 {
		t.Errorf("received %d, accepted %d, rejected:\n%s\nwant:\n%s", rep.Received, rep.Accepted, got, want)
	}
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM costlens.cost_events WHERE request_id LIKE 'good-%'").Scan(&n); err != nil || n != 2 {
		t.Errorf("%d good rows stored (%v), want 2", n, err)
	}
}

// NDJSON and arrays as they arrive in practice: nothing is dropped silently, and
// received counts exactly the rows read.
func TestFramingNeverDropsRowsSilently(t *testing.T) {
	ev := func(id string) string {
		return `{"tenant":"acme","request_id":"` + id + `","ts":"2026-03-02T10:00:00Z"}`
	}
	huge := `{"tenant":"acme","request_id":"huge","ts":"2026-03-02T10:00:00Z","feature":"` + strings.Repeat("x", ingest.MaxLineBytes) + `"}`
	for name, c := range map[string]struct {
		body             string
		received, stored int
		rejected         string
	}{
		"CR-only line ends":        {ev("c1") + "\r" + ev("c2") + "\r" + ev("c3"), 3, 3, ""},
		"CRLF":                     {ev("d1") + "\r\n" + ev("d2") + "\r\n", 2, 2, ""},
		"two objects on one line":  {ev("t1") + " " + ev("t2") + "\n" + ev("t3"), 2, 1, "row 1: (json): more than one JSON value on the line: NDJSON has one object per line"},
		"arrays one after another": {"[" + ev("a1") + "," + ev("a2") + "]\n[" + ev("a3") + "]", 3, 3, ""},
		"a line over 4 MiB":        {ev("h1") + "\n" + huge + "\n" + ev("h2"), 3, 2, "row 2: (json): the line is longer than 4194304 bytes"},
	} {
		pool, _ := storetest.NewPool(t)
		rep, err := ingest.IngestEvents(context.Background(), pool, strings.NewReader(c.body), ingest.Rules{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var n int
		if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM costlens.cost_events").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if rep.Received != c.received || n != c.stored || rejectedText(rep) != c.rejected {
			t.Errorf("%s: received %d, stored %d, rejected %q; want %d, %d, %q", name, rep.Received, n, rejectedText(rep), c.received, c.stored, c.rejected)
		}
	}
}

// The ECB's reference rates as published (testdata/ecb): the historical file and the
// daily one are read as rates from EUR with their own layouts; the columns of retired
// currencies (CYP, EEK, … and HRK, replaced by the euro in 2023) are not read; N/A is a
// day not quoted; the values are stored as published.
func TestECBReferenceRatesAsPublished(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	ctx := context.Background()
	read := func(name string) []byte {
		b, err := os.ReadFile("testdata/ecb/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	hist := read("eurofxref-hist-2019-04.csv")
	// 41 currency columns; 10 are of retired currencies (9 all N/A, and HRK): 31 a day, 3 days
	rep, err := ingest.IngestFXCSV(ctx, pool, bytes.NewReader(hist), ingest.FXOptions{})
	if err != nil || rep.Received != 93 || rep.Accepted != 93 || len(rep.Rejected) != 0 {
		t.Fatalf("historical file: %+v %v", rep, err)
	}
	daily := read("eurofxref-2021-06-03.csv")
	// 32 columns, HRK retired: 31
	if rep, err = ingest.IngestFXCSV(ctx, pool, bytes.NewReader(daily), ingest.FXOptions{}); err != nil || rep.Accepted != 31 || len(rep.Rejected) != 0 {
		t.Fatalf("daily file: %+v %v", rep, err)
	}
	for q, want := range map[string]string{
		"SELECT rate::text || ' ' || source FROM costlens.fx_rates WHERE base = 'EUR' AND quote = 'USD' AND rate_date = '2019-04-10'": "1.1279 ECB",
		"SELECT rate::text FROM costlens.fx_rates WHERE base = 'EUR' AND quote = 'ISK' AND rate_date = '2019-04-08'":                  "133.6",
		"SELECT rate::text FROM costlens.fx_rates WHERE base = 'EUR' AND quote = 'CNY' AND rate_date = '2021-06-03'":                  "7.7910",
		"SELECT rate::text FROM costlens.fx_rates WHERE base = 'EUR' AND quote = 'IDR' AND rate_date = '2021-06-03'":                  "17420.91",
		"SELECT count(*)::text FROM costlens.fx_rates WHERE quote IN ('HRK', 'CYP')":                                                  "0",
		"SELECT count(DISTINCT rate_date)::text FROM costlens.fx_rates":                                                               "4",
	} {
		var got string
		if err := pool.QueryRow(ctx, q).Scan(&got); err != nil || got != want {
			t.Errorf("%s: %q (%v), want %q", q, got, err, want)
		}
	}
	// a cron re-run adds nothing
	if rep, _ = ingest.IngestFXCSV(ctx, pool, bytes.NewReader(daily), ingest.FXOptions{}); rep.Accepted != 0 || rep.Duplicates != 31 {
		t.Errorf("daily file again: %+v", rep)
	}
	// a value the ECB would never publish is a row error naming the currency (the header
	// has 34 fields: Date, 32 currencies and the empty one after the last separator)
	bad := strings.Replace(string(daily), "7.7910", "7,7910", 1)
	if rep, _ = ingest.IngestFXCSV(ctx, pool, strings.NewReader(bad), ingest.FXOptions{}); rejectedText(rep) != "row 2: (csv): has 35 fields, the header 34 (a decimal comma, or an unquoted comma in a value?)" {
		t.Errorf("a decimal comma: %s", rejectedText(rep))
	}
	bad = strings.Replace(string(daily), "7.7910", "-7.7910", 1)
	if rep, _ = ingest.IngestFXCSV(ctx, pool, strings.NewReader(bad), ingest.FXOptions{}); rejectedText(rep) != `row 2: CNY: "-7.7910" is not a positive decimal number up to 1e12` {
		t.Errorf("a negative rate: %s", rejectedText(rep))
	}
}
