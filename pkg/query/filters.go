package query

import "slices"

// Matches says whether a value passes the filter.
func (f Filter) Matches(v string) bool {
	in := slices.Contains(f.Values, v)
	if f.Operator == "=" || f.Operator == "in" {
		return in
	}
	return !in
}

// passes is the one place a row is filtered outside SQL (the SQL side is
// filterConditions): every filter is applied to the row's value of its dimension, as
// valueOf gives it; a filter valueOf says was applied already (here false: SQL did it)
// is skipped. Event rows (parts of the model version), billing shares, allocation
// shares, budgets and recommendations all come through here.
func passes(filters []Filter, valueOf func(dimension string) (value string, here bool)) bool {
	for _, f := range filters {
		if v, here := valueOf(f.Dimension); here && !f.Matches(v) {
			return false
		}
	}
	return true
}

// everywhere is a valueOf for rows that SQL did not filter: every filter applies.
func everywhere(values map[string]string) func(string) (string, bool) {
	return func(d string) (string, bool) { return values[d], true }
}
