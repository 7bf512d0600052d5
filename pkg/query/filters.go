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
