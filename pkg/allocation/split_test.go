package allocation

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func assertShares(t *testing.T, got []Share, want ...string) {
	t.Helper()
	var rendered []string
	for _, s := range got {
		rendered = append(rendered, s.ModelVersion+"="+s.Cost.String())
	}
	if fmt.Sprint(rendered) != fmt.Sprint(want) {
		t.Errorf("shares %v, want %v", rendered, want)
	}
}

func TestThreeVersionsByGPUSecondsWithIdle(t *testing.T) {
	// 19.80 CNY for one GPU-hour (3600 GPU-s); 2400 GPU-s used: 1200 + 900 + 300.
	shares, basis, err := SplitLine(Line{BilledCost: d("19.80"), Currency: "CNY", CapacityGPUSeconds: d("3600")}, []Usage{
		{ModelVersion: "qwen2.5-32b-v1.2-fp16", GPUSeconds: d("1200")},
		{ModelVersion: "qwen2.5-32b-v1.2-int8", GPUSeconds: d("900")},
		{ModelVersion: "qwen2.5-32b-v1.1-fp16", GPUSeconds: d("300")},
	})
	if err != nil || basis != BasisGPUSeconds {
		t.Fatal(basis, err)
	}
	// 19.80 × 1200/3600 = 6.60; × 900/3600 = 4.95; × 300/3600 = 1.65; idle × 1200/3600 = 6.60
	assertShares(t, shares, "qwen2.5-32b-v1.1-fp16=1.65", "qwen2.5-32b-v1.2-fp16=6.6", "qwen2.5-32b-v1.2-int8=4.95", "idle=6.6")
}

func TestTokensOnlyRoundingLeftoverGoesToTheLargestShare(t *testing.T) {
	// 10.00 USD in three equal parts: 3.333… each, settled 3.33; the cent left over goes
	// to the first of the tied largest shares by name.
	shares, basis, _ := SplitLine(Line{BilledCost: d("10.00"), Currency: "USD"}, []Usage{
		{ModelVersion: "c", Tokens: 100}, {ModelVersion: "a", Tokens: 100}, {ModelVersion: "b", Tokens: 100},
	})
	if basis != BasisTokens {
		t.Fatal(basis)
	}
	assertShares(t, shares, "a=3.34", "b=3.33", "c=3.33")
}

func TestNoUsageIsAllIdle(t *testing.T) {
	shares, basis, _ := SplitLine(Line{BilledCost: d("68.40"), Currency: "CNY", CapacityGPUSeconds: d("7200")}, nil)
	if basis != BasisNone {
		t.Fatal(basis)
	}
	assertShares(t, shares, "idle=68.4")
}

func TestUsageAboveCapacityLeavesNoIdle(t *testing.T) {
	// batched serving: 4800 GPU-s of request time on a 3600 GPU-s hour
	shares, _, _ := SplitLine(Line{BilledCost: d("10.00"), Currency: "USD", CapacityGPUSeconds: d("3600")}, []Usage{
		{ModelVersion: "a", GPUSeconds: d("3000")}, {ModelVersion: "b", GPUSeconds: d("1800")},
	})
	assertShares(t, shares, "a=6.25", "b=3.75")
}

func TestGPUSecondsWinOverTokens(t *testing.T) {
	shares, basis, _ := SplitLine(Line{BilledCost: d("4.00"), Currency: "USD"}, []Usage{
		{ModelVersion: "a", GPUSeconds: d("1"), Tokens: 1},
		{ModelVersion: "b", GPUSeconds: d("3"), Tokens: 1_000_000},
	})
	if basis != BasisGPUSeconds {
		t.Fatal(basis)
	}
	assertShares(t, shares, "a=1", "b=3")
}

func TestZeroDecimalCurrencyAndCredits(t *testing.T) {
	// 1000 JPY split 1:2 = 333.33 / 666.67 -> 333 / 666, the yen left over to the larger
	jpy, _, _ := SplitLine(Line{BilledCost: d("1000"), Currency: "JPY"}, []Usage{{ModelVersion: "a", Tokens: 1}, {ModelVersion: "b", Tokens: 2}})
	assertShares(t, jpy, "a=333", "b=667")
	// a credit of -5.00 USD 1:2 = -1.666… / -3.333… -> -1.66 / -3.33, -0.01 to the larger
	credit, _, _ := SplitLine(Line{BilledCost: d("-5.00"), Currency: "USD"}, []Usage{{ModelVersion: "a", Tokens: 1}, {ModelVersion: "b", Tokens: 2}})
	assertShares(t, credit, "a=-1.66", "b=-3.34")
}

func TestNegativeUsageIsRefused(t *testing.T) {
	_, _, err := SplitLine(Line{BilledCost: d("1")}, []Usage{{ModelVersion: "a", Tokens: -1}})
	if err == nil || err.Error() != "usage of a: must not be negative" {
		t.Fatalf("err = %v", err)
	}
}

// Conservation: over many random lines, shares always add up to the billed cost exactly.
func TestAllocatedPlusIdleEqualsBilledForEveryLine(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		billed := decimal.New(rng.Int64N(10_000_000)-100_000, -int32(rng.IntN(5)))
		currency := []string{"USD", "CNY", "JPY", "KWD"}[rng.IntN(4)]
		line := Line{BilledCost: billed, Currency: currency, CapacityGPUSeconds: decimal.NewFromInt(rng.Int64N(3) * 3600)}
		var usage []Usage
		for v := 0; v < rng.IntN(5); v++ {
			u := Usage{ModelVersion: fmt.Sprintf("v%d", v), Tokens: rng.Int64N(100_000)}
			if rng.IntN(2) == 0 {
				u.GPUSeconds = decimal.New(rng.Int64N(5_000_000), -3)
			}
			usage = append(usage, u)
		}
		shares, _, err := SplitLine(line, usage)
		if err != nil {
			t.Fatal(err)
		}
		sum := decimal.Zero
		for _, s := range shares {
			sum = sum.Add(s.Cost)
		}
		if !sum.Equal(billed) {
			t.Fatalf("line %d: %s %s split into %v adds to %s", i, billed, currency, shares, sum)
		}
	}
}
