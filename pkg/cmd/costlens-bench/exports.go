package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/costlens/costlens/pkg/ingest"
	"github.com/costlens/costlens/pkg/pricing"
)

// openaiExport writes the events as OpenAI usage pages: one hourly bucket per event
// hour, one result per event (grouped by model, project, user and api key, as the finest
// group_by gives), pages of 24 buckets one per line, as a script paging the API saves.
func openaiExport(events []ingest.Event) []byte {
	var buf bytes.Buffer
	byHour := map[int64][]string{}
	var hours []int64
	for i, e := range events {
		h := e.TS.Truncate(time.Hour).Unix()
		if _, ok := byHour[h]; !ok {
			hours = append(hours, h)
		}
		byHour[h] = append(byHour[h], fmt.Sprintf(`{"object":"organization.usage.completions.result","input_tokens":%d,"output_tokens":%d,`+
			`"input_cached_tokens":%d,"num_model_requests":1,"project_id":%q,"user_id":%q,"api_key_id":"key_%d","model":%q,"batch":false}`,
			e.InputTokens+e.CachedTokens, e.OutputTokens, e.CachedTokens, e.Feature, e.UserID, i, e.Model))
	}
	for start := 0; start < len(hours); start += 24 {
		var buckets []string
		for _, h := range hours[start:min(start+24, len(hours))] {
			buckets = append(buckets, fmt.Sprintf(`{"object":"bucket","start_time":%d,"end_time":%d,"results":[%s]}`, h, h+3600, strings.Join(byHour[h], ",")))
		}
		fmt.Fprintf(&buf, `{"object":"page","data":[%s],"has_more":false,"next_page":null}`+"\n", strings.Join(buckets, ","))
	}
	return buf.Bytes()
}

// exportIngest times an OpenAI usage export of the events through the importer's code
// as the Grafana role.
func (b *bench) exportIngest(ctx context.Context, events []ingest.Event) (float64, error) {
	body := openaiExport(events)
	book, err := pricing.LoadBook(ctx, b.role)
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	rep, err := ingest.Stream(ctx, b.role, book, ingest.ExportOptions{Tenant: "acme"}.OpenAISource(bytes.NewReader(body), ingest.Rules{Tenant: "acme"}), ingest.WriteOptions{})
	if err != nil {
		return 0, err
	}
	if len(rep.Rejected) > 0 || rep.Accepted != len(events) {
		return 0, fmt.Errorf("%d of %d usage results stored, %d rejected %v", rep.Accepted, len(events), len(rep.Rejected), rep.Rejected)
	}
	return time.Since(t0).Seconds(), nil
}
