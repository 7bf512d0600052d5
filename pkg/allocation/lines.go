package allocation

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// DB is what the allocation queries run on (a pgx pool or transaction).
type DB interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Allocated is one billing line and how it was split.
type Allocated struct {
	LineID     int64
	Tenant     string
	Provider   string
	Region     string
	ResourceID string
	// ResourceType is the instance type (FOCUS ResourceType), for right-sizing.
	ResourceType string
	PeriodStart  time.Time
	PeriodEnd    time.Time
	BilledCost   decimal.Decimal
	Currency     string
	Basis        Basis
	Shares       []Share
	// A100Hours is the line's consumed quantity in A100-hour equivalents, through
	// unit_conversions (pricing unit, and instance type or GPU type); nil when none applies.
	A100Hours *decimal.Decimal
	// CapacityGPUSeconds is what the resource could serve in the period (0: unknown);
	// UsedGPUSeconds is what the events on it reported.
	CapacityGPUSeconds, UsedGPUSeconds decimal.Decimal
}

// lineSQL reads the lines whose charge period starts in the range, with the GPUs the
// resource has (from the model_versions deployment facts), for the idle capacity.
const lineSQL = `
SELECT b.id, b.tenant, b.provider, b.region, b.resource_id, b.resource_type, b.charge_period_start, b.charge_period_end,
       b.billed_cost::text, b.billing_currency::text,
       coalesce((SELECT max(mv.gpus) FROM costlens.model_versions mv WHERE mv.resource_id = b.resource_id), 0)::text,
       (SELECT (b.consumed_quantity * uc.factor)::text FROM costlens.unit_conversions uc
        WHERE uc.from_unit = b.pricing_unit AND uc.to_unit = 'a100-hour'
          AND uc.subject IN (b.resource_type, '',
              coalesce((SELECT max(mv.gpu_type) FROM costlens.model_versions mv WHERE mv.resource_id = b.resource_id), ''))
        -- the instance type is the most specific subject, then the GPU type, then any
        ORDER BY uc.subject = b.resource_type DESC, uc.subject = '' ASC LIMIT 1)
FROM costlens.billing_line_items b
WHERE b.charge_period_start >= $1 AND b.charge_period_start < $2 AND ($3 = '' OR b.tenant = $3)
ORDER BY b.id`

// usageSQL sums, per line and model version, the usage of the versions the line's
// resource served: through the model_version tag, else the model_versions deployment.
// Usage is counted per whole hour (lines are hourly, on hour boundaries), so events are
// rolled up by hour first and joined on the hour rather than range-joined per line.
const usageSQL = `
WITH lines AS (
  SELECT id, resource_id, tags, charge_period_start AS s, charge_period_end AS e
  FROM costlens.billing_line_items
  WHERE charge_period_start >= $1 AND charge_period_start < $2 AND ($3 = '' OR tenant = $3)
), served AS (
  SELECT l.id, mv.model_version, l.s, l.e FROM lines l
  JOIN costlens.model_versions mv ON mv.model_version = l.tags->>'model_version'
  WHERE l.tags ? 'model_version'
  UNION ALL
  SELECT l.id, mv.model_version, l.s, l.e FROM lines l
  JOIN costlens.model_versions mv ON mv.resource_id = l.resource_id AND mv.resource_id <> ''
  WHERE NOT l.tags ? 'model_version'
), hourly AS (
  SELECT model_version, date_trunc('hour', ts, 'UTC') AS hour, sum(gpu_seconds) AS gpu_seconds,
         sum(input_tokens + output_tokens + cached_input_tokens) AS tokens
  FROM costlens.cost_events
  WHERE ts >= $1 AND ts < $2 + interval '1 day'
    AND model_version IN (SELECT model_version FROM served)
  GROUP BY 1, 2
)
SELECT s.id, h.model_version, coalesce(sum(h.gpu_seconds), 0)::text, coalesce(sum(h.tokens), 0)::bigint
FROM served s
JOIN hourly h ON h.model_version = s.model_version AND h.hour >= s.s AND h.hour < s.e
GROUP BY s.id, h.model_version`

// Allocate splits every line whose charge period starts in [from, to).
func Allocate(ctx context.Context, db DB, from, to time.Time, tenant string) ([]Allocated, error) {
	rows, err := db.Query(ctx, lineSQL, from, to, tenant)
	if err != nil {
		return nil, err
	}
	var lines []Allocated
	gpus := map[int64]decimal.Decimal{}
	for rows.Next() {
		var a Allocated
		var billed, gpuCount string
		var a100 *string
		if err := rows.Scan(&a.LineID, &a.Tenant, &a.Provider, &a.Region, &a.ResourceID, &a.ResourceType, &a.PeriodStart, &a.PeriodEnd, &billed, &a.Currency, &gpuCount, &a100); err != nil {
			rows.Close()
			return nil, err
		}
		if a.BilledCost, err = decimal.NewFromString(billed); err != nil {
			rows.Close()
			return nil, fmt.Errorf("line %d billed cost %q: %w", a.LineID, billed, err)
		}
		gpus[a.LineID] = decimal.RequireFromString(gpuCount)
		if a100 != nil {
			h := decimal.RequireFromString(*a100)
			a.A100Hours = &h
		}
		lines = append(lines, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	usage := map[int64][]Usage{}
	urows, err := db.Query(ctx, usageSQL, from, to, tenant)
	if err != nil {
		return nil, err
	}
	for urows.Next() {
		var id int64
		var u Usage
		var gs string
		if err := urows.Scan(&id, &u.ModelVersion, &gs, &u.Tokens); err != nil {
			urows.Close()
			return nil, err
		}
		u.GPUSeconds = decimal.RequireFromString(gs)
		usage[id] = append(usage[id], u)
	}
	if err := urows.Err(); err != nil {
		return nil, err
	}

	for i := range lines {
		a := &lines[i]
		seconds := decimal.NewFromFloat(a.PeriodEnd.Sub(a.PeriodStart).Seconds())
		line := Line{BilledCost: a.BilledCost, Currency: a.Currency, CapacityGPUSeconds: seconds.Mul(gpus[a.LineID])}
		a.CapacityGPUSeconds = line.CapacityGPUSeconds
		for _, u := range usage[a.LineID] {
			a.UsedGPUSeconds = a.UsedGPUSeconds.Add(u.GPUSeconds)
		}
		if a.Shares, a.Basis, err = SplitLine(line, usage[a.LineID]); err != nil {
			return nil, fmt.Errorf("line %d: %w", a.LineID, err)
		}
	}
	return lines, nil
}
