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

// A login bound to a tenant in costlens.tenant_logins cannot leave it, whatever it runs:
// clearing or switching costlens.tenant, SET ROLE to the Grafana role it is a member
// of, reading partitions directly, writing the mapping, or asking allocation for every
// tenant's usage. An unbound login keeps choosing with the setting.
func TestALoginBoundToATenantCannotSwitchIt(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	storetest.SeedExample(t, db.Role)
	login := fmt.Sprintf("costlens_globex_%d", os.Getpid())
	storetest.Exec(t, db.Owner, fmt.Sprintf(`CREATE ROLE %[1]s LOGIN PASSWORD 'globex' NOSUPERUSER NOBYPASSRLS IN ROLE %[2]s;
		INSERT INTO costlens.tenant_logins (login, tenant) VALUES ('%[1]s', 'globex')`, login, storetest.Role))
	t.Cleanup(func() { _ = dropRole(login) })
	storetest.Exec(t, db.Role, `SELECT costlens.ensure_event_months(ARRAY['2026-03-01T00:00:00Z'::timestamptz])`)
	u, _ := url.Parse(db.URL)
	u.User = url.UserPassword(login, "globex")
	pool := storetest.BoundPool(t, u.String(), "") // the login alone binds it
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	count := func(sql string) int {
		t.Helper()
		var n int
		if err := conn.QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	// SeedExample: 6 events, r4 and r5 are globex's
	for _, step := range []struct {
		set  string
		want int
	}{
		{"RESET costlens.tenant", 2},
		{"SET costlens.tenant = ''", 2},
		{"SET costlens.tenant = 'globex'", 2},
		{"SET costlens.tenant = 'acme'", 0}, // narrowing to another tenant leaves nothing
		{"SET ROLE " + storetest.Role, 0},   // still acme asked, still the globex login
		{"RESET costlens.tenant", 2},        // as costlens_grafana, the login still binds
	} {
		if _, err := conn.Exec(ctx, step.set); err != nil {
			t.Fatalf("%s: %v", step.set, err)
		}
		for _, sql := range []string{"SELECT count(*) FROM costlens.cost_events", "SELECT count(*) FROM costlens.cost_events_202603",
			"SELECT coalesce(sum(requests), 0) FROM costlens.cost_hourly"} {
			if n := count(sql); n != step.want {
				t.Errorf("after %s, %s: %d, want %d", step.set, sql, n, step.want)
			}
		}
	}
	if _, err := conn.Exec(ctx, "RESET ROLE; RESET costlens.tenant"); err != nil {
		t.Fatal(err)
	}
	// shared reference data: read, never written, by a bound login (SeedExample has 4 FX rates)
	if n := count("SELECT count(*) FROM costlens.fx_rates"); n != 4 {
		t.Errorf("the bound login reads %d FX rates, want 4", n)
	}
	for _, sql := range []string{
		fmt.Sprintf("UPDATE costlens.tenant_logins SET tenant = 'acme' WHERE login = '%s'", login),
		fmt.Sprintf("DELETE FROM costlens.tenant_logins WHERE login = '%s'", login),
		"INSERT INTO costlens.cost_events (tenant, request_id, ts) VALUES ('acme', 'sneaked', '2026-03-05T00:00:00Z')",
		"INSERT INTO costlens.fx_rates (rate_date, base, quote, rate) VALUES ('2026-03-03', 'USD', 'CNY', 70)",
		"UPDATE costlens.fx_rates SET rate = rate * 10",
		"DELETE FROM costlens.fx_rates",
		"INSERT INTO costlens.price_book (provider, model, usage_type, unit_price, unit, currency, effective_from) VALUES ('openai', 'gpt-4o', 'input', 0, 'token', 'USD', '2026-01-01')",
		"INSERT INTO costlens.price_aliases (kind, provider, target) VALUES ('provider', 'x', 'openai')",
		"INSERT INTO costlens.model_versions (model_version, model) VALUES ('sneaky-v1', 'sneaky')",
		"UPDATE costlens.unit_conversions SET factor = 0",
	} {
		tag, err := conn.Exec(ctx, sql)
		if err == nil && tag.RowsAffected() > 0 {
			t.Errorf("the bound login changed what it may not: %s (%d rows)", sql, tag.RowsAffected())
		}
	}
	if n := count("SELECT count(*) FROM costlens.fx_rates WHERE rate > 7.25"); n != 0 {
		t.Errorf("%d FX rates changed by the bound login", n)
	}
	if n := count("SELECT count(*) FROM costlens.tenant_logins"); n != 0 {
		t.Errorf("the login reads the mapping: %d rows", n)
	}
	if n := count("SELECT count(*) FROM costlens.cost_events"); n != 2 {
		t.Errorf("after the attempts: %d events visible, want 2", n)
	}
	// allocation names no tenant but the login's (the example has no bills: every line
	// it returns would be staked; the check is that no other tenant's name comes back)
	if n := count("SELECT count(*) FROM costlens.allocation_usage('2000-01-01', '2100-01-01') WHERE usage_tenant NOT IN ('globex') OR line_tenant NOT IN ('globex')"); n != 0 {
		t.Errorf("allocation names %d other-tenant rows to the globex login", n)
	}
	// the unbound Grafana login still chooses with the setting
	var all int
	if err := db.Role.QueryRow(ctx, "SELECT count(*) FROM costlens.cost_events").Scan(&all); err != nil || all != 6 {
		t.Errorf("unbound login: %d events (%v), want 6", all, err)
	}
}
