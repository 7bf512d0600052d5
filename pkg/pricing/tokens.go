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
