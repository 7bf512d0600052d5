// Command costlens-import loads files too large for an upload through the same
// validation and idempotent writes as the data source's ingest endpoints.
//
//	costlens-import events events.ndjson [--tenant acme]
//	costlens-import otlp traces.jsonl[.gz] [--tenant acme]  (OTLP/JSON lines, as the Collector's file exporter writes)
//	costlens-import litellm postgres://…/litellm [--tenant acme]  (LiteLLM_SpendLogs since the last run: safe from cron)
//	costlens-import litellm spend-logs.json|.csv [--tenant acme]   (an export of that table)
//	costlens-import openai usage.json [--tenant acme]      (the Admin API's usage/completions or costs pages)
//	costlens-import anthropic usage.json [--tenant acme]   (the Admin API's usage_report/messages or cost_report pages)
//	costlens-import fx rates.csv [--pairs China=USD/CNY,Euro=USD/EUR] [--source FRED]
//	costlens-import fx eurofxref.zip             (the ECB's reference rates as published)
//	costlens-import billing focus-export.csv [--tenant acme]
//	costlens-import prices price-book.yaml
//	costlens-import model-versions model-versions.json
//	costlens-import migrate                      (as the schema's owner: apply the migrations)
//
// Events and billing lines must fall within --retention-days of now (and at most a day
// ahead). While PostgreSQL is away (restarting, failing over, refusing connections)
// the import waits and retries for up to --retry-for, saying so on stderr: writes are
// idempotent, so a retried batch stores each row once.
package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/costlens/costlens/pkg/ingest"
	"github.com/costlens/costlens/pkg/pricing"
	"github.com/costlens/costlens/pkg/store"
)

// Exit codes: 1 when the import failed, 2 when it finished but rejected rows (each
// named on stderr), so cron and CI notice a file that did not land whole.
func main() {
	err := run(os.Args[1:])
	var rejected rejectedRows
	switch {
	case errors.As(err, &rejected):
		fmt.Fprintln(os.Stderr, "costlens-import:", err)
		os.Exit(2)
	case store.Transient(err):
		fmt.Fprintf(os.Stderr, "costlens-import: cannot reach PostgreSQL (it is down, restarting or shutting down): %v\n"+
			"the batches before the failed one are stored; run the same command again to finish (what is stored counts as duplicates)\n", err)
		os.Exit(1)
	case err != nil:
		fmt.Fprintln(os.Stderr, "costlens-import:", err)
		os.Exit(1)
	}
}

// rejectedRows is the outcome of an import that stored what it could but refused rows.
type rejectedRows int

func (n rejectedRows) Error() string { return fmt.Sprintf("%d rows rejected", int(n)) }

