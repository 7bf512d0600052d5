package pricing

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestTokenCost(t *testing.T) {
	// $2.50 in, $10.00 out, $1.25 cached per 1M tokens:
	// 1000 × 2.5/1e6 + 500 × 10/1e6 + 2000 × 1.25/1e6 = 0.0025 + 0.005 + 0.0025 = 0.01
	p := TokenPrice{Currency: "USD", InputPerMTok: decimal.RequireFromString("2.50"),
		OutputPerMTok: decimal.RequireFromString("10.00"), CachedPerMTok: decimal.RequireFromString("1.25")}
	if got := p.TokenCost(1000, 500, 2000); !got.Equal(decimal.RequireFromString("0.01")) {
		t.Fatalf("cost %s, want 0.01", got)
	}
	// one token of input at $0.15/1M is 0.00000015, not rounded away
	small := TokenPrice{InputPerMTok: decimal.RequireFromString("0.15")}
	if got := small.TokenCost(1, 0, 0); !got.Equal(decimal.RequireFromString("0.00000015")) {
		t.Fatalf("cost %s", got)
	}
	withRequest := TokenPrice{PerRequest: decimal.RequireFromString("0.002")}
	if got := withRequest.TokenCost(0, 0, 0); !got.Equal(decimal.RequireFromString("0.002")) {
		t.Fatalf("cost %s", got)
	}
}
