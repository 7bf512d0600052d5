package analytic

import (
	"context"
	"slices"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/query/engine"
)

// Budget is one stored budget: a scope (everything, or one value of a dimension), a
// period and an amount.
type Budget struct {
	ID             int64           `json:"id"`
	Tenant         string          `json:"tenant"`
	ScopeDimension string          `json:"scopeDimension"` // "" is everything
	ScopeValue     string          `json:"scopeValue"`
	Period         string          `json:"period"`
	Amount         decimal.Decimal `json:"amount"`
	Currency       string          `json:"currency"`
}

// SaveBudget creates or replaces the budget of b's tenant, scope and period, and sets
// b.ID to the stored row's.
func SaveBudget(ctx context.Context, db query.DB, b *Budget) error {
	rows, err := db.Query(ctx, `INSERT INTO costlens.budgets (tenant, scope_dimension, scope_value, period, amount, currency)
		VALUES ($1, $2, $3, $4, $5::numeric, $6)
		ON CONFLICT (tenant, scope_dimension, scope_value, period) DO UPDATE SET amount = EXCLUDED.amount, currency = EXCLUDED.currency
		RETURNING id`, b.Tenant, b.ScopeDimension, b.ScopeValue, b.Period, b.Amount.String(), b.Currency)
	if err != nil {
		return err
	}
	b.ID, err = pgx.CollectExactlyOneRow(rows, pgx.RowTo[int64])
	return err
}

// DeleteBudget removes budget id if tenant ("" for any) sees it; false when it does not.
func DeleteBudget(ctx context.Context, db query.DB, id int64, tenant string) (bool, error) {
	rows, err := db.Query(ctx, `DELETE FROM costlens.budgets WHERE id = $1 AND ($2 = '' OR tenant = $2) RETURNING id`, id, tenant)
	if err != nil {
		return false, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return len(ids) > 0, err
}

// LoadBudgets reads the budgets a data source sees: a bound one only its tenant's.
func LoadBudgets(ctx context.Context, db query.DB, tenant string) ([]Budget, error) {
	rows, err := db.Query(ctx, `SELECT id, tenant, scope_dimension, scope_value, period, amount::text, currency::text
		FROM costlens.budgets WHERE ($1 = '' OR tenant = $1) ORDER BY tenant, scope_dimension, scope_value, period`, tenant)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Budget
	for rows.Next() {
		var b Budget
		var amount string
		if err := rows.Scan(&b.ID, &b.Tenant, &b.ScopeDimension, &b.ScopeValue, &b.Period, &amount, &b.Currency); err != nil {
			return nil, err
		}
		b.Amount = decimal.RequireFromString(amount)
		out = append(out, b)
	}
	return out, rows.Err()
}

// PeriodRange is the day, week (from Monday), month, quarter or year around t, in loc.
func PeriodRange(t time.Time, period string, loc *time.Location) (time.Time, time.Time) {
	lt := t.In(loc)
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc)
	switch period {
	case "day":
		return day, day.AddDate(0, 0, 1)
	case "week":
		start := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
		return start, start.AddDate(0, 0, 7)
	case "quarter":
		start := time.Date(lt.Year(), ((lt.Month()-1)/3)*3+1, 1, 0, 0, 0, 0, loc)
		return start, start.AddDate(0, 3, 0)
	case "year":
		start := time.Date(lt.Year(), 1, 1, 0, 0, 0, 0, loc)
		return start, start.AddDate(1, 0, 0)
	}
	start := time.Date(lt.Year(), lt.Month(), 1, 0, 0, 0, 0, loc)
	return start, start.AddDate(0, 1, 0)
}

// daysBetween counts calendar days in [from, to), both local midnights.
func daysBetween(from, to time.Time) int {
	n := 0
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		n++
	}
	return n
}

// scopeFilters restricts a spend query to a budget's scope and tenant.
func (b Budget) scopeFilters(env query.Env) []query.Filter {
	var fs []query.Filter
	if b.ScopeDimension != "" {
		fs = append(fs, query.Filter{Dimension: b.ScopeDimension, Operator: "=", Values: []string{b.ScopeValue}})
	}
	if b.Tenant != "" && env.Tenant == "" && b.ScopeDimension != "tenant" {
		fs = append(fs, query.Filter{Dimension: "tenant", Operator: "=", Values: []string{b.Tenant}})
	}
	return fs
}

