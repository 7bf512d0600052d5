// Package analytics holds the forecast and anomaly algorithms. They work on plain
// daily (or hourly) series so the data source, the costlens-analyze command and the
// offline evaluations run the same code. Actual money stays decimal in the callers;
// these are estimates, in float64, rounded to the cent where they meet money.
package analytics

import (
	"math"
	"sort"
	"time"
)

// MinSeasonalDays is the history a seasonal fit needs: two full weeks.
const MinSeasonalDays = 14

// fitWindow is how many recent days a seasonal fit looks at: eight weeks.
const fitWindow = 56

// Normal quantiles for two-sided 80 % and 95 % intervals.
const (
	z80 = 1.2815515655446004
	z95 = 1.959963984540054
)

// Method says how a forecast was made.
type Method string

const (
	// MethodSeasonal is weekday factors times a robust linear trend.
	MethodSeasonal Method = "seasonal_trend"
	// MethodBurnRate is the mean of the days so far, for short histories.
	MethodBurnRate Method = "burn_rate"
)

// Model is a daily series' fit: value(day t) = (Level + Slope·t) · Season[weekday].
type Model struct {
	Method Method
	Level  float64 // at t = 0, the first day of the fitting window
	Slope  float64
	Season [7]float64 // by time.Weekday
	Sigma  float64    // robust spread of the daily residuals
	// t of the last history day, and its weekday
	lastT       int
	lastWeekday time.Weekday
	window      int
	residuals   []float64 // of the fitting window, oldest first
	// Calibration scales the intervals by how far the model's past forecasts missed.
	Calibration float64
	// a selected forecaster (fitSelected): its predictions for the coming days, and
	// the sorted ratios of actual to predicted k-day sums of its backtest ([k-1])
	preds  []float64
	ratios [][]float64
	// how far the spread of those misses is scaled (widening) for each interval
	widen80, widen95 float64
}

// FitDaily fits complete daily values (oldest first); lastDay is the weekday of the
// last one. With fewer than MinSeasonalDays it falls back to a burn rate.
//
// With MinSelectDays or more it chooses among several forecasters by backtest and reads
// the intervals from their past misses (fitSelected).
func FitDaily(values []float64, lastDay time.Weekday) Model {
	for i := range values {
		if math.IsNaN(values[i]) || values[i] < 0 {
			values[i] = 0
		}
	}
	if len(values) >= MinSelectDays {
		return fitSelected(values, lastDay)
	}
	m := fitDaily(values, lastDay)
	m.Calibration = calibrate(values, lastDay)
	return m
}

// calibrationOrigins and calibrationHorizon: how the intervals are checked against
// the series' own past before they are used.
const (
	calibrationOrigins = 12
	calibrationHorizon = 7
)

// calibrate replays the model on the series' own past: from each of the last origins,
// fitted on the days before it only, it forecasts the next week and measures the miss
// in units of the interval's standard deviation. The root mean square of those misses
// (never below 1) widens the intervals when the series moved more than the model
// expects — level shifts, bursts — and leaves them alone when it did not.
func calibrate(values []float64, lastDay time.Weekday) float64 {
	n := len(values)
	var sq float64
	k := 0
	for i := 0; i < calibrationOrigins; i++ {
		o := n - calibrationHorizon - 2*i
		if o < MinSeasonalDays+7 {
			break
		}
		day := weekdayBefore(lastDay, n-o)
		m := fitDaily(values[:o], day)
		p := m.Project(calibrationHorizon, 1)
		sd := (p.Upper80 - p.Expected) / z80
		if sd <= 0 {
			continue
		}
		actual := 0.0
		for _, v := range values[o : o+calibrationHorizon] {
			actual += v
		}
		z := (actual - p.Expected) / sd
		sq += z * z
		k++
	}
	if k < 4 {
		return 1 // too little past to judge the intervals by
	}
	return math.Max(1, math.Sqrt(sq/float64(k)))
}

