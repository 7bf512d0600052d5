package analytics

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.12g, want %.12g", what, got, want)
	}
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestFlatHistory(t *testing.T) {
	m := FitDaily(repeat(10, 28), time.Sunday)
	if m.Method != MethodSeasonal {
		t.Fatalf("method %s", m.Method)
	}
	p := m.Project(5, 1)
	near(t, "expected", p.Expected, 50)
	// spread floors at 2 % of the level (0.2); no residual runs, so a 5-day sum spreads
	// 0.2 √5 × √2 (runs), plus 0.2 × 5 / √28 for the level
	sd := math.Sqrt(2*0.04*5 + 0.04*25/28)
	near(t, "upper 80", p.Upper80, 50+z80*sd)
	near(t, "lower 95", p.Lower95, 50-z95*sd)
	// a day already half over counts half
	near(t, "with today half gone", m.Project(3, 0.5).Expected, 25)
}

func TestWeeklyPatternIsLearned(t *testing.T) {
	// four weeks Monday..Sunday: 12 on weekdays, 5 at the weekend (week mean 10)
	var v []float64
	for w := 0; w < 4; w++ {
		v = append(v, 12, 12, 12, 12, 12, 5, 5)
	}
	m := FitDaily(v, time.Sunday)
	near(t, "Monday factor", m.Season[time.Monday], 1.2)
	near(t, "Sunday factor", m.Season[time.Sunday], 0.5)
	near(t, "next Monday", m.Predict(1), 12)
	near(t, "next Saturday", m.Predict(6), 5)
	near(t, "next week", m.Project(7, 1).Expected, 70)
}

func TestTrendIsExtrapolated(t *testing.T) {
	var v []float64
	for i := 0; i < 28; i++ {
		v = append(v, 10+float64(i))
	}
	m := FitDaily(v, time.Wednesday)
	near(t, "slope", m.Slope, 1)
	near(t, "level", m.Level, 10)
	// days 28, 29, 30 of the window: 38 + 39 + 40
	near(t, "next three days", m.Project(3, 1).Expected, 117)
}

func TestAnOutlierBarelyMovesTheTrend(t *testing.T) {
	v := repeat(10, 28)
	v[20] = 100
	m := FitDaily(v, time.Sunday)
	near(t, "slope", m.Slope, 0)
	if got := m.Project(7, 1).Expected; got < 69 || got > 71 {
		t.Errorf("a week after one spike is forecast at %g, want about 70", got)
	}
}

func TestShortHistoryFallsBackToBurnRate(t *testing.T) {
	m := FitDaily([]float64{10, 20, 30, 40, 50}, time.Friday)
	if m.Method != MethodBurnRate {
		t.Fatalf("method %s", m.Method)
	}
	p := m.Project(10, 1)
	near(t, "expected", p.Expected, 300)
	// residuals −20, −10, 0, 10, 20: MAD 10, spread 14.826. Their sums of 2 in a row
	// (−30, −10, 10, 30) spread √500, scaled to 10 days: √500 × √5 = 50, more than
	// 14.826 √10; times √2 for runs, and 14.826 × 10 / √5 for the level
	runs, level := 50*math.Sqrt2, 14.826*10/math.Sqrt(5)
	near(t, "upper 95", p.Upper95, 300+z95*math.Sqrt(runs*runs+level*level))
	near(t, "burn rate", BurnRate(150, 5, 30), 900)
}

func TestMedianBySelectionAgreesWithSorting(t *testing.T) {
	cases := [][]float64{{3}, {2, 1}, {5, 1, 4, 2, 3}, {1, 1, 1, 2, 2, 9}, {-3, 7, 0, 0, 7, -3, 2, 8}}
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 1; n < 60; n++ {
		c := make([]float64, n)
		for i := range c {
			c[i] = float64(rng.IntN(10)) // many ties
		}
		cases = append(cases, c)
	}
	for _, c := range cases {
		want := median(c)
		if got := medianInPlace(append([]float64(nil), c...)); got != want {
			t.Errorf("%v: %v, want %v", c, got, want)
		}
	}
}