func run(args []string) error {
	if len(args) > 0 && args[0] == "migrate" {
		return migrate(args[1:])
	}
	kinds := []string{"events", "otlp", "litellm", "openai", "anthropic", "fx", "billing", "prices", "model-versions"}
	if len(args) < 2 || !slices.Contains(kinds, args[0]) {
		return fmt.Errorf("usage: costlens-import %s FILE [flags]", strings.Join(kinds, "|"))
	}
	kind, file := args[0], args[1]
	fs := flag.NewFlagSet(kind, flag.ExitOnError)
	dbURL := fs.String("database-url", os.Getenv("COSTLENS_DATABASE_URL"), "PostgreSQL URL (default $COSTLENS_DATABASE_URL)")
	tenant := fs.String("tenant", "", "events, billing: the tenant of rows that name none")
	pairs := fs.String("pairs", "", "fx: NAME=BASE/QUOTE,... for files that name countries")
	source := fs.String("source", "", "fx: where the rates come from")
	retention := fs.Int("retention-days", ingest.DefaultRetentionDays, "events, billing: refuse rows older than this many days")
	patience := fs.Duration("retry-for", 5*time.Minute, "how long to keep retrying while PostgreSQL is unreachable (0: do not retry)")
	def := ingest.DefaultOTLPOptions
	tenantAttrs := fs.String("tenant-attributes", strings.Join(def.TenantKeys, ","), "otlp: span or resource attributes naming the tenant, in order")
	featureAttrs := fs.String("feature-attributes", strings.Join(def.FeatureKeys, ","), "otlp: attributes naming the feature")
	userAttrs := fs.String("user-attributes", strings.Join(def.UserKeys, ","), "otlp: attributes naming the user")
	excludesCache := fs.Bool("input-excludes-cache", false, "otlp: the instrumentation reports input tokens without the cached ones")
	featurePrefix := fs.String("feature-tag-prefix", ingest.DefaultFeaturePrefix, "litellm: the request tag naming the feature (feature:X)")
	cursorName := fs.String("cursor", "litellm", "litellm from a database: the name its read position is kept under")
	overlap := fs.Duration("overlap", 15*time.Minute, "litellm from a database: read again this far before the last position (late rows; nothing is stored twice)")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	if *retention < 1 || *retention > ingest.MaxRetentionDays {
		return fmt.Errorf("--retention-days must be from 1 to %d", ingest.MaxRetentionDays)
	}
	ctx := context.Background()
	onRetry := func(what string) func(attempt int, wait time.Duration, err error) {
		return func(attempt int, wait time.Duration, err error) {
			fmt.Fprintf(os.Stderr, "%s: %s failed (%v); PostgreSQL looks unreachable, retrying in %s (attempt %d)\n",
				file, what, err, wait, attempt+1)
		}
	}
	var pool *pgxpool.Pool
	err := store.Retry(ctx, *patience, onRetry("connecting"), func() (err error) {
		pool, _, err = openMigrated(ctx, *dbURL)
		return err
	})
	if err != nil {
		return err
	}
	defer pool.Close()
	started := time.Now()
	window := ingest.WindowAt(started, *retention)
	if kind == "litellm" && (strings.HasPrefix(file, "postgres://") || strings.HasPrefix(file, "postgresql://")) {
		return finish("LiteLLM_SpendLogs", started, func() (ingest.Report, error) {
			return importLiteLLM(ctx, pool, file, ingest.LiteLLMOptions{Tenant: *tenant, FeaturePrefix: *featurePrefix},
				ingest.Rules{Tenant: *tenant, Window: window}, *cursorName, *overlap, *patience, started)
		})
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()

	// a .zip (the ECB publishes its rates zipped) is read through its one CSV file
	var src io.ReadSeeker = f
	if strings.HasSuffix(strings.ToLower(file), ".zip") {
		if src, err = unzipOne(f); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
	}
	var rep ingest.Report
	// the kinds other than events are written in one transaction: a retry reads the
	// file again from the start (rows that had committed count as duplicates)
	whole := func(load func() (ingest.Report, error)) (ingest.Report, error) {
		var rep ingest.Report
		err := store.Retry(ctx, *patience, onRetry("writing"), func() (err error) {
			if _, err := src.Seek(0, io.SeekStart); err != nil {
				return err
			}
			rep, err = load()
			return err
		})
		return rep, err
	}
	switch kind {
	case "events":
		rules := ingest.Rules{Tenant: *tenant, Window: window}
		rep, err = importEvents(ctx, pool, file, func(onEvent func(ingest.Event) error, onReject func(ingest.RowError), _ func()) error {
			return ingest.ParseEventsFunc(f, rules, onEvent, onReject)
		}, *patience, started)
	case "otlp":
		m := &ingest.OTLPMapper{Options: ingest.OTLPOptions{InputExcludesCache: *excludesCache}, Rules: ingest.Rules{Tenant: *tenant, Window: window}}
		for _, a := range []struct {
			flag string
			list *string
			dst  *[]string
		}{{"--tenant-attributes", tenantAttrs, &m.Options.TenantKeys}, {"--feature-attributes", featureAttrs, &m.Options.FeatureKeys},
			{"--user-attributes", userAttrs, &m.Options.UserKeys}} {
			if *a.dst, err = ingest.AttributeKeys(*a.list, nil); err != nil {
				return fmt.Errorf("%s: %w", a.flag, err)
			}
		}
		var r io.Reader = f
		if strings.HasSuffix(strings.ToLower(file), ".gz") {
			zr, zerr := gzip.NewReader(f)
			if zerr != nil {
				return fmt.Errorf("%s: %w", file, zerr)
			}
			defer zr.Close()
			r = zr
		}
		rep, err = importEvents(ctx, pool, file, m.FileSource(r), *patience, started)
	case "litellm":
		o, rules := ingest.LiteLLMOptions{Tenant: *tenant, FeaturePrefix: *featurePrefix}, ingest.Rules{Tenant: *tenant, Window: window}
		src := o.JSONSource(f, rules)
		if strings.HasSuffix(strings.ToLower(file), ".csv") {
			src = o.CSVSource(f, rules)
		}
		rep, err = importEvents(ctx, pool, file, src, *patience, started)
	case "openai", "anthropic":
		o, rules := ingest.ExportOptions{Tenant: *tenant}, ingest.Rules{Tenant: *tenant, Window: window}
		src := o.OpenAISource(f, rules)
		if kind == "anthropic" {
			src = o.AnthropicSource(f, rules)
		}
		rep, err = importEvents(ctx, pool, file, src, *patience, started)
	case "prices":
		body, rerr := io.ReadAll(src)
		if rerr != nil {
			return rerr
		}
		rows, aliases, perr := pricing.ParseFile(body)
		if perr != nil {
			return perr
		}
		var res pricing.ApplyResult
		aerr := store.Retry(ctx, *patience, onRetry("writing"), func() (err error) {
			res, err = pricing.Apply(ctx, pool, rows, aliases...)
			return err
		})
		if aerr != nil {
			return aerr
		}
		fmt.Fprintf(os.Stderr, "%s: %d prices added, %d changed (old ones closed), %d unchanged; %d aliases added or changed\n",
			file, res.Added, res.Changed, res.Unchanged, res.Aliases)
		for _, k := range res.Dropped {
			fmt.Fprintf(os.Stderr, "%s: %s is in force but not in this file: left open (give it a new price to change it)\n", file, k)
		}
		return nil
	case "model-versions":
		rep, err = whole(func() (ingest.Report, error) { return ingest.IngestModelVersions(ctx, pool, src) })
	case "billing":
		rep, err = whole(func() (ingest.Report, error) { return ingest.IngestFOCUSCSV(ctx, pool, src, *tenant, false, window) })
	case "fx":
		pairMap, perr := ingest.ParsePairs(*pairs)
		if perr != nil {
			return perr
		}
		opts := ingest.FXOptions{Source: *source, Pairs: pairMap, Newest: window.Newest}
		rep, err = whole(func() (ingest.Report, error) { return ingest.IngestFXCSV(ctx, pool, src, opts) })
	}
	return finish(file, started, func() (ingest.Report, error) { return rep, err })
}

// finish reports an import on stderr: each rejected row, then the counts; rejected rows
// make it rejectedRows (exit 2).
func finish(file string, started time.Time, load func() (ingest.Report, error)) error {
	rep, err := load()
	var format *ingest.FormatError
	if errors.As(err, &format) {
		return err
	}
	for _, r := range rep.Rejected {
		fmt.Fprintf(os.Stderr, "%s: %s\n", file, r.Error())
	}
	skipped := ""
	if rep.Skipped > 0 {
		skipped = fmt.Sprintf(", %d skipped (not GenAI calls, or empty buckets)", rep.Skipped)
	}
	fmt.Fprintf(os.Stderr, "%s: %d received, %d accepted, %d duplicates, %d rejected%s in %.1fs\n",
		file, rep.Received, rep.Accepted, rep.Duplicates, len(rep.Rejected), skipped, time.Since(started).Seconds())
	if err == nil && len(rep.Rejected) > 0 {
		return rejectedRows(len(rep.Rejected))
	}
	return err
}

// importEvents streams a source and writes it batch by batch as it reads, showing
// progress; a batch the database was away for is written again when it is back.
func importEvents(ctx context.Context, pool *pgxpool.Pool, file string, src ingest.Source, patience time.Duration, started time.Time) (ingest.Report, error) {
	var book *pricing.Book
	err := store.Retry(ctx, patience, nil, func() (err error) {
		book, err = pricing.LoadBook(ctx, pool)
		return err
	})
	if err != nil {
		return ingest.Report{}, err
	}
	return ingest.Stream(ctx, pool, book, src, ingest.WriteOptions{
		Progress: func(done int) {
			if done%(20*ingest.BatchSize) < ingest.BatchSize {
				fmt.Fprintf(os.Stderr, "%d rows stored (%.0f/s)\n", done, float64(done)/time.Since(started).Seconds())
			}
		},
		Patience: patience,
		OnRetry: func(first, last, attempt int, wait time.Duration, err error) {
			fmt.Fprintf(os.Stderr, "%s: rows %d-%d: %v; PostgreSQL looks unreachable, retrying the batch in %s (attempt %d)\n",
				file, first, last, err, wait, attempt+1)
		},
	})
}

// unzipOne reads the one file of a zip archive into memory (the ECB's files are a
// megabyte at most).
func unzipOne(f *os.File) (io.ReadSeeker, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		return nil, err
	}
	if len(zr.File) != 1 {
		return nil, fmt.Errorf("the archive holds %d files, not one", len(zr.File))
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 64<<20))
	if err != nil {
		return nil, err
	}
	return bytes.NewReader(b), nil
}

