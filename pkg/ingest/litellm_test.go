package ingest_test

import (
	"strings"
	"testing"

	"github.com/costlens/costlens/pkg/ingest"
)

// The /spend/logs API's JSON (or NDJSON of the table): mapped as from the database, and
// each bad row named by its column.
func TestLiteLLMJSONExport(t *testing.T) {
	export := `[
 {"request_id": "chatcmpl-1", "call_type": "acompletion", "api_key": "88dc28", "spend": 0.0035, "total_tokens": 1200,
  "prompt_tokens": 1000, "completion_tokens": 200, "startTime": "2026-11-02T10:00:00.000Z", "endTime": "2026-11-02T10:00:01.200Z",
  "model": "gpt-4o", "model_group": "gpt-4o", "custom_llm_provider": "openai", "user": "u-internal", "end_user": "",
  "metadata": {"user_api_key_team_alias": "acme", "usage_object": {"prompt_tokens_details": {"cached_tokens": 800},
   "completion_tokens_details": {"reasoning_tokens": 64}}}, "request_tags": ["feature:search"], "team_id": "t-1", "cache_hit": "False"},
 {"request_id": "r2", "startTime": "2026-11-02 10:00:00", "prompt_tokens": 10.5, "model": "gpt-4o", "team_id": "t-1"},
 {"request_id": "r3", "startTime": "yesterday", "model": "gpt-4o", "team_id": "t-1"},
 {"request_id": "r4", "startTime": "2026-11-02 10:00:00", "model": "gpt-4o", "team_id": "t-1", "request_tags": "feature:x"},
 {"request_id": "r5", "startTime": "2026-11-02 10:00:00", "model": "gpt-4o", "team_id": "t-1", "prompt_tokens": 100,
  "metadata": {"usage_object": {"cache_read_input_tokens": 800}}}
]`
	rules := ingest.Rules{Window: ingest.WindowAt(day("2026-12-03T12:00:00Z"), 1096)}
	var events []ingest.Event
	var rejected []string
	err := ingest.LiteLLMOptions{}.JSONSource(strings.NewReader(export), rules)(func(e ingest.Event) error {
		events = append(events, e)
		return nil
	}, func(e ingest.RowError) { rejected = append(rejected, e.Error()) }, func() {})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`row 2: prompt_tokens: "10.5" is not a whole number`,
		`row 3: startTime: "yesterday" is not a time LiteLLM writes (2026-03-02T10:00:00.123Z or 2026-03-02 10:00:00.123)`,
		`row 4: request_tags: is not a JSON array of strings: json: cannot unmarshal string into Go value of type []string`,
		`row 5: prompt_tokens: 100 input tokens cannot include 800 cache-read and 0 cache-write tokens: this source's input is read as including them`,
	}
	if strings.Join(rejected, "\n") != strings.Join(want, "\n") {
		t.Errorf("rejected:\n%s\nwant:\n%s", strings.Join(rejected, "\n"), strings.Join(want, "\n"))
	}
	if len(events) != 1 {
		t.Fatalf("%d events", len(events))
	}
	e := events[0]
	if e.Tenant != "acme" || e.Feature != "search" || e.UserID != "u-internal" || e.InputTokens != 200 || e.CachedTokens != 800 ||
		e.OutputTokens != 200 || e.ReasoningTokens != 64 || e.ReportedCost.String() != "0.0035" || *e.LatencyMS != 1200 ||
		!e.TS.Equal(day("2026-11-02T10:00:00Z")) {
		t.Errorf("mapped %+v", e)
	}
}
