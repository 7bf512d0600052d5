package analytics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Incident is a run of labelled points [Start, End].
type Incident struct{ Start, End int }

// Incidents are the runs of labelled points.
func Incidents(label []bool) []Incident {
	var out []Incident
	for i := 0; i < len(label); i++ {
		if !label[i] {
			continue
		}
		j := i
		for j+1 < len(label) && label[j+1] {
			j++
		}
		out = append(out, Incident{i, j})
		i = j
	}
	return out
}

// DetectionScore is how a detector's flags did against a labelled series (or a set of
// them, summed): incidents found, alarm episodes (runs of flagged points) that touched
// no incident, how many points late the first flag of each found incident came, the
// months judged, and the benchmark-style score's raw parts.
type DetectionScore struct {
	Incidents, Found   int
	Episodes, False    int
	Delays             []float64 // in days
	Months             float64
	Raw, Null, Perfect float64
	UnlabelledPoints   int
	Over90, Over99     int // unlabelled points scoring at least 0.9, 0.99
	Over999            int
	// incidents and those found by how far they moved the value (the largest of their
	// points' Deviations), in the classes SizeEdges bound
	BySize, FoundBySize [len(SizeEdges) + 1]int
}

// SizeEdges bound the classes of incident size the bench reports recall in: under 10 %,
// 10–25 %, 25–50 %, 50 % and over.
var SizeEdges = [...]float64{0.10, 0.25, 0.50}

// sizeClass is the class of SizeEdges a size falls in.
func sizeClass(size float64) int {
	c := 0
	for c < len(SizeEdges) && size >= SizeEdges[c] {
		c++
	}
	return c
}

// Precision is the share of alarm episodes that were incidents.
func (d DetectionScore) Precision() float64 {
	if d.Episodes == 0 {
		return 0
	}
	return float64(d.Episodes-d.False) / float64(d.Episodes)
}

// Recall is the share of incidents found.
func (d DetectionScore) Recall() float64 {
	if d.Incidents == 0 {
		return 0
	}
	return float64(d.Found) / float64(d.Incidents)
}

// FalsePerMonth is false-alarm episodes per series-month.
func (d DetectionScore) FalsePerMonth() float64 {
	if d.Months == 0 {
		return 0
	}
	return float64(d.False) / d.Months
}

// MedianDelayDays is the median time from an incident's first point to its first flag.
func (d DetectionScore) MedianDelayDays() float64 { return median(d.Delays) }

// Benchmark is the benchmark-style score: 0 for raising no alarm, 100 for flagging every
// incident window at its start and nothing else (can go below 0).
func (d DetectionScore) Benchmark() float64 {
	if d.Perfect == d.Null {
		return 0
	}
	return 100 * (d.Raw - d.Null) / (d.Perfect - d.Null)
}

// Add sums two scores.
func (d DetectionScore) Add(o DetectionScore) DetectionScore {
	d.Incidents += o.Incidents
	d.Found += o.Found
	d.Episodes += o.Episodes
	d.False += o.False
	d.Delays = append(append([]float64(nil), d.Delays...), o.Delays...)
	d.Months += o.Months
	d.Raw, d.Null, d.Perfect = d.Raw+o.Raw, d.Null+o.Null, d.Perfect+o.Perfect
	d.UnlabelledPoints += o.UnlabelledPoints
	d.Over90, d.Over99, d.Over999 = d.Over90+o.Over90, d.Over99+o.Over99, d.Over999+o.Over999
	for c := range d.BySize {
		d.BySize[c] += o.BySize[c]
		d.FoundBySize[c] += o.FoundBySize[c]
	}
	return d
}

// Benchmark-style weights (the "standard profile" of window-based streaming anomaly
// benchmarks): a found window earns up to 1, a missed one costs 1, each flagged point
// outside every window costs 0.11.
const (
	benchTP = 1.0
	benchFN = 1.0
	benchFP = 0.11
)