// The weekday-adjusted burn rate, by hand: a 10-day period starting on a Monday, the
// first four days known (Mon 10, Tue 20, Wed 30, Thu 40). The remaining Mon/Tue/Wed/Thu
// repeat their own values; Fri, Sat and Sun (not seen yet) take the mean so far, 25.
// 100 + Fri 25 + Sat 25 + Sun 25 + Mon 10 + Tue 20 + Wed 30 = 235.
func TestWeekdayBurnRate(t *testing.T) {
	if got := WeekdayBurnRate([]float64{10, 20, 30, 40}, time.Monday, 10); got != 235 {
		t.Errorf("weekday burn rate %v, want 235", got)
	}
	if got := WeekdayBurnRate(nil, time.Monday, 10); got != 0 {
		t.Errorf("with nothing seen: %v, want 0", got)
	}
}

// Score, by hand: two months projected at day 10, one 10 % high inside both intervals,
// one 20 % low outside the 80 % one.
func TestScoreOfProjections(t *testing.T) {
	months := []MonthForecast{
		{Day: 10, Truth: 100, Projected: 110, Lower80: 90, Upper80: 120, Lower95: 80, Upper95: 130, ErrorPct: 10, BurnRateErrPct: 20, WeekdayErrPct: 5},
		{Day: 10, Truth: 200, Projected: 160, Lower80: 150, Upper80: 190, Lower95: 140, Upper95: 210, ErrorPct: 20, BurnRateErrPct: 20, WeekdayErrPct: 25},
		{Day: 15, Truth: 100, Projected: 100, ErrorPct: 0},
	}
	d := Score(months, 10)
	// bias (10 − 20) / 2 = −5; widths 30 % and 20 %: 25 %
	if d.Months != 2 || d.MAPE != 15 || d.BurnMAPE != 20 || d.WeekdayMAPE != 15 || d.Bias != -5 || d.Cover80 != 0.5 || d.Cover95 != 1 || d.Width != 25 ||
		d.RatioToBurn() != 0.75 || d.RatioToWeekday() != 1 {
		t.Errorf("score %+v", d)
	}
}

// Ten weeks of a fixed weekly pattern (12 on weekdays, 5 at the weekend): every
// forecaster that knows weekdays is exact, so the first of them in the order tried,
// the weekday mean, is chosen, and its past misses are none: the intervals close on
// the projection.
func TestSelectionOnAWeeklyPattern(t *testing.T) {
	var v []float64
	for w := 0; w < 10; w++ {
		v = append(v, 12, 12, 12, 12, 12, 5, 5)
	}
	m := FitDaily(v, time.Sunday)
	if m.Method != MethodWeekdayMean {
		t.Fatalf("method %s, want %s", m.Method, MethodWeekdayMean)
	}
	near(t, "next Monday", m.Predict(1), 12)
	near(t, "next Saturday", m.Predict(6), 5)
	p := m.Project(7, 1)
	near(t, "next week", p.Expected, 70)
	near(t, "lower 80", p.Lower80, 70)
	near(t, "upper 95", p.Upper95, 70)
}

// A level that doubled four weeks ago: over the backtest's origins around the shift the
// forecaster that forgets fastest (the last week's mean) missed least, and it says 20 a
// day now: it re-learns the level rather than alarm against the old one.
// After a doubling four weeks ago the forecasters that re-learn a level fast miss least
// in the backtest: the exponentially weighted one (the backtest origins just after the
// shift see half of each new day) over the last week's mean. Its level over the last 56
// days (28 at 10, then 28 at 20; every weekday's factor 15 / 15) is 20 − 10 × 0.5^28.
func TestSelectionFollowsALevelShift(t *testing.T) {
	v := append(repeat(10, 42), repeat(20, 28)...)
	m := FitDaily(v, time.Sunday)
	if m.Method != MethodSeasonalSES {
		t.Fatalf("method %s", m.Method)
	}
	near(t, "next ten days", m.Project(10, 1).Expected, 10*(20-10*math.Pow(0.5, 28)))
	// with only the first three, the last week's mean
	all := candidates
	candidates = candidates[:3]
	defer func() { candidates = all }()
	if m := FitDaily(v, time.Sunday); m.Method != MethodRecentMean || m.Project(10, 1).Expected != 200 {
		t.Errorf("%s projects %v", m.Method, m.Project(10, 1).Expected)
	}
}