// spend totals cost in the query's currency over [from, to) under filters, and the
// part of it spent since today's local midnight, from one query with daily buckets.
func spend(ctx context.Context, db query.DB, q query.Query, filters []query.Filter, from, to, today time.Time, env query.Env) (total, sinceToday decimal.Decimal, err error) {
	if !from.Before(to) {
		return decimal.Zero, decimal.Zero, nil
	}
	sq := engine.Request{Filters: filters, Currency: q.Currency, CostSource: q.CostSource}
	res, err := engine.Aggregate(ctx, db, sq, query.Range{From: from, To: to}, query.Bucket{Fixed: 24 * time.Hour}, env, true)
	if err != nil {
		return decimal.Zero, decimal.Zero, err
	}
	for _, g := range res.Groups {
		total = total.Add(g.Total.Cost)
		if t, ok := g.Buckets[today.UTC()]; ok {
			sinceToday = sinceToday.Add(t.Cost)
		}
	}
	return total, sinceToday, nil
}

// BudgetFrame answers a budget query: one row per stored budget, as of the end of the
// time range, with spend, budget and allowance in the query's currency (a budget in
// another currency converts at the rate of that day).
func BudgetFrame(ctx context.Context, db query.DB, q query.Query, r query.Range, env query.Env) (*data.Frame, error) {
	budgets, err := LoadBudgets(ctx, db, env.Tenant)
	if err != nil {
		return nil, err
	}
	now := r.To
	lt := now.In(env.Location)
	today := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, env.Location)
	rates, err := engine.LoadRates(ctx, db, today.AddDate(0, 0, -1), today)
	if err != nil {
		return nil, err
	}
	rateDay := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC)
	text := []engine.TextColumn{{Key: "scope", Label: "Scope"}, {Key: "scope_value", Label: "Scope value"},
		{Key: "period", Label: "Period"}, {Key: "tenant", Label: "Tenant"}, {Key: "period_start", Label: "Period start"}}
	nums := []engine.NumColumn{{Key: "percent_used"}, {Key: "spend"}, {Key: "budget"}, {Key: "remaining"},
		{Key: "daily_allowance"}, {Key: "today_spend"}, {Key: "today_percent_of_allowance"}}
	hundred := decimal.NewFromInt(100)
budgets:
	for _, b := range budgets {
		scope := b.ScopeDimension
		if scope == "" {
			scope = "total"
		}
		if !engine.Passes(q.Filters, engine.Everywhere(map[string]string{"scope": scope, "scope_value": b.ScopeValue, "period": b.Period})) {
			continue budgets
		}
		amount, err := rates.Convert(b.Amount, b.Currency, q.Currency, rateDay)
		if err != nil {
			return nil, err
		}
		start, end := PeriodRange(now.Add(-time.Nanosecond), b.Period, env.Location)
		spent, todaySpent, err := spend(ctx, db, q, b.scopeFilters(env), start, now, today, env)
		if err != nil {
			return nil, err
		}
		allowance := amount.DivRound(decimal.NewFromInt(int64(daysBetween(start, end))), 12)
		for i, v := range []string{scope, b.ScopeValue, b.Period, b.Tenant, start.Format(time.DateOnly)} {
			text[i].Values = append(text[i].Values, v)
		}
		for i, v := range []decimal.Decimal{spent.Mul(hundred).DivRound(amount, 4), spent, amount, amount.Sub(spent),
			allowance, todaySpent, todaySpent.Mul(hundred).DivRound(allowance, 4)} {
			nums[i].Values = append(nums[i].Values, engine.DecimalValue(v))
		}
	}
	f := engine.Table("budget", q, q.Currency, text, nums)
	f.Meta.Custom = map[string]any{"currency": q.Currency, "asOf": now.UTC().Format(time.RFC3339)}
	return f, nil
}

// ValidateBudget checks a budget before it is stored; errors name the field.
func ValidateBudget(b *Budget) error {
	if b.ScopeDimension != "" {
		d, ok := query.DimensionByKey(b.ScopeDimension)
		if !ok || d.Key == "pricing" {
			return query.Invalid("scopeDimension", "%q is not a dimension a budget can cover", b.ScopeDimension)
		}
		if b.ScopeValue == "" {
			return query.Invalid("scopeValue", "is required when the scope is a dimension")
		}
	} else if b.ScopeValue != "" {
		return query.Invalid("scopeValue", "must be empty for a total budget")
	}
	if b.Period == "" {
		b.Period = "month"
	}
	if !slices.Contains(query.Periods, b.Period) {
		return query.Invalid("period", "%q is not day, week, month, quarter or year", b.Period)
	}
	if !b.Amount.IsPositive() {
		return query.Invalid("amount", "must be positive, got %s", b.Amount)
	}
	c, err := query.CurrencyField("currency", b.Currency)
	if err != nil {
		return err
	}
	b.Currency = c
	return nil
}
