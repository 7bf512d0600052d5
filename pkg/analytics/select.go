package analytics

import (
	"math"
	"sort"
	"time"
)

// With at least MinSelectDays of history the forecast is not one fixed model: several
// simple forecasters are replayed on the series' own past (a rolling-origin backtest:
// from each origin, fitted on the days before it only) and the one whose 7-day sums
// missed least is used. Its intervals are split-conformal: the quantiles of how far
// its own past k-day sums missed, as a ratio of actual to predicted, at the horizon
// asked for, so an 80 % interval is as wide as 80 % of its past misses were.
const MinSelectDays = 63

// More forecasts a selection can make.
const (
	// MethodWeekdayMean is each weekday at the mean of the same weekday in the last four weeks.
	MethodWeekdayMean Method = "weekday_mean"
	// MethodSeasonalLevel is the mean level of the last two weeks times weekday factors of the last eight.
	MethodSeasonalLevel Method = "seasonal_level"
	// MethodRecentMean is every day at the mean of the last seven.
	MethodRecentMean Method = "recent_mean"
	// MethodSeasonalSES is an exponentially weighted level of the deseasonalised days
	// (each day's weight sesAlpha, the older ones' 1 − sesAlpha) times the weekday
	// factors of the last eight weeks: simple exponential smoothing with weekly seasons.
	MethodSeasonalSES Method = "seasonal_ses"
	// MethodSeasonalGrowth is the last week's deseasonalised mean, carried from the middle
	// of that week to its end by the growth from the week before, and on by that growth
	// damped day by day (growthDamping), times the weekday factors of the last eight weeks:
	// a damped multiplicative trend, for spend that is rising or falling.
	MethodSeasonalGrowth Method = "seasonal_growth"
)

// sesAlpha: half the weight on the newest deseasonalised day. Chosen on the forecast
// corpus (0.2, 0.5, 0.7, 0.9 tried: 0.5 and 0.7 did best, 0.5 at day 10).
const sesAlpha = 0.5

// growthDamping is how much of a day's growth the next day keeps: all the growth still to
// come is at most 4 days' (0.8 / (1 − 0.8)). maxWeekGrowth bounds the growth from one
// week to the next it is read from (a quiet series' one busy week is not a trend of 10×
// a week). Chosen on the forecast corpus (damping 0.5–0.95 did alike; without a bound
// the corpus's sparsest series missed by 69 % instead of 40 % at day 5).
const (
	growthDamping = 0.8
	maxWeekGrowth = 1.5
)

const (
	selectHistory = 364 // the most recent days a selection looks at: 52 weeks (its misses, a year's)
	selectMinFit  = 28  // the least history a backtest origin fits on
	selectHorizon = 7   // the sum whose misses choose the forecaster
	selectStep    = 3   // days between the selection's origins
	maxHorizon    = 92  // the longest period projected (a quarter)
	minSamples    = 8   // fewest past misses an interval is read from
)

var candidates = []Method{MethodWeekdayMean, MethodSeasonalLevel, MethodRecentMean, MethodSeasonalSES, MethodSeasonalGrowth}

