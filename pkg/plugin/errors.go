package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/costlens/costlens/pkg/fx"
	"github.com/costlens/costlens/pkg/query"
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

// isUserError says whether the user caused err (a bad query or missing data they can
// add), so Grafana reports it as a downstream error rather than a plugin failure.
func isUserError(err error) bool {
	var v *query.ValidationError
	return errors.As(err, &v) || fx.IsMissingRate(err)
}
