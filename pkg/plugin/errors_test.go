package plugin

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/costlens/costlens/pkg/query"
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

// Errors are blamed on the right side, in one place: the user's input and the database's
// state are downstream, in words the user can act on; a failure of the plugin's own SQL
// is a plugin error, counted against Costlens in Grafana's error-source metrics, and
// keeps its cause.
func TestErrorsAreBlamedOnTheRightSide(t *testing.T) {
	d := &Datasource{settings: Settings{Host: "db", Port: 5432, User: "costlens_grafana", Database: "costlens"}}
	undefinedColumn := &pgconn.PgError{Code: "42703", Message: `column "tenat" does not exist`}
	for _, c := range []struct {
		name   string
		err    error
		source backend.ErrorSource
		msg    string
	}{
		{"a validation error", &query.ValidationError{Field: "groupBy[0]", Msg: `"colour" is not a dimension`},
			backend.ErrorSourceDownstream, `groupBy[0]: "colour" is not a dimension`},
		{"authentication", fmt.Errorf("connect: %w", &pgconn.PgError{Code: "28P01", Message: "password authentication failed"}),
			backend.ErrorSourceDownstream, `authentication failed for user "costlens_grafana": check the user and password`},
		{"no such database", &pgconn.PgError{Code: "3D000"}, backend.ErrorSourceDownstream, `database "costlens" does not exist on db:5432`},
		{"permission", &pgconn.PgError{Code: "42501", Message: "permission denied for table budgets"},
			backend.ErrorSourceDownstream, `user "costlens_grafana" lacks permission: permission denied for table budgets`},
		{"a restart", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"},
			backend.ErrorSourceDownstream, "cannot reach PostgreSQL at db:5432: terminating connection due to administrator command (it is restarting or shutting down; queries recover when it is back)"},
		{"too many connections", &pgconn.PgError{Code: "53300", Message: "sorry, too many clients already"},
			backend.ErrorSourceDownstream, "PostgreSQL error 53300: sorry, too many clients already"},
		{"cancelled by Grafana", fmt.Errorf("query: %w", context.Canceled), backend.ErrorSourceDownstream, "query: context canceled"},
		{"the plugin's own SQL is wrong", fmt.Errorf("aggregate: %w", undefinedColumn),
			backend.ErrorSourcePlugin, `Costlens failed to answer this query (a plugin error, please report it): PostgreSQL error 42703: column "tenat" does not exist`},
		{"a bug", errors.New("frame: field lengths differ"),
			backend.ErrorSourcePlugin, "Costlens failed to answer this query (a plugin error, please report it): frame: field lengths differ"},
	} {
		resp := d.errorResponse(c.err)
		if resp.ErrorSource != c.source || resp.Error == nil || resp.Error.Error() != c.msg {
			t.Errorf("%s: %s %v\n   want %s %q", c.name, resp.ErrorSource, resp.Error, c.source, c.msg)
		}
	}
	// the cause is kept
	resp := d.errorResponse(fmt.Errorf("aggregate: %w", undefinedColumn))
	var pgErr *pgconn.PgError
	if !errors.As(resp.Error, &pgErr) || pgErr != undefinedColumn {
		t.Errorf("the PostgreSQL error is lost from %v", resp.Error)
	}
}
