// Package pricing turns usage into money: token prices per million tokens, per request.
package pricing

import "github.com/shopspring/decimal"

// TokenPrice is what one model charges, per million tokens, in one currency.
type TokenPrice struct {
	Currency      string
	InputPerMTok  decimal.Decimal
	OutputPerMTok decimal.Decimal
	CachedPerMTok decimal.Decimal
	PerRequest    decimal.Decimal
}

var million = decimal.NewFromInt(1_000_000)

// TokenCost is input × in + output × out + cached × cached + per request, exactly:
// numeric division by 10^6 always terminates.
func (p TokenPrice) TokenCost(input, output, cached int64) decimal.Decimal {
	perMTok := decimal.NewFromInt(input).Mul(p.InputPerMTok).
		Add(decimal.NewFromInt(output).Mul(p.OutputPerMTok)).
		Add(decimal.NewFromInt(cached).Mul(p.CachedPerMTok))
	return perMTok.Div(million).Add(p.PerRequest)
}

// ServiceTier is a tier name as stored: the standard rate is "" whatever a source calls
// it ("standard", "default", "auto"); any other is a lower-case word of at most 40
// characters. msg says what is wrong with one that is not.
func ServiceTier(s string) (tier, msg string) {
	switch s {
	case "", "standard", "default", "auto":
		return "", ""
	}
	if len(s) > 40 {
		return "", "is longer than 40 characters"
	}
	for i, c := range s {
		if !(c >= 'a' && c <= 'z' || c == '_' || c >= '0' && c <= '9' && i > 0) {
			return "", "is not a lower-case tier name such as batch or flex"
		}
	}
	return s, ""
}

func checkTier(s string) string {
	if t, msg := ServiceTier(s); msg != "" || t != s {
		if msg == "" {
			msg = "is the standard rate: leave service_tier out"
		}
		return msg
	}
	return ""
}
