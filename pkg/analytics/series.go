package analytics

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Series is a regular daily or hourly series: Start is its first point, Step one day
// or one hour, gaps filled with zero.
type Series struct {
	Start  time.Time
	Step   time.Duration
	Values []float64
}

// Time of the i-th point.
func (s Series) Time(i int) time.Time { return s.Start.Add(time.Duration(i) * s.Step) }

// ReadSeries reads "timestamp,value" CSV (a header row is optional; timestamps are
// YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or RFC 3339, in order or not). Values on the same day (or hour) add up;
// missing days (hours) between the first and the last are zero, as spend would be.
// Errors name the line.
func ReadSeries(r io.Reader, hourly bool) (Series, error) {
	step := 24 * time.Hour
	if hourly {
		step = time.Hour
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	sums := map[time.Time]float64{}
	var first, last time.Time
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Series{}, err
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) < 2 {
			return Series{}, fmt.Errorf("line %d: want timestamp,value, got %d field(s)", line, len(rec))
		}
		ts, value := strings.TrimSpace(strings.TrimPrefix(rec[0], "\ufeff")), strings.TrimSpace(rec[1])
		t, terr := parseTimestamp(ts)
		v, verr := strconv.ParseFloat(value, 64)
		if line == 1 && terr != nil && verr != nil {
			continue // a header: neither field is data (a bad first data row is an error, not a header)
		}
		if terr != nil {
			return Series{}, fmt.Errorf("line %d: timestamp %q is not YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or RFC 3339", line, ts)
		}
		if verr != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return Series{}, fmt.Errorf("line %d: value %q is not a number", line, value)
		}
		t = t.UTC().Truncate(step)
		sums[t] += v
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	if len(sums) == 0 {
		return Series{}, errors.New("the file has no points")
	}
	s := Series{Start: first, Step: step}
	for t := first; !t.After(last); t = t.Add(step) {
		s.Values = append(s.Values, sums[t])
	}
	return s, nil
}

// timestampLayouts are what ReadSeries takes; times without a zone are UTC.
var timestampLayouts = []string{time.DateOnly, time.RFC3339, time.DateTime, "2006-01-02T15:04:05", "2006-01-02 15:04"}

func parseTimestamp(ts string) (time.Time, error) {
	var err error
	for _, layout := range timestampLayouts {
		var t time.Time
		if t, err = time.Parse(layout, ts); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// MonthForecast is one month-end projection made part-way through a month, beside the
// burn rate and the truth.
type MonthForecast struct {
	Month     string
	Day       int // days of the month elapsed when the projection was made
	Actual    float64
	Projected float64
	Lower80   float64
	Upper80   float64
	Lower95   float64
	Upper95   float64
	BurnRate  float64
	// WeekdayBurn is the spend so far plus each remaining day at the mean of the same
	// weekday so far in the month: the baseline a forecaster must beat.
	WeekdayBurn    float64
	Truth          float64
	Method         Method
	ErrorPct       float64 // |projected − truth| ÷ truth × 100
	BurnRateErrPct float64
	WeekdayErrPct  float64
}

// ProjectMonth answers "given the series up to the start of day (elapsed + 1) of the
// month, what will the month total be": the model sees only the days before.
func ProjectMonth(s Series, monthStart time.Time, elapsed int) MonthForecast {
	monthEnd := monthStart.AddDate(0, 1, 0)
	at := monthStart.AddDate(0, 0, elapsed)
	days := int(monthEnd.Sub(monthStart).Hours() / 24)
	idx := func(t time.Time) int { return int(t.Sub(s.Start) / s.Step) }
	history := s.Values[:max(0, min(idx(at), len(s.Values)))]
	mf := MonthForecast{Month: monthStart.Format("2006-01"), Day: elapsed}
	for i := max(0, idx(monthStart)); i < idx(at) && i < len(s.Values); i++ {
		mf.Actual += s.Values[i]
	}
	for i := max(0, idx(monthStart)); i < idx(monthEnd) && i < len(s.Values); i++ {
		mf.Truth += s.Values[i]
	}
	// leading zeros are days before the series began, not days of no spend
	trimmed := history
	for len(trimmed) > 0 && trimmed[0] == 0 {
		trimmed = trimmed[1:]
	}
	m := FitDaily(append([]float64(nil), trimmed...), at.AddDate(0, 0, -1).Weekday())
	p := m.Project(days-elapsed, 1)
	mf.Method = p.Method
	mf.Projected = mf.Actual + p.Expected
	mf.Lower80, mf.Upper80 = mf.Actual+p.Lower80, mf.Actual+p.Upper80
	mf.Lower95, mf.Upper95 = mf.Actual+p.Lower95, mf.Actual+p.Upper95
	mf.BurnRate = BurnRate(mf.Actual, float64(elapsed), float64(days))
	from, to := max(0, idx(monthStart)), min(idx(at), len(s.Values))
	var soFar []float64
	if from < to {
		soFar = s.Values[from:to]
	}
	mf.WeekdayBurn = WeekdayBurnRate(soFar, monthStart.Weekday(), days)
	if mf.Truth != 0 {
		mf.ErrorPct = math.Abs(mf.Projected-mf.Truth) / mf.Truth * 100
		mf.BurnRateErrPct = math.Abs(mf.BurnRate-mf.Truth) / mf.Truth * 100
		mf.WeekdayErrPct = math.Abs(mf.WeekdayBurn-mf.Truth) / mf.Truth * 100
	}
	return mf
}

// ForecastSummary is the quality of month-end projections at one day of the month.
type ForecastSummary struct {
	Day              int
	Months           int
	MeanErrorPct     float64 // mean absolute percentage error of the forecast
	BurnRateErrorPct float64 // of the burn rate
	ForecastWins     int     // months where the forecast was closer
	Coverage80       float64 // share of months whose truth fell inside the 80 % interval
	Coverage95       float64
}

// EvaluateForecast projects every whole calendar month that has at least four weeks
// of history before it, at each of the given days of the month.
func EvaluateForecast(s Series, days []int) ([]ForecastSummary, []MonthForecast) {
	var all []MonthForecast
	var out []ForecastSummary
	end := s.Time(len(s.Values))
	for _, d := range days {
		first := time.Date(s.Start.Year(), s.Start.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
		wins := 0
		for m := first; !m.AddDate(0, 1, 0).After(end); m = m.AddDate(0, 1, 0) {
			if m.Sub(s.Start) < 28*24*time.Hour {
				continue
			}
			mf := ProjectMonth(s, m, d)
			if mf.Truth == 0 {
				continue
			}
			all = append(all, mf)
			if mf.ErrorPct < mf.BurnRateErrPct {
				wins++
			}
		}
		sc := Score(all, d)
		out = append(out, ForecastSummary{Day: d, Months: sc.Months, MeanErrorPct: sc.MAPE, BurnRateErrorPct: sc.BurnMAPE,
			ForecastWins: wins, Coverage80: sc.Cover80, Coverage95: sc.Cover95})
	}
	return out, all
}
