package analytics

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Named is one series of an evaluation corpus, named by its file.
type Named struct {
	Name   string
	Series Series
}

// LoadCorpus reads every *.csv of dir as a daily series (ReadSeries), by name.
func LoadCorpus(dir string) ([]Named, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no *.csv series", dir)
	}
	return loadDaily(files)
}

// loadDaily reads each file as a daily series, named by the file, in name order.
func loadDaily(files []string) ([]Named, error) {
	sort.Strings(files)
	var out []Named
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		s, err := ReadSeries(r, false)
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, Named{Name: strings.TrimSuffix(filepath.Base(f), ".csv"), Series: s})
	}
	return out, nil
}

// DayScore is how month-end projections made at one day of the month did over a set of
// months: mean absolute percentage errors of the forecast and of the two baselines,
// the forecast's mean signed error (bias: above 0 projects too high), the share of
// months whose total fell inside its 80 % and 95 % intervals, and the median width of
// the 80 % interval as a percentage of the total (a mean would be one wild month's).
type DayScore struct {
	Day, Months                   int
	MAPE, BurnMAPE, WeekdayMAPE   float64
	Bias, Cover80, Cover95, Width float64
}

// RatioToBurn and RatioToWeekday compare the forecast's error with the baselines'
// (below 1: the forecast is better).
func (d DayScore) RatioToBurn() float64    { return d.MAPE / d.BurnMAPE }
func (d DayScore) RatioToWeekday() float64 { return d.MAPE / d.WeekdayMAPE }

// Score summarises the projections made at day over months (those with a total).
func Score(months []MonthForecast, day int) DayScore {
	d := DayScore{Day: day}
	var widths []float64
	for _, m := range months {
		if m.Day != day || m.Truth == 0 {
			continue
		}
		d.Months++
		d.MAPE += m.ErrorPct
		d.BurnMAPE += m.BurnRateErrPct
		d.WeekdayMAPE += m.WeekdayErrPct
		d.Bias += (m.Projected - m.Truth) / m.Truth * 100
		widths = append(widths, (m.Upper80-m.Lower80)/math.Abs(m.Truth)*100)
		if m.Truth >= m.Lower80 && m.Truth <= m.Upper80 {
			d.Cover80++
		}
		if m.Truth >= m.Lower95 && m.Truth <= m.Upper95 {
			d.Cover95++
		}
	}
	if d.Months > 0 {
		n := float64(d.Months)
		d.MAPE, d.BurnMAPE, d.WeekdayMAPE, d.Bias = d.MAPE/n, d.BurnMAPE/n, d.WeekdayMAPE/n, d.Bias/n
		d.Width = median(widths)
		d.Cover80, d.Cover95 = d.Cover80/n, d.Cover95/n
	}
	return d
}

// CorpusScores are a corpus's DayScores per series (in corpus order) and over all its
// months pooled (every month of every series weighs the same).
type CorpusScores struct {
	Series []string
	Per    [][]DayScore // [series][day]
	All    []DayScore   // [day]
}

// BenchForecast projects every whole month of every series at each day (as
// EvaluateForecast does: only the days before are seen) and scores them.
func BenchForecast(corpus []Named, days []int) CorpusScores {
	var cs CorpusScores
	var pooled []MonthForecast
	for _, c := range corpus {
		_, months := EvaluateForecast(c.Series, days)
		pooled = append(pooled, months...)
		row := make([]DayScore, len(days))
		for i, d := range days {
			row[i] = Score(months, d)
		}
		cs.Series = append(cs.Series, c.Name)
		cs.Per = append(cs.Per, row)
	}
	for _, d := range days {
		cs.All = append(cs.All, Score(pooled, d))
	}
	return cs
}
