package ingest

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// csvFile reads a CSV upload with a header row, numbering rows by the file's own
// lines (encoding/csv skips blank lines, and a row error must point at the right one).
type csvFile struct {
	cr    *csv.Reader
	col   map[string]int // header name (normalised by the caller's key function) -> index
	row   int
	width int // fields in the header
}

// openCSV reads the header; key normalises header names (and the names get looks up).
// An empty file gives io.EOF.
func openCSV(r io.Reader, key func(string) string) (*csvFile, []string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil, io.EOF
	}
	if err != nil {
		return nil, nil, formatErrorf("header: %v", err)
	}
	f := &csvFile{cr: cr, col: map[string]int{}, row: 1, width: len(header)}
	for i, h := range header {
		name := key(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if first, dup := f.col[name]; dup && name != "" {
			// which one holds the value? neither reading is safe
			return nil, nil, formatErrorf("header: column %q appears twice (columns %d and %d)", h, first+1, i+1)
		}
		f.col[name] = i
	}
	return f, header, nil
}

func (f *csvFile) has(name string) bool {
	_, ok := f.col[name]
	return ok
}

// next returns the next record and its line number; err is io.EOF at the end, or the
// record's own parse error (the caller rejects that row and goes on).
func (f *csvFile) next() ([]string, int, error) {
	rec, err := f.cr.Read()
	if err == io.EOF {
		return nil, 0, io.EOF
	}
	if err == nil && len(rec) > 0 {
		f.row, _ = f.cr.FieldPos(0)
	} else {
		f.row++
	}
	return rec, f.row, err
}

// get is a record's trimmed value in the named column, or "" when it has none.
func (f *csvFile) get(rec []string, name string) string {
	if c, ok := f.col[name]; ok && c < len(rec) {
		return strings.TrimSpace(rec[c])
	}
	return ""
}

func blankRecord(rec []string) bool { return len(rec) == 1 && strings.TrimSpace(rec[0]) == "" }

// eachRow calls fn with every non-blank record and its line number; a record that is
// not valid CSV, or that fn rejects through bad, is reported by line and field.
func (f *csvFile) eachRow(fn func(rec []string, row int, bad func(field, format string, args ...any))) []RowError {
	var rejected []RowError
	for {
		rec, row, err := f.next()
		if err == io.EOF {
			return rejected
		}
		bad := func(field, format string, args ...any) {
			rejected = append(rejected, RowError{Row: row, Field: field, Message: fmt.Sprintf(format, args...)})
		}
		if err != nil {
			bad("(csv)", "%v", err)
			continue
		}
		if blankRecord(rec) {
			continue
		}
		if len(rec) != f.width {
			// "7,2" for 7.2: one field too many shifts every value after it
			bad("(csv)", "has %d fields, the header %d (a decimal comma, or an unquoted comma in a value?)", len(rec), f.width)
			continue
		}
		fn(rec, row, bad)
	}
}

// FormatError is a problem with a whole file (its header, its direction), as opposed
// to a bad row: nothing of the file is stored.
type FormatError struct{ msg string }

func (e *FormatError) Error() string { return e.msg }

func formatErrorf(format string, args ...any) error {
	return &FormatError{msg: fmt.Sprintf(format, args...)}
}
