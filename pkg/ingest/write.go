package ingest

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/pricing"
	"github.com/costlens/costlens/pkg/store"
)

// BatchSize is how many events go into PostgreSQL per transaction.
const BatchSize = 5000

// WriteEvents stores events in batches, each in its own transaction: the
// (tenant, request_id) keys are claimed first, and only events whose key was new are
// copied in, so a retried upload (or a repeated row) is counted as a duplicate.
//
// Each stored event is priced with book at the price in force at its time and tier;
// one the book has no price for stays unpriced (NULL priced_cost), never zero.
func WriteEvents(ctx context.Context, pool *pgxpool.Pool, book *pricing.Book, events []Event, progress func(done int)) (accepted, duplicates int, err error) {
	for start := 0; start < len(events); start += BatchSize {
		batch := events[start:min(start+BatchSize, len(events))]
		var a int
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			var err error
			a, err = writeBatch(ctx, tx, book, batch)
			return err
		})
		if err != nil {
			return accepted, duplicates, fmt.Errorf("rows %d-%d: %w", batch[0].Row, batch[len(batch)-1].Row, err)
		}
		accepted += a
		duplicates += len(batch) - a
		if progress != nil {
			progress(start + len(batch))
		}
	}
	return accepted, duplicates, nil
}

// eventColumns are the columns an uploaded event fills, in the staging table's order.
var eventColumns = []string{"tenant", "request_id", "ts", "feature", "user_id", "model", "model_version", "provider", "region",
	"input_tokens", "output_tokens", "cached_input_tokens", "latency_ms", "gpu_seconds",
	"reported_cost", "reported_currency", "attributes", "priced_cost", "price_currency", "price_id"}

// writeBatch claims the batch's keys, then copies only the new events in (through a
// staging table: see store.CopyRows).
func writeBatch(ctx context.Context, tx pgx.Tx, book *pricing.Book, batch []Event) (int, error) {
	tenants := make([]string, len(batch))
	ids := make([]string, len(batch))
	stamps := make([]time.Time, len(batch))
	for i, e := range batch {
		tenants[i], ids[i], stamps[i] = e.Tenant, e.RequestID, e.TS
	}
	// only the months the events fall in, with the owner's rights (SECURITY DEFINER)
	if _, err := tx.Exec(ctx, "SELECT costlens.ensure_event_months($1::timestamptz[])", stamps); err != nil {
		return 0, err
	}
	rows, err := tx.Query(ctx, `INSERT INTO costlens.event_keys (tenant, request_id, ts)
		SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])
		ON CONFLICT DO NOTHING RETURNING tenant, request_id`, tenants, ids, stamps)
	if err != nil {
		return 0, err
	}
	fresh := map[[2]string]bool{}
	for rows.Next() {
		var k [2]string
		if err := rows.Scan(&k[0], &k[1]); err != nil {
			rows.Close()
			return 0, err
		}
		fresh[k] = true
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var copyRows [][]any
	for _, e := range batch {
		k := [2]string{e.Tenant, e.RequestID}
		if !fresh[k] {
			continue
		}
		delete(fresh, k) // a key repeated inside the upload is stored once
		var pricedCost *decimal.Decimal
		var priceCurrency *string
		var priceID *int64
		if p, ok := book.PriceFor(e.Provider, e.Model, e.TS, pricing.Usage{Input: e.InputTokens, Output: e.OutputTokens, Cached: e.CachedTokens, GPUSeconds: e.GPUSeconds}); ok {
			pricedCost, priceCurrency, priceID = &p.Cost, &p.Currency, &p.PriceID
		}
		copyRows = append(copyRows, []any{e.Tenant, e.RequestID, e.TS, e.Feature, e.UserID, e.Model, e.ModelVersion,
			e.Provider, e.Region, e.InputTokens, e.OutputTokens, e.CachedTokens, e.LatencyMS, store.Numeric(e.GPUSeconds),
			store.Numeric(e.ReportedCost), e.ReportedCurrency, string(e.Attributes), store.Numeric(pricedCost), priceCurrency, priceID})
	}
	if len(copyRows) == 0 {
		return 0, nil
	}
	n, err := store.CopyRows(ctx, tx, "cost_events", eventColumns, pgx.CopyFromRows(copyRows))
	return int(n), err
}

// IngestEvents parses and stores an upload and reports on every row.
func IngestEvents(ctx context.Context, pool *pgxpool.Pool, r io.Reader, boundTenant string) (Report, error) {
	events, rejected, err := ParseEvents(r, boundTenant)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Received: len(events) + len(rejected), Rejected: rejected}
	if rep.Rejected == nil {
		rep.Rejected = []RowError{}
	}
	book, err := pricing.LoadBook(ctx, pool)
	if err != nil {
		return rep, err
	}
	rep.Accepted, rep.Duplicates, err = WriteEvents(ctx, pool, book, events, nil)
	return rep, err
}
