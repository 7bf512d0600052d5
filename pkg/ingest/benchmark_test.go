package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/costlens/costlens/pkg/ingest"
	"github.com/costlens/costlens/pkg/store/storetest"
)

// BenchmarkIngestEvents measures the endpoint's code path (parse, validate, claim keys,
// COPY through the staging table) on NDJSON as the Grafana role, reported as events/s;
// compare with the seed generator's plain COPY.
func BenchmarkIngestEvents(b *testing.B) {
	const n = 50_000
	db := storetest.New(b) // uploads as the Grafana role; emptying the tables is the owner's
	pool := db.Role
	for b.Loop() {
		b.StopTimer()
		storetest.Exec(b, db.Owner, "TRUNCATE costlens.cost_events, costlens.event_keys")
		var sb strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&sb, `{"tenant":"acme","request_id":"r%d","ts":"2026-03-%02dT%02d:00:00Z","feature":"chat","user_id":"u%d","model":"gpt-4o","model_version":"gpt-4o-2024-08-06","provider":"openai","region":"us-east-1","input_tokens":%d,"output_tokens":%d,"latency_ms":800,"reported_cost":"0.0075","reported_currency":"USD"}`+"\n",
				i, 1+i%28, i%24, i%50, 500+i%1000, 100+i%300)
		}
		body := []byte(sb.String())
		b.StartTimer()
		rep, err := ingest.IngestEvents(context.Background(), pool, bytes.NewReader(body), ingest.Rules{})
		if err != nil || rep.Accepted != n {
			b.Fatalf("%+v %v", rep.Accepted, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
