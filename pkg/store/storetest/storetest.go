// Package storetest gives tests a fresh, migrated PostgreSQL database of their own on
// the server named by COSTLENS_TEST_DATABASE_URL (npm test starts one when unset).
package storetest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/costlens/costlens/pkg/store"
)

// EnvVar names the server the tests use.
const EnvVar = "COSTLENS_TEST_DATABASE_URL"

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

func adminExec(ctx context.Context, serverURL, sql string) error {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// migratedTemplate builds, once per test binary, a database with the schema applied;
// each test then copies it, which is far quicker than migrating again.
func migratedTemplate(ctx context.Context, serverURL string) (string, error) {
	templateOnce.Do(func() {
		templateName = fmt.Sprintf("costlens_tmpl_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
		if templateErr = adminExec(ctx, serverURL, "CREATE DATABASE "+templateName); templateErr != nil {
			return
		}
		pool, err := pgxpool.New(ctx, WithDatabase(serverURL, templateName))
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
	return WithDatabase(server, name)
}

// NewPool returns a pool on a fresh database with the costlens schema applied.
func NewPool(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	ctx := context.Background()
	tmpl, err := migratedTemplate(ctx, ServerURL(t))
	if err != nil {
		t.Fatalf("migrated template: %v", err)
	}
	dbURL := newDatabase(t, tmpl)
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool, dbURL
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
