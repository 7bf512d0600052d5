package store

import (
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"
)

// Numeric turns a decimal into PostgreSQL numeric for COPY and bind parameters,
// exactly (coefficient and exponent, never through float); nil is NULL.
func Numeric(d *decimal.Decimal) pgtype.Numeric {
	if d == nil {
		return pgtype.Numeric{}
	}
	return pgtype.Numeric{Int: d.Coefficient(), Exp: d.Exponent(), Valid: true}
}
