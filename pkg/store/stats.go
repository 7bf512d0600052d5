package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Stats are the row counts the health check reports.
type Stats struct {
	Events, LineItems, Prices, FXRates int64
	NewestEvent                        *time.Time
}

// ReadStats counts rows; with a tenant, only that tenant's events and line items.
func ReadStats(ctx context.Context, pool *pgxpool.Pool, tenant string) (Stats, error) {
	var s Stats
	err := pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM costlens.cost_events WHERE $1 = '' OR tenant = $1),
		(SELECT max(ts) FROM costlens.cost_events WHERE $1 = '' OR tenant = $1),
		(SELECT count(*) FROM costlens.billing_line_items WHERE $1 = '' OR tenant = $1),
		(SELECT count(*) FROM costlens.price_book),
		(SELECT count(*) FROM costlens.fx_rates)`, tenant).
		Scan(&s.Events, &s.NewestEvent, &s.LineItems, &s.Prices, &s.FXRates)
	return s, err
}

// RLSBypass says why the session's user is not held by row-level security ("" when it
// is): a superuser or a role with BYPASSRLS sees every tenant's rows.
func RLSBypass(ctx context.Context, pool *pgxpool.Pool) (user, why string, err error) {
	var super, bypass bool
	err = pool.QueryRow(ctx, "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").
		Scan(&user, &super, &bypass)
	switch {
	case err != nil:
	case super:
		why = "is a superuser"
	case bypass:
		why = "has BYPASSRLS"
	}
	return user, why, err
}

// LoginTenant is the tenant costlens.tenant_logins binds this pool's login to, or ""
// when the login is not bound (README: a tenant key the role cannot switch).
func LoginTenant(ctx context.Context, pool *pgxpool.Pool) (string, error) {
	var tenant *string
	if err := pool.QueryRow(ctx, "SELECT costlens.login_tenant()").Scan(&tenant); err != nil || tenant == nil {
		return "", err
	}
	return *tenant, nil
}

// NewestRates is the day of the newest FX rate of each currency (as base or quote):
// the feed that stopped shows as a currency whose day falls behind.
func NewestRates(ctx context.Context, pool *pgxpool.Pool) (map[string]string, error) {
	rows, err := pool.Query(ctx, `SELECT c, max(rate_date)::text FROM (
		SELECT base::text AS c, rate_date FROM costlens.fx_rates UNION ALL SELECT quote::text, rate_date FROM costlens.fx_rates) r
		GROUP BY c`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var c, day string
		if err := rows.Scan(&c, &day); err != nil {
			return nil, err
		}
		out[c] = day
	}
	return out, rows.Err()
}
