// Package storetest gives tests a fresh, migrated PostgreSQL database of their own on
// the server named by COSTLENS_TEST_DATABASE_URL (npm test starts one when unset).
//
// Tests run as deployed: the schema is migrated by the server's admin (the owner), the
// database's default TimeZone is not UTC, and NewPool hands out a pool and URL for the
// Grafana role with exactly the grants provisioning/postgres/init.sql (and the README)
// give it, so row-level security is in force for everything a test does through it.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/costlens/costlens/pkg/store"
)

// EnvVar names the server the tests use.
const EnvVar = "COSTLENS_TEST_DATABASE_URL"

// Role and RolePassword are the Grafana role of provisioning/postgres/init.sql.
const (
	Role         = "costlens_grafana"
	RolePassword = "costlens"
)

// DatabaseTimeZone is every test database's default TimeZone: not UTC and not a whole
// number of hours from it, so SQL that depends on the session's zone shows up.
const DatabaseTimeZone = "Asia/Kolkata"

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
	counter      atomic.Int64
)

// ServerURL is the admin URL of the test server; a test fails (never skips) without it.
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvVar)
	if u == "" {
		t.Fatalf("%s is not set: run the tests through `npm test` (or `npm run test:go`), which starts PostgreSQL when needed", EnvVar)
	}
	return u
}

// WithDatabase swaps the database name in a PostgreSQL URL.
func WithDatabase(serverURL, db string) string {
	u, err := url.Parse(serverURL)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + db
	return u.String()
}

// AsRole swaps the user in a PostgreSQL URL for the Grafana role.
func AsRole(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		panic(err)
	}
	u.User = url.UserPassword(Role, RolePassword)
	return u.String()
}

func adminExec(ctx context.Context, serverURL, sql string) error {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// InitSQL is provisioning/postgres/init.sql: the role and grants users deploy with.
func InitSQL() (string, error) {
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "..", "provisioning", "postgres", "init.sql"))
	return string(b), err
}

// ApplyInitSQL runs init.sql statement by statement; the role is cluster-wide, so a
// second test binary (or the benchmark) finds it created already, which is fine.
func ApplyInitSQL(ctx context.Context, dbURL string) error {
	sql, err := InitSQL()
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, stmt := range splitStatements(sql) {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			var pgErr *pgconn.PgError
			if strings.HasPrefix(strings.ToUpper(stmt), "CREATE ROLE") && errors.As(err, &pgErr) &&
				(pgErr.Code == "42710" || pgErr.Code == "23505") {
				continue
			}
			return fmt.Errorf("init.sql %q: %w", stmt, err)
		}
	}
	return nil
}

func splitStatements(sql string) []string {
	var lines []string
	for _, l := range strings.Split(sql, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			lines = append(lines, l)
		}
	}
	var out []string
	for _, s := range strings.Split(strings.Join(lines, "\n"), ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// migratedTemplate builds, once per test binary, a database with the role's grants and
// the schema applied by the owner; each test then copies it, far quicker than migrating.
func migratedTemplate(ctx context.Context, serverURL string) (string, error) {
	templateOnce.Do(func() {
		templateName = fmt.Sprintf("costlens_tmpl_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
		if templateErr = adminExec(ctx, serverURL, "CREATE DATABASE "+templateName); templateErr != nil {
			return
		}
		tmplURL := WithDatabase(serverURL, templateName)
		if templateErr = ApplyInitSQL(ctx, tmplURL); templateErr != nil {
			return
		}
		pool, err := pgxpool.New(ctx, tmplURL)
		if err != nil {
			templateErr = err
			return
		}
		defer pool.Close()
		_, templateErr = store.Migrate(ctx, pool)
	})
	return templateName, templateErr
}

// NewDatabase creates an empty database (no schema) and drops it when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	return newDatabase(t, "template0")
}

func newDatabase(t testing.TB, template string) string {
	t.Helper()
	ctx := context.Background()
	server := ServerURL(t)
	name := fmt.Sprintf("costlens_test_%d_%d", os.Getpid(), counter.Add(1))
	if err := adminExec(ctx, server, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, template)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		_ = adminExec(context.Background(), server, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
	})
	if err := adminExec(ctx, server, fmt.Sprintf("ALTER DATABASE %s SET timezone TO '%s'", name, DatabaseTimeZone)); err != nil {
		t.Fatalf("set the test database's time zone: %v", err)
	}
	return WithDatabase(server, name)
}

