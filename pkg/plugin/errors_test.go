package plugin

import (
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// A server shutting down, restarting or still starting reads as an outage, like a
// refused connection, not as an unknown PostgreSQL error.
func TestRestartsReadAsOutages(t *testing.T) {
	s := Settings{Host: "db", Port: 5432, User: "costlens_grafana"}
	for code, msg := range map[string]string{
		"57P01": "terminating connection due to administrator command",
		"57P03": "the database system is starting up",
	} {
		got := describeDBError(s, fmt.Errorf("query: %w", &pgconn.PgError{Code: code, Message: msg}))
		want := "cannot reach PostgreSQL at db:5432: " + msg + " (it is restarting or shutting down; queries recover when it is back)"
		if got != want {
			t.Errorf("%s: %q, want %q", code, got, want)
		}
	}
}
