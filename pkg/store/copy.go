package store

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
)

// CopyRows writes rows into a costlens table through a temporary staging table:
// PostgreSQL refuses COPY into a table with row-level security (for its owner too,
// under FORCE), while INSERT … SELECT is checked row by row against the policy. The
// staging table lives until the transaction ends.
func CopyRows(ctx context.Context, tx pgx.Tx, table string, columns []string, src pgx.CopyFromSource) (int64, error) {
	staging := "costlens_staging_" + table
	target := pgx.Identifier{"costlens", table}.Sanitize()
	cols := make([]string, len(columns))
	for i, c := range columns {
		cols[i] = pgx.Identifier{c}.Sanitize()
	}
	list := strings.Join(cols, ", ")
	if _, err := tx.Exec(ctx, "DROP TABLE IF EXISTS pg_temp."+staging+"; CREATE TEMP TABLE "+staging+
		" ON COMMIT DROP AS SELECT "+list+" FROM "+target+" WITH NO DATA"); err != nil {
		return 0, err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"pg_temp", staging}, columns, src); err != nil {
		return 0, err
	}
	tag, err := tx.Exec(ctx, "INSERT INTO "+target+" ("+list+") SELECT "+list+" FROM pg_temp."+staging)
	return tag.RowsAffected(), err
}