// Spend that grows 25 % a week (a flat week at 100, 125, 156.25, ...; ten of them):
// every forecaster that holds a level misses each week's step, the damped growth one
// follows it and is chosen. Its level is the last week's, 100 × 1.25^9, carried half a
// week on: 100 × 1.25^9.5; day h adds 1.25^(s/7) with s = 0.8 + 0.8² + ... + 0.8^h
// days of growth: 0.8 for the first, 1.44 for the second, never more than 4.
func TestSelectionFollowsGrowth(t *testing.T) {
	var v []float64
	for w := 0.0; w < 10; w++ {
		v = append(v, repeat(100*math.Pow(1.25, w), 7)...)
	}
	m := FitDaily(v, time.Sunday)
	if m.Method != MethodSeasonalGrowth {
		t.Fatalf("method %s", m.Method)
	}
	near(t, "day 1", m.Predict(1), 854.516698005441)
	near(t, "day 2", m.Predict(2), 872.1293409990678)
	near(t, "a quarter on: 4 days' growth, less 4 × 0.8^92", m.Predict(maxHorizon), 946.285692723912)
	// a week 10 times the one before is read as 1.5 times
	v = append(repeat(10, 63), repeat(100, 7)...)
	near(t, "bounded", predictDaily(MethodSeasonalGrowth, v, time.Sunday, 1)[0], 100*math.Pow(1.5, (3.5+0.8)/7))
}

func TestQuantile(t *testing.T) {
	near(t, "10 %", quantile([]float64{1, 2, 3, 4, 5}, 0.1), 1.4)
	near(t, "97.5 %", quantile([]float64{1, 2, 3, 4, 5}, 0.975), 4.9)
	near(t, "none", quantile(nil, 0.5), 1)
}

// Widening, by hand: at one horizon the older half of the misses is 0.9 or 1.1 (median
// 1, 10th and 90th percentiles 0.9 and 1.1), the newer half 0.8375 or 1.1625. An 80 %
// interval read from the older half holds none of the newer until its spread around the
// median grows to at least 1.625 times; the first step of 0.05 that does is 1.65.
func TestWideningHoldsTheNewerMisses(t *testing.T) {
	var r []float64
	for i := 0; i < 8; i++ {
		r = append(r, 0.8375+0.325*float64(i%2)) // newest first
	}
	for i := 0; i < 8; i++ {
		r = append(r, 0.9+0.2*float64(i%2))
	}
	near(t, "widening", widening([][]float64{r}, 0.80), 1.65)
	// misses that did not grow need none
	near(t, "calm", widening([][]float64{append(append([]float64(nil), r[8:]...), r[8:]...)}, 0.80), 1)
	// misses that shrank narrow it: the older half 0.8 or 1.2 (median 1, 10th and 90th
	// percentiles 0.8 and 1.2), the newer 0.855 or 1.145, held from a spread of 0.145 ÷
	// 0.2 = 0.725 times: the first step that does is 0.75
	var shrank []float64
	for i := 0; i < 8; i++ {
		shrank = append(shrank, 0.855+0.29*float64(i%2))
	}
	for i := 0; i < 8; i++ {
		shrank = append(shrank, 0.8+0.4*float64(i%2))
	}
	near(t, "shrank", widening([][]float64{shrank}, 0.80), 0.75)
}
