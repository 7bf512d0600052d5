package ingest

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// FuzzParseEvents: no input panics, every row is either an event or a rejection, and
// every accepted event carries a tenant, a request id and a non-negative token count.
func FuzzParseEvents(f *testing.F) {
	for _, s := range []string{
		`{"tenant":"a","request_id":"1","ts":"2026-03-02T10:00:00Z","input_tokens":5,"reported_cost":"0.1","reported_currency":"USD"}`,
		"[{\"tenant\":\"a\",\"request_id\":\"1\",\"ts\":\"2026-03-02T10:00:00Z\"},{}]",
		"\ufeff\n\n{\"request_id\":\"x\"}\n[", `[{"gpu_seconds":"1e400"}]`, `{"attributes":[1]}`, "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		events, rejected, err := ParseEvents(bytes.NewReader([]byte(body)), Rules{})
		if err != nil {
			return
		}
		for _, e := range events {
			if e.Tenant == "" || e.RequestID == "" || e.InputTokens < 0 || e.OutputTokens < 0 || e.CachedTokens < 0 {
				t.Fatalf("accepted an invalid event %+v", e)
			}
		}
		for _, r := range rejected {
			if r.Row < 1 || r.Field == "" || r.Message == "" {
				t.Fatalf("rejection without row or field: %+v", r)
			}
		}
	})
}

// FuzzParseFXCSV: no input panics and every accepted rate is positive between two
// different currencies.
func FuzzParseFXCSV(f *testing.F) {
	for _, s := range []string{
		"date,base,quote,rate\n2026-03-02,USD,CNY,7.2\n2026-03-03,USD,CNY,0.14\n",
		"Date,Country,Exchange rate\n2015-01-01,China,6.2181\n",
		"date,base,quote,rate\n\"2026-03-02\",\"USD\",CNY,\"7,2\"\n", "\ufeffdate,rate\n", "",
		// the ECB's layouts (testdata/ecb)
		"Date, USD, JPY, HRK, \n03 June 2021, 1.2187, 133.81, 7.5013, \n",
		"Date,USD,CYP,CNY,\n2019-04-10,1.1279,N/A,7.5758,\n2019-04-09,1.1277,N/A,,\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		rates, _, err := ParseFXCSV(bytes.NewReader([]byte(body)), FXOptions{Pairs: map[string]string{"China": "USD/CNY"}})
		if err != nil {
			return
		}
		for _, r := range rates {
			if !r.Rate.IsPositive() || r.Base == r.Quote || len(r.Base) != 3 || len(r.Quote) != 3 {
				t.Fatalf("accepted %+v", r)
			}
		}
	})
}

// FuzzParseFOCUSCSV: no input panics; accepted lines have a resource, a currency and a
// period that ends after it starts.
func FuzzParseFOCUSCSV(f *testing.F) {
	header := "BillingAccountId,ProviderName,RegionId,ResourceId,ChargePeriodStart,ChargePeriodEnd,PricingUnit,ConsumedQuantity,BilledCost,BillingCurrency,Tags\n"
	for _, s := range []string{
		header + "a,p,r,x,2026-03-02T10:00:00Z,2026-03-02T11:00:00Z,hour,1,1.5,USD,\n",
		header + "a,p,r,x,2026-03-02,2026-03-03,hour,,\"-2\",cny,\"{\"\"k\"\":1}\"\n",
		"\ufeff" + header + "\n\n\"", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		items, _, err := ParseFOCUSCSV(bytes.NewReader([]byte(body)), "acme", false, Window{})
		if err != nil {
			return
		}
		for _, li := range items {
			if li.ResourceID == "" || len(li.Currency) != 3 || !li.PeriodEnd.After(li.PeriodStart) || li.Tenant == "" {
				t.Fatalf("accepted %+v", li)
			}
		}
	})
}

// fuzzWindow is the time window the fuzzed sources are checked against.
var fuzzWindow = WindowAt(time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), 1096)

// sourceChecks are the callbacks a fuzzed source runs with: a stored event must carry a
// tenant, a request id, a request count not below 0 and token counts with the stored
// meaning (none negative, reasoning inside output); a rejection, a row and a field.
// heard counts what each was called with: stored, rejected, skipped.
func sourceChecks(t *testing.T, heard *[3]int) (func(Event) error, func(RowError), func()) {
	return func(e Event) error {
			heard[0]++
			if e.Tenant == "" || e.RequestID == "" || e.InputTokens < 0 || e.CachedTokens < 0 || e.CacheWriteTokens < 0 ||
				e.ReasoningTokens < 0 || e.ReasoningTokens > e.OutputTokens || (e.RequestCount != nil && *e.RequestCount < 0) {
				t.Fatalf("stored an invalid event %+v", e)
			}
			return nil
		}, func(r RowError) {
			heard[1]++
			if r.Row < 1 || r.Field == "" || r.Message == "" {
				t.Fatalf("rejection without row or field: %+v", r)
			}
		}, func() { heard[2]++ }
}

