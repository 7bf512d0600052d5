// Command costlens-seed writes a deterministic, realistic Costlens data set into
// PostgreSQL: the same --seed and --end always give the same rows.
//
//	costlens-seed --database-url postgres://... --events 200000 --days 90 --manifest spikes.json
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/costlens/costlens/pkg/pricing"
	"github.com/costlens/costlens/pkg/seed"
	"github.com/costlens/costlens/pkg/store"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "costlens-seed:", err)
		os.Exit(1)
	}
}

func run() error {
	dbURL := flag.String("database-url", os.Getenv("COSTLENS_DATABASE_URL"), "PostgreSQL URL (default $COSTLENS_DATABASE_URL)")
	events := flag.Int("events", 200_000, fmt.Sprintf("baseline events, %d to %d", seed.MinEvents, seed.MaxEvents))
	days := flag.Int("days", 90, "days of history")
	end := flag.String("end", "", "the day after the last generated day, YYYY-MM-DD (default: tomorrow, UTC)")
	seedValue := flag.Uint64("seed", 42, "random seed")
	manifest := flag.String("manifest", "", "write the injected-spike manifest to this file")
	reset := flag.Bool("reset", false, "empty the costlens tables first")
	ifEmpty := flag.Bool("if-empty", false, "do nothing when events already exist (for container start-up)")
	starter := flag.Bool("starter-prices", true, "also load the starter price book (public list prices) beside the seed's own prices")
	flag.Parse()

	if *dbURL == "" {
		return fmt.Errorf("--database-url or COSTLENS_DATABASE_URL is required")
	}
	endDay := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	until := time.Now().UTC() // by default the data ends now, never in the future
	if *end != "" {
		until = time.Time{}
		d, err := time.Parse(time.DateOnly, *end)
		if err != nil {
			return fmt.Errorf("--end: %w", err)
		}
		endDay = d
	}
	cfg := seed.Config{Seed: *seedValue, Events: *events, Days: *days, End: endDay, Until: until, Progress: os.Stderr}
	if err := cfg.Validate(); err != nil {
		return err
	}

	ctx := context.Background()
	pool, err := store.OpenURL(ctx, *dbURL, "", 0) // UTC sessions, whatever the database's default
	if err != nil {
		return err
	}
	defer pool.Close()
	version, err := store.Migrate(ctx, pool)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprintf(os.Stderr, "schema at version %d\n", version)
	if *ifEmpty {
		empty, err := seed.IsEmpty(ctx, pool)
		if err != nil {
			return err
		}
		if !empty {
			fmt.Fprintln(os.Stderr, "events already present; nothing to do")
			return nil
		}
	}
	if *reset {
		if err := seed.Reset(ctx, pool); err != nil {
			return err
		}
	}
	res, err := seed.Run(ctx, pool, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %d events, %d billing line items, %d FX rates for %s..%s\n",
		res.Events, res.LineItems, res.FXRates, res.Manifest.Start, res.Manifest.End)
	if *starter {
		rows, aliases, err := pricing.ParseFile(pricing.Starter)
		if err != nil {
			return err
		}
		applied, err := pricing.Apply(ctx, pool, rows, aliases...)
		if err != nil {
			return fmt.Errorf("starter price book: %w", err)
		}
		fmt.Fprintf(os.Stderr, "starter price book: %d prices added, %d already in force\n", applied.Added, applied.Unchanged)
	}
	if *manifest != "" {
		f, err := os.Create(*manifest)
		if err != nil {
			return err
		}
		defer f.Close()
		return seed.WriteManifest(f, res.Manifest)
	}
	return nil
}
