package analytics

import "testing"

func TestSpikeOverTheSevenDayAverage(t *testing.T) {
	v := append(repeat(10, 14), 16, 10)
	cfg := AnomalyConfig{Baseline: BaselineMA7, Percent: 150}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	s := ScoreSeries(v, cfg)
	if s[6].Ready || !s[7].Ready {
		t.Fatalf("ready from the 8th point: %v %v", s[6].Ready, s[7].Ready)
	}
	got := s[14]
	near(t, "expected", got.Expected, 10)
	near(t, "ratio", got.Ratio, 1.6)
	// no misses yet: spread floors at 2 % of 10, so z = 6 / 0.2
	near(t, "z", got.Z, 30)
	near(t, "score", got.Score, 1-1.0/1024)
	if !got.Flag {
		t.Error("160 % of the 7-day average is not flagged at 150 %")
	}
	// the day after: (6 × 10 + 16) / 7 expected, 10 is below it
	near(t, "expected after", s[15].Expected, 76.0/7)
	if s[15].Flag {
		t.Error("a drop back to normal is flagged")
	}
	for i := 7; i < 14; i++ {
		if s[i].Flag {
			t.Errorf("flat day %d flagged", i)
		}
	}
}

func TestWeeklySeasonalityIsNotAnAnomaly(t *testing.T) {
	var v []float64
	for w := 0; w < 6; w++ {
		v = append(v, 12, 12, 12, 12, 12, 5, 5)
	}
	plain := AnomalyConfig{Baseline: BaselineMA7, Percent: 120}
	seasonal := AnomalyConfig{Baseline: BaselineMA7, Percent: 120, Seasonal: true}
	for _, c := range []*AnomalyConfig{&plain, &seasonal} {
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	flags := func(s []Scored) (n int) {
		for _, p := range s {
			if p.Flag {
				n++
			}
		}
		return n
	}
	// without seasonality every weekday is 120 % of a week that includes the weekend
	if n := flags(ScoreSeries(v, plain)); n != 5*5 {
		t.Errorf("plain 7-day average flags %d weekdays, want 25", n)
	}
	s := ScoreSeries(v, seasonal)
	if n := flags(s); n != 0 {
		t.Errorf("seasonal baseline flags %d regular days", n)
	}
	near(t, "a Monday's expected value", s[35].Expected, 12)
	// a Wednesday at 18 is 150 % of what Wednesdays cost
	v[37] = 18
	s = ScoreSeries(v, seasonal)
	if !s[37].Flag || flags(s) != 1 {
		t.Errorf("the jump: flag %v, %d flags in all", s[37].Flag, flags(s))
	}
	near(t, "its ratio", s[37].Ratio, 1.5)
}

func TestBothThresholdsMustPass(t *testing.T) {
	// a noisy series: ±5 around 100, then 109 — 109 % of baseline but within the noise
	var v []float64
	for i := 0; i < 28; i++ {
		if i%2 == 0 {
			v = append(v, 105)
		} else {
			v = append(v, 95)
		}
	}
	v = append(v, 109)
	c := AnomalyConfig{Baseline: BaselineAverage, Percent: 105, Z: 3}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	last := ScoreSeries(v, c)[28]
	near(t, "expected", last.Expected, 100)
	if last.Flag {
		t.Errorf("z %.2f: a point inside the usual swing is flagged", last.Z)
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	cases := map[string]AnomalyConfig{
		`baseline: "median" is not ma7 or average`:                                       {Baseline: "median", Percent: 150},
		"thresholds: give a percent of baseline (e.g. 150), a z-score (e.g. 3), or both": {},
		"windowDays: 10 must be whole weeks when seasonality is on":                      {Percent: 150, WindowDays: 10, Seasonal: true},
	}
	for want, c := range cases {
		if err := c.Validate(); err == nil || err.Error() != want {
			t.Errorf("got %v, want %s", err, want)
		}
	}
}
