package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/costlens/costlens/pkg/fx"
	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/store"
)

// describeDBError turns a connection or query failure into a sentence a user can act on.
func describeDBError(s Settings, err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "28P01", "28000":
			return fmt.Sprintf("authentication failed for user %q: check the user and password", s.User)
		case "3D000":
			return fmt.Sprintf("database %q does not exist on %s:%d", s.Database, s.Host, s.Port)
		case "42P01", "3F000":
			return "the costlens schema is missing: enable \"Manage schema\" in the data source settings or apply the migrations"
		case "42501":
			return fmt.Sprintf("user %q lacks permission: %s", s.User, pgErr.Message)
		case "57014":
			return "the query was cancelled or timed out"
		case "57P01", "57P02", "57P03", "08006", "08003":
			// shut down, crashed or still starting: an outage like any other
			return fmt.Sprintf("cannot reach PostgreSQL at %s:%d: %s (it is restarting or shutting down; queries recover when it is back)", s.Host, s.Port, pgErr.Message)
		}
		return fmt.Sprintf("PostgreSQL error %s: %s", pgErr.Code, pgErr.Message)
	}
	var netErr net.Error
	var dnsErr *net.DNSError
	var opErr *net.OpError
	if errors.As(err, &dnsErr) {
		return fmt.Sprintf("cannot resolve host %q", s.Host)
	}
	if errors.As(err, &opErr) || errors.As(err, &netErr) || isConnectError(err) {
		return fmt.Sprintf("cannot reach PostgreSQL at %s:%d: %v", s.Host, s.Port, rootCause(err))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
		return fmt.Sprintf("cannot reach PostgreSQL at %s:%d: the connection was lost (%v)", s.Host, s.Port, rootCause(err))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("PostgreSQL at %s:%d did not answer in time", s.Host, s.Port)
	}
	return err.Error()
}

func isConnectError(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce)
}

func rootCause(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// describedError is a failure put in words a user can act on, keeping its cause for
// errors.Is/As and the logs.
type describedError struct {
	msg   string
	cause error
}

func (e *describedError) Error() string { return e.msg }
func (e *describedError) Unwrap() error { return e.cause }

// describe wraps err in describeDBError's words.
func (d *Datasource) describe(err error) error {
	return &describedError{msg: describeDBError(d.settings, err), cause: err}
}

// downstream is where Costlens decides, in one place, whose side a failure is on.
// Downstream (the user's input or the database Grafana was pointed at): a query or
// upload that fails validation, a missing FX rate, a cancelled request or one past its
// timeout, and the PostgreSQL failures that are about the server or its setup rather
// than the SQL the plugin sent: cannot connect, authentication, missing database or
// schema, permissions, shutdown and restart, resource limits. Anything else (an SQL
// error in the plugin's own statements, a bad value it computed, a bug) is the
// plugin's: Grafana's error-source metrics and SLOs count it against Costlens.
func downstream(err error) bool {
	if isUserError(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code[:2] {
		case "08", // connection exception
			"28", // invalid authorisation
			"3D", // invalid catalog name: no such database
			"3F", // invalid schema name: the schema is missing
			"53", // insufficient resources: disk, memory, too many connections
			"57": // operator intervention: cancelled, shut down, starting up
			return true
		}
		return pgErr.Code == "42501" || pgErr.Code == "42P01" // permission; a table of the schema missing
	}
	return store.Transient(err)
}

// errorResponse answers a query that failed, blaming the right side.
func (d *Datasource) errorResponse(err error) backend.DataResponse {
	if downstream(err) {
		if isUserError(err) {
			return backend.ErrorResponseWithErrorSource(backend.DownstreamError(err))
		}
		return backend.ErrorResponseWithErrorSource(backend.DownstreamError(d.describe(err)))
	}
	log.DefaultLogger.Error("costlens query failed inside the plugin", "error", err)
	return backend.ErrorResponseWithErrorSource(backend.PluginError(
		fmt.Errorf("Costlens failed to answer this query (a plugin error, please report it): %w", d.describe(err))))
}

// writeError answers a resource request whose work failed: the database's side is a
// 502 in describeDBError's words; the plugin's own fault is a 500 saying so.
func (d *Datasource) writeError(w http.ResponseWriter, err error) {
	if downstream(err) {
		writeJSON(w, http.StatusBadGateway, apiError{describeDBError(d.settings, err)})
		return
	}
	log.DefaultLogger.Error("costlens request failed inside the plugin", "error", err)
	writeJSON(w, http.StatusInternalServerError, apiError{"Costlens failed (a plugin error, please report it): " + describeDBError(d.settings, err)})
}

// isUserError says whether the user caused err (a bad query or missing data they can
// add), so Grafana reports it as a downstream error rather than a plugin failure.
func isUserError(err error) bool {
	var v *query.ValidationError
	return errors.As(err, &v) || fx.IsMissingRate(err)
}
