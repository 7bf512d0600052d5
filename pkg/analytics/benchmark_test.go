package analytics

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// series makes n daily series of 90 days: weekly pattern, trend and noise.
func series(n int) [][]float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([][]float64, n)
	for i := range out {
		level := 50 + rng.Float64()*500
		v := make([]float64, 90)
		for d := range v {
			week := 1.0
			if d%7 >= 5 {
				week = 0.5
			}
			v[d] = math.Max(0, level*(1+0.003*float64(d))*week*(1+0.1*rng.NormFloat64()))
		}
		out[i] = v
	}
	return out
}

// One alert evaluation over 1,000 series × 90 days: a month-end forecast of each.
func BenchmarkForecast1000x90(b *testing.B) {
	all := series(1000)
	b.ResetTimer()
	for b.Loop() {
		for _, v := range all {
			FitDaily(v[:75], time.Sunday).Project(15, 1)
		}
	}
}

// One alert evaluation over 1,000 series × 90 days: every point of each scored.
func BenchmarkAnomalies1000x90(b *testing.B) {
	all := series(1000)
	cfg := AnomalyConfig{Baseline: BaselineMA7, Percent: 120, Z: 3, Seasonal: true}
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
