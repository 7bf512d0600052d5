package analytics

import (
	"testing"
	"time"
)

// One alert evaluation over 1,000 series × 90 days: a month-end forecast of each.
func BenchmarkForecast1000x90(b *testing.B) {
	all := Synthetic(1000, 90, 1)
	b.ResetTimer()
	for b.Loop() {
		for _, v := range all {
			FitDaily(v[:75], time.Sunday).Project(15, 1)
		}
	}
}

// One alert evaluation over 1,000 series × 90 days: every point of each scored.
func BenchmarkAnomalies1000x90(b *testing.B) {
	all := Synthetic(1000, 90, 1)
	cfg := AnomalyConfig{Percent: DefaultPercent, Z: DefaultZ, Seasonal: true}
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		for _, v := range all {
			ScoreSeries(v, cfg)
		}
	}
}
