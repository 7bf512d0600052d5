package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
