package store_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/costlens/costlens/pkg/store"
	"github.com/costlens/costlens/pkg/store/storetest"
)

// A data source bound to a tenant connects with costlens.tenant set; row-level security
// then hides other tenants' rows even from SQL that asks for them by name.
func TestRowLevelSecurityBindsASessionToItsTenant(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	pool, dbURL := db.Owner, db.URL
	storetest.SeedExample(t, pool)
	role := fmt.Sprintf("costlens_reader_%d", os.Getpid())
	storetest.Exec(t, pool, fmt.Sprintf(`CREATE ROLE %[1]s LOGIN PASSWORD 'reader' NOSUPERUSER;
		GRANT USAGE ON SCHEMA costlens TO %[1]s;
		GRANT SELECT ON ALL TABLES IN SCHEMA costlens TO %[1]s`, role))
	t.Cleanup(func() {
		storetest.Exec(t, pool, fmt.Sprintf("REVOKE ALL ON ALL TABLES IN SCHEMA costlens FROM %[1]s; REVOKE ALL ON SCHEMA costlens FROM %[1]s", role))
		_ = dropRole(role)
	})

	u, _ := url.Parse(dbURL)
	u.User = url.UserPassword(role, "reader")
	count := func(tenant string) (n int) {
		p, err := store.OpenURL(ctx, u.String(), tenant, 2)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if err := p.QueryRow(ctx, "SELECT count(*) FROM costlens.cost_events WHERE tenant IN ('acme', 'globex')").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count("globex"); n != 2 {
		t.Errorf("bound to globex: %d rows, want 2", n)
	}
	if n := count("acme"); n != 4 {
		t.Errorf("bound to acme: %d rows, want 4", n)
	}
	if n := count(""); n != 6 {
		t.Errorf("unbound: %d rows, want 6", n)
	}
}

func dropRole(role string) error {
	conn, err := storetest.AdminConn(context.Background())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(context.Background(), "DROP ROLE IF EXISTS "+role)
	return err
}

// Isolation holds for any SQL the Grafana role can run, not only the plugin's: a month
// partition named directly, the default partition, budgets and recommendation states
// show a bound session its own tenant's rows only, and it cannot write another's.
func TestIsolationHoldsForAnySQLTheRoleRuns(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	storetest.SeedExample(t, db.Role)
	storetest.Exec(t, db.Role, `
		SELECT costlens.ensure_event_months(ARRAY['2026-03-01T00:00:00Z'::timestamptz]);
		INSERT INTO costlens.cost_events (tenant, request_id, ts) VALUES ('acme', 'old', '2019-05-01T00:00:00Z');
		INSERT INTO costlens.budgets (tenant, scope_dimension, scope_value, period, amount, currency) VALUES
			('', '', '', 'month', 500, 'USD'), ('acme', '', '', 'month', 300, 'USD'), ('globex', '', '', 'month', 200, 'USD');
		INSERT INTO costlens.recommendation_states (tenant, id, state) VALUES ('acme', 'rec-1', 'dismissed'), ('globex', 'rec-2', 'dismissed')`)
	bound := storetest.BoundPool(t, db.URL, "globex")
	for sql, want := range map[string]int{
		"SELECT count(*) FROM costlens.cost_events_202603":           2, // r4 and r5 (of 6)
		"SELECT count(*) FROM costlens.cost_events_default":          0, // acme's 2019 event
		"SELECT count(*) FROM costlens.budgets":                      1,
		"SELECT count(*) FROM costlens.recommendation_states":        1,
		"SELECT count(*) FROM costlens.cost_events WHERE ts < now()": 2,
	} {
		var n int
		if err := bound.QueryRow(ctx, sql).Scan(&n); err != nil || n != want {
			t.Errorf("bound to globex, %s: %d rows (%v), want %d", sql, n, err, want)
		}
		var all int
		if err := db.Role.QueryRow(ctx, sql).Scan(&all); err != nil || all < want {
			t.Errorf("unbound, %s: %d rows (%v)", sql, all, err)
		}
	}
	for _, sql := range []string{
		"INSERT INTO costlens.budgets (tenant, period, amount, currency) VALUES ('acme', 'week', 1, 'USD')",
		"INSERT INTO costlens.recommendation_states (tenant, id, state) VALUES ('acme', 'rec-3', 'dismissed')",
		"INSERT INTO costlens.cost_events_202603 (tenant, request_id, ts) VALUES ('acme', 'x', '2026-03-05T00:00:00Z')",
	} {
		if _, err := bound.Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "row-level security") {
			t.Errorf("bound to globex, %s: %v", sql, err)
		}
	}
	// a partition made later is isolated too
	storetest.Exec(t, db.Role, `INSERT INTO costlens.cost_events (tenant, request_id, ts) VALUES ('acme', 'new', '2026-07-01T00:00:00Z');
		SELECT costlens.ensure_event_months(ARRAY['2026-07-01T00:00:00Z'::timestamptz])`)
	var n int
	if err := bound.QueryRow(ctx, "SELECT count(*) FROM costlens.cost_events_202607").Scan(&n); err != nil || n != 0 {
		t.Errorf("bound to globex, the new July partition: %d rows (%v)", n, err)
	}
}
