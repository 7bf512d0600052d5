package pricing

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
)

// RepriceReport says what recomputing priced cost over a range changed.
type RepriceReport struct {
	Examined      int               `json:"examined"`
	Changed       int               `json:"changed"`
	NewlyPriced   int               `json:"newlyPriced"`
	NewlyUnpriced int               `json:"newlyUnpriced"`
	Delta         map[string]string `json:"delta"` // per currency: new total minus old total
}

// Reprice recomputes priced_cost, price_currency and price_id of the events in
// [from, to) (one tenant's, when tenant is set) with the current price book, in one
// transaction, and reports the difference.
func Reprice(ctx context.Context, pool *pgxpool.Pool, from, to time.Time, tenant string) (RepriceReport, error) {
	rep := RepriceReport{Delta: map[string]string{}}
	delta := map[string]decimal.Decimal{}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		book, err := LoadBook(ctx, tx)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT tenant, request_id, ts, provider, model, input_tokens, output_tokens, cached_input_tokens,
			cache_write_tokens, cache_write_1h_tokens, reasoning_tokens, service_tier, request_count, context_tokens, gpu_seconds::text, priced_cost::text, price_currency::text, price_id
			FROM costlens.cost_events WHERE ts >= $1 AND ts < $2 AND ($3 = '' OR tenant = $3)`, from, to, tenant)
		if err != nil {
			return err
		}
		var tenants, ids, costs, currencies []*string
		var stamps []time.Time
		var priceIDs []*int64
		for rows.Next() {
			var t, id, provider, model string
			var ts time.Time
			var in, out, cached, write, write1h, reasoning, requests int64
			var tier string
			var context *int64
			var gpuText, oldCost, oldCur *string
			var oldID *int64
			if err := rows.Scan(&t, &id, &ts, &provider, &model, &in, &out, &cached, &write, &write1h, &reasoning, &tier, &requests, &context, &gpuText, &oldCost, &oldCur, &oldID); err != nil {
				rows.Close()
				return err
			}
			rep.Examined++
			u := Usage{Input: in, Output: out, Cached: cached, CacheWrite: write, CacheWrite1h: write1h, Reasoning: reasoning, ServiceTier: tier, Requests: &requests, ContextTokens: context}
			if gpuText != nil {
				g := decimal.RequireFromString(*gpuText)
				u.GPUSeconds = &g
			}
			p, ok := book.PriceFor(provider, model, ts, u)
			var newCost, newCur *string
			var newID *int64
			if ok {
				c := p.Cost.String()
				newCost, newCur, newID = &c, &p.Currency, &p.PriceID
			}
			if sameCost(oldCost, oldCur, newCost, newCur) && equalID(oldID, newID) {
				continue
			}
			rep.Changed++
			switch {
			case oldCost == nil && newCost != nil:
				rep.NewlyPriced++
			case oldCost != nil && newCost == nil:
				rep.NewlyUnpriced++
			}
			if oldCost != nil {
				delta[*oldCur] = delta[*oldCur].Sub(decimal.RequireFromString(*oldCost))
			}
			if newCost != nil {
				delta[*newCur] = delta[*newCur].Add(p.Cost)
			}
			tt, ii := t, id
			tenants, ids, stamps = append(tenants, &tt), append(ids, &ii), append(stamps, ts)
			costs, currencies, priceIDs = append(costs, newCost), append(currencies, newCur), append(priceIDs, newID)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE costlens.cost_events e
			SET priced_cost = u.cost::numeric, price_currency = u.currency, price_id = u.price_id
			FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::bigint[])
			  AS u(tenant, request_id, ts, cost, currency, price_id)
			WHERE e.tenant = u.tenant AND e.request_id = u.request_id AND e.ts = u.ts`,
			tenants, ids, stamps, costs, currencies, priceIDs)
		return err
	})
	for cur, d := range delta {
		rep.Delta[cur] = d.String()
	}
	return rep, err
}

func sameCost(oldCost, oldCur, newCost, newCur *string) bool {
	if oldCost == nil || newCost == nil {
		return oldCost == nil && newCost == nil
	}
	return *oldCur == *newCur && decimal.RequireFromString(*oldCost).Equal(decimal.RequireFromString(*newCost))
}

func equalID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
