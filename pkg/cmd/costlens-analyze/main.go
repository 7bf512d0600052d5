// Command costlens-analyze runs Costlens's forecast and anomaly algorithms (the same
// code the data source runs) on any CSV series of timestamp,value, so they can be
// evaluated offline on labelled series.
//
//	costlens-analyze anomalies series.csv [--hourly] [--baseline robust|ma7|average] [--percent 120] [--z 5] [--direction up|down|both] [--seasonal=true] [--window-days 28] [--labels spikes.csv]
//	costlens-analyze forecast series.csv --at 2026-03-11 [--period-start 2026-03-01]
//	costlens-analyze evaluate-forecast series.csv [--days 10,15,20] [--months]
//	costlens-analyze bench-forecast [DIR] [--days 5,10,15,20,25] [--short]
//	                   (every series of a corpus, default pkg/analytics/testdata/corpus: one table)
//	costlens-analyze bench-anomalies [DIR] [--corpus DIR] [--short] [--sweep]
//	                   (the labelled sets, default pkg/analytics/testdata/anomaly, and the alert timing)
package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/costlens/costlens/pkg/analytics"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "costlens-analyze:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "bench-anomalies" {
		return benchAnomalies(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "bench-forecast" {
		return benchForecast(args[1:], stdout, stderr)
	}
	if len(args) < 2 {
		return fmt.Errorf("usage: costlens-analyze anomalies|forecast|evaluate-forecast FILE [flags]")
	}
	cmd, file := args[0], args[1]
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	hourly := fs.Bool("hourly", false, "the series is hourly (default daily)")
	baseline := fs.String("baseline", analytics.BaselineRobust, "anomalies: robust, ma7 or average")
	percent := fs.Float64("percent", analytics.DefaultPercent, "anomalies: flag at this percent of the baseline (0: off)")
	z := fs.Float64("z", analytics.DefaultZ, "anomalies: flag at a score as unusual as this robust z-score (0: off)")
	direction := fs.String("direction", analytics.DirectionUp, "anomalies: up, down or both")
	seasonal := fs.Bool("seasonal", true, "anomalies: weekday (hour-of-week) factors")
	windowDays := fs.Int("window-days", 28, "anomalies: lookback in days")
	labels := fs.String("labels", "", "anomalies: CSV of the true anomalies' timestamps, to print precision and recall")
	at := fs.String("at", "", "forecast: the day to forecast from (the series before it is known), YYYY-MM-DD")
	periodStart := fs.String("period-start", "", "forecast: the first day of the period (default: the month of --at)")
	days := fs.String("days", "10,15,20", "evaluate-forecast: days of the month the projection is made at")
	months := fs.Bool("months", false, "evaluate-forecast: also print every month's projection")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		// the flag package stops at the first non-flag: `--seasonal false` would drop the rest
		return fmt.Errorf("unexpected argument %q: boolean flags take the form --seasonal=false", fs.Arg(0))
	}
	if *hourly && cmd != "anomalies" {
		return fmt.Errorf("--hourly: %s works on daily series (month-end projections); aggregate the hours to days first", cmd)
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	s, err := analytics.ReadSeries(f, *hourly)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	switch cmd {
	case "anomalies":
		cfg := analytics.AnomalyConfig{Baseline: *baseline, Percent: *percent, Z: *z, Direction: *direction, Seasonal: *seasonal, WindowDays: *windowDays, PerDay: 1}
		if *hourly {
			cfg.PerDay = 24
		}
		if err := cfg.Validate(); err != nil {
			return err
		}
		return anomalies(s, cfg, *labels, stdout, stderr)
	case "forecast":
		day, err := time.Parse(time.DateOnly, *at)
		if err != nil {
			return fmt.Errorf("--at: %q is not YYYY-MM-DD", *at)
		}
		start := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
		if *periodStart != "" {
			if start, err = time.Parse(time.DateOnly, *periodStart); err != nil {
				return fmt.Errorf("--period-start: %q is not YYYY-MM-DD", *periodStart)
			}
		}
		lastDay := s.Time(len(s.Values) - 1)
		if day.After(lastDay.AddDate(0, 0, 1)) {
			return fmt.Errorf("--at: %s is after the day following the series' last day (%s): the spend up to it is unknown",
				day.Format(time.DateOnly), lastDay.Format(time.DateOnly))
		}
		return encodeForecast(stdout, analytics.ProjectMonth(s, start, int(day.Sub(start).Hours()/24)), lastDay, start.AddDate(0, 1, 0))
	case "evaluate-forecast":
		ds, err := parseDays(*days)
		if err != nil {
			return err
		}
		sums, all := analytics.EvaluateForecast(s, ds)
		if *months {
			for _, m := range all {
				fmt.Fprintf(stdout, "%s day %2d  truth %14.2f  forecast %14.2f (%5.1f %%)  burn rate %14.2f (%5.1f %%)  80%% [%.2f, %.2f]  %s\n",
					m.Month, m.Day, m.Truth, m.Projected, m.ErrorPct, m.BurnRate, m.BurnRateErrPct, m.Lower80, m.Upper80, m.Method)
			}
		}
		fmt.Fprintln(stdout, "day  months  forecast MAPE  burn-rate MAPE  forecast closer  in 80% interval  in 95% interval")
		for _, x := range sums {
			fmt.Fprintf(stdout, "%3d  %6d  %12.2f%%  %13.2f%%  %9d/%-5d  %14.0f%%  %14.0f%%\n", x.Day, x.Months, x.MeanErrorPct,
				x.BurnRateErrorPct, x.ForecastWins, x.Months, 100*x.Coverage80, 100*x.Coverage95)
		}
		return nil
	}
	return fmt.Errorf("unknown command %q (want anomalies, forecast, evaluate-forecast, bench-forecast or bench-anomalies)", cmd)
}

// encodeForecast writes the projection as JSON; when the series ends before the period
// does, the truth and the errors against it are unknown (null), not zero.
func encodeForecast(w io.Writer, mf analytics.MonthForecast, lastDay, periodEnd time.Time) error {
	out := struct {
		analytics.MonthForecast
		Truth, ErrorPct, BurnRateErrPct *float64
		Note                            string `json:",omitempty"`
	}{MonthForecast: mf}
	if lastDay.Before(periodEnd.AddDate(0, 0, -1)) {
		out.Note = fmt.Sprintf("the series ends on %s, before the period's last day %s: the outcome is not known yet",
			lastDay.Format(time.DateOnly), periodEnd.AddDate(0, 0, -1).Format(time.DateOnly))
	} else {
		out.Truth, out.ErrorPct, out.BurnRateErrPct = &mf.Truth, &mf.ErrorPct, &mf.BurnRateErrPct
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// anomalies writes every point's verdict as CSV and, given labels, the precision and
// recall of the flags against them.
func anomalies(s analytics.Series, cfg analytics.AnomalyConfig, labelFile string, stdout, stderr io.Writer) error {
	scored := analytics.ScoreSeries(s.Values, cfg)
	w := csv.NewWriter(stdout)
	_ = w.Write([]string{"timestamp", "value", "expected", "lower", "upper", "score", "flag"})
	layout := time.DateOnly
	if s.Step == time.Hour {
		layout = time.RFC3339
	}
	for i, sc := range scored {
		rec := []string{s.Time(i).Format(layout), fmtf(s.Values[i]), "", "", "", "", "0"}
		if sc.Ready {
			flag := "0"
			if sc.Flag {
				flag = "1"
			}
			rec = []string{s.Time(i).Format(layout), fmtf(s.Values[i]), fmtf(sc.Expected), fmtf(sc.Lower), fmtf(sc.Upper), fmtf(sc.Score), flag}
		}
		_ = w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if labelFile == "" {
		return nil
	}
	lf, err := os.Open(labelFile)
	if err != nil {
		return err
	}
	defer lf.Close()
	truth, err := analytics.ReadSeries(lf, s.Step == time.Hour)
	if err != nil {
		return fmt.Errorf("%s: %w", labelFile, err)
	}
	// judged as the bench judges (analytics.ScoreDetection): runs of labelled points are
	// incidents, runs of flagged points alarm episodes, from the first point judged on
	l := analytics.Labelled{PerDay: cfg.PerDay, Start: s.Start, Values: s.Values, Missing: make([]bool, len(s.Values)), Label: make([]bool, len(s.Values))}
	for i, v := range truth.Values {
		if k := int(truth.Time(i).Sub(s.Start) / s.Step); v != 0 && k >= 0 && k < len(l.Label) {
			l.Label[k] = true
		}
	}
	flags, scores := make([]bool, len(scored)), make([]float64, len(scored))
	first := len(scored)
	for i, sc := range scored {
		flags[i], scores[i] = sc.Flag, sc.Score
		if sc.Ready && i < first {
			first = i
		}
	}
	d := analytics.ScoreDetection(l, first, flags, scores, 0)
	fmt.Fprintf(stderr, "incidents %d, found %d (recall %.2f); alarm episodes %d, false %d (precision %.2f, %.2f a month)\n",
		d.Incidents, d.Found, d.Recall(), d.Episodes, d.False, d.Precision(), d.FalsePerMonth())
	return nil
}

func fmtf(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// parseDays reads --days: days of the month from 1 to 27.
func parseDays(list string) ([]int, error) {
	var ds []int
	for _, p := range strings.Split(list, ",") {
		d, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || d < 1 || d > 27 {
			return nil, fmt.Errorf("--days: %q is not a day of the month from 1 to 27", p)
		}
		ds = append(ds, d)
	}
	return ds, nil
}

// parseBench reads a bench's arguments: an optional directory first (else dir), then
// its flags, nothing after them.
func parseBench(fs *flag.FlagSet, args []string, dir string) (string, error) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		dir, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return dir, nil
}

// only keeps the items named in names (CI's short modes).
func only[T any](items []T, name func(T) string, names []string) []T {
	var keep []T
	for _, it := range items {
		if slices.Contains(names, name(it)) {
			keep = append(keep, it)
		}
	}
	return keep
}

// shortCorpus is the few series CI's short mode runs: one of each source.
var shortCorpus = []string{"bike-share-dc-total", "covid-cases-germany", "us-births-ssa-2010-2014"}

// benchForecast prints one table: per series and over the whole corpus, at each day of
// the month, the forecast's MAPE, its ratio to the burn rate's and to the weekday-
// adjusted burn rate's, its bias, 80 % and 95 % coverage and the 80 % interval's width.
func benchForecast(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench-forecast", flag.ContinueOnError)
	fs.SetOutput(stderr)
	days := fs.String("days", "5,10,15,20,25", "days of the month the projections are made at")
	short := fs.Bool("short", false, "only "+strings.Join(shortCorpus, ", ")+" (CI)")
	dir, err := parseBench(fs, args, "pkg/analytics/testdata/corpus")
	if err != nil {
		return err
	}
	ds, err := parseDays(*days)
	if err != nil {
		return err
	}
	corpus, err := analytics.LoadCorpus(dir)
	if err != nil {
		return err
	}
	if *short {
		corpus = only(corpus, func(c analytics.Named) string { return c.Name }, shortCorpus)
	}
	started := time.Now()
	cs := analytics.BenchForecast(corpus, ds)
	took := time.Since(started)
	months := 0
	for _, d := range cs.All[:1] {
		months = d.Months
	}
	fmt.Fprintf(stdout, "Month-end forecasts on %d real daily series (%s), %d months each day; every projection sees only the days before it\n\n",
		len(corpus), dir, months)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "series\tday\tmonths\tMAPE\t÷ burn rate\t÷ weekday burn\tbias\t80 % cover\t95 % cover\t80 % width\t")
	row := func(name string, d analytics.DayScore) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f %%\t%.2f×\t%.2f×\t%+.1f %%\t%.0f %%\t%.0f %%\t%.0f %%\t\n", name, d.Day, d.Months, d.MAPE,
			d.RatioToBurn(), d.RatioToWeekday(), d.Bias, 100*d.Cover80, 100*d.Cover95, d.Width)
	}
	for i, name := range cs.Series {
		for _, d := range cs.Per[i] {
			row(name, d)
		}
	}
	for _, d := range cs.All {
		row(fmt.Sprintf("all %d series", len(corpus)), d)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nGoal (issue 13), over the corpus at days 10/15/20: MAPE ≤ 0.8× the burn rate's, never above the weekday burn rate's;\n"+
		"80 %% intervals hold 75-85 %% of months, 95 %% hold 90-97 %%. Analytics time: %s.\n", took.Round(time.Millisecond))
	return nil
}

// shortLabelled is the few labelled series CI's short mode runs: some of each source.
var shortLabelled = []string{"kpi-0efb375b", "kpi-301c70d8", "kpi-c02607e8", "us-births-ssa-2010-2014"}

// detectionHeader heads the bench's tables of detection scores (row, in benchAnomalies).
const detectionHeader = "set\tdetector\tseries\tmonths\tincidents\trecall\tprecision\tfalse alarms / month\tmedian delay (days)\tbenchmark score\tunlabelled ≥ 0.9\t≥ 0.99\t≥ 0.999\t"

// benchAnomalies prints, for the product's detector at its defaults and for the plain
// baselines, over the labelled sets: recall, precision, false-alarm episodes per
// series-month, time to detect, the benchmark-style score, and how often unlabelled
// points reach each score (calibration); then the default detector per series.
func benchAnomalies(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench-anomalies", flag.ContinueOnError)
	fs.SetOutput(stderr)
	short := fs.Bool("short", false, "only "+strings.Join(shortLabelled, ", ")+" (CI)")
	sweep := fs.Bool("sweep", false, "the detector at a range of z thresholds, up and down, with and without a percent rule, instead of the defaults")
	corpusDir := fs.String("corpus", "pkg/analytics/testdata/corpus", "the forecast corpus (its US births series and the federal holidays are one labelled set)")
	dir, err := parseBench(fs, args, "pkg/analytics/testdata/anomaly")
	if err != nil {
		return err
	}
	sets, err := analytics.LoadLabelled(dir, *corpusDir)
	if err != nil {
		return err
	}
	if *short {
		sets = only(sets, func(l analytics.Labelled) string { return l.Name }, shortLabelled)
	}
	detectors := anomalyDetectors()
	if *sweep {
		detectors = sweepDetectors()
	}
	started := time.Now()
	res := analytics.BenchAnomalies(sets, detectors)
	took := time.Since(started)
	var sources []string
	for _, l := range sets {
		if !slices.Contains(sources, l.Source) {
			sources = append(sources, l.Source)
		}
	}
	fmt.Fprintf(stdout, "Anomalies on %d real labelled series (%s); every point judged only from the points before it, the first %d days not judged\n\n",
		len(sets), dir, analytics.BenchWarmupDays)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, detectionHeader)
	row := func(set, det string, n int, d analytics.DetectionScore) {
		share := func(k int) string {
			if d.UnlabelledPoints == 0 {
				return "-"
			}
			return fmt.Sprintf("%.2f %%", 100*float64(k)/float64(d.UnlabelledPoints))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.1f\t%s\t%s\t%s\t\n", set, det, n, d.Months, d.Incidents,
			d.Recall(), d.Precision(), d.FalsePerMonth(), d.MedianDelayDays(), d.Benchmark(), share(d.Over90), share(d.Over99), share(d.Over999))
	}
	for _, src := range append(sources, "all") {
		for k, det := range detectors {
			sum, n := pooled(sets, res[k], src)
			row(src, det.Name, n, sum)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := sizeTable(stdout, sets, sources, detectors, res); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%s, per series:\n\n", detectors[0].Name)
	tw = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, detectionHeader)
	for i, l := range sets {
		row(l.Source, l.Name, 1, res[0][i])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nGoal (issue 13), at the defaults: recall ≥ 0.8 of labelled incidents with ≤ 1 false-alarm episode per series-month,\n"+
		"and a benchmark-style score well above the windowed Gaussian's (0: no alarm at all, 100: every incident at its start, nothing else).\n"+
		"A calibrated score puts about 10 %%, 1 %% and 0.1 %% of unlabelled points at or above 0.9, 0.99 and 0.999. Analytics time: %s.\n",
		took.Round(time.Millisecond))
	return alertTimings(stdout)
}

// pooled sums a detector's scores over the series of one source ("all": every series)
// and says how many there were.
func pooled(sets []analytics.Labelled, scores []analytics.DetectionScore, source string) (analytics.DetectionScore, int) {
	var sum analytics.DetectionScore
	n := 0
	for i, l := range sets {
		if source == "all" || l.Source == source {
			sum = sum.Add(scores[i])
			n++
		}
	}
	return sum, n
}

// sizeTable prints each detector's recall by how far the incidents moved the value
// (analytics.Deviations): found / incidents in each class of analytics.SizeEdges.
func sizeTable(stdout io.Writer, sets []analytics.Labelled, sources []string, detectors []analytics.Detector, res [][]analytics.DetectionScore) error {
	fmt.Fprintf(stdout, "\nRecall by how far an incident moved the value from the same hour of the week (or weekday) in the four weeks before\n"+
		"(the most any of its points did; found / incidents):\n\n")
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "set\tdetector\t"
	lo := "under "
	for _, e := range analytics.SizeEdges {
		header += fmt.Sprintf("%s%.0f %%\t", lo, 100*e)
		lo = fmt.Sprintf("%.0f–", 100*e)
	}
	fmt.Fprintln(tw, header+fmt.Sprintf("%.0f %% and over\t", 100*analytics.SizeEdges[len(analytics.SizeEdges)-1]))
	for _, src := range append(sources, "all") {
		for k, det := range detectors {
			sum, _ := pooled(sets, res[k], src)
			line := src + "\t" + det.Name + "\t"
			for c, n := range sum.BySize {
				cell := "-"
				if n > 0 {
					cell = fmt.Sprintf("%d / %d (%.2f)", sum.FoundBySize[c], n, float64(sum.FoundBySize[c])/float64(n))
				}
				line += cell + "\t"
			}
			fmt.Fprintln(tw, line)
		}
	}
	return tw.Flush()
}

// alertTimings prints how long the analytics of one alert evaluation over 1,000 series
// of 90 days take (generated series: timing only), the best of three runs.
func alertTimings(stdout io.Writer) error {
	daily, hourly := analytics.Synthetic(1000, 90, 1), analytics.Synthetic(1000, 90, 24)
	cfg := analytics.AnomalyConfig{Percent: analytics.DefaultPercent, Z: analytics.DefaultZ, Seasonal: true, Direction: analytics.DirectionBoth}
	hourlyCfg := cfg
	hourlyCfg.PerDay = 24
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := hourlyCfg.Validate(); err != nil {
		return err
	}
	cases := []struct {
		name string
		run  func()
	}{
		{"anomalies, daily: the last 3 days judged (an alert rule's range)", func() {
			for _, v := range daily {
				analytics.ScoreSeriesFrom(v, cfg, len(v)-3)
			}
		}},
		{"anomalies, daily: all 90 days judged (a panel)", func() {
			for _, v := range daily {
				analytics.ScoreSeries(v, cfg)
			}
		}},
		{"anomalies, hourly: the last 24 hours judged", func() {
			for _, v := range hourly {
				analytics.ScoreSeriesFrom(v, hourlyCfg, len(v)-24)
			}
		}},
		{"month-end forecast, daily: day 15 of the month", func() {
			for _, v := range daily {
				analytics.FitDaily(v[:75], time.Sunday).Project(15, 1)
			}
		}},
	}
	fmt.Fprintf(stdout, "\nOne alert evaluation over 1,000 series × 90 days (generated series; the best of 3 runs, one core):\n\n")
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "analytics\tms\t")
	for _, c := range cases {
		best := time.Duration(math.MaxInt64)
		for range 3 {
			start := time.Now()
			c.run()
			best = min(best, time.Since(start))
		}
		fmt.Fprintf(tw, "%s\t%.1f\t\n", c.name, float64(best.Microseconds())/1000)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "\nGoal (issue 13): under 300 ms of analytics time per alert evaluation.")
	return nil
}

