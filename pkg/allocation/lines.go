package allocation

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// DB is what the allocation queries run on (a pgx pool or transaction).
type DB interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Allocated is one billing line and how it was split. Tenant is the line's owner.
type Allocated struct {
	LineID     int64
	Tenant     string
	Provider   string
	Region     string
	ResourceID string
	// ResourceType is the instance type (FOCUS ResourceType), for right-sizing.
	ResourceType string
	PeriodStart  time.Time
	PeriodEnd    time.Time
	BilledCost   decimal.Decimal
	Currency     string
	Basis        Basis
	// Shares are the parts the session is charged (all of them when unbound);
	// AllShares the whole split, other tenants' names hidden from a bound session.
	Shares, AllShares []Share
	// A100Hours is the line's consumed quantity in A100-hour equivalents, through
	// unit_conversions (pricing unit, and instance type or GPU type); nil when none applies.
	A100Hours *decimal.Decimal
	// CapacityGPUSeconds is what the resource could serve in the period (0: unknown);
	// UsedGPUSeconds is what the events on it reported.
	CapacityGPUSeconds, UsedGPUSeconds decimal.Decimal
	// Owned says the session may act on the line as its owner's (unbound, or bound to it).
	Owned bool
}

// Allocate splits every line whose charge period starts in [from, to), by every
// tenant's usage of the line's resource (costlens.allocation_usage, which runs with the
// owner's rights and reads the session's own tenant binding). A bound session gets the
// lines it owns or is charged on, each with only its own shares in Shares (the idle
// share when it owns the line); AllShares keeps every share, other tenants' names
// hidden. The shares are the same, to the cent, as an unbound session's.
func Allocate(ctx context.Context, db DB, from, to time.Time) ([]Allocated, error) {
	staked, _, err := allocate(ctx, db, from, to)
	return staked, err
}

// VersionUse is the GPU time a model version's resources had and used.
type VersionUse struct{ Used, Capacity decimal.Decimal }

// Utilisation is, per model version, the GPU-seconds used and billed on every line (of
// any tenant) whose resource served it, for lines with a known capacity: a fact of the
// resources, the same for every session.
func Utilisation(ctx context.Context, db DB, from, to time.Time) (map[string]VersionUse, error) {
	staked, others, err := allocate(ctx, db, from, to)
	if err != nil {
		return nil, err
	}
	out := map[string]VersionUse{}
	for _, a := range append(staked, others...) {
		if !a.CapacityGPUSeconds.IsPositive() {
			continue
		}
		counted := map[string]bool{} // a version used by two tenants counts the line once
		for _, s := range a.AllShares {
			if s.ModelVersion == Idle || counted[s.ModelVersion] {
				continue
			}
			counted[s.ModelVersion] = true
			u := out[s.ModelVersion]
			out[s.ModelVersion] = VersionUse{Used: u.Used.Add(a.UsedGPUSeconds), Capacity: u.Capacity.Add(a.CapacityGPUSeconds)}
		}
	}
	return out, nil
}

// allocate reads the lines; the function names a tenant only to a session it charges
// (the usage's own tenant, or the owner for idle), so "charged" is "named", decided in
// the database where the session's binding is known.
func allocate(ctx context.Context, db DB, from, to time.Time) (staked, others []Allocated, err error) {
	rows, err := db.Query(ctx, "SELECT * FROM costlens.allocation_usage($1, $2)", from, to)
	if err != nil {
		return nil, nil, err
	}
	type line struct {
		a     Allocated
		stake bool
		gpus  decimal.Decimal
		usage []Usage
	}
	var lines []*line
	for rows.Next() {
		var id int64
		var stake bool
		var owner, provider, region, resource, resourceType, billed, currency, a100 *string
		var start, end time.Time
		var gpus string
		var version, usageTenant, tieKey, gs *string
		var tokens *int64
		if err := rows.Scan(&id, &stake, &owner, &provider, &region, &resource, &resourceType, &start, &end, &billed,
			&currency, &gpus, &a100, &version, &usageTenant, &tieKey, &gs, &tokens); err != nil {
			rows.Close()
			return nil, nil, err
		}
		if len(lines) == 0 || lines[len(lines)-1].a.LineID != id {
			l := &line{a: Allocated{LineID: id, PeriodStart: start, PeriodEnd: end}, gpus: decimal.RequireFromString(gpus)}
			if stake {
				l.a.Provider, l.a.Region, l.a.ResourceID, l.a.ResourceType, l.a.Currency =
					*provider, *region, *resource, *resourceType, *currency
				if owner != nil { // hidden from a tenant charged on another's line
					l.a.Tenant, l.a.Owned = *owner, true
				}
				if l.a.BilledCost, err = decimal.NewFromString(*billed); err != nil {
					rows.Close()
					return nil, nil, fmt.Errorf("line %d billed cost %q: %w", id, *billed, err)
				}
				if a100 != nil {
					h := decimal.RequireFromString(*a100)
					l.a.A100Hours = &h
				}
			}
			l.stake = stake
			lines = append(lines, l)
		}
		if version != nil {
			u := Usage{ModelVersion: *version, TieKey: *tieKey, GPUSeconds: decimal.RequireFromString(*gs), Tokens: *tokens}
			if usageTenant != nil {
				u.Tenant, u.Charged = *usageTenant, true
			}
			l := lines[len(lines)-1]
			l.usage = append(l.usage, u)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}

	for _, l := range lines {
		a := &l.a
		seconds := decimal.NewFromFloat(a.PeriodEnd.Sub(a.PeriodStart).Seconds())
		split := Line{BilledCost: a.BilledCost, Currency: a.Currency, CapacityGPUSeconds: seconds.Mul(l.gpus),
			Owner: a.Tenant, OwnerCharged: a.Owned}
		a.CapacityGPUSeconds = split.CapacityGPUSeconds
		for _, u := range l.usage {
			a.UsedGPUSeconds = a.UsedGPUSeconds.Add(u.GPUSeconds)
		}
		if a.AllShares, a.Basis, err = SplitLine(split, l.usage); err != nil {
			return nil, nil, fmt.Errorf("line %d: %w", a.LineID, err)
		}
		if !l.stake {
			others = append(others, *a)
			continue
		}
		for _, s := range a.AllShares {
			if s.Charged {
				a.Shares = append(a.Shares, s)
			}
		}
		staked = append(staked, *a)
	}
	return staked, others, nil
}