// migrate applies the schema migrations, as the owner of the costlens schema.
func migrate(args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ExitOnError)
	dbURL := fs.String("database-url", os.Getenv("COSTLENS_DATABASE_URL"), "PostgreSQL URL of the schema's owner (default $COSTLENS_DATABASE_URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pool, v, err := openMigrated(context.Background(), *dbURL)
	if err != nil {
		return err
	}
	pool.Close()
	fmt.Fprintf(os.Stderr, "costlens schema at version %d\n", v)
	return nil
}

// openMigrated connects (UTC sessions) and brings the schema up to date: a no-op, and
// no owner rights needed, when it already is.
func openMigrated(ctx context.Context, dbURL string) (*pgxpool.Pool, int, error) {
	if dbURL == "" {
		return nil, 0, fmt.Errorf("--database-url or COSTLENS_DATABASE_URL is required")
	}
	pool, err := store.OpenURL(ctx, dbURL, "", 0)
	if err != nil {
		return nil, 0, err
	}
	v, err := store.Migrate(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, 0, err
	}
	return pool, v, nil
}

// importLiteLLM reads LiteLLM's spend logs from its database since the cursor (less
// the overlap, for rows LiteLLM wrote late), stores them, and moves the cursor once every
// batch has committed: a run that fails leaves it where it was, and the rows it read
// again count as duplicates.
func importLiteLLM(ctx context.Context, pool *pgxpool.Pool, url string, o ingest.LiteLLMOptions, rules ingest.Rules,
	name string, overlap, patience time.Duration, started time.Time) (ingest.Report, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return ingest.Report{}, fmt.Errorf("LiteLLM database URL: %w", err)
	}
	cfg.RuntimeParams["timezone"] = "UTC" // Prisma's timestamps are UTC without a zone
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return ingest.Report{}, fmt.Errorf("LiteLLM database: %w", err)
	}
	defer conn.Close(ctx)
	from, err := ingest.LoadCursor(ctx, pool, o.Tenant, name)
	if err != nil {
		return ingest.Report{}, err
	}
	at := from
	if !from.TS.IsZero() && overlap > 0 {
		fmt.Fprintf(os.Stderr, "LiteLLM_SpendLogs: reading from %s (the last run's position %s less --overlap %s)\n",
			from.TS.Add(-overlap).Format(time.RFC3339), from.TS.Format(time.RFC3339), overlap)
		from = ingest.Cursor{TS: from.TS.Add(-overlap)}
	}
	rep, err := importEvents(ctx, pool, "LiteLLM_SpendLogs", o.DBSource(ctx, conn, from, rules, func(c ingest.Cursor) { at = c }), patience, started)
	if err == nil && at != (ingest.Cursor{}) {
		err = ingest.SaveCursor(ctx, pool, o.Tenant, name, at)
	}
	return rep, err
}