// predictDaily is a forecaster's expected value for each of the next h days after
// values (oldest first; the last on lastDay).
func predictDaily(method Method, values []float64, lastDay time.Weekday, h int) []float64 {
	out := make([]float64, h)
	n := len(values)
	weekdayOf := func(i int) int { return int(weekdayBefore(lastDay, n-1-i)) } // of values[i]
	switch method {
	case MethodRecentMean:
		lvl := mean(values[max(0, n-7):])
		for i := range out {
			out[i] = lvl
		}
	case MethodWeekdayMean:
		var sum [7]float64
		var cnt [7]int
		for i := max(0, n-28); i < n; i++ {
			sum[weekdayOf(i)] += values[i]
			cnt[weekdayOf(i)]++
		}
		for i := range out {
			d := (int(lastDay) + i + 1) % 7
			if cnt[d] > 0 {
				out[i] = sum[d] / float64(cnt[d])
			}
		}
	case MethodSeasonalSES:
		f := weekdayFactors(values, weekdayOf)
		lvl, started := 0.0, false
		for i := max(0, n-56); i < n; i++ {
			if s := f[weekdayOf(i)]; s > 0 {
				if x := values[i] / s; started {
					lvl = sesAlpha*x + (1-sesAlpha)*lvl
				} else {
					lvl, started = x, true
				}
			}
		}
		for i := range out {
			out[i] = lvl * f[(int(lastDay)+i+1)%7]
		}
	case MethodSeasonalGrowth:
		f := weekdayFactors(values, weekdayOf)
		var week [2]float64 // the last week's and the one before's deseasonalised means
		for j := range week {
			for i := max(0, n-7*(j+1)); i < n-7*j; i++ {
				if s := f[weekdayOf(i)]; s > 0 {
					week[j] += values[i] / s / 7
				}
			}
		}
		perDay := 0.0 // log growth a day
		if week[0] > 0 && week[1] > 0 {
			perDay = math.Log(math.Min(maxWeekGrowth, math.Max(1/maxWeekGrowth, week[0]/week[1]))) / 7
		}
		lvl := week[0] * math.Exp(perDay*3.5) // the last week's mean is its middle's level
		steps, damp := 0.0, 1.0
		for i := range out {
			damp *= growthDamping
			steps += damp
			out[i] = lvl * math.Exp(perDay*steps) * f[(int(lastDay)+i+1)%7]
		}
	case MethodSeasonalLevel:
		f := weekdayFactors(values, weekdayOf)
		lvl, k := 0.0, 0
		for i := max(0, n-14); i < n; i++ {
			if s := f[weekdayOf(i)]; s > 0 {
				lvl += values[i] / s
				k++
			}
		}
		if k > 0 {
			lvl /= float64(k)
		}
		for i := range out {
			out[i] = lvl * f[(int(lastDay)+i+1)%7]
		}
	}
	for i, v := range out {
		if v < 0 || math.IsNaN(v) {
			out[i] = 0
		}
	}
	return out
}

// weekdayFactors are each weekday's mean over the last eight weeks divided by the mean
// of all their days (1 where a weekday has no day or the series none).
func weekdayFactors(values []float64, weekdayOf func(int) int) [7]float64 {
	n := len(values)
	var sum [7]float64
	var cnt [7]int
	all := 0.0
	from := max(0, n-56)
	for i := from; i < n; i++ {
		sum[weekdayOf(i)] += values[i]
		cnt[weekdayOf(i)]++
		all += values[i]
	}
	all /= float64(n - from)
	var f [7]float64
	for d := range f {
		f[d] = 1
		if cnt[d] > 0 && all > 0 {
			f[d] = sum[d] / float64(cnt[d]) / all
		}
	}
	return f
}

// backtest replays method from origins (the number of days it is fitted on) and hands
// each origin's predicted and actual k-day sums, k = 1..horizon, to visit.
func backtest(method Method, values []float64, lastDay time.Weekday, origins []int, horizon int, visit func(k int, pred, actual float64)) {
	n := len(values)
	for _, o := range origins {
		h := min(horizon, n-o)
		day := weekdayBefore(lastDay, n-o) // of values[o-1]
		preds := predictDaily(method, values[:o], day, h)
		var ps, as float64
		for k := 1; k <= h; k++ {
			ps += preds[k-1]
			as += values[o+k-1]
			visit(k, ps, as)
		}
	}
}

func originsFrom(n, step, most int) []int {
	var out []int
	for o := n - 1; o >= selectMinFit && len(out) < most; o -= step {
		out = append(out, o)
	}
	return out
}

