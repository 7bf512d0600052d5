package ingest

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/fx"
	"github.com/costlens/costlens/pkg/names"
)

// Rate is a validated FX row: on Day one Base buys Rate Quote.
type Rate struct {
	Row    int
	Day    time.Time
	Base   string
	Quote  string
	Rate   decimal.Decimal
	Source string
}

// FXOptions make the direction of a file explicit where its columns do not.
type FXOptions struct {
	// Pairs maps the values of a "country" column to "BASE/QUOTE": for the FRED
	// monthly file, e.g. "China" -> "USD/CNY" (1 USD = rate CNY). A file that names
	// countries and not currency pairs is refused without it: the direction of such
	// rates differs between series and must not be guessed.
	Pairs  map[string]string
	Source string
	// Newest, when set, is the last instant a rate's date may be (a day ahead of now):
	// FX history has no retention window, since old events need old rates.
	Newest time.Time
}

// maxStep is how far one rate may move from the previous one of its pair before the
// row is rejected as a likely reversed direction (1/x of a rate near 7 is near 0.14).
var maxStep = decimal.RequireFromString("1.5")

// ParseFXCSV reads "date,base,quote,rate[,source]" with a header, or a FRED-style
// "Date,Country,Exchange rate" file when opts.Pairs says what each country's rate means.
func ParseFXCSV(r io.Reader, opts FXOptions) ([]Rate, []RowError, error) {
	f, header, err := openCSV(r, strings.ToLower)
	if err == io.EOF {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if isECB(f, header) {
		rates, rejected := parseECB(f, header, opts)
		return rates, rejected, nil
	}
	rateCol := "rate"
	if !f.has(rateCol) {
		rateCol = "exchange rate"
	}
	if !f.has("date") || !f.has(rateCol) {
		return nil, nil, formatErrorf("header: need date and rate columns, got %v", header)
	}
	pairColumns := f.has("base") && f.has("quote")
	if !pairColumns {
		if !f.has("country") {
			return nil, nil, formatErrorf("header: need base and quote columns (1 base = rate quote), got %v", header)
		}
		if len(opts.Pairs) == 0 {
			return nil, nil, formatErrorf("the file names countries, not currency pairs, so the direction of its rates is ambiguous: say it for each country, e.g. China=USD/CNY (1 USD = rate CNY)")
		}
	}

	var rates []Rate
	rejected := f.eachRow(func(rec []string, row int, bad func(field, format string, args ...any)) {
		get := func(name string) string { return f.get(rec, name) }
		var rt Rate
		rt.Row = row
		if rt.Day, err = time.Parse(time.DateOnly, get("date")); err != nil {
			bad("date", "%q is not a YYYY-MM-DD date", get("date"))
			return
		}
		var base, quote string
		if pairColumns {
			base, quote = get("base"), get("quote")
		} else {
			country := get("country")
			pair, ok := opts.Pairs[country]
			if !ok {
				bad("country", "%q has no direction given (e.g. %s=USD/XXX)", country, country)
				return
			}
			base, quote, _ = strings.Cut(pair, "/")
		}
		if rt.Base, err = fx.ParseCurrency("base", base); err != nil {
			bad("base", "%q is not an ISO-4217 currency code", base)
			return
		}
		if rt.Quote, err = fx.ParseCurrency("quote", quote); err != nil {
			bad("quote", "%q is not an ISO-4217 currency code", quote)
			return
		}
		if rt.Base == rt.Quote {
			bad("quote", "is the same currency as base (%s)", rt.Base)
			return
		}
		if !opts.Newest.IsZero() && rt.Day.After(opts.Newest) {
			bad("date", "%s is in the future", rt.Day.Format(time.DateOnly))
			return
		}
		if rt.Rate, err = decimal.NewFromString(get(rateCol)); err != nil || !rt.Rate.IsPositive() || checkAmount(rt.Rate, false) != "" {
			bad("rate", "%.40q is not a positive decimal number up to 1e12", get(rateCol))
			return
		}
		rt.Source = opts.Source
		if src := get("source"); src != "" {
			rt.Source = src
		}
		if msg := names.Check(rt.Source, MaxNameBytes); msg != "" {
			bad("source", "%s", msg)
			return
		}
		rates = append(rates, rt)
	})
	rates, jumps := rejectJumps(rates)
	rejected = append(rejected, jumps...)
	sort.SliceStable(rejected, func(i, j int) bool { return rejected[i].Row < rejected[j].Row })
	return rates, rejected, nil
}

// The ECB's euro foreign exchange reference rates, as published
// (https://www.ecb.europa.eu/stats/eurofxref/): one column per currency, each value the
// units of that currency one euro buys. The daily file (eurofxref.csv) has one row dated
// like "03 June 2021" with ", " between fields; the historical one (eurofxref-hist.csv)
// a row per TARGET day, newest first, ISO dates, "N/A" where a currency was not quoted,
// and columns for currencies since retired. Both end every line with a separator.

// isECB says whether a file has the ECB's layout: a date column and currency codes.
func isECB(f *csvFile, header []string) bool {
	if !f.has("date") || f.has("rate") || f.has("exchange rate") || f.has("base") || f.has("quote") {
		return false
	}
	codes := 0
	for _, h := range header {
		h = strings.TrimSpace(h)
		switch {
		case h == "" || strings.EqualFold(h, "date"):
		case len(h) == 3 && strings.ToUpper(h) == h:
			codes++
		default:
			return false
		}
	}
	return codes > 0
}

// parseECB reads an ECB file as rates from EUR. Columns of currencies no longer in
// ISO-4217 (CYP, DEM …) are not read; an empty or N/A value is a day the ECB did not
// quote that currency. The direction is known, so no jump check applies (the krona's
// quotes resumed in 2008 at twice the level they stopped at).
func parseECB(f *csvFile, header []string, opts FXOptions) ([]Rate, []RowError) {
	type column struct {
		index int
		code  string
	}
	var cols []column
	for i, h := range header {
		if h = strings.TrimSpace(h); len(h) == 3 && fx.ValidCurrency(h) && h != "EUR" {
			cols = append(cols, column{i, h})
		}
	}
	source := opts.Source
	if source == "" {
		source = "ECB"
	}
	var rates []Rate
	rejected := f.eachRow(func(rec []string, row int, bad func(field, format string, args ...any)) {
		ds := f.get(rec, "date")
		day, err := time.Parse(time.DateOnly, ds)
		if err != nil {
			if day, err = time.Parse("2 January 2006", ds); err != nil {
				bad("Date", "%q is not a date such as 2026-03-02 or 02 March 2026", ds)
				return
			}
		}
		if !opts.Newest.IsZero() && day.After(opts.Newest) {
			bad("Date", "%s is in the future", day.Format(time.DateOnly))
			return
		}
		for _, c := range cols {
			v := ""
			if c.index < len(rec) {
				v = strings.TrimSpace(rec[c.index])
			}
			if v == "" || v == "N/A" {
				continue
			}
			rate, err := decimal.NewFromString(v)
			if err != nil || !rate.IsPositive() || checkAmount(rate, false) != "" {
				bad(c.code, "%.40q is not a positive decimal number up to 1e12", v)
				continue
			}
			rates = append(rates, Rate{Row: row, Day: day, Base: "EUR", Quote: c.code, Rate: rate, Source: source})
		}
	})
	return rates, rejected
}

// rejectJumps drops rates that move by more than maxStep from the previous accepted
// rate of the same pair, the mark of a row in the other direction.
func rejectJumps(rates []Rate) ([]Rate, []RowError) {
	byPair := map[string][]int{}
	for i, r := range rates {
		k := r.Base + "/" + r.Quote
		byPair[k] = append(byPair[k], i)
	}
	drop := map[int]bool{}
	var rejected []RowError
	for pair, idx := range byPair {
		sort.SliceStable(idx, func(a, b int) bool { return rates[idx[a]].Day.Before(rates[idx[b]].Day) })
		var prev *Rate
		for _, i := range idx {
			r := rates[i]
			if prev != nil {
				ratio := r.Rate.Div(prev.Rate)
				if ratio.GreaterThan(maxStep) || decimal.NewFromInt(1).Div(ratio).GreaterThan(maxStep) {
					drop[i] = true
					rejected = append(rejected, RowError{Row: r.Row, Field: "rate", Message: fmt.Sprintf(
						"%s for %s on %s is %s times the %s of %s: is this row in the other direction?",
						r.Rate, pair, r.Day.Format(time.DateOnly), ratio.StringFixed(2), prev.Rate, prev.Day.Format(time.DateOnly))})
					continue
				}
			}
			prev = &rates[i]
		}
	}
	var kept []Rate
	for i, r := range rates {
		if !drop[i] {
			kept = append(kept, r)
		}
	}
	return kept, rejected
}

// WriteRates stores rates idempotently: a rate already stored with the same value is a
// duplicate; one stored with a different value is rejected rather than overwritten.
func WriteRates(ctx context.Context, pool *pgxpool.Pool, rates []Rate) (accepted, duplicates int, rejected []RowError, err error) {
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, r := range rates {
			var stored *string
			if err := tx.QueryRow(ctx, `INSERT INTO costlens.fx_rates (rate_date, base, quote, rate, source)
				VALUES ($1, $2, $3, $4::numeric, $5)
				ON CONFLICT (base, quote, rate_date) DO UPDATE SET rate = costlens.fx_rates.rate
				RETURNING CASE WHEN xmax = 0 THEN NULL ELSE rate::text END`,
				r.Day, r.Base, r.Quote, asWritten(r.Rate), r.Source).Scan(&stored); err != nil {
				return err
			}
			switch {
			case stored == nil:
				accepted++
			case decimal.RequireFromString(*stored).Equal(r.Rate):
				duplicates++
			default:
				rejected = append(rejected, RowError{Row: r.Row, Field: "rate", Message: fmt.Sprintf(
					"%s/%s on %s is already stored as %s; not overwritten", r.Base, r.Quote, r.Day.Format(time.DateOnly), *stored)})
			}
		}
		return nil
	})
	return accepted, duplicates, rejected, err
}

// IngestFXCSV parses and stores an FX CSV upload.
func IngestFXCSV(ctx context.Context, pool *pgxpool.Pool, r io.Reader, opts FXOptions) (Report, error) {
	rates, rejected, err := ParseFXCSV(r, opts)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Received: len(rates) + len(rejected)}
	var conflicts []RowError
	rep.Accepted, rep.Duplicates, conflicts, err = WriteRates(ctx, pool, rates)
	rep.Rejected = append(append([]RowError{}, rejected...), conflicts...)
	sort.SliceStable(rep.Rejected, func(i, j int) bool { return rep.Rejected[i].Row < rep.Rejected[j].Row })
	return rep, err
}

// ParsePairs reads "China=USD/CNY,Euro=USD/EUR": what each country's rate means.
func ParsePairs(s string) (map[string]string, error) {
	pairs := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return pairs, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, found := strings.Cut(kv, "=")
		if !found || !strings.Contains(v, "/") {
			return nil, fmt.Errorf("pairs: %q is not NAME=BASE/QUOTE", kv)
		}
		pairs[strings.TrimSpace(k)] = strings.ToUpper(strings.TrimSpace(v))
	}
	return pairs, nil
}