// FuzzOTLPTraces: no export request, in either encoding, panics the decoder or the
// mapper; every span is exactly one of stored, rejected (with a row and field) or
// skipped; and every stored event has its trace-span key, a tenant and token counts
// with the stored meaning (none negative, reasoning inside output).
func FuzzOTLPTraces(f *testing.F) {
	span := `{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba90301","startTimeUnixNano":"1793613600000000000",` +
		`"endTimeUnixNano":"1793613600820000000","attributes":[{"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},` +
		`{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"1200"}},` +
		`{"key":"gen_ai.usage.cache_read.input_tokens","value":{"intValue":"1000"}},{"key":"tenant.id","value":{"stringValue":"acme"}}]}`
	for _, s := range []string{
		`{"resourceSpans":[{"scopeSpans":[{"spans":[` + span + `]}]}]}`,
		`{"resourceSpans":[{"resource":{"attributes":[{"key":"tenant.id","value":{"intValue":7}}]},"scopeSpans":[{"spans":[{"traceId":"00"}]}]}]}`,
		`{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"gen_ai.system","value":{"doubleValue":1e300}}]}]}]}]}`,
		"\x0a\x02\x12\x00", "", "{}",
	} {
		f.Add([]byte(s), s != "" && s[0] != '{')
	}
	f.Fuzz(func(t *testing.T, body []byte, protobuf bool) {
		ct := OTLPJSON
		if protobuf {
			ct = OTLPProtobuf
		}
		req, err := DecodeOTLPTraces(body, ct)
		if err != nil {
			return
		}
		spans := 0
		for _, rs := range req.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				spans += len(ss.GetSpans())
			}
		}
		m := &OTLPMapper{Options: DefaultOTLPOptions, Rules: Rules{Window: fuzzWindow}}
		var heard [3]int
		onEvent, onReject, onSkip := sourceChecks(t, &heard)
		_ = m.Source(req)(func(e Event) error {
			if len(e.RequestID) != 49 {
				t.Fatalf("stored a span without its trace-span key: %+v", e)
			}
			return onEvent(e)
		}, onReject, onSkip)
		if heard[0]+heard[1]+heard[2] != spans {
			t.Fatalf("%d spans but %d stored, %d rejected, %d skipped", spans, heard[0], heard[1], heard[2])
		}
	})
}

// FuzzLiteLLMSpendLogs: no exported row panics the mapper; every row is stored or
// rejected with a row and field, and a stored one has a tenant and token counts with
// the stored meaning.
func FuzzLiteLLMSpendLogs(f *testing.F) {
	for _, s := range []string{
		`{"request_id":"r","startTime":"2026-11-02T10:00:00Z","model":"gpt-4o","team_id":"t","prompt_tokens":1000,"completion_tokens":5,` +
			`"metadata":{"usage_object":{"prompt_tokens_details":{"cached_tokens":800}}},"request_tags":["feature:x"],"spend":0.1}`,
		`[{"request_id":"r","startTime":"2026-11-02 10:00:00","metadata":null,"cache_hit":"True","prompt_tokens":"7"}]`,
		`{"metadata":{"usage_object":{"cache_creation_input_tokens":1e20}}}`, "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var heard [3]int
		_ = LiteLLMOptions{}.JSONSource(bytes.NewReader([]byte(body)), Rules{Window: fuzzWindow})(sourceChecks(t, &heard))
	})
}

// FuzzProviderExports: no OpenAI or Anthropic export, well-formed or not, panics either
// reader; every result is stored, rejected with a row and field, or skipped, and a stored
// one has a tenant, a request count that is not negative and tokens with the stored
// meaning.
func FuzzProviderExports(f *testing.F) {
	for _, s := range []string{
		`{"object":"page","data":[{"start_time":1793577600,"results":[{"object":"organization.usage.completions.result","input_tokens":1000,` +
			`"input_cached_tokens":800,"output_tokens":5,"num_model_requests":2,"model":"gpt-4o","project_id":"p","batch":true}]}]}`,
		`[{"start_time":1793577600,"results":[{"object":"organization.costs.result","amount":{"value":1e3,"currency":"usd"},"line_item":"x, input"}]}]`,
		`{"data":[{"starting_at":"2026-11-02T00:00:00Z","results":[{"uncached_input_tokens":5,"cache_creation":{"ephemeral_5m_input_tokens":2},` +
			`"output_tokens":1,"context_window":"200k-1M","model":"m"},{"amount":"12.5","currency":"USD"}]}]}`,
		"{}\n[]\n", `{"data":[{"start_time":"x","results":[{}]}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		rules := Rules{Window: fuzzWindow}
		for _, src := range []Source{ExportOptions{}.OpenAISource(strings.NewReader(body), rules), ExportOptions{Tenant: "acme"}.AnthropicSource(strings.NewReader(body), rules)} {
			var heard [3]int
			_ = src(sourceChecks(t, &heard))
		}
	})
}
