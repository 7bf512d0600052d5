// Package querytest holds what the query packages' tests share: the example week of
// storetest.SeedExample, a UTC environment, and a database holding the example.
package querytest

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/store/storetest"
)

// Week is the example week: Mon 2026-03-02 00:00 UTC to Mon 2026-03-09 00:00 UTC.
var Week = query.Range{
	From: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
	To:   time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC),
}

// UTC is a data source's environment in UTC, unbound.
var UTC = query.Env{Location: time.UTC}

// Seeded is a fresh database holding storetest.SeedExample, as the Grafana role.
func Seeded(t *testing.T) *pgxpool.Pool {
	pool, _ := storetest.NewPool(t)
	storetest.SeedExample(t, pool)
	return pool
}