// fitDaily fits values FitDaily has already cleaned (no NaN, none below 0).
func fitDaily(values []float64, lastDay time.Weekday) Model {
	n := len(values)
	m := Model{lastWeekday: lastDay}
	for d := range m.Season {
		m.Season[d] = 1
	}
	if n < MinSeasonalDays {
		m.Method = MethodBurnRate
		m.window = n
		if n == 0 {
			return m
		}
		m.Level = mean(values)
		m.lastT = n - 1
		res := make([]float64, n)
		for i, v := range values {
			res[i] = v - m.Level
		}
		m.Sigma = spread(res, m.Level)
		m.residuals = res
		return m
	}
	w := values
	if n > fitWindow {
		w = values[n-fitWindow:]
	}
	m.Method, m.window, m.lastT = MethodSeasonal, len(w), len(w)-1
	weekday := func(t int) time.Weekday { return weekdayBefore(lastDay, m.lastT-t) }

	// weekday factors: median ratio of a day to the mean of the week centred on it
	ratios := [7][]float64{}
	for t := 3; t+3 < len(w); t++ {
		c := mean(w[t-3 : t+4])
		if c > 0 {
			ratios[weekday(t)] = append(ratios[weekday(t)], w[t]/c)
		}
	}
	sum := 0.0
	for d := range m.Season {
		if len(ratios[d]) > 0 {
			m.Season[d] = median(ratios[d])
		}
		sum += m.Season[d]
	}
	if sum > 0 {
		for d := range m.Season {
			m.Season[d] *= 7 / sum
		}
	}
	// Theil–Sen trend on the deseasonalised values: one spike moves it little
	z := make([]float64, len(w))
	for t, v := range w {
		if s := m.Season[weekday(t)]; s > 0 {
			z[t] = v / s
		}
	}
	slopes := make([]float64, 0, len(z)*(len(z)-1)/2)
	for i := range z {
		for j := i + 1; j < len(z); j++ {
			slopes = append(slopes, (z[j]-z[i])/float64(j-i))
		}
	}
	m.Slope = medianInPlace(slopes)
	icepts := make([]float64, len(z))
	for t := range z {
		icepts[t] = z[t] - m.Slope*float64(t)
	}
	m.Level = median(icepts)
	res := make([]float64, len(w))
	for t, v := range w {
		res[t] = v - m.fitted(t, weekday(t))
	}
	m.Sigma = spread(res, mean(w))
	m.residuals = res
	return m
}

func (m Model) fitted(t int, d time.Weekday) float64 {
	return math.Max(0, (m.Level+m.Slope*float64(t))*m.Season[d])
}

// Predict is the expected value h days after the last history day (h ≥ 1).
func (m Model) Predict(h int) float64 {
	if h >= 1 && h <= len(m.preds) {
		return m.preds[h-1]
	}
	if m.preds != nil {
		return m.preds[len(m.preds)-1] // past the longest period: its last day's
	}
	if m.Method == MethodBurnRate {
		return m.Level
	}
	d := time.Weekday((int(m.lastWeekday) + h) % 7)
	return m.fitted(m.lastT+h, d)
}

// Projection is the expected total of the coming days with its intervals.
type Projection struct {
	Method           Method
	Expected         float64
	Lower80, Upper80 float64
	Lower95, Upper95 float64
	Daily            []float64 // expected value of each coming day (the first scaled by its share)
}

// Project sums the coming days: days[0] is the day after the last history day, and
// firstShare (0..1] is the part of it still to come (a day in progress).
//
// The interval of a k-day sum has two parts. Errors of neighbouring days are not
// independent (spend runs high or low for a while), so the first is the spread of the
// model's own k-day residual sums over the fitting window, never less than the daily
// spread × √k; the second is the uncertainty of the level itself, spread × k ÷ √window.
// It never goes below zero.
func (m Model) Project(days int, firstShare float64) Projection {
	p := Projection{Method: m.Method}
	k := 0.0
	for h := 1; h <= days; h++ {
		share := 1.0
		if h == 1 {
			share = firstShare
		}
		v := m.Predict(h) * share
		p.Daily = append(p.Daily, v)
		p.Expected += v
		k += share
	}
	if m.ratios != nil {
		m.conformal(&p, k)
		return p
	}
	w := math.Max(float64(m.window), 1)
	runs := math.Max(m.Sigma*math.Sqrt(k), m.sumSpread(int(math.Ceil(k))))
	// the coming run is judged against a level fitted on earlier runs, which drifted
	// as much: the difference of two such sums spreads √2 as wide
	runs *= math.Sqrt2
	level := m.Sigma * k / math.Sqrt(w)
	sd := math.Sqrt(runs*runs+level*level) * math.Max(1, m.Calibration)
	p.Lower80, p.Upper80 = math.Max(0, p.Expected-z80*sd), p.Expected+z80*sd
	p.Lower95, p.Upper95 = math.Max(0, p.Expected-z95*sd), p.Expected+z95*sd
	return p
}

