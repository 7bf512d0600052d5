package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/store"
)

// writeReferenceData writes the price book, FX rates (weekdays only), model versions,
// unit conversions and the hourly CNY billing of the self-hosted GPU instances.
func writeReferenceData(ctx context.Context, pool *pgxpool.Pool, cfg Config, res *Result) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		effective := cfg.Start().AddDate(0, 0, -30)
		for _, p := range tokenPrices {
			for _, u := range []struct{ usage, price string }{{"input", p.input}, {"output", p.output}, {"cached_input", p.cached}} {
				if _, err := tx.Exec(ctx, `INSERT INTO costlens.price_book
					(provider, model, usage_type, unit_price, unit, currency, effective_from, source)
					VALUES ($1, $2, $3, $4::numeric, '1m_tokens', $5, $6, 'costlens seed')
					ON CONFLICT DO NOTHING`, p.provider, p.model, u.usage, u.price, p.currency, effective); err != nil {
					return fmt.Errorf("price book: %w", err)
				}
			}
		}

		// FX: a random walk around 7.2 CNY per USD and 1.08 USD per EUR, fixed on weekdays only.
		rng := rand.New(rand.NewPCG(cfg.Seed, 0xfeedface))
		usdcny, eurusd := 7.20, 1.08
		var fxRows [][]any
		for d := cfg.Start().AddDate(0, 0, -10); d.Before(cfg.End); d = d.AddDate(0, 0, 1) {
			usdcny += rng.NormFloat64() * 0.01
			eurusd += rng.NormFloat64() * 0.002
			if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
				continue
			}
			fxRows = append(fxRows,
				[]any{d, "USD", "CNY", numericOf(decimal.NewFromFloat(usdcny).Round(4)), "costlens seed"},
				[]any{d, "EUR", "USD", numericOf(decimal.NewFromFloat(eurusd).Round(4)), "costlens seed"})
		}
		n, err := store.CopyRows(ctx, tx, "fx_rates", []string{"rate_date", "base", "quote", "rate", "source"}, pgx.CopyFromRows(fxRows))
		if err != nil {
			return fmt.Errorf("fx rates: %w", err)
		}
		res.FXRates = n

		for _, m := range modelVersions {
			deployed := cfg.Start().AddDate(0, 0, -7)
			// A version whose traffic stopped keeps retired_at empty: its deployment was
			// never torn down, which is what the pruning recommendation has to find.
			if _, err := tx.Exec(ctx, `INSERT INTO costlens.model_versions
				(model_version, model, version, quantization, params, instance_type, gpu_type, gpus, provider, region, resource_id, deployed_at, retired_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (model_version) DO NOTHING`,
				m.key, m.model, m.version, m.quantization, m.params, m.instanceType, m.gpuType, m.gpus, m.provider, m.region,
				m.resourceID, deployed, nil); err != nil {
				return fmt.Errorf("model versions: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO costlens.unit_conversions (from_unit, subject, to_unit, factor, note) VALUES
			('gpu-hour', 'A100', 'a100-hour', 1, 'reference unit'),
			('gpu-hour', 'A10', 'a100-hour', 0.25, 'A10 ~ 1/4 A100 for LLM serving'),
			('gpu-hour', 'T4', 'a100-hour', 0.125, 'T4 ~ 1/8 A100'),
			('vgpu-second', 'A100', 'a100-hour', 0.0000347222222222222222, '1 vGPU = 1/8 A100; 1/8/3600'),
			('instance-hour', 'ecs.gn7i-c32g1.8xlarge', 'a100-hour', 0.25, '1 x A10'),
			('instance-hour', 'ecs.gn6i-c4g1.xlarge', 'a100-hour', 0.125, '1 x T4'),
			('instance-hour', 'ecs.gn7e-c16g1.16xlarge', 'a100-hour', 1, '1 x A100 80G slice')
			ON CONFLICT DO NOTHING`); err != nil {
			return fmt.Errorf("unit conversions: %w", err)
		}

		// one hourly line per self-hosted instance, billed in CNY, for every hour of the window
		var lines [][]any
		seen := map[string]bool{}
		for _, m := range modelVersions {
			if m.resourceID == "" || seen[m.resourceID] {
				continue
			}
			seen[m.resourceID] = true
			var versions []string
			for _, o := range modelVersions {
				if o.resourceID == m.resourceID {
					versions = append(versions, o.key)
				}
			}
			price := hourlyInstancePriceCNY[m.instanceType].Mul(decimal.NewFromInt(int64(m.gpus)))
			for h := cfg.Start(); h.Before(cfg.End) && (cfg.Until.IsZero() || h.Before(cfg.Until)); h = h.Add(time.Hour) {
				tags := map[string]any{"deployment": m.resourceID}
				if len(versions) == 1 {
					tags["model_version"] = versions[0]
				}
				lines = append(lines, []any{"acme", "alibaba", "acct-cn-01", m.region, m.resourceID, m.instanceType,
					h, h.Add(time.Hour), "instance-hour", numericOf(decimal.NewFromInt(1)), numericOf(price), "CNY", tags})
			}
		}
		n, err = store.CopyRows(ctx, tx, "billing_line_items",
			[]string{"tenant", "provider", "billing_account", "region", "resource_id", "resource_type", "charge_period_start",
				"charge_period_end", "pricing_unit", "consumed_quantity", "billed_cost", "billing_currency", "tags"},
			pgx.CopyFromRows(lines))
		if err != nil {
			return fmt.Errorf("billing line items: %w", err)
		}
		res.LineItems = n
		return nil
	})
}

func numericOf(d decimal.Decimal) any { return store.Numeric(&d) }

// Reset empties every table the generator writes.
func Reset(ctx context.Context, pool *pgxpool.Pool) error {
	_, err := pool.Exec(ctx, `TRUNCATE costlens.cost_events, costlens.event_keys, costlens.billing_line_items,
		costlens.price_book, costlens.fx_rates, costlens.model_versions, costlens.unit_conversions, costlens.budgets,
		costlens.cost_hourly, costlens.cost_daily, costlens.cost_hourly_user, costlens.cost_daily_user,
		costlens.recommendation_states`)
	return err
}

// IsEmpty reports whether there are no events yet.
func IsEmpty(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	var any bool
	err := pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM costlens.cost_events)").Scan(&any)
	return !any, err
}
