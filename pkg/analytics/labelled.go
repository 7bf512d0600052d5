package analytics

import (
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Labelled is a real series whose anomalies are known: each point's value (Missing
// where the source has none) and whether it is labelled anomalous.
type Labelled struct {
	Name, Source string
	PerDay       int // 1: daily, 24: hourly
	Start        time.Time
	Values       []float64
	Missing      []bool
	Label        []bool
}

// KPIMinutes is how many of an hour's minutes the operators must have labelled for the
// hour to count as anomalous: a one-minute blip moves an hourly sum by about 1/60, which
// no hourly monitor can be asked to see.
const KPIMinutes = 15

// LoadLabelled reads the labelled anomaly sets under dir: kpi/*.csv.gz (hourly
// time,value,labelled_minutes; an empty value is a missing hour) and the US births series
// of corpusDir with the US federal holidays as their labelled drops.
func LoadLabelled(dir, corpusDir string) ([]Labelled, error) {
	files, err := filepath.Glob(filepath.Join(dir, "kpi", "*.csv.gz"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no kpi/*.csv.gz series", dir)
	}
	sort.Strings(files)
	var out []Labelled
	for _, f := range files {
		l, err := readKPI(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, l)
	}
	files, err = filepath.Glob(filepath.Join(corpusDir, "us-births-*.csv"))
	if err != nil {
		return nil, err
	}
	births, err := loadDaily(files)
	if err != nil {
		return nil, err
	}
	for _, b := range births {
		s := b.Series
		l := Labelled{Name: b.Name, Source: "births-holidays", PerDay: 1,
			Start: s.Start, Values: s.Values, Missing: make([]bool, len(s.Values)), Label: make([]bool, len(s.Values))}
		for i := range s.Values {
			l.Label[i] = IsUSFederalHoliday(s.Time(i))
		}
		out = append(out, l)
	}
	return out, nil
}

func readKPI(path string) (Labelled, error) {
	f, err := os.Open(path)
	if err != nil {
		return Labelled{}, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return Labelled{}, err
	}
	cr := csv.NewReader(gz)
	l := Labelled{Name: strings.TrimSuffix(filepath.Base(path), ".csv.gz"), Source: "aiops-kpi", PerDay: 24}
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Labelled{}, err
		}
		if line == 1 {
			continue // time,value,labelled_minutes
		}
		t, err := time.Parse("2006-01-02T15:04Z", rec[0])
		if err != nil {
			return Labelled{}, fmt.Errorf("line %d: time %q", line, rec[0])
		}
		if l.Start.IsZero() {
			l.Start = t
		} else if want := l.Start.Add(time.Duration(len(l.Values)) * time.Hour); !t.Equal(want) {
			return Labelled{}, fmt.Errorf("line %d: %s, want the next hour %s", line, rec[0], want.Format(time.RFC3339))
		}
		minutes, err := strconv.Atoi(rec[2])
		if err != nil {
			return Labelled{}, fmt.Errorf("line %d: labelled_minutes %q", line, rec[2])
		}
		v, missing := 0.0, rec[1] == ""
		if !missing {
			if v, err = strconv.ParseFloat(rec[1], 64); err != nil {
				return Labelled{}, fmt.Errorf("line %d: value %q", line, rec[1])
			}
		}
		l.Values = append(l.Values, v)
		l.Missing = append(l.Missing, missing)
		l.Label = append(l.Label, minutes >= KPIMinutes)
	}
	fillMissing(l.Values, l.Missing, 7*24)
	return l, nil
}

// fillMissing gives a missing point the value one week (period) earlier, else the last
// known one, so a detector sees a plausible series; the point itself is not scored.
func fillMissing(v []float64, missing []bool, period int) {
	last := 0.0
	for i := range v {
		switch {
		case !missing[i]:
			last = v[i]
		case i >= period:
			v[i] = v[i-period]
		default:
			v[i] = last
		}
	}
}

// IsUSFederalHoliday: New Year's Day, Martin Luther King Jr. Day (from 1986),
// Washington's Birthday, Memorial Day, Independence Day, Labor Day, Columbus Day,
// Veterans Day, Thanksgiving and Christmas, on their own dates (5 U.S.C. 6103), not the
// weekday observed in their place.
func IsUSFederalHoliday(d time.Time) bool {
	y, m, day := d.Date()
	nth := func(month time.Month, wd time.Weekday, n int) bool {
		return m == month && d.Weekday() == wd && (day-1)/7 == n-1
	}
	last := func(month time.Month, wd time.Weekday) bool {
		return m == month && d.Weekday() == wd && day+7 > daysIn(y, month)
	}
	switch {
	case m == time.January && day == 1, m == time.July && day == 4,
		m == time.November && day == 11, m == time.December && day == 25:
		return true
	case y >= 1986 && nth(time.January, time.Monday, 3), nth(time.February, time.Monday, 3),
		last(time.May, time.Monday), nth(time.September, time.Monday, 1),
		nth(time.October, time.Monday, 2), nth(time.November, time.Thursday, 4):
		return true
	}
	return false
}

func daysIn(y int, m time.Month) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }
