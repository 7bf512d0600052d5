// Package ingest takes cost data in from outside: events as a JSON array or NDJSON and
// FX rates as CSV. Every row is validated on its own; a bad row is reported by row
// number and field and the good rows are still stored. Writes are idempotent on the
// natural key, so a retried upload never double counts. The resource endpoints and the
// costlens-import command call the same code.
package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/fx"
	"github.com/costlens/costlens/pkg/names"
	"github.com/costlens/costlens/pkg/pricing"
)

// RowError names the row (1-based: array element or NDJSON line) and field at fault.
type RowError struct {
	Row     int    `json:"row"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e RowError) Error() string { return fmt.Sprintf("row %d: %s: %s", e.Row, e.Field, e.Message) }

// Report says what happened to every row of an upload.
type Report struct {
	Received   int `json:"received"`
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	// Skipped counts rows that were not events at all (an OTLP span of no GenAI call):
	// neither stored nor rejected.
	Skipped  int        `json:"skipped,omitempty"`
	Rejected []RowError `json:"rejected"`
}

// eventJSON is one event as callers send it. Money is a JSON number or string and is
// read as decimal text, never through float64.
type eventJSON struct {
	Tenant             string          `json:"tenant"`
	RequestID          string          `json:"request_id"`
	TS                 string          `json:"ts"`
	Feature            string          `json:"feature"`
	UserID             string          `json:"user_id"`
	Model              string          `json:"model"`
	ModelVersion       string          `json:"model_version"`
	Provider           string          `json:"provider"`
	Region             string          `json:"region"`
	InputTokens        *int64          `json:"input_tokens"`
	OutputTokens       *int64          `json:"output_tokens"`
	CachedInputTokens  *int64          `json:"cached_input_tokens"`
	CacheWriteTokens   *int64          `json:"cache_write_tokens"`
	CacheWrite1hTokens *int64          `json:"cache_write_1h_tokens"`
	ReasoningTokens    *int64          `json:"reasoning_tokens"`
	ServiceTier        string          `json:"service_tier"`
	LatencyMS          *int32          `json:"latency_ms"`
	GPUSeconds         json.RawMessage `json:"gpu_seconds"`
	ReportedCost       json.RawMessage `json:"reported_cost"`
	ReportedCurrency   string          `json:"reported_currency"`
	Attributes         json.RawMessage `json:"attributes"`
}

// Event is a validated event ready to store.
type Event struct {
	Row                                     int
	Tenant, RequestID                       string
	TS                                      time.Time
	Feature, UserID, Model, ModelVersion    string
	Provider, Region                        string
	InputTokens, OutputTokens, CachedTokens int64
	CacheWriteTokens, ReasoningTokens       int64
	CacheWrite1hTokens                      int64 // the part of CacheWriteTokens kept for an hour
	ServiceTier                             string
	// RequestCount is the requests the event stands for when a source gives a bucket of
	// them (a provider's usage export; 0 when it does not count them, or for a cost line
	// alone); nil is one request. ContextTokens picks such a bucket's context tier.
	RequestCount, ContextTokens *int64
	LatencyMS                   *int32
	GPUSeconds                  *decimal.Decimal
	ReportedCost                *decimal.Decimal
	ReportedCurrency            *string
	Attributes                  []byte
}

// Limits on what one event may carry, so that no tenant's rows can break another's
// queries (a 10,000-character id overflows an index row; 9.2e18 tokens overflow sums).
const (
	MaxTenantBytes     = 100
	MaxNameBytes       = 200 // request_id, feature, user_id, model, model_version, provider, region
	MaxTokens          = 1_000_000_000
	MaxAttributesBytes = 16 << 10
)

var (
	maxGPUSeconds   = decimal.NewFromInt(10_000_000)
	maxReportedCost = decimal.NewFromInt(1_000_000)
)

// hasNUL looks for a NUL in any key or string of decoded JSON.
func hasNUL(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.ContainsRune(x, 0)
	case []any:
		for _, e := range x {
			if hasNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range x {
			if strings.ContainsRune(k, 0) || hasNUL(e) {
				return true
			}
		}
	}
	return false
}

// Rules are what an upload's events are checked against besides their own shape.
type Rules struct {
	// Tenant, when set, is the tenant every row belongs to: rows naming another are
	// rejected, rows naming none get it.
	Tenant string
	// Window is the span an event's ts must fall in.
	Window Window
}

var eventFields = jsonFields(eventJSON{})

// ParseEvents reads a JSON array or NDJSON into memory; see ParseEventsFunc.
func ParseEvents(r io.Reader, rules Rules) ([]Event, []RowError, error) {
	var events []Event
	var rejected []RowError
	err := ParseEventsFunc(r, rules, func(e Event) error {
		events = append(events, e)
		return nil
	}, func(e RowError) { rejected = append(rejected, e) })
	return events, rejected, err
}

// ParseEventsFunc streams a JSON array or NDJSON, handing each valid event to onEvent
// and each bad row to onReject.
func ParseEventsFunc(r io.Reader, rules Rules, onEvent func(Event) error, onReject func(RowError)) error {
	return eachJSONRow(r, func(row int, raw []byte) error {
		e, rowErr := parseEvent(row, raw, rules)
		if rowErr != nil {
			onReject(*rowErr)
			return nil
		}
		return onEvent(e)
	}, onReject)
}

// MaxLineBytes bounds one NDJSON line; a longer one is a row error, and reading
// goes on with the next line.
const MaxLineBytes = 4 << 20

// eachJSONRow hands each element of a JSON array (or of arrays one after another), or
// each non-blank NDJSON line, to add with its 1-based row number (element or line).
// NDJSON lines end in \n, \r\n or a lone \r. A line holding more than one JSON value
// is a row error rather than half read; a broken array ends the upload with one.
func eachJSONRow(r io.Reader, add func(row int, raw []byte) error, onReject func(RowError)) error {
	br := bufio.NewReader(r)
	first, err := peekNonSpace(br)
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	if first == '[' {
		return eachArrayElement(br, add, onReject)
	}
	sc, lines := lineScanner(br, MaxLineBytes)
	for row := 1; sc.Scan(); row++ {
		if lines.tooLong {
			onReject(RowError{Row: row, Field: "(json)", Message: fmt.Sprintf("the line is longer than %d bytes", MaxLineBytes)})
			continue
		}
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			if err := add(row, line); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading the upload: %w", err)
	}
	return nil
}

// eachArrayElement reads `[…]`, or several arrays in a row, element by element.
func eachArrayElement(br *bufio.Reader, add func(row int, raw []byte) error, onReject func(RowError)) error {
	dec := json.NewDecoder(br)
	row := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if d, ok := tok.(json.Delim); err != nil || !ok || d != '[' {
			onReject(RowError{Row: row + 1, Field: "(json)", Message: "expected another JSON array after the closing ]"})
			return nil
		}
		for dec.More() {
			row++
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				// the array itself is broken: nothing after this point can be trusted
				onReject(RowError{Row: row, Field: "(json)", Message: err.Error()})
				return nil
			}
			if err := add(row, raw); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // the closing ]
			onReject(RowError{Row: row + 1, Field: "(json)", Message: err.Error()})
			return nil
		}
	}
}

// lineSplitter splits NDJSON at \n, \r\n or a lone \r. A line longer than max
// bytes is skipped to its end and handed over empty with tooLong set, so one oversized
// line is a row error rather than the end of the upload.
type lineSplitter struct {
	max               int
	skipping, tooLong bool
}

// lineScanner reads r a line at a time (lineSplitter), lines up to max bytes.
func lineScanner(r io.Reader, max int) (*bufio.Scanner, *lineSplitter) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 2*max)
	lines := &lineSplitter{max: max}
	sc.Split(lines.split)
	return sc, lines
}

func (l *lineSplitter) split(data []byte, atEOF bool) (int, []byte, error) {
	l.tooLong = false
	i := bytes.IndexAny(data, "\r\n")
	if i < 0 {
		switch {
		case len(data) >= l.max || (l.skipping && len(data) > 0 && !atEOF):
			l.skipping = true
			return len(data), nil, nil
		case atEOF && len(data) > 0:
			return len(data), l.line(data), nil
		case atEOF && l.skipping:
			l.skipping = false
			l.tooLong = true
			return 0, []byte{}, bufio.ErrFinalToken
		}
		return 0, nil, nil // more data
	}
	advance := i + 1
	if data[i] == '\r' {
		if i+1 == len(data) && !atEOF {
			return 0, nil, nil // is it \r\n? wait for the next byte
		}
		if i+1 < len(data) && data[i+1] == '\n' {
			advance++
		}
	}
	if i > l.max {
		l.skipping = true
	}
	return advance, l.line(data[:i]), nil
}

// line hands over a whole line, or an empty one marked tooLong when it was skipped.
func (l *lineSplitter) line(b []byte) []byte {
	if l.skipping {
		l.skipping, l.tooLong = false, true
		return []byte{}
	}
	return b
}

// decodeRow decodes one row strictly: an unknown field, or anything after the value
// (two objects on one NDJSON line), is an error, never silently dropped.
func decodeRow(raw []byte, v any) error {
	if !utf8.Valid(raw) {
		// the decoder would put U+FFFD in place of the bad bytes: a name not as sent
		return errors.New("the row is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("more than one JSON value on the line: NDJSON has one object per line")
	}
	return nil
}

func peekNonSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		if b == 0xEF { // UTF-8 byte order mark
			_, _ = br.Discard(2)
			continue
		}
		if !strings.ContainsRune(" \t\r\n", rune(b)) {
			return b, br.UnreadByte()
		}
	}
}

func decimalField(raw json.RawMessage) (*decimal.Decimal, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return nil, nil
	}
	s = strings.Trim(s, `"`)
	d, err := decimal.NewFromString(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a decimal number", s)
	}
	return &d, nil
}

