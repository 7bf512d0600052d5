package analytics

import (
	"fmt"
	"math"
	"sort"
)

// Baselines an anomaly check compares against.
const (
	// BaselineMA7 is the mean of the previous 7 days (or 7 × 24 hours).
	BaselineMA7 = "ma7"
	// BaselineAverage is the mean of the whole lookback window (28 days by default).
	BaselineAverage = "average"
)

// AnomalyConfig says what counts as an anomaly.
type AnomalyConfig struct {
	Baseline string
	// PerDay is the points in a day: 1 for daily series, 24 for hourly ones.
	PerDay int
	// WindowDays is the lookback of the average baseline, the weekday factors and the
	// spread (default 28).
	WindowDays int
	// Percent flags a point at or above Percent % of its expected value (0: off).
	Percent float64
	// Z flags a point whose robust z-score is at least Z (0: off). With both set, a
	// point must pass both: large in proportion and unusual for this series.
	Z float64
	// Seasonal scales the baseline by weekday (hour-of-week) factors from the window,
	// so a busy Monday is not read as a jump over a week that includes a quiet Sunday.
	Seasonal bool
}

// ConfigError names the setting at fault, so callers can point at their own field.
type ConfigError struct {
	Field string // baseline, perDay, windowDays or thresholds
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
		c.Baseline = BaselineMA7
	case BaselineMA7, BaselineAverage:
	default:
		return configError("baseline", "%q is not ma7 or average", c.Baseline)
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
	if c.WindowDays < 7 || c.WindowDays > 365 {
		return configError("windowDays", "%d is not between 7 and 365", c.WindowDays)
	}
	if c.Seasonal && c.WindowDays%7 != 0 {
		return configError("windowDays", "%d must be whole weeks when seasonality is on", c.WindowDays)
	}
	if c.Percent < 0 || c.Z < 0 || (c.Percent == 0 && c.Z == 0) {
		return configError("thresholds", "give a percent of baseline (e.g. 150), a z-score (e.g. 3), or both")
	}
	return nil
}

// Scored is one point's verdict, made only from the points before it.
type Scored struct {
	Ready        bool    // enough history to judge
	Expected     float64 // the baseline, seasonally adjusted
	Lower, Upper float64 // the expected band
	Ratio        float64 // actual ÷ expected
	Z            float64 // (actual − expected) ÷ robust spread
	Score        float64 // 0..1, 0.5 at the z threshold (or at z = 3)
	Flag         bool
}

// ScoreSeries judges every point of a series from the points before it, as a live
// alert would have seen it. Points before a full window are not Ready.
func ScoreSeries(values []float64, cfg AnomalyConfig) []Scored {
	out := make([]Scored, len(values))
	week := 7 * cfg.PerDay
	window := cfg.WindowDays * cfg.PerDay
	need := 7 * cfg.PerDay
	if cfg.Baseline == BaselineAverage || cfg.Seasonal {
		need = window
	}
	zRef := cfg.Z
	if zRef == 0 {
		zRef = 3
	}
	prefix := make([]float64, len(values)+1)
	for i, v := range values {
		prefix[i+1] = prefix[i] + v
	}
	sumOf := func(from, to int) float64 { return prefix[to] - prefix[from] }
	devs := make([]float64, 0, window)
	phaseSum, phaseN := make([]float64, week), make([]int, week)
	for t := range values {
		if t < need {
			continue
		}
		from := max(0, t-window) // the lookback: the window, or what history there is
		var base float64
		if cfg.Baseline == BaselineAverage {
			base = sumOf(from, t) / float64(t-from)
		} else {
			base = sumOf(t-week, t) / float64(week)
		}
		// factor of a phase of the week: its mean in the lookback against the lookback's
		factor := func(s int) float64 { return 1 }
		if cfg.Seasonal {
			all := sumOf(from, t) / float64(t-from)
			clear(phaseSum)
			clear(phaseN)
			for u := from; u < t; u++ {
				k := ((u-t)%week + week) % week
				phaseSum[k] += values[u]
				phaseN[k]++
			}
			factor = func(s int) float64 {
				k := ((s-t)%week + week) % week
				if all <= 0 || phaseN[k] == 0 {
					return 1
				}
				return phaseSum[k] / float64(phaseN[k]) / all
			}
		}
		exp := base * factor(t)
		// how far this series' points sit from the same baseline and factors: its usual swing
		devs = devs[:0]
		for s := from; s < t; s++ {
			devs = append(devs, values[s]-base*factor(s))
		}
		sigma := upperSpread(devs, exp)
		if sigma == 0 {
			sigma = 1e-9
		}
		sc := Scored{Ready: true, Expected: exp, Z: (values[t] - exp) / sigma}
		sc.Lower, sc.Upper = math.Max(0, exp-zRef*sigma), exp+zRef*sigma
		if exp > 0 {
			sc.Ratio = values[t] / exp
		}
		sc.Score = 1 - math.Pow(0.5, math.Max(sc.Z, 0)/zRef)
		pctOK := cfg.Percent == 0 || (exp > 0 && values[t] >= cfg.Percent/100*exp)
		zOK := cfg.Z == 0 || sc.Z >= cfg.Z
		sc.Flag = values[t] > exp && pctOK && zOK
		out[t] = sc
	}
	return out
}

// upperSpread is how far above its usual level this series goes: the larger of the
// robust spread and the distance from the median to the 84th percentile of the
// deviations (one standard deviation for a normal series). Costs are skewed, a few
// large requests at a time, and only jumps upwards are flagged, so the upper tail is
// what a jump is measured against.
func upperSpread(devs []float64, level float64) float64 {
	s := spread(devs, level)
	if len(devs) < 2 {
		return s
	}
	sorted := append([]float64(nil), devs...)
	sort.Float64s(sorted)
	q := func(p float64) float64 {
		x := p * float64(len(sorted)-1)
		i := int(x)
		if i+1 >= len(sorted) {
			return sorted[len(sorted)-1]
		}
		return sorted[i] + (x-float64(i))*(sorted[i+1]-sorted[i])
	}
	return math.Max(s, q(0.8413)-q(0.5))
}
