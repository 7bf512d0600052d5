// Package names checks the identifier-like values Costlens stores (tenants, ids,
// providers, models, sources): one rule for every kind of upload and the price book.
package names

import (
	"fmt"
	"unicode"
)

// Check says what is wrong with a name ("" when nothing): longer than max bytes, or
// holding a control or invisible formatting character (NUL, a zero-width space), which
// would make two names look the same or break PostgreSQL's text.
func Check(v string, max int) string {
	if len(v) > max {
		return fmt.Sprintf("is longer than %d bytes (%d)", max, len(v))
	}
	for i, r := range v {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return fmt.Sprintf("holds the invisible character U+%04X at byte %d", r, i)
		}
	}
	return ""
}
