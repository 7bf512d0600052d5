package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/costlens/costlens/pkg/seed"
	"github.com/costlens/costlens/pkg/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var cfg = seed.Config{Seed: 7, Events: 20_000, Days: 90, End: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}

func seeded(t *testing.T, c seed.Config) *pgxpool.Pool {
	pool, _ := storetest.NewPool(t)
	if _, err := seed.Run(context.Background(), pool, c); err != nil {
		t.Fatal(err)
	}
	return pool
}

func fingerprint(t *testing.T, pool *pgxpool.Pool) string {
	var s string
	err := pool.QueryRow(context.Background(), `SELECT md5(string_agg(concat_ws('|', tenant, request_id, ts, feature, user_id,
		model_version, input_tokens, output_tokens, cached_input_tokens, latency_ms, gpu_seconds, reported_cost, priced_cost), ',' ORDER BY request_id))
		FROM costlens.cost_events`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSameSeedSameRowsOtherSeedOtherRows(t *testing.T) {
	a, b := seeded(t, cfg), seeded(t, cfg)
	if fa, fb := fingerprint(t, a), fingerprint(t, b); fa != fb {
		t.Fatalf("same seed, different rows: %s vs %s", fa, fb)
	}
	other := cfg
	other.Seed = 8
	if fingerprint(t, a) == fingerprint(t, seeded(t, other)) {
		t.Fatal("a different seed gave the same rows")
	}
}

func TestShapeOfTheData(t *testing.T) {
	pool := seeded(t, cfg)
	ctx := context.Background()
	var events, tenants, users, features, models, versions, providers, cnyEvents, unpriced int
	var first, last time.Time
	err := pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT tenant), count(DISTINCT user_id), count(DISTINCT feature),
		count(DISTINCT model), count(DISTINCT model_version), count(DISTINCT provider),
		count(*) FILTER (WHERE price_currency = 'CNY'), count(*) FILTER (WHERE priced_cost IS NULL), min(ts), max(ts)
		FROM costlens.cost_events`).Scan(&events, &tenants, &users, &features, &models, &versions, &providers, &cnyEvents, &unpriced, &first, &last)
	if err != nil {
		t.Fatal(err)
	}
	// 20,000 baseline events; the four spikes add extra events on their days
	if events < 20_000 || events > 21_000 {
		t.Errorf("events = %d, want 20,000 plus spikes", events)
	}
	if tenants != 3 || users != 24 || features != 7 || models < 4 || versions < 10 || providers != 3 {
		t.Errorf("tenants %d users %d features %d models %d versions %d providers %d", tenants, users, features, models, versions, providers)
	}
	if cnyEvents == 0 || unpriced == 0 {
		t.Errorf("CNY-priced events %d, unpriced %d: want both present", cnyEvents, unpriced)
	}
	if first.Before(cfg.Start()) || !last.Before(cfg.End) {
		t.Errorf("events span %s..%s, want inside %s..%s", first, last, cfg.Start(), cfg.End)
	}

	// Weekly seasonality: an average weekday carries about twice a weekend day.
	var weekday, weekend float64
	if err := pool.QueryRow(ctx, `SELECT
		count(*) FILTER (WHERE extract(isodow FROM ts AT TIME ZONE 'UTC') < 6)::float / count(DISTINCT date_trunc('day', ts, 'UTC')) FILTER (WHERE extract(isodow FROM ts AT TIME ZONE 'UTC') < 6),
		count(*) FILTER (WHERE extract(isodow FROM ts AT TIME ZONE 'UTC') >= 6)::float / count(DISTINCT date_trunc('day', ts, 'UTC')) FILTER (WHERE extract(isodow FROM ts AT TIME ZONE 'UTC') >= 6)
		FROM costlens.cost_events`).Scan(&weekday, &weekend); err != nil {
		t.Fatal(err)
	}
	if ratio := weekday / weekend; ratio < 1.7 || ratio > 2.6 {
		t.Errorf("weekday/weekend = %.2f, want about 2.2 (1.07 / 0.475 average weights)", ratio)
	}

	// The retired version gets no traffic in its last 12 days but its instance is still billed.
	var recent, billed int
	if err := pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM costlens.cost_events WHERE model_version = 'llama-3-70b-instruct-v1-fp16' AND ts >= $1),
		(SELECT count(*) FROM costlens.billing_line_items WHERE resource_id = 'eas-llama70b-v1' AND charge_period_start >= $1)`,
		cfg.End.AddDate(0, 0, -12)).Scan(&recent, &billed); err != nil {
		t.Fatal(err)
	}
	if recent != 0 || billed != 12*24 {
		t.Errorf("retired version: %d recent events (want 0), %d billed hours (want 288)", recent, billed)
	}

	// FX rates only on weekdays
	var weekendRates int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM costlens.fx_rates WHERE extract(isodow FROM rate_date) >= 6").Scan(&weekendRates); err != nil {
		t.Fatal(err)
	}
	if weekendRates != 0 {
		t.Errorf("%d weekend FX rates, want none", weekendRates)
	}
}

