package ingest

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/pricing"
	"github.com/costlens/costlens/pkg/store"
)

// BatchSize is how many events go into PostgreSQL per transaction.
const BatchSize = 10_000

// Writers is how many batches are written at once. PostgreSQL then claims keys and
// writes rows for one batch while it updates the summaries of another; both claim keys
// and lock summary rows in key order, so two writers queue on a shared row rather than
// deadlock.
const Writers = 2

// EventWriter stores events in batches, each in its own transaction, Writers of them
// at once while its caller reads and parses the next ones. In each batch the
// (tenant, request_id) keys are claimed first, and only events whose key was new are
// copied in, so a retried upload (or a repeated row) is counted as a duplicate. Each
// stored event is priced with the book at the price in force at its time and tier; one
// the book has no price for stays unpriced (NULL priced_cost), never zero.
//
// A batch that fails because the database is away (store.Transient) is written again
// when WriteOptions.Patience allows, which is safe: its keys either committed with it
// or not at all. After a batch fails for good it starts no other; its totals are of the
// batches that committed, and the error names the failed rows.
type EventWriter struct {
	batches chan []Event
	stop    chan struct{}
	wg      sync.WaitGroup
	opts    WriteOptions

	mu                         sync.Mutex
	accepted, duplicates, done int
	err                        error
}

// WriteOptions are how an EventWriter reports and what it does about outages.
type WriteOptions struct {
	// Progress, when set, hears how many events are stored so far.
	Progress func(done int)
	// Patience is how long a batch is retried while the database is away (0: never,
	// as for an upload, whose client retries the request).
	Patience time.Duration
	// OnRetry, when set, hears each retry (rows, attempt, wait, cause).
	OnRetry func(first, last, attempt int, wait time.Duration, err error)
}

// NewEventWriter starts the writers; Close ends them.
func NewEventWriter(ctx context.Context, pool *pgxpool.Pool, book *pricing.Book, opts WriteOptions) *EventWriter {
	w := &EventWriter{batches: make(chan []Event), stop: make(chan struct{}), opts: opts}
	for range Writers {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			for batch := range w.batches {
				var a int
				err := store.Retry(ctx, opts.Patience, func(attempt int, wait time.Duration, err error) {
					if opts.OnRetry != nil {
						opts.OnRetry(batch[0].Row, batch[len(batch)-1].Row, attempt, wait, err)
					}
				}, func() error {
					return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
						var err error
						a, err = writeBatch(ctx, tx, book, batch)
						return err
					})
				})
				w.finished(batch, a, err)
			}
		}()
	}
	return w
}

func (w *EventWriter) finished(batch []Event, accepted int, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		if w.err == nil {
			w.err = fmt.Errorf("rows %d-%d: %w", batch[0].Row, batch[len(batch)-1].Row, err)
			close(w.stop)
		}
		return
	}
	w.accepted += accepted
	w.duplicates += len(batch) - accepted
	w.done += len(batch)
	if w.opts.Progress != nil {
		w.opts.Progress(w.done)
	}
}

// Add hands a batch (at most BatchSize events, no longer the caller's to change) to
// the next free writer, waiting while all are busy; after a failure it returns it.
func (w *EventWriter) Add(batch []Event) error {
	if len(batch) == 0 {
		return nil
	}
	select {
	case w.batches <- batch:
		return nil
	case <-w.stop:
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.err
	}
}

// Close waits for the batches handed over and returns what they stored.
func (w *EventWriter) Close() (accepted, duplicates int, err error) {
	close(w.batches)
	w.wg.Wait()
	return w.accepted, w.duplicates, w.err
}

// Usage is what the event consumed, for pricing (Requests always set: one when the
// event does not say).
func (e Event) Usage() pricing.Usage {
	requests := int64(1)
	if e.RequestCount != nil {
		requests = *e.RequestCount
	}
	return pricing.Usage{Requests: &requests, Input: e.InputTokens, Output: e.OutputTokens, Cached: e.CachedTokens, CacheWrite: e.CacheWriteTokens, CacheWrite1h: e.CacheWrite1hTokens,
		Reasoning: e.ReasoningTokens, ServiceTier: e.ServiceTier, ContextTokens: e.ContextTokens, GPUSeconds: e.GPUSeconds}
}