// ScoreDetection judges flags (and scores, for calibration) against a labelled series.
// Only points from `from` on are judged (the detector's warm-up is not), and missing
// points not at all. An incident is found when a flag falls on it or within slack points
// after it (an hourly monitor may see an incident's tail); each alarm episode touching
// no incident (with that slack) is a false alarm. The benchmark-style score puts a
// window around each incident, 10 % of the judged length shared between the incidents
// (at least the incident itself), starting that much before it: a flag early in the
// window earns most (a sigmoid falling from 1 at the window's start to 0 at its end),
// only a window's first flag counts, each flagged point outside every window costs.
func ScoreDetection(l Labelled, from int, flags []bool, scores []float64, slack int) DetectionScore {
	n := len(l.Values)
	var d DetectionScore
	judged := func(i int) bool { return i >= from && !l.Missing[i] }
	label := make([]bool, n)
	for i := from; i < n; i++ {
		label[i] = l.Label[i] && !l.Missing[i]
	}
	incidents := Incidents(label)
	d.Incidents = len(incidents)
	points := 0
	for i := from; i < n; i++ {
		if judged(i) {
			points++
		}
	}
	d.Months = float64(points) / float64(l.PerDay) / (365.25 / 12)
	near := make([]int, n) // 1 + index of the incident a point is on or just after
	for k, in := range incidents {
		for i := in.Start; i <= min(n-1, in.End+slack); i++ {
			if near[i] == 0 {
				near[i] = k + 1
			}
		}
	}
	found := make([]bool, len(incidents))
	for i := from; i < n; i++ {
		if !judged(i) {
			continue
		}
		if !label[i] {
			d.UnlabelledPoints++
			if scores != nil {
				switch s := scores[i]; {
				case s >= 0.999:
					d.Over999++
					fallthrough
				case s >= 0.99:
					d.Over99++
					fallthrough
				case s >= 0.9:
					d.Over90++
				}
			}
		}
		if !flags[i] {
			continue
		}
		if k := near[i] - 1; k >= 0 && !found[k] {
			found[k] = true
			d.Delays = append(d.Delays, float64(i-incidents[k].Start)/float64(l.PerDay))
		}
		if i == from || !flags[i-1] { // an episode starts
			j, hit := i, false
			for ; j < n && flags[j]; j++ {
				hit = hit || near[j] != 0
			}
			d.Episodes++
			if !hit {
				d.False++
			}
		}
	}
	dev := Deviations(l)
	for k, f := range found {
		size := 0.0 // an incident's size: the most any of its points deviated
		for i := incidents[k].Start; i <= incidents[k].End; i++ {
			size = math.Max(size, dev[i])
		}
		c := sizeClass(size)
		d.BySize[c]++
		if f {
			d.Found++
			d.FoundBySize[c]++
		}
	}
	// benchmark-style windows
	if len(incidents) > 0 {
		width := max(1, int(0.1*float64(points)/float64(len(incidents))))
		inWindow := make([]int, n)
		type window struct{ start, end int }
		var windows []window
		for _, in := range incidents {
			w := window{max(from, in.Start-width/2), min(n-1, max(in.End, in.Start+width-width/2-1))}
			if len(windows) > 0 && w.start <= windows[len(windows)-1].end+1 {
				windows[len(windows)-1].end = max(windows[len(windows)-1].end, w.end)
				continue
			}
			windows = append(windows, w)
		}
		for k, w := range windows {
			for i := w.start; i <= w.end; i++ {
				inWindow[i] = k + 1
			}
		}
		d.Null = -benchFN * float64(len(windows))
		d.Perfect = benchTP * float64(len(windows))
		hitWindow := make([]bool, len(windows))
		for i := from; i < n; i++ {
			if !judged(i) || !flags[i] {
				continue
			}
			k := inWindow[i] - 1
			if k < 0 {
				d.Raw -= benchFP
				continue
			}
			if hitWindow[k] {
				continue
			}
			hitWindow[k] = true
			w := windows[k]
			y := -1.0 // relative position: −1 at the window's start, 0 at its end
			if w.end > w.start {
				y = float64(i-w.end) / float64(w.end-w.start)
			}
			d.Raw += benchTP * (2/(1+math.Exp(5*y)) - 1) / (2/(1+math.Exp(-5)) - 1)
		}
		for k := range windows {
			if !hitWindow[k] {
				d.Raw -= benchFN
			}
		}
	}
	return d
}

// WindowedGaussian is the plain baseline: a point is flagged when it is at least z
// standard deviations from the mean of the window points before it (both directions);
// its score is the two-sided normal probability of being nearer the mean.
func WindowedGaussian(v []float64, window int, z float64) (flags []bool, scores []float64) {
	flags, scores = make([]bool, len(v)), make([]float64, len(v))
	var sum, sq float64
	for t := range v {
		if t >= window {
			n := float64(window)
			mu := sum / n
			sd := math.Sqrt(math.Max(0, sq/n-mu*mu))
			if sd > 0 {
				zt := math.Abs(v[t]-mu) / sd
				scores[t] = math.Erf(zt / math.Sqrt2)
				flags[t] = zt >= z
			}
			sum -= v[t-window]
			sq -= v[t-window] * v[t-window]
		}
		sum += v[t]
		sq += v[t] * v[t]
	}
	return flags, scores
}

