package main

import (
	"fmt"
	"strings"

	"github.com/costlens/costlens/pkg/query"
)

// plainSQL is what a hand-written Grafana PostgreSQL panel runs for the same answer:
// the events summed per day, dimension and currency, each day converted to USD at its
// latest rate (as Costlens converts), straight from cost_events.
type plainSQL struct {
	sql  string
	args []any
}

// plainCost sums cost in USD over r by the column dim (none when empty), per day when
// daily, for one tenant when given, the limit largest when limit > 0.
func plainCost(r query.Range, dim, tenant string, daily bool, limit int) *plainSQL {
	args := []any{r.From, r.To}
	where := "ts >= $1 AND ts < $2"
	if tenant != "" {
		args = append(args, tenant)
		where += " AND tenant = $3"
	}
	keys := []string{}
	if daily {
		keys = append(keys, "day")
	}
	if dim != "" {
		keys = append(keys, dim)
	}
	inner := append([]string{"(ts AT TIME ZONE 'UTC')::date AS day", "price_currency"}, dim)
	if dim == "" {
		inner = inner[:2]
	}
	sql := fmt.Sprintf(`WITH d AS (
		SELECT %s, sum(priced_cost) AS cost FROM costlens.cost_events
		WHERE %s AND priced_cost IS NOT NULL GROUP BY %s)
		SELECT %s sum(CASE WHEN price_currency = 'USD' THEN cost ELSE cost / (
			SELECT f.rate FROM costlens.fx_rates f WHERE f.base = 'USD' AND f.quote = d.price_currency AND f.rate_date <= d.day
			ORDER BY f.rate_date DESC LIMIT 1) END) AS usd
		FROM d`, strings.Join(inner, ", "), where, strings.Join(groupOrdinals(len(inner)), ", "), selectList(keys))
	if len(keys) > 0 {
		sql += " GROUP BY " + strings.Join(keys, ", ")
	}
	if limit > 0 {
		sql += fmt.Sprintf(" ORDER BY usd DESC LIMIT %d", limit)
	} else if len(keys) > 0 {
		sql += " ORDER BY " + strings.Join(keys, ", ")
	}
	return &plainSQL{sql: sql, args: args}
}

func groupOrdinals(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint(i + 1)
	}
	return out
}

func selectList(keys []string) string {
	if len(keys) == 0 {
		return ""
	}
	return strings.Join(keys, ", ") + ","
}

func dailyByFeature(r query.Range, tenant string) *plainSQL {
	return plainCost(r, "feature", tenant, true, 0)
}
func dailyByUser(r query.Range) *plainSQL      { return plainCost(r, "user_id", "", true, 0) }
func topModelVersions(r query.Range) *plainSQL { return plainCost(r, "model_version", "", false, 10) }
func monthToDate(r query.Range) *plainSQL      { return plainCost(r, "", "", false, 0) }
