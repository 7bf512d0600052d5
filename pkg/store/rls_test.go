package store_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
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
