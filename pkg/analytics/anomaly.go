package analytics

import (
	"fmt"
	"math"
	"sort"
)

// Baselines an anomaly check compares against.
const (
	// BaselineRobust (the default) is the series' own seasonal expectation: its level
	// (the median of the last 7 days, seasonally adjusted) times its weekday (daily) or
	// hour-of-day × weekday (hourly) profile from the window.
	BaselineRobust = "robust"
	// BaselineMA7 is the mean of the previous 7 days (or 7 × 24 hours): the documented
	// rule "over 120 % of the 7-day moving average".
	BaselineMA7 = "ma7"
	// BaselineAverage is the mean of the whole lookback window (28 days by default): the
	// documented rule "over 150 % of the daily average".
	BaselineAverage = "average"
)

// The thresholds a query gets when it sets neither: a point must be at least 120 % of
// its expectation (a drop: at most 83.3 %) and score at least ScoreAt(5) ≈ 0.989.
const (
	DefaultPercent = 120
	DefaultZ       = 5
)

// Directions an anomaly can go.
const (
	DirectionUp   = "up"   // spend jumping (the default)
	DirectionDown = "down" // spend falling: a broken pipeline, a lost customer
	DirectionBoth = "both"
)

// AnomalyConfig says what counts as an anomaly.
type AnomalyConfig struct {
	Baseline string
	// PerDay is the points in a day: 1 for daily series, 24 for hourly ones.
	PerDay int
	// WindowDays is the lookback of the profile, the spread and the average baseline
	// (default 28).
	WindowDays int
	// Percent flags a point at or above Percent % of its baseline (a drop: at or below
	// 100 × 100 / Percent %, e.g. 150 → 66.7 %); 0: off.
	Percent float64
	// Z flags a point whose score is at least ScoreAt(Z): as unusual as a robust z-score
	// of Z would be under the score's heavy-tailed reference; 0: off. With both set, a
	// point must pass both: large in proportion and unusual for this series.
	Z float64
	// Direction: up (default), down or both.
	Direction string
	// Seasonal scales the expectation by the weekday (hour-of-day × weekday) profile.
	Seasonal bool
}

// ConfigError names the setting at fault, so callers can point at their own field.
type ConfigError struct {
	Field string // baseline, perDay, windowDays, thresholds or direction
	Msg   string
}

func (e *ConfigError) Error() string { return e.Field + ": " + e.Msg }