func parseEvent(row int, raw []byte, rules Rules) (Event, *RowError) {
	bad := func(field, format string, args ...any) (Event, *RowError) {
		return Event{}, &RowError{Row: row, Field: field, Message: fmt.Sprintf(format, args...)}
	}
	var in eventJSON
	if err := decodeRow(raw, &in); err != nil {
		return bad("(json)", "%v", err)
	}
	if err := checkKeys(raw, eventFields); err != nil {
		var k *KeyError
		if errors.As(err, &k) {
			return bad(k.Field, "%v", err)
		}
		return bad("(json)", "%v", err)
	}
	e := Event{Row: row, Tenant: strings.TrimSpace(in.Tenant), RequestID: strings.TrimSpace(in.RequestID),
		Feature: in.Feature, UserID: in.UserID, Model: in.Model, ModelVersion: in.ModelVersion,
		Provider: in.Provider, Region: in.Region, LatencyMS: in.LatencyMS, ServiceTier: in.ServiceTier}
	// who and what first, so a row missing its tenant is blamed on that
	if rowErr := rules.checkNames(&e); rowErr != nil {
		return Event{}, rowErr
	}
	ts, err := parseTime(in.TS)
	if err != nil {
		return bad("ts", "%v", err)
	}
	e.TS = ts
	// the native shape states tokens as stored: input without cache, output with reasoning
	for _, tok := range []struct {
		name string
		v    *int64
		dst  *int64
	}{{"input_tokens", in.InputTokens, &e.InputTokens}, {"output_tokens", in.OutputTokens, &e.OutputTokens},
		{"cached_input_tokens", in.CachedInputTokens, &e.CachedTokens}, {"cache_write_tokens", in.CacheWriteTokens, &e.CacheWriteTokens},
		{"cache_write_1h_tokens", in.CacheWrite1hTokens, &e.CacheWrite1hTokens},
		{"reasoning_tokens", in.ReasoningTokens, &e.ReasoningTokens}} {
		if tok.v != nil {
			*tok.dst = *tok.v
		}
	}
	if e.GPUSeconds, err = decimalField(in.GPUSeconds); err != nil {
		return bad("gpu_seconds", "%v", err)
	}
	if e.ReportedCost, err = decimalField(in.ReportedCost); err != nil {
		return bad("reported_cost", "%v", err)
	}
	if e.ReportedCost != nil {
		cur, err := fx.ParseCurrency("reported_currency", in.ReportedCurrency)
		if err != nil {
			return bad("reported_currency", "%q is not an ISO-4217 currency code (needed with reported_cost)", in.ReportedCurrency)
		}
		e.ReportedCurrency = &cur
	} else if in.ReportedCurrency != "" {
		return bad("reported_cost", "is missing while reported_currency is given")
	}
	e.Attributes = []byte("{}")
	if a := bytes.TrimSpace(in.Attributes); len(a) > 0 && string(a) != "null" {
		if a[0] != '{' {
			return bad("attributes", "must be a JSON object")
		}
		// a key twice inside attributes was found by the row's own checkKeys above
		e.Attributes = a
	}
	if rowErr := rules.checkValues(&e); rowErr != nil {
		return Event{}, rowErr
	}
	return e, nil
}

