package pricing

import (
	"context"
	_ "embed"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/store"
)

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// LoadBook reads the whole price book (history included: PriceFor picks by time).
func LoadBook(ctx context.Context, db querier) (*Book, error) {
	rows, err := LoadRows(ctx, db, false)
	if err != nil {
		return nil, err
	}
	aliases, err := loadAliases(ctx, db)
	if err != nil {
		return nil, err
	}
	return NewBookWithAliases(rows, aliases), nil
}

// LoadRows reads price rows ordered by provider, model, usage and tier; current only
// keeps the rows still open (no effective_to).
func LoadRows(ctx context.Context, db querier, current bool) ([]Row, error) {
	rows, err := db.Query(ctx, `SELECT id, provider, model, model_is_pattern, usage_type, service_tier, unit_price::text, unit, currency::text,
		min_context_tokens, effective_from, effective_to, checked_on, source FROM costlens.price_book
		WHERE NOT $1 OR effective_to IS NULL
		ORDER BY provider, model, service_tier, usage_type, min_context_tokens, effective_from`, current)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		var price string
		if err := rows.Scan(&r.ID, &r.Provider, &r.Model, &r.ModelIsPattern, &r.UsageType, &r.ServiceTier, &price, &r.Unit, &r.Currency,
			&r.MinContextTokens, &r.EffectiveFrom, &r.EffectiveTo, &r.CheckedOn, &r.Source); err != nil {
			return nil, err
		}
		r.UnitPrice = decimal.RequireFromString(price)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Starter is the starter price book shipped with Costlens (starter-price-book.yaml):
// public list prices, each with its source and the date it was checked.
//
//go:embed starter-price-book.yaml
var Starter []byte

// ApplyResult counts what loading a price book file changed. Dropped names the prices
// in force that the file no longer has: they are reported, not closed, since a file
// may hold only part of the book (close one by giving it a new price).
type ApplyResult struct {
	Added, Changed, Unchanged int
	Dropped                   []string
	// Aliases counts the aliases added or changed.
	Aliases int
}

// Apply loads price rows keeping history. Each row is matched first with the stored
// row of the same key and effective_from: the same price is unchanged (so a file that
// keeps a model's old and new prices loads any number of times), a different one is a
// conflict, since history is never overwritten. Otherwise a different price closes the
// row in force at the new effective_from and opens a new one; a backdated change is a
// conflict. Loading the same file twice changes nothing. The file's aliases are stored
// in the same transaction.
func Apply(ctx context.Context, pool *pgxpool.Pool, rows []Row, aliases ...Alias) (ApplyResult, error) {
	var res ApplyResult
	// oldest first, so a file's history of one price is applied in order
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b Row) int { return a.EffectiveFrom.Compare(b.EffectiveFrom) })
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		inFile := map[string]bool{}
		for _, r := range rows {
			inFile[r.key()] = true
			var price, unit, currency string
			err := tx.QueryRow(ctx, `SELECT unit_price::text, unit, currency::text FROM costlens.price_book
				WHERE provider = $1 AND model = $2 AND usage_type = $3 AND min_context_tokens = $4 AND effective_from = $5 AND service_tier = $6`,
				r.Provider, r.Model, r.UsageType, r.MinContextTokens, r.EffectiveFrom, r.ServiceTier).Scan(&price, &unit, &currency)
			switch {
			case err == nil && r.samePrice(price, unit, currency):
				res.Unchanged++
				continue
			case err == nil:
				return &ConflictError{Row: r, InForceFrom: r.EffectiveFrom, Restated: price + " " + currency + " per " + unit}
			case err != pgx.ErrNoRows:
				return err
			}
			var id int64
			var from time.Time
			err = tx.QueryRow(ctx, `SELECT id, unit_price::text, unit, currency::text, effective_from FROM costlens.price_book
				WHERE provider = $1 AND model = $2 AND usage_type = $3 AND min_context_tokens = $4 AND service_tier = $5 AND effective_to IS NULL
				FOR UPDATE`, r.Provider, r.Model, r.UsageType, r.MinContextTokens, r.ServiceTier).Scan(&id, &price, &unit, &currency, &from)
			switch {
			case err == pgx.ErrNoRows:
				res.Added++
			case err != nil:
				return err
			case r.samePrice(price, unit, currency):
				res.Unchanged++
				continue
			case !r.EffectiveFrom.After(from):
				return &ConflictError{Row: r, InForceFrom: from}
			default:
				if _, err := tx.Exec(ctx, "UPDATE costlens.price_book SET effective_to = $2 WHERE id = $1", id, r.EffectiveFrom); err != nil {
					return err
				}
				res.Changed++
			}
			if _, err := tx.Exec(ctx, `INSERT INTO costlens.price_book (provider, model, model_is_pattern, usage_type, unit_price, unit,
				currency, min_context_tokens, effective_from, checked_on, source, service_tier) VALUES ($1, $2, $3, $4, $5::numeric, $6, $7, $8, $9, $10, $11, $12)`,
				r.Provider, r.Model, r.ModelIsPattern, r.UsageType, store.Numeric(&r.UnitPrice), r.Unit, r.Currency, r.MinContextTokens,
				r.EffectiveFrom, r.CheckedOn, r.Source, r.ServiceTier); err != nil {
				return err
			}
		}
		var err error
		if res.Aliases, err = applyAliases(ctx, tx, aliases); err != nil {
			return err
		}
		open, err := LoadRows(ctx, tx, true)
		if err != nil {
			return err
		}
		for _, o := range open {
			if !inFile[o.key()] {
				res.Dropped = append(res.Dropped, o.key())
			}
		}
		return nil
	})
	return res, err
}

// key names one price: provider, model, usage and tier.
func (r Row) key() string {
	k := r.Provider + " " + r.Model + " " + r.UsageType
	if r.ServiceTier != "" {
		k += " (" + r.ServiceTier + ")"
	}
	if r.MinContextTokens > 0 {
		k += fmt.Sprintf(" from %d tokens", r.MinContextTokens)
	}
	return k
}

func (r Row) samePrice(price, unit, currency string) bool {
	return decimal.RequireFromString(price).Equal(r.UnitPrice) && unit == r.Unit && currency == r.Currency
}

// ConflictError: a changed price must take effect after the one it replaces, and a
// stored price is never restated (Restated is the stored one when that was tried).
type ConflictError struct {
	Row         Row
	InForceFrom time.Time
	Restated    string
}

func (e *ConflictError) Error() string {
	if e.Restated != "" {
		return "price book: " + e.Row.key() + " from " + e.Row.EffectiveFrom.Format(time.RFC3339) + " is stored as " + e.Restated +
			", not " + e.Row.UnitPrice.String() + " " + e.Row.Currency + " per " + e.Row.Unit +
			": history is not rewritten; give the new price a later effective_from"
	}
	return "price book: " + e.Row.Provider + " " + e.Row.Model + " " + e.Row.UsageType + " changes on " +
		e.Row.EffectiveFrom.Format(time.DateOnly) + ", not after the price in force since " + e.InForceFrom.Format(time.DateOnly) +
		": give the new price a later effective_from"
}
