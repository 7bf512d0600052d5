package seed

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/pricing"
	"github.com/costlens/costlens/pkg/store"
)

// Config says what to generate.
type Config struct {
	Seed   uint64
	Events int       // baseline events; spikes add a few more
	Days   int       // days of history, ending at End
	End    time.Time // exclusive: midnight UTC after the last generated day
	// Until, when set, is a cut-off inside the last day: nothing is generated at or
	// after it (the CLI's default end is tomorrow, and events must not be in the future).
	Until time.Time
	// Progress, when set, receives a line now and then on long runs.
	Progress io.Writer
}

// Limits on Config.Events.
const (
	MinEvents = 10_000
	MaxEvents = 10_000_000
)

// Validate checks the configuration and names the bad field.
func (c Config) Validate() error {
	if c.Events < MinEvents || c.Events > MaxEvents {
		return fmt.Errorf("events: %d is outside %d..%d", c.Events, MinEvents, MaxEvents)
	}
	if c.Days < 90 || c.Days > 730 {
		return fmt.Errorf("days: %d is outside 90..730", c.Days)
	}
	if c.End.IsZero() || !c.End.Equal(c.End.Truncate(24*time.Hour)) {
		return fmt.Errorf("end: %s is not a midnight UTC", c.End)
	}
	return nil
}

// Start is the first generated day.
func (c Config) Start() time.Time { return c.End.AddDate(0, 0, -c.Days) }

// Spike is an injected anomaly: on Day, events whose Dimension is Value run at Factor
// times their usual rate between 10:00 and 16:00 UTC.
type Spike struct {
	Day       string  `json:"day"`
	Dimension string  `json:"dimension"`
	Value     string  `json:"value"`
	Factor    float64 `json:"factor"`
}

// Manifest records what the generator injected, for evaluating anomaly detection.
type Manifest struct {
	Seed   uint64  `json:"seed"`
	Start  string  `json:"start"`
	End    string  `json:"end"`
	Events int     `json:"events"`
	Spikes []Spike `json:"spikes"`
}

// Spikes are placed relative to the end, so every run has them inside its window.
func (c Config) Spikes() []Spike {
	day := func(back int) string { return c.End.AddDate(0, 0, -back).Format(time.DateOnly) }
	return []Spike{
		{Day: day(8), Dimension: "user", Value: "u-acme-03", Factor: 6},
		{Day: day(20), Dimension: "feature", Value: "summarize", Factor: 4},
		{Day: day(45), Dimension: "model_version", Value: "claude-3-5-sonnet-v2", Factor: 3},
		{Day: day(61), Dimension: "feature", Value: "agent", Factor: 5},
	}
}

// weekday seasonality and the diurnal curve, UTC
var weekdayWeight = map[time.Weekday]float64{
	time.Monday: 1.05, time.Tuesday: 1.10, time.Wednesday: 1.10, time.Thursday: 1.05,
	time.Friday: 0.95, time.Saturday: 0.50, time.Sunday: 0.45,
}

func hourWeight(h int) float64 { return 0.35 + 0.65*math.Pow(math.Sin(math.Pi*float64(h)/24), 2) }

// event is one generated row.
type event struct {
	tenant, requestID               string
	ts                              time.Time
	feature, user                   string
	mv                              *modelVersion
	input, output, cached           int64
	latencyMS                       int32
	gpuSeconds, reported, priced    *decimal.Decimal
	reportedCurrency, priceCurrency *string
}

type generator struct {
	cfg      Config
	rng      *rand.Rand
	prices   map[string]pricing.TokenPrice
	n        int
	weights  []float64 // per hour slot
	totalW   float64
	spikes   map[string][]Spike // by day
	produced int
}

func newGenerator(cfg Config) *generator {
	g := &generator{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)), prices: map[string]pricing.TokenPrice{}, spikes: map[string][]Spike{}}
	for _, p := range tokenPrices {
		g.prices[p.model] = pricing.TokenPrice{Currency: p.currency, InputPerMTok: decimal.RequireFromString(p.input),
			OutputPerMTok: decimal.RequireFromString(p.output), CachedPerMTok: decimal.RequireFromString(p.cached)}
	}
	for _, s := range cfg.Spikes() {
		g.spikes[s.Day] = append(g.spikes[s.Day], s)
	}
	start := cfg.Start()
	for d := 0; d < cfg.Days; d++ {
		day := start.AddDate(0, 0, d)
		// a gentle upward trend: the last day runs about 30% above the first
		trend := 1 + 0.3*float64(d)/float64(cfg.Days)
		for h := 0; h < 24; h++ {
			w := weekdayWeight[day.Weekday()] * hourWeight(h) * trend
			g.weights = append(g.weights, w)
			g.totalW += w
		}
	}
	return g
}

