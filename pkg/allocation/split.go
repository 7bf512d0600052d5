// Package allocation splits billing line items across the model versions they served,
// by usage share, keeping usage-free capacity as idle cost. Allocated plus idle equals
// the billed cost exactly, in the line's own currency.
package allocation

import (
	"errors"
	"sort"

	"github.com/shopspring/decimal"
)

// Idle is the ModelVersion of the share no usage accounts for.
const Idle = "idle"

// Basis says what a line was split by.
type Basis string

const (
	BasisGPUSeconds Basis = "gpu_seconds"
	BasisTokens     Basis = "tokens"
	BasisNone       Basis = "none" // no usage at all: the whole line is idle
)

// Line is one billing line item to split.
type Line struct {
	BilledCost decimal.Decimal
	Currency   string
	// CapacityGPUSeconds is what the resource could have served in the charge period
	// (hours × 3600 × GPUs); zero when unknown, in which case nothing counts as idle
	// unless there is no usage at all.
	CapacityGPUSeconds decimal.Decimal
	// Owner is the line's tenant: the idle share is theirs; OwnerCharged says the
	// session is charged it (the owner's own or an unbound session).
	Owner        string
	OwnerCharged bool
}

// Usage is what one model version consumed of the line's resource in its period, for
// one tenant.
type Usage struct {
	ModelVersion string
	// Tenant is who used it ("" when hidden from a bound session); TieKey is a stable
	// key of the tenant that settles ties the same way whether the name is hidden or not.
	Tenant, TieKey string
	// Charged says the session is charged for this usage (its own, or unbound).
	Charged    bool
	GPUSeconds decimal.Decimal
	Tokens     int64
}

// Share is one model version's part of a line for one tenant (or the idle part).
type Share struct {
	ModelVersion string
	Tenant       string `json:",omitempty"`
	Charged      bool   `json:"-"` // the session is charged this share
	tieKey       string
	Cost         decimal.Decimal
}

// String renders a share as {version cost} or {version@tenant cost}.
func (s Share) String() string {
	if s.Tenant == "" {
		return "{" + s.ModelVersion + " " + s.Cost.String() + "}"
	}
	return "{" + s.ModelVersion + "@" + s.Tenant + " " + s.Cost.String() + "}"
}

// minorUnits are the ISO-4217 decimal places where they are not 2.
var minorUnits = map[string]int32{
	"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "PYG": 0, "UGX": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3, "IQD": 3, "LYD": 3,
}

// MinorUnits is how many decimal places amounts in currency are settled to.
func MinorUnits(currency string) int32 {
	if u, ok := minorUnits[currency]; ok {
		return u
	}
	return 2
}

// SplitLine divides a line by GPU-seconds where any usage carries them, else by
// tokens. Shares are settled to the currency's minor unit by truncation toward zero;
// what truncation leaves over goes to the largest share (ties: the first by name,
// idle last, then by tenant key), so the shares always add up to the billed cost exactly.
func SplitLine(line Line, usage []Usage) ([]Share, Basis, error) {
	if line.CapacityGPUSeconds.IsNegative() {
		return nil, "", errors.New("capacity: must not be negative")
	}
	var totalGPU decimal.Decimal
	var totalTokens int64
	for _, u := range usage {
		if u.GPUSeconds.IsNegative() || u.Tokens < 0 {
			return nil, "", errors.New("usage of " + u.ModelVersion + ": must not be negative")
		}
		totalGPU = totalGPU.Add(u.GPUSeconds)
		totalTokens += u.Tokens
	}

	type part struct {
		version, tenant, tieKey string
		charged                 bool
		weight                  decimal.Decimal
	}
	var parts []part
	var denominator decimal.Decimal
	var basis Basis
	switch {
	case totalGPU.IsPositive():
		basis = BasisGPUSeconds
		for _, u := range usage {
			if u.GPUSeconds.IsPositive() {
				parts = append(parts, part{u.ModelVersion, u.Tenant, u.TieKey, u.Charged, u.GPUSeconds})
			}
		}
		denominator = totalGPU
		if line.CapacityGPUSeconds.GreaterThan(totalGPU) {
			// unused capacity is idle; usage above capacity (batching) leaves none
			denominator = line.CapacityGPUSeconds
			parts = append(parts, part{Idle, line.Owner, "", line.OwnerCharged, line.CapacityGPUSeconds.Sub(totalGPU)})
		}
	case totalTokens > 0:
		basis = BasisTokens
		for _, u := range usage {
			if u.Tokens > 0 {
				parts = append(parts, part{u.ModelVersion, u.Tenant, u.TieKey, u.Charged, decimal.NewFromInt(u.Tokens)})
			}
		}
		denominator = decimal.NewFromInt(totalTokens)
	default:
		return []Share{{ModelVersion: Idle, Tenant: line.Owner, Charged: line.OwnerCharged, Cost: line.BilledCost}}, BasisNone, nil
	}

	places := MinorUnits(line.Currency)
	shares := make([]Share, len(parts))
	exact := make([]decimal.Decimal, len(parts))
	settled := decimal.Zero
	for i, p := range parts {
		// multiply first, divide once, with ample precision before truncating
		exact[i] = line.BilledCost.Mul(p.weight).DivRound(denominator, 28)
		shares[i] = Share{ModelVersion: p.version, Tenant: p.tenant, Charged: p.charged, tieKey: p.tieKey, Cost: exact[i].Truncate(places)}
		settled = settled.Add(shares[i].Cost)
	}
	largest := 0
	for i := range parts {
		a, b := exact[i].Abs(), exact[largest].Abs()
		if a.GreaterThan(b) || (a.Equal(b) && less(shares[i], shares[largest])) {
			largest = i
		}
	}
	shares[largest].Cost = shares[largest].Cost.Add(line.BilledCost.Sub(settled))
	sort.SliceStable(shares, func(i, j int) bool { return less(shares[i], shares[j]) })
	return shares, basis, nil
}

// less orders shares by model version with idle last, then by tenant key.
func less(a, b Share) bool {
	if (a.ModelVersion == Idle) != (b.ModelVersion == Idle) {
		return b.ModelVersion == Idle
	}
	if a.ModelVersion != b.ModelVersion {
		return a.ModelVersion < b.ModelVersion
	}
	return a.tieKey < b.tieKey
}
