package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func series(t *testing.T, body string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "s.csv")
	if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// every day of March at 10, with a header
func march(t *testing.T, layout string) string {
	var b strings.Builder
	b.WriteString("timestamp,value\n")
	for d := 1; d <= 31; d++ {
		b.WriteString(strings.Replace(layout, "DD", twoDigits(d), 1) + ",10\n")
	}
	return series(t, b.String())
}

func twoDigits(d int) string { return string(rune('0'+d/10)) + string(rune('0'+d%10)) }

func TestArgumentsAreNeverSilentlyIgnored(t *testing.T) {
	f := march(t, "2026-03-DD")
	for args, want := range map[string]string{
		"anomalies F --seasonal false --percent 200": `unexpected argument "false": boolean flags take the form --seasonal=false`,
		"forecast F --at 2026-03-11 --hourly":        "--hourly: forecast works on daily series (month-end projections); aggregate the hours to days first",
		"evaluate-forecast F --hourly":               "--hourly: evaluate-forecast works on daily series (month-end projections); aggregate the hours to days first",
		"forecast F --at 2026-04-10":                 "--at: 2026-04-10 is after the day following the series' last day (2026-03-31): the spend up to it is unknown",
	} {
		argv := strings.Fields(strings.Replace(args, "F", f, 1))
		var out, errOut bytes.Buffer
		if err := run(argv, &out, &errOut); err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %s", args, err, want)
		}
	}
}