// fitSelected chooses the forecaster and reads its intervals from its past misses.
func fitSelected(values []float64, lastDay time.Weekday) Model {
	if len(values) > selectHistory {
		values = values[len(values)-selectHistory:]
	}
	n := len(values)
	// with no day of spend after any origin (nothing to miss) the first candidate stands
	best, bestErr := candidates[0], math.Inf(1)
	selection := originsFrom(n-selectHorizon+1, selectStep, 20) // each sees 7 days after it
	for _, c := range candidates {
		var errSum float64
		var k int
		backtest(c, values, lastDay, selection, selectHorizon, func(h int, pred, actual float64) {
			if h == selectHorizon && actual > 0 {
				errSum += math.Abs(pred-actual) / actual
				k++
			}
		})
		if k > 0 && errSum/float64(k) < bestErr {
			best, bestErr = c, errSum/float64(k)
		}
	}
	// the forecaster's parameters live in its predictions: fitted once, here
	m := Model{Method: best, lastWeekday: lastDay, lastT: n - 1, window: n}
	m.preds = predictDaily(best, values, lastDay, maxHorizon)
	m.ratios = make([][]float64, maxHorizon)
	backtest(best, values, lastDay, originsFrom(n-1, 1, 300), maxHorizon, func(k int, pred, actual float64) {
		if pred > 0 {
			m.ratios[k-1] = append(m.ratios[k-1], actual/pred)
		}
	})
	m.widen80, m.widen95 = widening(m.ratios, 0.80), widening(m.ratios, 0.95)
	for _, r := range m.ratios {
		sort.Float64s(r)
	}
	return m
}

// widening is how much the spread of past misses around their median must be scaled
// for an interval read from the older half of them to have held the newer half as often
// as it claims (coverage): the least factor from 0.5 up, in steps of 0.05, that does.
// Spend that moves more now than it used to gets wider intervals than its calmer past;
// spend that moves less, narrower ones than its wilder past. ratios are per horizon,
// newest origin first.
func widening(ratios [][]float64, coverage float64) float64 {
	type split struct{ older, newer []float64 }
	var splits []split
	for k := 0; k < len(ratios); k += 3 { // every third horizon: neighbours' misses overlap
		r := ratios[k]
		if len(r) < 2*minSamples {
			continue
		}
		cut := len(r) / 2
		older := append([]float64(nil), r[cut:]...)
		sort.Float64s(older)
		splits = append(splits, split{older, r[:cut]})
	}
	if len(splits) == 0 {
		return 1
	}
	tail := (1 - coverage) / 2
	for i := 0; i < 70; i++ {
		f := 0.5 + float64(i)/20
		held, total := 0, 0
		for _, s := range splits {
			lo, hi := scaledBounds(s.older, tail, f)
			for _, x := range s.newer {
				if x >= lo && x <= hi {
					held++
				}
				total++
			}
		}
		if float64(held) >= coverage*float64(total) {
			return f
		}
	}
	return 4
}

// scaledBounds are the tail and 1 − tail quantiles of sorted ratios, their distance
// from the median widened f times (the lower never below 0).
func scaledBounds(sorted []float64, tail, f float64) (float64, float64) {
	med := quantile(sorted, 0.5)
	lo, hi := quantile(sorted, tail), quantile(sorted, 1-tail)
	return math.Max(0, med-f*(med-lo)), med + f*(hi-med)
}

// quantile of sorted values (linear between order statistics).
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 1
	}
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (pos-float64(i))*(sorted[i+1]-sorted[i])
}

// conformal sets p's intervals from the past misses of k-day sums, k the days asked
// for (the longest horizon with enough misses when k has too few).
func (m Model) conformal(p *Projection, days float64) {
	k := min(max(1, int(math.Ceil(days))), len(m.ratios))
	for k > 1 && len(m.ratios[k-1]) < minSamples {
		k--
	}
	r := m.ratios[k-1]
	e := p.Expected
	lo80, hi80 := scaledBounds(r, 0.10, m.widen80)
	lo95, hi95 := scaledBounds(r, 0.025, m.widen95)
	p.Lower80, p.Upper80 = math.Min(e, e*lo80), math.Max(e, e*hi80)
	p.Lower95, p.Upper95 = math.Min(e, e*lo95), math.Max(e, e*hi95)
	p.Lower80, p.Lower95 = math.Max(0, p.Lower80), math.Max(0, p.Lower95)
}