func TestSpikesInTheManifestStandOut(t *testing.T) {
	pool := seeded(t, cfg)
	for _, s := range cfg.Spikes() {
		col := map[string]string{"feature": "feature", "user": "user_id", "model_version": "model_version"}[s.Dimension]
		var spikeDay, usual float64
		// events of the spiking value from 10:00 to 16:00 on its day vs the same hours of
		// the same weekday in the 4 weeks before
		err := pool.QueryRow(context.Background(), `SELECT
			count(*) FILTER (WHERE (ts AT TIME ZONE 'UTC')::date = $2::date),
			count(*) FILTER (WHERE (ts AT TIME ZONE 'UTC')::date IN ($2::date - 7, $2::date - 14, $2::date - 21, $2::date - 28)) / 4.0
			FROM costlens.cost_events WHERE `+col+` = $1 AND extract(hour FROM ts AT TIME ZONE 'UTC') BETWEEN 10 AND 15`, s.Value, s.Day).Scan(&spikeDay, &usual)
		if err != nil {
			t.Fatal(err)
		}
		// those hours run at F times the usual rate (less the small upward trend); allow for noise
		if spikeDay < usual*s.Factor*0.6 {
			t.Errorf("spike %+v: %v events that day vs %v usually", s, spikeDay, usual)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	bad := cfg
	bad.Events = 100
	if err := bad.Validate(); err == nil || err.Error() != "events: 100 is outside 10000..10000000" {
		t.Errorf("err = %v", err)
	}
	bad = cfg
	bad.End = bad.End.Add(time.Hour)
	if err := bad.Validate(); err == nil {
		t.Error("an end that is not midnight was accepted")
	}
}

// The documented minimum, ending mid-day as the CLI's default does, on a database whose
// default zone is not UTC, as the Grafana role: it loads, nothing lies in the future,
// every budget is positive, and --reset empties the summaries too.
func TestSmallestSeedEndingNow(t *testing.T) {
	ctx := context.Background()
	until := time.Date(2026, 2, 28, 15, 30, 0, 0, time.UTC)
	db := storetest.New(t)
	pool := db.Role
	if _, err := seed.Run(ctx, pool, seed.Config{Seed: 1, Events: seed.MinEvents, Days: 90, End: cfg.End, Until: until}); err != nil {
		t.Fatal(err)
	}
	var newestEvent, newestLine time.Time
	var budgets, zero int
	if err := pool.QueryRow(ctx, `SELECT (SELECT max(ts) FROM costlens.cost_events),
		(SELECT max(charge_period_start) FROM costlens.billing_line_items),
		(SELECT count(*) FROM costlens.budgets), (SELECT count(*) FROM costlens.budgets WHERE amount <= 0)`).
		Scan(&newestEvent, &newestLine, &budgets, &zero); err != nil {
		t.Fatal(err)
	}
	if !newestEvent.Before(until) || !newestLine.Before(until) {
		t.Errorf("newest event %s, newest line %s: want both before %s", newestEvent, newestLine, until)
	}
	if budgets == 0 || zero != 0 {
		t.Errorf("%d budgets, %d of them not positive", budgets, zero)
	}
	// every priced event names the price row (input price of its model) it was priced at
	var unnamed, wrong int
	if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE e.price_id IS NULL),
		count(*) FILTER (WHERE e.price_id IS NOT NULL AND (p.usage_type <> 'input' OR p.currency <> e.price_currency))
		FROM costlens.cost_events e LEFT JOIN costlens.price_book p ON p.id = e.price_id WHERE e.priced_cost IS NOT NULL`).
		Scan(&unnamed, &wrong); err != nil || unnamed != 0 || wrong != 0 {
		t.Errorf("priced events without a price id: %d, with a wrong one: %d (%v)", unnamed, wrong, err)
	}
	const summaryRows = `SELECT (SELECT count(*) FROM costlens.cost_hourly) + (SELECT count(*) FROM costlens.cost_daily)
		+ (SELECT count(*) FROM costlens.cost_hourly_user) + (SELECT count(*) FROM costlens.cost_daily_user)`
	var summarised int
	if err := pool.QueryRow(ctx, summaryRows).Scan(&summarised); err != nil || summarised == 0 {
		t.Errorf("the seed left %d summary rows (%v)", summarised, err)
	}
	if err := seed.Reset(ctx, db.Owner); err != nil { // TRUNCATE is the owner's
		t.Fatal(err)
	}
	var left int
	if err := pool.QueryRow(ctx, summaryRows+` + (SELECT count(*) FROM costlens.cost_events)`).Scan(&left); err != nil || left != 0 {
		t.Errorf("after reset %d rows left in events and summaries (%v)", left, err)
	}
}
