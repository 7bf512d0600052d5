package engine

import "github.com/costlens/costlens/pkg/query"

// Passes is the one place a row is filtered outside SQL (the SQL side is
// filterConditions): every filter is applied to the row's value of its dimension, as
// valueOf gives it; a filter valueOf says was applied already (here false: SQL did it)
// is skipped. Event rows (parts of the model version), billing shares, allocation
// shares, budgets and recommendations all come through here.
func Passes(filters []query.Filter, valueOf func(dimension string) (value string, here bool)) bool {
	for _, f := range filters {
		if v, here := valueOf(f.Dimension); here && !f.Matches(v) {
			return false
		}
	}
	return true
}

// Everywhere is a valueOf for rows that SQL did not filter: every filter applies.
func Everywhere(values map[string]string) func(string) (string, bool) {
	return func(d string) (string, bool) { return values[d], true }
}