// Check applies the rules every event meets, whichever source it came from (an upload,
// an OTLP span, a LiteLLM spend log, a provider export): the tenant as bound, names,
// the time window, token bounds and their meaning, amounts and attributes. It fills in
// the bound tenant and the stored service tier; the RowError names e.Row and the field.
func (rules Rules) Check(e *Event) *RowError {
	if rowErr := rules.checkNames(e); rowErr != nil {
		return rowErr
	}
	return rules.checkValues(e)
}

func newRowError(row int, field, format string, args ...any) *RowError {
	return &RowError{Row: row, Field: field, Message: fmt.Sprintf(format, args...)}
}

// text is a nullable text column's value, "" for NULL.
func text(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// checkNames: the tenant as bound, the request id, and every name.
func (rules Rules) checkNames(e *Event) *RowError {
	bad := func(field, format string, args ...any) *RowError { return newRowError(e.Row, field, format, args...) }
	boundTenant := rules.Tenant
	switch {
	case boundTenant != "" && e.Tenant == "":
		e.Tenant = boundTenant
	case boundTenant != "" && e.Tenant != boundTenant:
		return bad("tenant", "%q is not this data source's tenant %q", e.Tenant, boundTenant)
	case e.Tenant == "":
		return bad("tenant", "is required")
	}
	if e.RequestID == "" {
		return bad("request_id", "is required (it makes retried uploads safe)")
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"tenant", e.Tenant, MaxTenantBytes}, {"request_id", e.RequestID, MaxNameBytes}, {"feature", e.Feature, MaxNameBytes},
		{"user_id", e.UserID, MaxNameBytes}, {"model", e.Model, MaxNameBytes}, {"model_version", e.ModelVersion, MaxNameBytes},
		{"provider", e.Provider, MaxNameBytes}, {"region", e.Region, MaxNameBytes}} {
		if msg := names.Check(f.v, f.max); msg != "" {
			return bad(f.name, "%s", msg)
		}
	}
	return nil
}