// eventColumns are the columns an uploaded event fills, in the staging table's order.
var eventColumns = []string{"tenant", "request_id", "ts", "feature", "user_id", "model", "model_version", "provider", "region",
	"input_tokens", "output_tokens", "cached_input_tokens", "latency_ms", "gpu_seconds",
	"reported_cost", "reported_currency", "attributes", "priced_cost", "price_currency", "price_id",
	"cache_write_tokens", "reasoning_tokens", "service_tier", "request_count", "context_tokens", "cache_write_1h_tokens"}

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
	// in key order, so concurrent writers of overlapping keys queue instead of deadlocking
	rows, err := tx.Query(ctx, `INSERT INTO costlens.event_keys (tenant, request_id, ts)
		SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[]) ORDER BY 1, 2
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
		u := e.Usage()
		if p, ok := book.PriceFor(e.Provider, e.Model, e.TS, u); ok {
			pricedCost, priceCurrency, priceID = &p.Cost, &p.Currency, &p.PriceID
		}
		copyRows = append(copyRows, []any{e.Tenant, e.RequestID, e.TS, e.Feature, e.UserID, e.Model, e.ModelVersion,
			e.Provider, e.Region, e.InputTokens, e.OutputTokens, e.CachedTokens, e.LatencyMS, store.Numeric(e.GPUSeconds),
			store.Numeric(e.ReportedCost), e.ReportedCurrency, string(e.Attributes), store.Numeric(pricedCost), priceCurrency, priceID,
			e.CacheWriteTokens, e.ReasoningTokens, e.ServiceTier, *u.Requests, e.ContextTokens, e.CacheWrite1hTokens})
	}
	if len(copyRows) == 0 {
		return 0, nil
	}
	n, err := store.CopyRows(ctx, tx, "cost_events", eventColumns, pgx.CopyFromRows(copyRows))
	return int(n), err
}

// IngestEvents parses and stores an upload and reports on every row.
func IngestEvents(ctx context.Context, pool *pgxpool.Pool, r io.Reader, rules Rules) (Report, error) {
	book, err := pricing.LoadBook(ctx, pool)
	if err != nil {
		return Report{Rejected: []RowError{}}, err
	}
	return StreamEvents(ctx, pool, book, r, rules, WriteOptions{})
}

// StreamEvents reads events row by row and stores each full batch while it reads the
// next (EventWriter), reporting on every row. Memory stays at a few batches whatever
// the size of r.
func StreamEvents(ctx context.Context, pool *pgxpool.Pool, book *pricing.Book, r io.Reader, rules Rules, opts WriteOptions) (Report, error) {
	return Stream(ctx, pool, book, func(onEvent func(Event) error, onReject func(RowError), _ func()) error {
		return ParseEventsFunc(r, rules, onEvent, onReject)
	}, opts)
}

// Source produces a source's events one at a time: each valid one to onEvent (which
// may fail when storing has), each bad row to onReject, and each row that is not an
// event at all (an OTLP span that is no GenAI call) to onSkip.
type Source func(onEvent func(Event) error, onReject func(RowError), onSkip func()) error

// deliver hands a mapped row to the callback its outcome calls for.
func deliver(e Event, rowErr *RowError, skip bool, onEvent func(Event) error, onReject func(RowError), onSkip func()) error {
	switch {
	case skip:
		onSkip()
	case rowErr != nil:
		onReject(*rowErr)
	default:
		return onEvent(e)
	}
	return nil
}

// Stream stores what a source produces, batch by batch while it reads the next, and
// reports on every row: the one write path of every event importer.
func Stream(ctx context.Context, pool *pgxpool.Pool, book *pricing.Book, src Source, opts WriteOptions) (Report, error) {
	rep := Report{Rejected: []RowError{}}
	w := NewEventWriter(ctx, pool, book, opts)
	batch := make([]Event, 0, BatchSize)
	err := src(func(e Event) error {
		rep.Received++
		batch = append(batch, e)
		if len(batch) < BatchSize {
			return nil
		}
		full := batch
		batch = make([]Event, 0, BatchSize)
		return w.Add(full)
	}, func(e RowError) {
		rep.Received++
		rep.Rejected = append(rep.Rejected, e)
	}, func() { rep.Skipped++ })
	if err == nil {
		err = w.Add(batch)
	}
	var werr error
	rep.Accepted, rep.Duplicates, werr = w.Close()
	if err == nil {
		err = werr
	}
	return rep, err
}