// anomalyDetectors: the product's detector at the data source's defaults first, then
// the baselines it is compared with.
func anomalyDetectors() []analytics.Detector {
	return []analytics.Detector{
		analytics.ConfigDetector("costlens defaults, both directions", analytics.AnomalyConfig{Percent: analytics.DefaultPercent, Z: analytics.DefaultZ,
			Seasonal: true, Direction: analytics.DirectionBoth}),
		analytics.ConfigDetector("costlens defaults, up only", analytics.AnomalyConfig{Percent: analytics.DefaultPercent, Z: analytics.DefaultZ, Seasonal: true}),
		analytics.GaussianDetector(analytics.BenchWarmupDays, 3),
		analytics.HindsightDetector(0.999),
		analytics.HindsightDetector(0.99),
	}
}

// sweepDetectors: the product's detector over its thresholds, to see what each trades.
func sweepDetectors() []analytics.Detector {
	var out []analytics.Detector
	for _, dir := range []string{analytics.DirectionBoth, analytics.DirectionUp} {
		for _, pct := range []float64{0, 120, 150} {
			for _, z := range []float64{3, 4, 5, 6, 8} {
				name := fmt.Sprintf("%s z %g", dir, z)
				if pct > 0 {
					name += fmt.Sprintf(" %g %%", pct)
				}
				out = append(out, analytics.ConfigDetector(name, analytics.AnomalyConfig{Z: z, Percent: pct, Seasonal: true, Direction: dir}))
			}
		}
	}
	return out
}