func configError(field, format string, args ...any) error {
	return &ConfigError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Validate names the first bad field.
func (c *AnomalyConfig) Validate() error {
	switch c.Baseline {
	case "":
		c.Baseline = BaselineRobust
	case BaselineRobust, BaselineMA7, BaselineAverage:
	default:
		return configError("baseline", "%q is not robust, ma7 or average", c.Baseline)
	}
	switch c.Direction {
	case "":
		c.Direction = DirectionUp
	case DirectionUp, DirectionDown, DirectionBoth:
	default:
		return configError("direction", "%q is not up, down or both", c.Direction)
	}
	if c.PerDay == 0 {
		c.PerDay = 1
	}
	if c.PerDay != 1 && c.PerDay != 24 {
		return configError("perDay", "%d points a day is not 1 (daily) or 24 (hourly)", c.PerDay)
	}
	if c.WindowDays == 0 {
		c.WindowDays = 28
	}
	if c.WindowDays < 14 || c.WindowDays > 365 {
		return configError("windowDays", "%d is not between 14 and 365", c.WindowDays)
	}
	if c.Seasonal && c.WindowDays%7 != 0 {
		return configError("windowDays", "%d must be whole weeks when seasonality is on", c.WindowDays)
	}
	if c.Percent < 0 || c.Z < 0 || (c.Percent == 0 && c.Z == 0) {
		return configError("thresholds", "give a percent of baseline (e.g. 150), a z-score (e.g. 3), or both")
	}
	if c.Percent != 0 && c.Percent <= 100 {
		return configError("thresholds", "a percent of baseline of %g is not above 100", c.Percent)
	}
	return nil
}

// Scored is one point's verdict, made only from the points before it.
type Scored struct {
	Ready        bool    // enough history to judge
	Expected     float64 // the baseline the ratio is against (the robust expectation by default)
	Lower, Upper float64 // the robust expectation's band at the z threshold (z 4 when none is set)
	Ratio        float64 // actual ÷ expected
	Z            float64 // robust z-score: above 0 a jump, below 0 a drop
	Score        float64 // 0..1: how unusual, the same on every series (see ScoreAt)
	Flag         bool
}

// tailScale turns a robust z-score (in units of 1.4826 × the median absolute deviation)
// into the reference's t: the reference is Student's t with 3 degrees of freedom, whose
// median absolute deviation is 0.7649, so its robust z is t ÷ (1.4826 × 0.7649).
const tailScale = 1.4826 * 0.7649

// tailT3 is P(T > t) for Student's t with 3 degrees of freedom, t ≥ 0.
func tailT3(t float64) float64 {
	u := t / math.Sqrt(3)
	return 0.5 - (math.Atan(u)+u/(1+u*u))/math.Pi
}

// ScoreAt is the score of a point at robust z-score z when the series' own past has been
// no wilder: 1 − the two-sided probability of a point at least that far out under a
// heavy-tailed (t, 3 degrees of freedom) reference. A score of s is reached by about
// 1 − s of a normal series' points: ScoreAt(3) ≈ 0.95, ScoreAt(4) ≈ 0.98, ScoreAt(6) ≈ 0.994.
func ScoreAt(z float64) float64 { return 1 - 2*tailT3(tailScale*math.Abs(z)) }

// ScoreSeries judges every point of a series from the points before it, as a live
// alert would have seen it. Points before a week of history (two with seasonality)
// are not Ready.
//
// The expectation of point t: its level, the median of the last 7 days' values each
// divided by its phase's factor, times its own phase's factor. A phase is a weekday
// (daily series) or an hour of the week (hourly), its factor the median over the
// window's whole weeks of its value over that week's mean (hourly: the mean of that and
// the hour of day's median times the weekday's median share of its week), over the mean
// of all phases'. So a quiet Sunday night is compared with Sunday nights, a level that
// moved weeks ago is the level, and the weeks before and after a move do not bend the
// profile. The spread is the median absolute deviation of the window's relative
// residuals (value − expectation, over the expectation plus a tenth of the level, so
// near-zero hours do not dominate).
// The score is 1 − the larger of the reference's two-sided tail probability (ScoreAt)
// and how often the window's own points went at least as far out, each run of such
// points counted once (runs declustering): a series that often swings this far does
// not alarm on it, and one long incident in the window does not make the next one look
// usual for the window's length. The level, profile and spread are fitted on the
// window before the first point of t's day (for a daily series, before t); an hourly
// series' days are counted in 24 points from its first, so start it at a midnight.
func ScoreSeries(values []float64, cfg AnomalyConfig) []Scored {
	return ScoreSeriesFrom(values, cfg, 0)
}

// ScoreSeriesFrom is ScoreSeries judging only the points from first on (the earlier
// ones are history, not Ready): an alert reads the last few points of a long lookback.
func ScoreSeriesFrom(values []float64, cfg AnomalyConfig, first int) []Scored {
	out := make([]Scored, len(values))
	n := len(values)
	week := 7 * cfg.PerDay
	window := cfg.WindowDays * cfg.PerDay
	need := week
	if cfg.Seasonal {
		need = 2 * week // two of each phase
	}
	zRef := cfg.Z
	if zRef == 0 {
		zRef = 4
	}
	minScore := 0.0
	if cfg.Z > 0 {
		minScore = ScoreAt(cfg.Z)
	}
	prefix := make([]float64, n+1)
	for i, v := range values {
		prefix[i+1] = prefix[i] + v
	}
	factor := make([]float64, week)
	buf := make([]float64, 0, window)
	resid := make([]float64, 0, window)
	sorted := make([]float64, 0, window)
	far := make([]float64, 0, window)   // the window's |z|, ascending
	order := make([]float64, 0, window) // the window's |z|, oldest first
	hod := make([]float64, cfg.PerDay)
	wday := make([]float64, 7)
	var level, center, upper, lower float64
	scale := func(e float64) float64 {
		if d := e + 0.1*math.Abs(level); d > 0 {
			return d
		}
		return 1e-9
	}
	zOf := func(r float64) float64 {
		if r >= center {
			return (r - center) / upper
		}
		return (r - center) / lower
	}
	anchor := -1
	for t := range values {
		if t < need || t < first {
			continue
		}
		// The profile, level and spread are those of the window before the day's first
		// point (daily series: before t itself): an hour is judged on the window as it
		// stood at the start of its day, so a day's hours share one fit.
		if a := t - t%cfg.PerDay; a != anchor {
			anchor = a
			fitProfile(values, prefix, cfg, a, window, factor, hod, wday, &buf)
			// the level: the last week, deseasonalised, from its busier phases
			buf = buf[:0]
			for s := a - week; s < a; s++ {
				if f := factor[s-(a-week)]; f >= 0.25 {
					buf = append(buf, values[s]/f)
				}
			}
			level = medianInPlace(buf)
			if len(buf) == 0 {
				level = (prefix[a] - prefix[a-week]) / float64(week)
			}
			// the spread of the window's relative residuals, about their median
			resid = resid[:0]
			for s := max(0, a-window); s < a; s++ {
				e := level * factor[((s-a)%week+week)%week]
				resid = append(resid, (values[s]-e)/scale(e))
			}
			sorted = append(sorted[:0], resid...)
			sort.Float64s(sorted)
			center = quantile(sorted, 0.5)
			buf = buf[:0]
			for _, r := range resid {
				buf = append(buf, math.Abs(r-center))
			}
			sigma := 1.4826 * medianInPlace(buf)
			if sigma == 0 {
				sigma = 1.2533 * mean(buf)
			}
			sigma = math.Max(sigma, 0.01)
			// costs are skewed (a few large requests at a time): each side's spread is at
			// least the distance from the median to its 84th (16th) percentile, one
			// standard deviation of a normal series
			upper = math.Max(sigma, quantile(sorted, 0.8413)-center)
			lower = math.Max(sigma, center-quantile(sorted, 0.1587))
			order = order[:0]
			for _, r := range resid {
				order = append(order, math.Abs(zOf(r)))
			}
			far = append(far[:0], order...)
			sort.Float64s(far)
		}
		from := max(0, t-window)
		own := factor[t-anchor] // t's phase
		exp := level * own
		sc := Scored{Ready: true, Expected: exp, Z: zOf((values[t] - exp) / scale(exp))}
		// the score: the reference's tail, unless the window's own excursions go this far
		// more often (counted once per run of points, so one long incident in the window
		// does not silence the next)
		tail, z := 1-ScoreAt(sc.Z), math.Abs(sc.Z)
		asFar := len(far) - sort.SearchFloat64s(far, z)
		if float64(asFar) > tail*float64(len(far)) { // then the runs decide: count them
			asFar = 0
			for i, x := range order {
				if x >= z && (i == 0 || order[i-1] < z) {
					asFar++
				}
			}
		}
		sc.Score = math.Max(0, 1-math.Max(tail, float64(asFar)/float64(len(far))))
		sc.Lower = math.Max(0, exp+(center-zRef*lower)*scale(exp))
		sc.Upper = exp + (center+zRef*upper)*scale(exp)
		// the documented rules' baselines
		switch cfg.Baseline {
		case BaselineMA7:
			sc.Expected = (prefix[t] - prefix[t-week]) / float64(week) * own
		case BaselineAverage:
			sc.Expected = (prefix[t] - prefix[from]) / float64(t-from) * own
		}
		if sc.Expected > 0 {
			sc.Ratio = values[t] / sc.Expected
		}
		// a jump is above both the baseline and the robust expectation, a drop below both;
		// the percent rule does not judge spend appearing where none was expected
		up := cfg.Direction != DirectionDown && values[t] > sc.Expected && (cfg.Z == 0 || sc.Z > 0) &&
			(cfg.Percent == 0 || (sc.Expected > 0 && values[t] >= cfg.Percent/100*sc.Expected))
		down := cfg.Direction != DirectionUp && values[t] < sc.Expected && (cfg.Z == 0 || sc.Z < 0) &&
			(cfg.Percent == 0 || values[t] <= 100/cfg.Percent*sc.Expected)
		sc.Flag = (up || down) && sc.Score >= minScore
		out[t] = sc
	}
	return out
}

// fitProfile sets factor[k] to the profile's factor of the phase k points after a's
// (a's own phase is 0) from the window before a: 1 everywhere without seasonality.
func fitProfile(values, prefix []float64, cfg AnomalyConfig, a, window int, factor, hod, wday []float64, scratch *[]float64) {
	week := 7 * cfg.PerDay
	from := max(0, a-window)
	for k := range factor {
		factor[k] = 1
	}
	if !cfg.Seasonal {
		return
	}
	buf := *scratch
	defer func() { *scratch = buf }()
	// the window's whole weeks back from a, each point over its own week's mean: a level
	// that moved between weeks is not a pattern within them (otherwise, two to four weeks
	// after spend doubled, the phases whose median mixes both levels read as quiet ones)
	weeks := (a - from) / week
	var sums [53]float64 // week j's sum, j weeks back from a (a window is at most 365 days)
	for j := 0; j < weeks; j++ {
		sums[j] = prefix[a-j*week] - prefix[a-(j+1)*week]
	}
	// (a week without spend gives each of its points 0: as many of those as weeks with
	// spend leave the profile flat, as the raw values' medians did)
	rel := func(s int) float64 { // values[s] over the mean of its week
		if m := sums[(a-1-s)/week]; m > 0 {
			return values[s] * float64(week) / m
		}
		return 0
	}
	// phase k: the points a − week + k, a − 2 week + k, … of those weeks
	for k := 0; k < week; k++ {
		buf = buf[:0]
		for j := 0; j < weeks; j++ {
			buf = append(buf, rel(a-(j+1)*week+k))
		}
		factor[k] = medianInPlace(buf)
	}
	if cfg.PerDay > 1 {
		// hour of day: median over every day of those weeks
		for h := 0; h < cfg.PerDay; h++ {
			buf = buf[:0]
			for s := a - cfg.PerDay + h; s >= a-weeks*week; s -= cfg.PerDay {
				buf = append(buf, rel(s))
			}
			hod[h] = medianInPlace(buf)
		}
		// weekday: median of that weekday's share of its week
		total := 0.0
		for d := 0; d < 7; d++ {
			buf = buf[:0]
			for j := 0; j < weeks; j++ {
				s, share := a-(j+1)*week+d*cfg.PerDay, 0.0
				if sums[j] > 0 {
					share = (prefix[s+cfg.PerDay] - prefix[s]) / sums[j]
				}
				buf = append(buf, share)
			}
			wday[d] = medianInPlace(buf)
			total += wday[d]
		}
		for k := 0; k < week; k++ {
			share := 1.0
			if total > 0 {
				share = 7 * wday[k/cfg.PerDay] / total
			}
			factor[k] = (factor[k] + hod[k%cfg.PerDay]*share) / 2
		}
	}
	avg := mean(factor)
	for k := range factor {
		if avg > 0 {
			factor[k] /= avg
		} else {
			factor[k] = 1
		}
	}
}
