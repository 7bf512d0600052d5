package analytics

import (
	"testing"
	"time"
)

func TestUSFederalHolidays(t *testing.T) {
	count := func(y int) (n int, days []string) {
		for d := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == y; d = d.AddDate(0, 0, 1) {
			if IsUSFederalHoliday(d) {
				n++
				days = append(days, d.Format("01-02"))
			}
		}
		return n, days
	}
	// 2012 (OPM's list): Jan 1, Jan 16, Feb 20, May 28, Jul 4, Sep 3, Oct 8, Nov 11, Nov 22, Dec 25
	n, days := count(2012)
	want := []string{"01-01", "01-16", "02-20", "05-28", "07-04", "09-03", "10-08", "11-11", "11-22", "12-25"}
	if n != 10 || len(days) != 10 {
		t.Fatalf("2012: %v", days)
	}
	for i := range want {
		if days[i] != want[i] {
			t.Errorf("2012 holiday %d: %s, want %s", i, days[i], want[i])
		}
	}
	// 1985: no Martin Luther King Jr. Day yet
	if n, days := count(1985); n != 9 || days[1] != "02-18" {
		t.Errorf("1985: %v", days)
	}
}

func TestScoreDetectionAgainstLabels(t *testing.T) {
	l := Labelled{PerDay: 1, Values: make([]float64, 20), Missing: make([]bool, 20), Label: make([]bool, 20)}
	l.Label[10], l.Label[11], l.Label[16] = true, true, true
	flags := make([]bool, 20)
	flags[5], flags[11], flags[12] = true, true, true
	d := ScoreDetection(l, 2, flags, nil, 0)
	if d.Incidents != 2 || d.Found != 1 || d.Episodes != 2 || d.False != 1 || len(d.Delays) != 1 || d.Delays[0] != 1 {
		t.Fatalf("%+v", d)
	}
	near(t, "recall", d.Recall(), 0.5)
	near(t, "precision", d.Precision(), 0.5)
	near(t, "months", d.Months, 18/(365.25/12))
	// windows [10, 11] and [16, 16] (10 % of 18 points shared by 2 is under 1: the incidents
	// themselves); flag 5 and 12 outside (−0.11 each), 11 at its window's end (earns 0), the
	// second window missed (−1): raw −1.22 between no alarm (−2) and perfect (+2)
	near(t, "benchmark", d.Benchmark(), 100*(-1.22+2)/4)
	// flagged at the window's start instead: full credit for it
	flags[11], flags[10] = false, true
	near(t, "benchmark, early", ScoreDetection(l, 2, flags, nil, 0).Benchmark(), 100*(1-0.22-1+2)/4)
	// an hour-late flag within the slack still finds the second incident
	flags[17] = true
	if d := ScoreDetection(l, 2, flags, nil, 1); d.Found != 2 || d.False != 1 {
		t.Errorf("slack 1: found %d, false %d", d.Found, d.False)
	}
}

func TestWindowedGaussian(t *testing.T) {
	// the window before the last point: mean 2, standard deviation 1; 10 is 8 deviations out
	flags, scores := WindowedGaussian([]float64{1, 3, 1, 3, 10, 2}, 4, 3)
	if !flags[4] || flags[5] || flags[3] {
		t.Errorf("flags %v", flags)
	}
	near(t, "score", scores[4], 1)
}

func TestLoadLabelledSets(t *testing.T) {
	sets, err := LoadLabelled("testdata/anomaly", "testdata/corpus")
	if err != nil {
		t.Fatal(err)
	}
	bySource := map[string]int{}
	for _, l := range sets {
		bySource[l.Source]++
	}
	if bySource["aiops-kpi"] != 29 || bySource["births-holidays"] != 3 {
		t.Fatalf("sets by source: %v", bySource)
	}
	for _, l := range sets {
		if l.Name != "kpi-0efb375b" {
			continue
		}
		// 1,464 hours from 2016-09-03 16:00 UTC, none missing; 9 runs of hours with ≥ 15 labelled minutes
		if len(l.Values) != 1464 || !l.Start.Equal(time.Date(2016, 9, 3, 16, 0, 0, 0, time.UTC)) || len(Incidents(l.Label)) != 9 {
			t.Errorf("%s: %d hours from %s, %d incidents", l.Name, len(l.Values), l.Start, len(Incidents(l.Label)))
		}
		near(t, "its first hour", l.Values[0], 0.21396)
	}
}

// The hindsight threshold by hand: 42 days at 100, day 30 at 150 (labelled), days 35 and
// 38 at 110 and 90 (not). Each judged day (28 on) is compared with the median of the same
// weekday in the four weeks before, labelled days left out (day 37 is compared with days
// 30 − 7k without day 30: 100), so the 13 unlabelled judged days deviate 0 (eleven) or
// 0.1 (days 35 and 38). q 0.99 of those is 0.1 (between the 12th and 13th, both 0.1): only
// day 30 (0.5) is above it; q 0.8 is 0: days 35 and 38 too. Scores: the share of the 13
// deviating less: day 30 13/13, day 35 11/13.
func TestHindsightDetector(t *testing.T) {
	l := Labelled{Name: "h", PerDay: 1, Values: repeat(100, 42), Missing: make([]bool, 42), Label: make([]bool, 42)}
	l.Values[30], l.Values[35], l.Values[38] = 150, 110, 90
	l.Label[30] = true
	flags, scores := HindsightDetector(0.99).Run(l)
	for i, f := range flags {
		if f != (i == 30) {
			t.Errorf("q 0.99: day %d flagged %v", i, f)
		}
	}
	near(t, "day 30's score", scores[30], 1)
	near(t, "day 35's score", scores[35], 11.0/13)
	near(t, "day 27's score (the first 28 days are not judged)", scores[27], 0)
	flags, _ = HindsightDetector(0.8).Run(l)
	for i, f := range flags {
		if f != (i == 30 || i == 35 || i == 38) {
			t.Errorf("q 0.8: day %d flagged %v", i, f)
		}
	}
}

func TestIncidentsAreSizedByHowFarTheyMovedTheValue(t *testing.T) {
	l := Labelled{Name: "s", PerDay: 1, Values: repeat(100, 42), Missing: make([]bool, 42), Label: make([]bool, 42)}
	// four incidents against the same weekday's 100 in the four weeks before: 150 (50 %),
	// 95 (5 %), 110 (10 %, on the class's lower edge) and a run of 90 then 70 (its larger, 30 %)
	for day, v := range map[int]float64{30: 150, 33: 95, 35: 110, 38: 90, 39: 70} {
		l.Values[day], l.Label[day] = v, true
	}
	dev := Deviations(l)
	near(t, "day 39's deviation", dev[39], 0.3)
	near(t, "day 27's deviation (not judged)", dev[27], 0)
	flags := make([]bool, 42)
	flags[30], flags[39] = true, true
	d := ScoreDetection(l, BenchWarmupDays, flags, nil, 0)
	if want := [4]int{1, 1, 1, 1}; d.BySize != want {
		t.Errorf("incidents by size %v, want %v", d.BySize, want)
	}
	if want := [4]int{0, 0, 1, 1}; d.FoundBySize != want {
		t.Errorf("found by size %v, want %v", d.FoundBySize, want)
	}
	if sum := d.Add(d); sum.BySize != [4]int{2, 2, 2, 2} || sum.FoundBySize != [4]int{0, 0, 2, 2} {
		t.Errorf("summed: %v, %v", sum.BySize, sum.FoundBySize)
	}
}