func TestTimestampsWithTimesAndBadFirstRows(t *testing.T) {
	var out, errOut bytes.Buffer
	// "2014-07-01 00:00:00" style timestamps are read
	if err := run([]string{"forecast", march(t, "2026-03-DD 00:00:00"), "--at", "2026-03-11"}, &out, &errOut); err != nil {
		t.Fatalf("space-separated timestamps: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	// 10 days of 10 so far; the whole month is known: 310
	if got["Actual"] != 100.0 || got["Truth"] != 310.0 {
		t.Errorf("actual %v, truth %v", got["Actual"], got["Truth"])
	}
	// a first row whose time is fine but whose value is not is an error, not a header
	bad := series(t, "2026-03-01,ten\n2026-03-02,10\n")
	if err := run([]string{"forecast", bad, "--at", "2026-03-02"}, &out, &errOut); err == nil || !strings.HasSuffix(err.Error(), `line 1: value "ten" is not a number`) {
		t.Errorf("bad first row: %v", err)
	}
}

func TestForecastPastTheDataHasNoTruth(t *testing.T) {
	short := series(t, "2026-03-01,10\n2026-03-02,10\n2026-03-03,10\n2026-03-04,10\n2026-03-05,10\n")
	var out, errOut bytes.Buffer
	if err := run([]string{"forecast", short, "--at", "2026-03-06"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["Truth"] != nil || got["ErrorPct"] != nil || got["Note"] != "the series ends on 2026-03-05, before the period's last day 2026-03-31: the outcome is not known yet" {
		t.Errorf("truth %v, error %v, note %v", got["Truth"], got["ErrorPct"], got["Note"])
	}
}

// The corpus bench in CI's short mode: one row per series and day, and the pooled row,
// each over the whole months that have four weeks of history before them: the bike
// series Feb 2011-Dec 2012 (23), the German cases Mar 2020-Mar 2022 (25, April 2022 is
// not whole), the 2010-2014 births Feb 2010-Dec 2014 (59): 107 in all.
func TestBenchForecastShort(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run([]string{"bench-forecast", "../../analytics/testdata/corpus", "--short", "--days", "10,20"}, &out, &errOut); err != nil {
		t.Fatalf("%v: %s", err, errOut.String())
	}
	months := map[string]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		f := strings.Fields(line)
		if len(f) > 3 && (f[1] == "10" || f[1] == "20") {
			months[f[0]+" "+f[1]] = f[2]
		} else if len(f) > 5 && f[0] == "all" {
			months["all "+f[3]] = f[4]
		}
	}
	want := map[string]string{"bike-share-dc-total 10": "23", "bike-share-dc-total 20": "23", "covid-cases-germany 10": "25",
		"covid-cases-germany 20": "25", "us-births-ssa-2010-2014 10": "59", "us-births-ssa-2010-2014 20": "59", "all 10": "107", "all 20": "107"}
	if len(months) != len(want) {
		t.Fatalf("rows %v\n%s", months, out.String())
	}
	for k, v := range want {
		if months[k] != v {
			t.Errorf("%s: %s months, want %s\n%s", k, months[k], v, out.String())
		}
	}
}

// The anomaly bench in CI's short mode: three KPIs and one births series, the incidents
// each has after the 28 days no detector is judged on (counted apart, with awk, from the
// files: runs of hours with at least 15 labelled minutes from hour 672 on: 6, 30 and 4;
// the 2010-2014 federal holidays after 28 January 2010: 50 − 2 = 48), the detectors'
// rows per set and pooled, and the timing table.
func TestBenchAnomaliesShort(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run([]string{"bench-anomalies", "../../analytics/testdata/anomaly", "--short", "--corpus", "../../analytics/testdata/corpus"}, &out, &errOut)
	if err != nil {
		t.Fatalf("%v: %s", err, errOut.String())
	}
	incidents, bySize := map[string]string{}, map[string]string{}
	columns := regexp.MustCompile(`\s{2,}`) // the table's padding
	cell := regexp.MustCompile(`^(\d+) / (\d+) \(\d\.\d\d\)$`)
	sizes := false // in the table of recall by incident size
	for _, line := range strings.Split(out.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "Recall by how far"):
			sizes = true
		case strings.HasSuffix(line, "per series:"):
			sizes = false
		}
		f := columns.Split(strings.TrimSpace(line), -1)
		if len(f) <= 5 || f[0] == "set" {
			continue
		}
		if !sizes {
			incidents[f[0]+" / "+f[1]] = f[4]
			continue
		}
		// found / incidents in each size class: the incidents add up to the row's
		total := 0
		for _, c := range f[2:] {
			if c == "-" {
				continue
			}
			m := cell.FindStringSubmatch(c)
			if m == nil {
				t.Fatalf("size cell %q in %q", c, line)
			}
			n, _ := strconv.Atoi(m[2])
			total += n
		}
		bySize[f[0]+" / "+f[1]] = strconv.Itoa(total)
	}
	want := map[string]string{}
	for _, set := range []struct{ name, n string }{{"aiops-kpi", "40"}, {"births-holidays", "48"}, {"all", "88"}} {
		for _, det := range []string{"costlens defaults, both directions", "costlens defaults, up only", "windowed Gaussian",
			"hindsight threshold, q 0.999 (reads the labels)", "hindsight threshold, q 0.99 (reads the labels)"} {
			want[set.name+" / "+det] = set.n
		}
	}
	for name, n := range map[string]string{"kpi-0efb375b": "6", "kpi-301c70d8": "30", "kpi-c02607e8": "4"} {
		want["aiops-kpi / "+name] = n
	}
	want["births-holidays / us-births-ssa-2010-2014"] = "48"
	for k, v := range want {
		if strings.HasPrefix(k, "aiops-kpi / kpi-") || strings.HasPrefix(k, "births-holidays / us-") {
			continue // per series: not in the size table
		}
		if bySize[k] != v {
			t.Errorf("%s: %s incidents by size, want %s\n%s", k, bySize[k], v, out.String())
		}
	}
	if len(incidents) != len(want) {
		t.Fatalf("rows %v\n%s", incidents, out.String())
	}
	for k, v := range want {
		if incidents[k] != v {
			t.Errorf("%s: %s incidents, want %s\n%s", k, incidents[k], v, out.String())
		}
	}
	if !strings.Contains(out.String(), "anomalies, daily: the last 3 days judged (an alert rule's range)") {
		t.Errorf("no timing table\n%s", out.String())
	}
}

// --labels judges the flags as the bench does. 42 days at 100 from 1 January, a jump to
// 200 on day 28 (labelled) and to 300 on day 40 (not labelled), day 35 labelled with
// nothing there: 2 incidents, 1 found; 2 alarm episodes, 1 false; judged from day 14
// (two weeks of each weekday first), 28 days = 0.92 months: 1.09 false alarms a month.
func TestAnomaliesAgainstLabels(t *testing.T) {
	var b, labels strings.Builder
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for d := 0; d < 42; d++ {
		v := map[int]int{28: 200, 40: 300}[d]
		if v == 0 {
			v = 100
		}
		fmt.Fprintf(&b, "%s,%d\n", start.AddDate(0, 0, d).Format(time.DateOnly), v)
	}
	for _, d := range []int{28, 35} {
		fmt.Fprintf(&labels, "%s,1\n", start.AddDate(0, 0, d).Format(time.DateOnly))
	}
	var out, errOut bytes.Buffer
	if err := run([]string{"anomalies", series(t, b.String()), "--labels", series(t, labels.String())}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	want := "incidents 2, found 1 (recall 0.50); alarm episodes 2, false 1 (precision 0.50, 1.09 a month)\n"
	if errOut.String() != want {
		t.Errorf("got %q\nwant %q", errOut.String(), want)
	}
}