// Database is one test's migrated database, reachable as its owner and as the Grafana role.
type Database struct {
	Owner    *pgxpool.Pool // migrations and fixtures that need the owner
	OwnerURL string
	Role     *pgxpool.Pool // what the data source does: row-level security in force
	URL      string        // the Grafana role's URL, for data source settings and commands
}

// New returns a fresh migrated database.
func New(t testing.TB) *Database {
	t.Helper()
	ctx := context.Background()
	tmpl, err := migratedTemplate(ctx, ServerURL(t))
	if err != nil {
		t.Fatalf("migrated template: %v", err)
	}
	ownerURL := newDatabase(t, tmpl)
	db := &Database{OwnerURL: ownerURL, URL: AsRole(ownerURL)}
	if db.Owner, err = pgxpool.New(ctx, ownerURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Owner.Close)
	if db.Role, err = pgxpool.New(ctx, db.URL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Role.Close)
	RequireDeployedRole(t, db.Role)
	return db
}

// NewPool returns a pool and URL for the Grafana role on a fresh migrated database.
func NewPool(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	db := New(t)
	return db.Role, db.URL
}

// URLOf is the URL a pool was opened with.
func URLOf(pool *pgxpool.Pool) string { return pool.Config().ConnString() }

// BoundPool opens a pool on dbURL whose sessions are bound to tenant, the way a
// tenant-bound data source connects.
func BoundPool(t testing.TB, dbURL, tenant string) *pgxpool.Pool {
	t.Helper()
	pool, err := store.OpenURL(context.Background(), dbURL, tenant, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// RequireDeployedRole fails the test when pool's user could get past row-level
// security: a superuser or a role with BYPASSRLS would make every tenant test vacuous.
func RequireDeployedRole(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	var user string
	var super, bypass bool
	err := pool.QueryRow(context.Background(),
		"SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").Scan(&user, &super, &bypass)
	if err != nil {
		t.Fatalf("read the test role: %v", err)
	}
	if super || bypass {
		t.Fatalf("tests must run as the deployed role, but %s is superuser=%v bypassrls=%v", user, super, bypass)
	}
}

// Exec runs statements and fails the test on error.
func Exec(t testing.TB, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
}

// Main runs a package's tests and then drops the template database they shared.
func Main(m *testing.M) {
	code := m.Run()
	if templateName != "" {
		if u := os.Getenv(EnvVar); u != "" {
			_ = adminExec(context.Background(), u, "DROP DATABASE IF EXISTS "+templateName+" WITH (FORCE)")
		}
	}
	os.Exit(code)
}

// AdminConn connects to the test server's admin database.
func AdminConn(ctx context.Context) (*pgx.Conn, error) {
	return pgx.Connect(ctx, os.Getenv(EnvVar))
}

// ReaderRole may only read: SELECT on the costlens tables and nothing else, as a
// read-only reporting role or a hot-standby replica would be.
const ReaderRole = "costlens_reader"

// ReadOnlyPool opens a pool on db as ReaderRole (created once per server, granted here).
func ReadOnlyPool(t testing.TB, db *Database) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	err := adminExec(ctx, ServerURL(t), "CREATE ROLE "+ReaderRole+" LOGIN PASSWORD '"+RolePassword+"' NOSUPERUSER NOBYPASSRLS")
	var pgErr *pgconn.PgError
	if err != nil && !(errors.As(err, &pgErr) && (pgErr.Code == "42710" || pgErr.Code == "23505")) {
		t.Fatalf("create %s: %v", ReaderRole, err)
	}
	Exec(t, db.Owner, "GRANT USAGE ON SCHEMA costlens TO "+ReaderRole+"; GRANT SELECT ON ALL TABLES IN SCHEMA costlens TO "+ReaderRole)
	u, err := url.Parse(db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(ReaderRole, RolePassword)
	pool, err := pgxpool.New(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}
