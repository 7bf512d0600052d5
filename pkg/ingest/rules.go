package ingest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Window is the span an event's or billing line's time must fall in. A row outside it
// is a row error: a 1970 or 2999 timestamp is a client's bug, and each month it names
// would become a partition every query plans over. Zero bounds are open.
type Window struct {
	Oldest, Newest time.Time
}

// DefaultRetentionDays is how far back events and bills are accepted unless the data
// source (retentionDays) or the importer (--retention-days) says otherwise.
const DefaultRetentionDays = 1096

// MaxRetentionDays bounds the setting: a century of months is still a bounded number
// of partitions.
const MaxRetentionDays = 36500

// FutureSlack is how far ahead of now a timestamp may be: clocks drift, and a provider
// may stamp a usage bucket by its end.
const FutureSlack = 24 * time.Hour

// WindowAt is the window at now: from the start of the UTC day retentionDays ago to a
// day ahead.
func WindowAt(now time.Time, retentionDays int) Window {
	y, m, d := now.UTC().AddDate(0, 0, -retentionDays).Date()
	return Window{Oldest: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), Newest: now.UTC().Add(FutureSlack)}
}

// check says what is wrong with t ("" when nothing).
func (w Window) check(t time.Time) string {
	switch {
	case !w.Oldest.IsZero() && t.Before(w.Oldest):
		return fmt.Sprintf("%s is older than the retention window, which starts %s (setting retentionDays, or --retention-days)",
			t.UTC().Format(time.RFC3339), w.Oldest.Format(time.DateOnly))
	case !w.Newest.IsZero() && t.After(w.Newest):
		return fmt.Sprintf("%s is more than a day in the future (now is %s)", t.UTC().Format(time.RFC3339),
			w.Newest.Add(-FutureSlack).Format(time.RFC3339))
	}
	return ""
}

// Real UTC offsets run from -12:00 to +14:00; RFC 3339's grammar allows up to ±23:59,
// and Go's parser takes +24:00. Anything past the real span is a typo that would move
// the event by a day.
const (
	minOffset = -12 * 3600
	maxOffset = 14 * 3600
)

// parseTime reads an RFC 3339 time with a real UTC offset.
func parseTime(s string) (time.Time, error) {
	// RFC 3339 allows t and z in lower case; Go's layout does not
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time such as 2026-03-02T10:00:00Z", s)
	}
	if err := checkOffset(s, t); err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

func checkOffset(s string, t time.Time) error {
	if _, off := t.Zone(); off < minOffset || off > maxOffset {
		return fmt.Errorf("%q has the UTC offset %s, outside -12:00..+14:00", s, t.Format("-07:00"))
	}
	return nil
}

// checkKeys makes JSON keys mean exactly one thing. encoding/json matches a key to a
// field without regard to case ("TENANT" fills tenant) and lets a repeated key win
// over the first ({"tenant":"a","tenant":"b"} is b), as jsonb does inside attributes:
// both let two readers of the same row disagree on what it says. So no object, at any
// depth, may give a key twice, and the row's own keys (depth 1) must be known exactly
// (known nil allows any). raw is JSON already decoded without error.
func checkKeys(raw []byte, known map[string]bool) error {
	var objects []map[string]bool // one per open object or array (nil for an array)
	expectKey := false
	top := "" // the row's key whose value is being read
	for i := 0; i < len(raw); {
		switch c := raw[i]; c {
		case '{':
			objects = append(objects, map[string]bool{})
			expectKey = true
			i++
		case '[':
			objects = append(objects, nil)
			expectKey = false
			i++
		case '}', ']':
			objects = objects[:len(objects)-1]
			expectKey = false
			i++
		case ',':
			expectKey = len(objects) > 0 && objects[len(objects)-1] != nil
			i++
		case '"':
			end := stringEnd(raw, i)
			if expectKey {
				key := string(raw[i+1 : end-1])
				if strings.IndexByte(key, '\\') >= 0 {
					_ = json.Unmarshal(raw[i:end], &key)
				}
				seen := objects[len(objects)-1]
				if len(objects) == 1 && known != nil && !known[key] {
					return fmt.Errorf("unknown field %q (names are exact and lower case)", key)
				}
				if seen[key] && len(objects) == 1 {
					return fmt.Errorf("field %q is given twice", key)
				}
				if seen[key] {
					return &KeyError{Field: top, Key: key}
				}
				if len(objects) == 1 {
					top = key
				}
				seen[key] = true
				expectKey = false
			}
			i = end
		default:
			i++
		}
	}
	return nil
}

// KeyError is a key given twice inside the value of a row's field.
type KeyError struct{ Field, Key string }

func (e *KeyError) Error() string {
	return fmt.Sprintf("the key %q is given twice in one object", e.Key)
}

// stringEnd is the index just past the JSON string starting at raw[start] (a quote).
func stringEnd(raw []byte, start int) int {
	for i := start + 1; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(raw)
}

// jsonFields are the JSON names of a struct's fields.
func jsonFields(v any) map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeOf(v)
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			m[name] = true
		}
	}
	return m
}

// MaxAmount bounds any one money amount or quantity read from a file (a billing line,
// a price, an FX rate): past it a value is a corrupt export, not a charge, and 1e309
// would overflow every sum taken in float64 by a client.
var MaxAmount = decimal.New(1, 12)

// checkAmount says what is wrong with an amount ("" when nothing).
func checkAmount(d decimal.Decimal, negativeOK bool) string {
	switch {
	case !negativeOK && d.IsNegative():
		return "must not be negative"
	case d.Abs().GreaterThan(MaxAmount):
		return "is beyond ±1e12 (10¹²): not an amount a single row can carry"
	}
	return ""
}