// Detector is a named anomaly detector for the bench: flags and [0, 1] scores per point.
type Detector struct {
	Name string
	Run  func(l Labelled) (flags []bool, scores []float64)
}

// ConfigDetector runs ScoreSeries with cfg (PerDay set from the series).
func ConfigDetector(name string, cfg AnomalyConfig) Detector {
	return Detector{Name: name, Run: func(l Labelled) ([]bool, []float64) {
		c := cfg
		c.PerDay = l.PerDay
		if err := c.Validate(); err != nil {
			panic(err)
		}
		scored := ScoreSeries(l.Values, c)
		flags, scores := make([]bool, len(scored)), make([]float64, len(scored))
		for i, s := range scored {
			flags[i], scores[i] = s.Flag, s.Score
		}
		return flags, scores
	}}
}

// GaussianDetector is WindowedGaussian over windowDays.
func GaussianDetector(windowDays int, z float64) Detector {
	return Detector{Name: "windowed Gaussian", Run: func(l Labelled) ([]bool, []float64) {
		return WindowedGaussian(l.Values, windowDays*l.PerDay, z)
	}}
}

// Deviations are how far each point is from what the same phase (hour of the week, or
// weekday) was in the four weeks before, its unlabelled points only: |value − median| ÷
// median (0 where none of those points is there, or before the bench's warm-up). An
// incident's size is the largest deviation among its points.
func Deviations(l Labelled) []float64 {
	n, week := len(l.Values), 7*l.PerDay
	dev := make([]float64, n)
	ref := make([]float64, 0, 4)
	for i := BenchWarmupDays * l.PerDay; i < n; i++ {
		ref = ref[:0]
		for k := 1; k <= 4; k++ {
			if j := i - k*week; j >= 0 && !l.Missing[j] && !l.Label[j] {
				ref = append(ref, l.Values[j])
			}
		}
		if len(ref) == 0 {
			continue
		}
		m := median(ref)
		dev[i] = math.Abs(l.Values[i]-m) / math.Max(math.Abs(m), 1e-9)
	}
	return dev
}

// HindsightDetector is not a detector a product could ship: it reads the labels. A
// point is flagged when its deviation (Deviations) is above the quantile q of the
// series' own unlabelled (judged) points' deviations — the threshold each series would
// need, chosen knowing which points were incidents. Its recall at q = 0.999 (about
// 0.1 % of unlabelled points flagged) is roughly how many incidents stand out from the
// spend around them at all by how far they move the value. Its score is the share of
// unlabelled points deviating less.
func HindsightDetector(q float64) Detector {
	return Detector{Name: fmt.Sprintf("hindsight threshold, q %g (reads the labels)", q), Run: func(l Labelled) ([]bool, []float64) {
		n, from := len(l.Values), BenchWarmupDays*l.PerDay
		dev := Deviations(l)
		var normal []float64
		for i := from; i < n; i++ {
			if !l.Label[i] && !l.Missing[i] {
				normal = append(normal, dev[i])
			}
		}
		sort.Float64s(normal)
		flags, scores := make([]bool, n), make([]float64, n)
		if len(normal) == 0 {
			return flags, scores
		}
		threshold := quantile(normal, q)
		for i := from; i < n; i++ {
			flags[i] = dev[i] > threshold
			scores[i] = float64(sort.SearchFloat64s(normal, dev[i])) / float64(len(normal))
		}
		return flags, scores
	}}
}

// BenchWarmupDays are the days of each series no detector is judged on (their first
// window).
const BenchWarmupDays = 28

// BenchAnomalies runs each detector over each labelled series and scores it:
// [detector][series].
func BenchAnomalies(sets []Labelled, detectors []Detector) [][]DetectionScore {
	out := make([][]DetectionScore, len(detectors))
	for k, det := range detectors {
		for _, l := range sets {
			flags, scores := det.Run(l)
			slack := 0
			if l.PerDay == 24 {
				slack = 2
			}
			out[k] = append(out[k], ScoreDetection(l, BenchWarmupDays*l.PerDay, flags, scores, slack))
		}
	}
	return out
}

// Synthetic makes n series of `days` days at perDay points a day: a weekly pattern (the
// weekend at half), a slow trend and 10 % noise, for timing (not for quality claims).
func Synthetic(n, days, perDay int) [][]float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([][]float64, n)
	for i := range out {
		level := 50 + rng.Float64()*500
		v := make([]float64, days*perDay)
		for t := range v {
			d := t / perDay
			week := 1.0
			if d%7 >= 5 {
				week = 0.5
			}
			v[t] = math.Max(0, level*(1+0.003*float64(d))*week*(1+0.1*rng.NormFloat64()))
		}
		out[i] = v
	}
	return out
}