// checkValues: the time window, token counts and their meaning, amounts, attributes.
func (rules Rules) checkValues(e *Event) *RowError {
	bad := func(field, format string, args ...any) *RowError { return newRowError(e.Row, field, format, args...) }
	if msg := rules.Window.check(e.TS); msg != "" {
		return bad("ts", "%s", msg)
	}
	for _, tok := range []struct {
		name string
		v    int64
	}{{"input_tokens", e.InputTokens}, {"output_tokens", e.OutputTokens}, {"cached_input_tokens", e.CachedTokens},
		{"cache_write_tokens", e.CacheWriteTokens}, {"cache_write_1h_tokens", e.CacheWrite1hTokens}, {"reasoning_tokens", e.ReasoningTokens}} {
		if tok.v < 0 || tok.v > MaxTokens {
			return bad(tok.name, "must be from 0 to %d, got %d", MaxTokens, tok.v)
		}
	}
	if e.CacheWrite1hTokens > e.CacheWriteTokens {
		return bad("cache_write_1h_tokens", "%d is more than cache_write_tokens %d: an hour's cache writes are counted inside them", e.CacheWrite1hTokens, e.CacheWriteTokens)
	}
	if e.ReasoningTokens > e.OutputTokens {
		return bad("reasoning_tokens", "%d is more than output_tokens %d: reasoning is counted inside output", e.ReasoningTokens, e.OutputTokens)
	}
	tier, msg := pricing.ServiceTier(e.ServiceTier)
	if msg != "" {
		return bad("service_tier", "%.40q %s", e.ServiceTier, msg)
	}
	e.ServiceTier = tier
	if e.LatencyMS != nil && *e.LatencyMS < 0 {
		return bad("latency_ms", "must not be negative")
	}
	if e.GPUSeconds != nil && (e.GPUSeconds.IsNegative() || e.GPUSeconds.GreaterThan(maxGPUSeconds)) {
		return bad("gpu_seconds", "must be from 0 to %s", maxGPUSeconds)
	}
	if e.ReportedCost != nil && (e.ReportedCost.IsNegative() || e.ReportedCost.GreaterThan(maxReportedCost)) {
		return bad("reported_cost", "must be from 0 to %s per request", maxReportedCost)
	}
	if len(e.Attributes) == 0 {
		e.Attributes = []byte("{}")
	}
	if a := e.Attributes; len(a) > MaxAttributesBytes {
		return bad("attributes", "is larger than %d bytes", MaxAttributesBytes)
	} else if bytes.Contains(a, []byte(`\u0000`)) {
		// a NUL can only come in as the escape \u0000: decode to look only then
		var v any
		if json.Unmarshal(a, &v) != nil || hasNUL(v) {
			return bad("attributes", "must not hold a NUL character (\\u0000): PostgreSQL's jsonb cannot store it")
		}
	}
	return nil
}
