package analytics

import (
	"fmt"
	"math"
	"testing"
)

func flagged(s []Scored) (at []int) {
	for i, p := range s {
		if p.Flag {
			at = append(at, i)
		}
	}
	return at
}

func validated(t *testing.T, c AnomalyConfig) AnomalyConfig {
	t.Helper()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestScoreAtIsTheReferenceTail(t *testing.T) {
	// t = 1.4826 × 0.7649 × z; P(T₃ > t) = ½ − (atan(u) + u/(1+u²))/π with u = t/√3
	// z 4: t = 4.5362, u = 2.6190, atan 1.2063, u/(1+u²) 0.3332: tail 0.010027, score 1 − 2 × tail
	for z, want := range map[float64]float64{0: 0, 1: 0.66080, 3: 0.95760, 4: 0.97995, 5: 0.98913, -4: 0.97995} {
		if got := ScoreAt(z); got < want-5e-6 || got > want+5e-6 {
			t.Errorf("ScoreAt(%g) = %.6f, want %.5f", z, got, want)
		}
	}
}

func TestSpikeOverTheSevenDayAverage(t *testing.T) {
	v := append(repeat(10, 14), 16, 10)
	s := ScoreSeries(v, validated(t, AnomalyConfig{Baseline: BaselineMA7, Percent: 150}))
	if s[6].Ready || !s[7].Ready {
		t.Fatalf("ready from the 8th point: %v %v", s[6].Ready, s[7].Ready)
	}
	got := s[14]
	near(t, "expected", got.Expected, 10)
	near(t, "ratio", got.Ratio, 1.6)
	// robust level 10, no misses yet (spread floored at 0.01): z = (6 / (10 + 0.1 × 10)) / 0.01
	near(t, "z", got.Z, 6.0/11/0.01)
	// score: t = 1.13404 × 54.545 = 61.857, u = t/√3 = 35.713; for large u the tail
	// ½ − (atan u + u/(1+u²))/π is (2/3)/(π u³) = 4.65e-6: 1 − 2 × 4.65e-6
	if math.Abs(got.Score-0.9999907) > 1e-7 {
		t.Errorf("score = %.9f, want 0.9999907", got.Score)
	}
	if !got.Flag {
		t.Error("160 % of the 7-day average is not flagged at 150 %")
	}
	// the day after: (6 × 10 + 16) / 7 expected, 10 is below it
	near(t, "expected after", s[15].Expected, 76.0/7)
	if at := flagged(s); len(at) != 1 || at[0] != 14 {
		t.Errorf("flagged %v, want [14]", at)
	}
}

func TestWeeklySeasonalityIsNotAnAnomaly(t *testing.T) {
	var v []float64
	for w := 0; w < 6; w++ {
		v = append(v, 12, 12, 12, 12, 12, 5, 5)
	}
	plain := validated(t, AnomalyConfig{Baseline: BaselineMA7, Percent: 120})
	seasonal := validated(t, AnomalyConfig{Baseline: BaselineMA7, Percent: 120, Seasonal: true})
	// without seasonality every weekday is 120 % of a week that includes the weekend
	if n := len(flagged(ScoreSeries(v, plain))); n != 5*5 {
		t.Errorf("plain 7-day average flags %d weekdays, want 25", n)
	}
	s := ScoreSeries(v, seasonal)
	if n := len(flagged(s)); n != 0 {
		t.Errorf("seasonal baseline flags %d regular days", n)
	}
	// weekday factor: median 12 over the mean of the 7 medians (70 / 7): 1.2, times the 7-day average 10
	near(t, "a Monday's expected value", s[35].Expected, 12)
	// a Wednesday at 18 is 150 % of what Wednesdays cost
	v[37] = 18
	s = ScoreSeries(v, seasonal)
	if at := flagged(s); len(at) != 1 || at[0] != 37 {
		t.Errorf("flagged %v, want [37]", at)
	}
	near(t, "its ratio", s[37].Ratio, 1.5)
}

func TestALevelShiftIsLearnedNotAlarmedOnForWeeks(t *testing.T) {
	v := append(repeat(100, 28), repeat(200, 14)...)
	s := ScoreSeries(v, validated(t, AnomalyConfig{Percent: 120, Z: 5, Seasonal: true}))
	// day 28 alone: on day 29 the level (the last week's median) is still 100 and z is
	// (100 / 110) / (1.2533 × (100 / 110) / 28) = 28 / 1.2533, but day 28 in the window went
	// as far: the score is 1 − 1/28, under ScoreAt(5)
	if at := flagged(s); len(at) != 1 || at[0] != 28 {
		t.Errorf("flagged %v, want day 28 alone", at)
	}
	near(t, "expected on day 29", s[29].Expected, 100)
	near(t, "z on day 29", s[29].Z, 28/1.2533)
	near(t, "score on day 29", s[29].Score, 1-1.0/28)
	// from day 32 four of the last seven days are 200: the level has moved
	near(t, "expected on day 32", s[32].Expected, 200)
	// day 32: the window's relative residuals are (100 − 200) / 220 for 24 days, 0 for 4; their
	// median −0.4545, absolute deviations 0 (24) and 0.4545 (4): spread 1.2533 × 4 × 0.4545 / 28
	near(t, "z on day 32", s[32].Z, 0.45454545/(1.2533*4*0.45454545/28))
	// 4 of the window's 28 points are as far out, one run of them: the score is 1 − 1/28,
	// not the reference's (and under ScoreAt(5): not flagged)
	near(t, "score on day 32", s[32].Score, 1-1.0/28)
	// the 28-day average rule (150 %) alarms while the average is at most 133.33: 10 days
	avg := ScoreSeries(v, validated(t, AnomalyConfig{Baseline: BaselineAverage, Percent: 150}))
	if at := flagged(avg); len(at) != 10 || at[0] != 28 || at[9] != 37 {
		t.Errorf("average rule flagged %v, want days 28 to 37", at)
	}
}

// Spend with a weekly pattern doubles on day 35 and stays doubled. Two to three weeks
// later the window's weeks still hold both levels: the weekday profile is read from each
// day over its own week's mean, so the weeks' levels do not bend it. Read from the raw
// values, a weekday with two old and two new weeks in the window has the median 1.5× its
// old value and another 2×: the profile came out with day 46 at 133.33 instead of
// 200 and the weekend after at 66.67 instead of 100.
func TestAProfileIsNotBentByALevelShift(t *testing.T) {
	pattern := func(d int) float64 { // 100 on five days, 50 on two; doubled from day 35
		x := 100.0
		if d%7 >= 5 {
			x = 50
		}
		if d >= 35 {
			x *= 2
		}
		return x
	}
	var v []float64
	for d := 0; d < 63; d++ {
		v = append(v, pattern(d))
	}
	s := ScoreSeries(v, validated(t, AnomalyConfig{Percent: 120, Z: 5, Seasonal: true, Direction: DirectionBoth}))
	// day 46's window is days 18-45, its weeks 39-45, 32-38, 25-31 and 18-24; the week
	// 32-38 mixes both levels (mean 1000 / 7), the other three each day over its week's
	// mean give 100 / (600 / 7) = 7/6 and 50 / (600 / 7) = 7/12, which are each weekday's
	// median; the level is the last week's 200 / (7/6) = 171.43, day 46 expects 200
	for _, d := range []int{46, 47, 48, 53, 54, 55} {
		near(t, fmt.Sprintf("day %d expected", d), s[d].Expected, pattern(d))
	}
	if at := flagged(s); len(at) != 1 || at[0] != 35 {
		t.Errorf("flagged %v, want day 35 alone", at)
	}
	// hourly: 1 at night and 10 from 9 to 17, doubled from day 35: hour of the week, hour of
	// the day and weekday all read over their week's mean
	var h []float64
	for d := 0; d < 63; d++ {
		for hr := 0; hr < 24; hr++ {
			x := 1.0
			if hr >= 9 && hr <= 17 {
				x = 10
			}
			if d >= 35 {
				x *= 2
			}
			h = append(h, x)
		}
	}
	hs := ScoreSeries(h, validated(t, AnomalyConfig{PerDay: 24, Percent: 120, Z: 5, Seasonal: true, Direction: DirectionBoth}))
	near(t, "day 52 noon expected", hs[52*24+12].Expected, 20)
	near(t, "day 52 3 a.m. expected", hs[52*24+3].Expected, 2)
	for i := 42 * 24; i < len(h); i++ {
		if hs[i].Flag {
			t.Errorf("hour %d of day %d flagged a week or more after the change", i%24, i/24)
		}
	}
}

func TestDropsAreFlaggedWhenAsked(t *testing.T) {
	v := append(repeat(100, 28), 0, 100)
	for dir, want := range map[string]int{DirectionUp: 0, DirectionDown: 1, DirectionBoth: 1} {
		s := ScoreSeries(v, validated(t, AnomalyConfig{Percent: 120, Z: 5, Seasonal: true, Direction: dir}))
		if n := len(flagged(s)); n != want || (want == 1 && !s[28].Flag) {
			t.Errorf("%s: flagged %v", dir, flagged(s))
		}
		// (0 − 100) / (100 + 10) / 0.01
		near(t, dir+" z of the drop", s[28].Z, -100.0/110/0.01)
	}
	// spend at 90 % of the expected 100 passes z but not the percent rule (at most 100/120 = 83.3 %)
	v[28] = 90
	if n := len(flagged(ScoreSeries(v, validated(t, AnomalyConfig{Percent: 120, Z: 5, Seasonal: true, Direction: DirectionBoth})))); n != 0 {
		t.Errorf("a 10 %% dip flagged %d times at 120 %%", n)
	}
}

func TestHourlySeriesAreJudgedByTheirHourOfDay(t *testing.T) {
	day := make([]float64, 24)
	for h := range day {
		day[h] = 1
		if h >= 9 && h <= 17 {
			day[h] = 10
		}
	}
	var v []float64
	for d := 0; d < 35; d++ {
		v = append(v, day...)
	}
	last := 34 * 24
	v[last+3] = 10  // 3 a.m. at daytime spend
	v[last+12] = 20 // noon at twice its usual
	s := ScoreSeries(v, validated(t, AnomalyConfig{PerDay: 24, Percent: 120, Z: 5, Seasonal: true}))
	// every hour of the week and of the day has the same median, every day the same sum: each
	// factor is that hour's value over the mean hour (105 / 24), the level 105 / 24, the
	// expectation the hour's own value
	near(t, "3 a.m. expected", s[last+3].Expected, 1)
	near(t, "noon expected", s[last+12].Expected, 10)
	near(t, "3 a.m. z", s[last+3].Z, 9/(1+0.1*105.0/24)/0.01)
	if at := flagged(s); len(at) != 2 || at[0] != last+3 || at[1] != last+12 {
		t.Errorf("flagged %v, want %d and %d", at, last+3, last+12)
	}
	// without the profile every daytime hour is over 120 % of a 7-day average that includes
	// the nights (105 / 24 = 4.375; 10 ≥ 5.25, still ≥ 1.2 × 4.43 after the 3 a.m. spike):
	// the 9 daytime hours of days 7 to 34 (28 days) and the 3 a.m. spike, 253
	plain := ScoreSeries(v, validated(t, AnomalyConfig{PerDay: 24, Baseline: BaselineMA7, Percent: 120}))
	if n := len(flagged(plain)); n != 9*28+1 {
		t.Errorf("plain hourly average flags %d points, want 253", n)
	}
}

// A runaway job that spent three times the usual for ten hours, and did it again a week
// later: the second time is as unusual as the first, not made usual by the first's ten
// hours in the window.
func TestARecurringLongIncidentIsFlaggedAgain(t *testing.T) {
	v := repeat(100, 23*24)
	for h := 10; h < 20; h++ {
		v[15*24+h], v[22*24+h] = 300, 300
	}
	s := ScoreSeries(v, validated(t, AnomalyConfig{PerDay: 24, Percent: 120, Z: 5, Seasonal: true}))
	// day 22 is judged on the 528 hours before it: flat 100 (every factor 1, the level the
	// median 100) but for the first run, each (300 − 100) / (100 + 10) = 1.81818 out. The
	// residuals' median and MAD are 0, so the spread is 1.2533 × their mean absolute
	// deviation, 1.2533 × 10 × 1.81818 / 528, and z = 528 / 12.533
	at := 22*24 + 10
	near(t, "expected", s[at].Expected, 100)
	near(t, "z", s[at].Z, 528/12.533)
	// the reference's tail at z 42 is about 1e-5: the score is 1 − 1/528, the first run
	// counted once (its ten hours counted apart would give 1 − 10/528 = 0.981, under
	// ScoreAt(5) = 0.989, and the second incident would not be flagged)
	near(t, "score", s[at].Score, 1-1.0/528)
	got := flagged(s)
	if len(got) != 20 || got[0] != 15*24+10 || got[10] != at || got[19] != 22*24+19 {
		t.Errorf("flagged %v, want hours 10 to 19 of days 15 and 22", got)
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	cases := map[string]AnomalyConfig{
		`baseline: "median" is not robust, ma7 or average`:                               {Baseline: "median", Percent: 150},
		"thresholds: give a percent of baseline (e.g. 150), a z-score (e.g. 3), or both": {},
		"thresholds: a percent of baseline of 90 is not above 100":                       {Percent: 90},
		"windowDays: 10 is not between 14 and 365":                                       {Percent: 150, WindowDays: 10},
		"windowDays: 15 must be whole weeks when seasonality is on":                      {Percent: 150, WindowDays: 15, Seasonal: true},
		`direction: "sideways" is not up, down or both`:                                  {Percent: 150, Direction: "sideways"},
	}
	for want, c := range cases {
		if err := c.Validate(); err == nil || err.Error() != want {
			t.Errorf("got %v, want %s", err, want)
		}
	}
}