func pick[T any](rng *rand.Rand, items []T, weight func(T) float64) *T {
	total := 0.0
	for _, it := range items {
		total += weight(it)
	}
	x := rng.Float64() * total
	for i := range items {
		x -= weight(items[i])
		if x < 0 {
			return &items[i]
		}
	}
	return &items[len(items)-1]
}

func userOf(t string, i int) string { return fmt.Sprintf("u-%s-%02d", t, i+1) }

// each emits every event in time order; fn's error stops the walk.
func (g *generator) each(fn func(e *event) error) error {
	start := g.cfg.Start()
	carry := 0.0
	for slot, w := range g.weights {
		hourStart := start.Add(time.Duration(slot) * time.Hour)
		dayKey := hourStart.Format(time.DateOnly)
		exact := float64(g.cfg.Events)*w/g.totalW + carry
		count := int(exact)
		carry = exact - float64(count)
		type forced struct{ dim, value string }
		var force []forced
		for i := 0; i < count; i++ {
			force = append(force, forced{})
		}
		if h := hourStart.Hour(); h >= 10 && h < 16 {
			for _, s := range g.spikes[dayKey] {
				extra := int(math.Round(float64(count) * (s.Factor - 1) * shareOf(s.Dimension, s.Value)))
				for i := 0; i < extra; i++ {
					force = append(force, forced{s.Dimension, s.Value})
				}
			}
		}
		for _, f := range force {
			e := g.event(hourStart, f.dim, f.value)
			if e == nil || (!g.cfg.Until.IsZero() && !e.ts.Before(g.cfg.Until)) {
				continue
			}
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// shareOf is the usual share of traffic a dimension value has.
func shareOf(dim, value string) float64 {
	switch dim {
	case "feature":
		for _, f := range features {
			if f.name == value {
				return f.weight
			}
		}
	case "model_version":
		total := 0.0
		for _, m := range modelVersions {
			total += m.weight
		}
		for _, m := range modelVersions {
			if m.key == value {
				return m.weight / total
			}
		}
	case "user":
		for _, t := range tenants {
			for i := 0; i < usersPerTenant; i++ {
				if userOf(t.name, i) == value {
					return t.weight / usersPerTenant
				}
			}
		}
	}
	return 0
}

func (g *generator) event(hourStart time.Time, forceDim, forceValue string) *event {
	rng := g.rng
	e := &event{ts: hourStart.Add(time.Duration(rng.Int64N(int64(time.Hour/time.Millisecond))) * time.Millisecond)}
	t := pick(rng, tenants, func(t tenant) float64 { return t.weight })
	userIdx := rng.IntN(usersPerTenant)
	f := pick(rng, features, func(f feature) float64 { return f.weight })
	daysBeforeEnd := int(g.cfg.End.Sub(hourStart).Hours() / 24)
	mv := pick(rng, modelVersions, func(m modelVersion) float64 {
		if m.retiredDaysBeforeEnd > 0 && daysBeforeEnd < m.retiredDaysBeforeEnd {
			return 0
		}
		return m.weight
	})
	switch forceDim {
	case "feature":
		for i := range features {
			if features[i].name == forceValue {
				f = &features[i]
			}
		}
	case "model_version":
		for i := range modelVersions {
			if modelVersions[i].key == forceValue {
				mv = &modelVersions[i]
			}
		}
	case "user":
		for i := range tenants {
			for u := 0; u < usersPerTenant; u++ {
				if userOf(tenants[i].name, u) == forceValue {
					t, userIdx = &tenants[i], u
				}
			}
		}
	}
	g.produced++
	e.tenant, e.user, e.feature, e.mv = t.name, userOf(t.name, userIdx), f.name, mv
	e.requestID = fmt.Sprintf("req-%09d", g.produced)

	// token counts spread log-normally around the feature's typical size
	spread := func(typical int) int64 {
		if typical == 0 {
			return 0
		}
		return int64(math.Max(1, math.Round(float64(typical)*math.Exp(rng.NormFloat64()*0.5-0.125))))
	}
	prompt := spread(f.input)
	e.cached = int64(math.Round(float64(prompt) * f.cachedShare * rng.Float64() * 2))
	if e.cached > prompt {
		e.cached = prompt
	}
	e.input = prompt - e.cached
	e.output = spread(f.output)
	e.latencyMS = int32(150 + e.output*18 + int64(rng.IntN(200)))

	if mv.resourceID != "" {
		gs := decimal.NewFromInt(int64(e.latencyMS) * int64(mv.gpus)).Div(decimal.NewFromInt(1000))
		e.gpuSeconds = &gs
	}
	if mv.priceKey != "" {
		p := g.prices[mv.priceKey]
		cost := p.TokenCost(e.input, e.output, e.cached)
		cur := p.Currency
		e.priced, e.priceCurrency = &cost, &cur
		// most callers report what they were charged; a fifth do not
		if rng.Float64() < 0.8 {
			rc, rcur := cost, cur
			e.reported, e.reportedCurrency = &rc, &rcur
		}
	}
	return e
}

var eventColumns = []string{"tenant", "request_id", "ts", "feature", "user_id", "model", "model_version", "provider", "region",
	"input_tokens", "output_tokens", "cached_input_tokens", "latency_ms", "gpu_seconds",
	"reported_cost", "reported_currency", "priced_cost", "price_currency", "price_id"}

// Result says what Run wrote.
type Result struct {
	Events    int64
	LineItems int64
	FXRates   int64
	Manifest  Manifest
}

// Run writes the data set into an empty (or reset) costlens schema.
func Run(ctx context.Context, pool *pgxpool.Pool, cfg Config) (Result, error) {
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	res := Result{Manifest: Manifest{Seed: cfg.Seed, Start: cfg.Start().Format(time.DateOnly), End: cfg.End.Format(time.DateOnly), Spikes: cfg.Spikes()}}
	if _, err := pool.Exec(ctx, "SELECT costlens.ensure_event_partitions($1, $2)", cfg.Start(), cfg.End); err != nil {
		return res, err
	}
	if err := writeReferenceData(ctx, pool, cfg, &res); err != nil {
		return res, err
	}
	// each priced event names the price row it was priced at (the input price), as
	// events priced on upload do
	priceIDs := map[string]int64{}
	idRows, err := pool.Query(ctx, `SELECT model, id FROM costlens.price_book WHERE usage_type = 'input' AND source = 'costlens seed'`)
	if err != nil {
		return res, err
	}
	for idRows.Next() {
		var model string
		var id int64
		if err := idRows.Scan(&model, &id); err != nil {
			idRows.Close()
			return res, err
		}
		priceIDs[model] = id
	}
	if err := idRows.Err(); err != nil {
		return res, err
	}
	g := newGenerator(cfg)
	rows := make(chan []any, 4096)
	errc := make(chan error, 1)
	go func() {
		defer close(rows)
		errc <- g.each(func(e *event) error {
			row := []any{e.tenant, e.requestID, e.ts, e.feature, e.user, e.mv.model, e.mv.key, e.mv.provider, e.mv.region,
				e.input, e.output, e.cached, e.latencyMS, store.Numeric(e.gpuSeconds),
				store.Numeric(e.reported), e.reportedCurrency, store.Numeric(e.priced), e.priceCurrency, priceID(priceIDs, e)}
			select {
			case rows <- row:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	started := time.Now()
	var written int64
	var n int64
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var err error
		n, err = store.CopyRows(ctx, tx, "cost_events", eventColumns, pgx.CopyFromFunc(func() ([]any, error) {
			row, ok := <-rows
			if !ok {
				return nil, nil
			}
			written++
			if cfg.Progress != nil && written%250_000 == 0 {
				fmt.Fprintf(cfg.Progress, "%d events written (%.0f/s)\n", written, float64(written)/time.Since(started).Seconds())
			}
			return row, nil
		}))
		return err
	})
	for range rows { // drain on a COPY failure so the producer ends
	}
	if genErr := <-errc; genErr != nil && err == nil {
		err = genErr
	}
	if err != nil {
		return res, fmt.Errorf("copy events: %w", err)
	}
	res.Events = n
	res.Manifest.Events = int(n)
	if _, err := pool.Exec(ctx, `INSERT INTO costlens.event_keys (tenant, request_id, ts)
		SELECT tenant, request_id, ts FROM costlens.cost_events WHERE ts >= $1 AND ts < $2
		ON CONFLICT DO NOTHING`, cfg.Start(), cfg.End); err != nil { // events uploaded before the seed keep their keys
		return res, fmt.Errorf("event keys: %w", err)
	}
	if cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, "%d events in %.1fs (%.0f/s)\n", n, time.Since(started).Seconds(), float64(n)/time.Since(started).Seconds())
	}
	if err := writeBudgets(ctx, pool, cfg); err != nil {
		return res, fmt.Errorf("budgets: %w", err)
	}
	// the summaries were written with the events (a trigger); fresh statistics let the
	// planner's first queries use them well
	if _, err := pool.Exec(ctx, "ANALYZE costlens.cost_hourly, costlens.cost_daily, costlens.cost_hourly_user, costlens.cost_daily_user"); err != nil {
		return res, fmt.Errorf("summaries: %w", err)
	}
	return res, nil
}

// writeBudgets sets monthly budgets from the last 30 days' spend in USD, so the alert
// rules have something to watch: the total at 105 % of it, each tenant at 100 %, and
// each user's quota at 100 % to 160 % (by a hash of the name), so some users cross 80 %.
func writeBudgets(ctx context.Context, pool *pgxpool.Pool, cfg Config) error {
	_, err := pool.Exec(ctx, `
		WITH daily AS (
			-- sum per user, day and currency first: one rate lookup per day, not per event
			SELECT tenant, user_id, (ts AT TIME ZONE 'UTC')::date AS day, price_currency, sum(priced_cost) AS cost
			FROM costlens.cost_events
			WHERE ts >= $1::timestamptz - interval '30 days' AND ts < $1 AND priced_cost IS NOT NULL
			GROUP BY 1, 2, 3, 4
		), usd AS (
			SELECT d.tenant, d.user_id,
			       CASE WHEN d.price_currency = 'USD' THEN d.cost
			            ELSE d.cost / (SELECT f.rate FROM costlens.fx_rates f
			                           WHERE f.base = 'USD' AND f.quote = d.price_currency AND f.rate_date <= d.day
			                           ORDER BY f.rate_date DESC LIMIT 1) END AS cost
			FROM daily d
		), spend AS (
			SELECT tenant, user_id, grouping(tenant) AS all_tenants, grouping(user_id) AS all_users, sum(cost) AS cost
			FROM usd GROUP BY GROUPING SETS ((), (tenant), (tenant, user_id))
		)
		INSERT INTO costlens.budgets (tenant, scope_dimension, scope_value, period, amount, currency)
		SELECT CASE WHEN all_tenants = 1 THEN '' ELSE tenant END,
		       CASE WHEN all_tenants = 1 THEN '' WHEN all_users = 1 THEN 'tenant' ELSE 'user' END,
		       CASE WHEN all_tenants = 1 THEN '' WHEN all_users = 1 THEN tenant ELSE user_id END,
		       'month',
		       -- to the cent, and at least one: a small seed's light user still has a budget
		       greatest(round(cost * CASE WHEN all_tenants = 1 THEN 1.05 WHEN all_users = 1 THEN 1.0
		                                  ELSE 1.0 + (abs(hashtext(user_id)) % 7) / 10.0 END, 2), 0.01),
		       'USD'
		FROM spend WHERE cost > 0
		ON CONFLICT (tenant, scope_dimension, scope_value, period) DO NOTHING`, cfg.End)
	return err
}

// WriteManifest writes the manifest as indented JSON.
func WriteManifest(w io.Writer, m Manifest) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

func priceID(ids map[string]int64, e *event) *int64 {
	if e.priced == nil {
		return nil
	}
	if id, ok := ids[e.mv.priceKey]; ok {
		return &id
	}
	return nil
}
