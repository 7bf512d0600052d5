package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Transient says whether err is the database being away for a while (restarting,
// shutting down, starting up, a connection lost or refused) rather than anything
// about the work: the same work may succeed when it is back.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P01", "57P02", "57P03", "53300": // admin shutdown, crash shutdown, cannot connect now, too many connections
			return true
		}
		return len(pgErr.Code) == 5 && pgErr.Code[:2] == "08" // connection exception
	}
	var ce *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &ce) || errors.As(err, &netErr) || pgconn.SafeToRetry(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE)
}

// Retry runs work until it succeeds, fails for a reason that is not Transient, or
// has kept failing for longer than patience: waiting 0.5 s after the first failure,
// doubling to at most 15 s. Each wait is announced to onRetry (attempt counts from
// 1). Work must be safe to repeat (Costlens's writes are idempotent on their keys).
func Retry(ctx context.Context, patience time.Duration, onRetry func(attempt int, wait time.Duration, err error), work func() error) error {
	start := time.Now()
	wait := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := work()
		if err == nil || !Transient(err) || patience <= 0 {
			return err
		}
		if time.Since(start)+wait > patience {
			return fmt.Errorf("still failing after %s of retries: %w", time.Since(start).Round(time.Second), err)
		}
		if onRetry != nil {
			onRetry(attempt, wait, err)
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 15*time.Second)
	}
}