// sumSpread is the standard deviation of the sums of k consecutive residuals in the
// window (scaled up from shorter runs when the window holds fewer than two).
func (m Model) sumSpread(k int) float64 {
	if k <= 0 || len(m.residuals) < 2 {
		return 0
	}
	run := min(k, len(m.residuals)/2)
	var sums []float64
	acc := 0.0
	for i, r := range m.residuals {
		acc += r
		if i >= run {
			acc -= m.residuals[i-run]
		}
		if i >= run-1 {
			sums = append(sums, acc)
		}
	}
	mu := mean(sums)
	v := 0.0
	for _, x := range sums {
		v += (x - mu) * (x - mu)
	}
	sd := math.Sqrt(v / float64(len(sums)))
	return sd * math.Sqrt(float64(k)/float64(run))
}

// weekdayBefore is the weekday k days before d.
func weekdayBefore(d time.Weekday, k int) time.Weekday { return time.Weekday(((int(d)-k)%7 + 7) % 7) }

// BurnRate is the common month-end estimate: spend so far ÷ days elapsed × days in
// the period (the baseline the forecast is measured against).
func BurnRate(spentSoFar float64, daysElapsed, daysInPeriod float64) float64 {
	if daysElapsed <= 0 {
		return 0
	}
	return spentSoFar / daysElapsed * daysInPeriod
}

// WeekdayBurnRate projects a period from its first days: what was spent so far, plus
// each remaining day at the mean of the days so far that fell on its weekday (the mean
// of all of them for a weekday not seen yet). soFar are the period's days so far, the
// first on firstWeekday.
func WeekdayBurnRate(soFar []float64, firstWeekday time.Weekday, daysInPeriod int) float64 {
	var sum [7]float64
	var n [7]int
	total := 0.0
	for i, v := range soFar {
		d := (int(firstWeekday) + i) % 7
		sum[d] += v
		n[d]++
		total += v
	}
	if len(soFar) == 0 {
		return 0
	}
	all := total / float64(len(soFar))
	out := total
	for i := len(soFar); i < daysInPeriod; i++ {
		d := (int(firstWeekday) + i) % 7
		if n[d] > 0 {
			out += sum[d] / float64(n[d])
		} else {
			out += all
		}
	}
	return out
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// medianInPlace is the median by selection (Hoare's quickselect), reordering xs: the
// Theil–Sen slope takes the median of every pair's slope, too many to sort each fit.
func medianInPlace(xs []float64) float64 {
	n := len(xs)
	if n == 0 {
		return 0
	}
	hi := selectKth(xs, n/2)
	if n%2 == 1 {
		return hi
	}
	lo := xs[0]
	for _, x := range xs[:n/2] {
		lo = math.Max(lo, x)
	}
	return (lo + hi) / 2
}

// selectKth puts the k-th smallest value at xs[k], smaller ones before it, and returns it.
func selectKth(xs []float64, k int) float64 {
	lo, hi := 0, len(xs)-1
	for lo < hi {
		pivot := xs[(lo+hi)/2]
		i, j := lo, hi
		for i <= j {
			for xs[i] < pivot {
				i++
			}
			for xs[j] > pivot {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return xs[k]
		}
	}
	return xs[k]
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// spread is a robust standard deviation: 1.4826 × the median absolute deviation, or,
// when more than half the residuals are equal (sparse series, mostly zero), 1.2533 ×
// the mean absolute deviation; never below 2 % of the level, so a perfectly flat
// history still has a band.
func spread(residuals []float64, level float64) float64 {
	med := median(residuals)
	dev := make([]float64, len(residuals))
	for i, r := range residuals {
		dev[i] = math.Abs(r - med)
	}
	s := 1.4826 * median(dev)
	if s == 0 {
		s = 1.2533 * mean(dev)
	}
	return math.Max(s, 0.02*math.Abs(level))
}
