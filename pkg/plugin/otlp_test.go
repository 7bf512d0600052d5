package plugin

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/costlens/costlens/pkg/store/storetest"
)

// otlpBook prices the spans below at list prices (per 1M tokens): gpt-4o 2.50 in, 1.25
// cached, 10.00 out, its dated snapshots through a model alias; claude-sonnet-4 3.00 in,
// 3.75 cache write, 0.30 cache read, 15.00 out.
const otlpBook = `
prices:
  - {provider: openai, model: gpt-4o, currency: USD, unit: 1m_tokens, effective_from: "2024-10-01", input: "2.50", cached_input: "1.25", output: "10.00"}
  - {provider: anthropic, model: claude-sonnet-4, currency: USD, unit: 1m_tokens, effective_from: "2025-05-22", input: "3.00", cache_write: "3.75", cached_input: "0.30", output: "15.00"}
model_aliases:
  - {provider: openai, model: "gpt-4o-20*", pattern: true, price_as: gpt-4o}
`

// grafanaFront stands in for Grafana in front of the plugin: it takes a request at
// /api/datasources/uid/<uid>/resources/<path>, checks the service account token, and
// calls the plugin's CallResource the way Grafana does, with the account's role.
func grafanaFront(t *testing.T, d *Datasource, token string) *httptest.Server {
	t.Helper()
	const prefix = "/api/datasources/uid/costlens/resources/"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if !strings.HasPrefix(r.URL.Path, prefix) {
			http.NotFound(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
			return
		}
		path := strings.TrimPrefix(r.URL.Path, prefix)
		req := &backend.CallResourceRequest{Method: r.Method, Path: path, URL: path, Headers: r.Header, Body: body,
			PluginContext: backend.PluginContext{User: &backend.User{Login: "sa-otel-collector", Role: "Editor"}}}
		err = d.CallResource(r.Context(), req, backend.CallResourceResponseSenderFunc(func(res *backend.CallResourceResponse) error {
			for k, vs := range res.Headers {
				for _, v := range vs {
					w.Header().Add(k, v)
				}
			}
			w.WriteHeader(res.Status)
			_, err := w.Write(res.Body)
			return err
		}))
		if err != nil {
			t.Error(err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func loadPrices(t *testing.T, d *Datasource, book string) {
	t.Helper()
	if status, resp := post(t, d, "Admin", "ingest/prices", []byte(book)); status != 200 {
		t.Fatalf("prices: %d %s", status, resp)
	}
}

type spanEvent struct{ tenant, feature, user, provider, model, tokens, latency, cost string }

func storedEvents(t *testing.T, d *Datasource) map[string]spanEvent {
	t.Helper()
	rows, err := d.pool.Query(context.Background(), `SELECT request_id, tenant, feature, user_id, provider, model,
		concat_ws(' ', input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens),
		coalesce(latency_ms::text, ''), coalesce(trim_scale(priced_cost)::text || ' ' || price_currency, 'unpriced')
		FROM costlens.cost_events`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]spanEvent{}
	for rows.Next() {
		var id string
		var r spanEvent
		if err := rows.Scan(&id, &r.tenant, &r.feature, &r.user, &r.provider, &r.model, &r.tokens, &r.latency, &r.cost); err != nil {
			t.Fatal(err)
		}
		out[id] = r
	}
	return out
}

// An application instrumented with the OpenTelemetry Go SDK exports its spans with the
// OTLP/HTTP exporter (protobuf, gzip) through "Grafana" to the receiver: the GenAI calls
// land priced to the cent, the agent and HTTP spans are skipped, and the one span whose
// counts contradict the conventions comes back to the SDK as a partial success.
func TestAnOpenTelemetrySDKExportsGenAISpans(t *testing.T) {
	_, dbURL := storetest.NewPool(t)
	d := newInstance(t, instanceSettings(t, dbURL, nil))
	loadPrices(t, d, otlpBook)
	srv := grafanaFront(t, d, "glsa_test")

	var mu sync.Mutex
	var exportErrors []string
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		mu.Lock()
		defer mu.Unlock()
		exportErrors = append(exportErrors, err.Error())
	}))
	t.Cleanup(func() { otel.SetErrorHandler(otel.ErrorHandlerFunc(func(error) {})) })

	ctx := context.Background()
	exp, err := otlptracehttp.New(ctx,
		otlptracehttp.WithEndpointURL(srv.URL+"/api/datasources/uid/costlens/resources/otlp/v1/traces"),
		otlptracehttp.WithHeaders(map[string]string{"Authorization": "Bearer glsa_test"}),
		otlptracehttp.WithCompression(otlptracehttp.GzipCompression),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}))
	if err != nil {
		t.Fatal(err)
	}
	res := resource.NewSchemaless(attribute.String("service.name", "support-bot"), attribute.String("tenant.id", "acme"))
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithBatcher(exp))
	tracer := tp.Tracer("costlens-test")

	at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	span := func(name string, took time.Duration, attrs ...attribute.KeyValue) string {
		_, sp := tracer.Start(ctx, name, trace.WithTimestamp(at), trace.WithAttributes(attrs...))
		sp.End(trace.WithTimestamp(at.Add(took)))
		sc := sp.SpanContext()
		return sc.TraceID().String() + "-" + sc.SpanID().String()
	}
	// current conventions, OpenAI: input 1,000 includes the 800 read from the cache
	openai := span("chat gpt-4o", 1500*time.Millisecond,
		attribute.String("gen_ai.operation.name", "chat"), attribute.String("gen_ai.provider.name", "openai"),
		attribute.String("gen_ai.request.model", "gpt-4o"), attribute.String("gen_ai.response.model", "gpt-4o-2024-08-06"),
		attribute.Int("gen_ai.usage.input_tokens", 1000), attribute.Int("gen_ai.usage.cache_read.input_tokens", 800),
		attribute.Int("gen_ai.usage.output_tokens", 200), attribute.String("enduser.id", "u-42"))
	// previous names, Anthropic: prompt 12,050 = 50 uncached + 2,000 written + 10,000 read
	anthropic := span("chat claude-sonnet-4", 2250*time.Millisecond,
		attribute.String("gen_ai.system", "anthropic"), attribute.String("gen_ai.request.model", "claude-sonnet-4"),
		attribute.Int("gen_ai.usage.prompt_tokens", 12050), attribute.Int("gen_ai.usage.completion_tokens", 500),
		attribute.Int("gen_ai.usage.cache_creation.input_tokens", 2000), attribute.Int("gen_ai.usage.cache_read.input_tokens", 10000))
	// an agent span sums its calls' usage: counting it would charge them twice
	span("invoke_agent triage", 5*time.Second, attribute.String("gen_ai.operation.name", "invoke_agent"),
		attribute.String("gen_ai.provider.name", "openai"), attribute.Int("gen_ai.usage.input_tokens", 13050))
	span("GET /healthz", time.Millisecond, attribute.String("http.request.method", "GET"))
	bad := span("chat gpt-4o", time.Second, attribute.String("gen_ai.operation.name", "chat"),
		attribute.String("gen_ai.provider.name", "openai"), attribute.String("gen_ai.request.model", "gpt-4o"),
		attribute.Int("gen_ai.usage.input_tokens", 100), attribute.Int("gen_ai.usage.cache_read.input_tokens", 800))
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	got := storedEvents(t, d)
	want := map[string]spanEvent{
		// 200 × 2.50 + 800 × 1.25 + 200 × 10.00 per 1M, priced as gpt-4o through the alias
		openai: {"acme", "support-bot", "u-42", "openai", "gpt-4o-2024-08-06", "200 800 0 200 0", "1500", "0.0035 USD"},
		// 50 × 3.00 + 2,000 × 3.75 + 10,000 × 0.30 + 500 × 15.00 per 1M
		anthropic: {"acme", "support-bot", "", "anthropic", "claude-sonnet-4", "50 10000 2000 500 0", "2250", "0.01815 USD"},
	}
	if len(got) != len(want) {
		t.Errorf("stored %d events, want %d: %v", len(got), len(want), got)
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: stored %+v, want %+v", id, got[id], w)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	wantMsg := "1 of 5 spans rejected (2 stored, 0 already stored, 2 not GenAI calls): row 5: gen_ai.usage.input_tokens: span " +
		bad[33:] + ": 100 input tokens cannot include 800 cache-read and 0 cache-write tokens: this source's input is read as including them"
	if len(exportErrors) != 1 || !strings.Contains(exportErrors[0], "1 spans rejected") || !strings.Contains(exportErrors[0], wantMsg) {
		t.Errorf("the SDK heard %q, want a partial success with 1 span rejected: %s", exportErrors, wantMsg)
	}
}

// A collector's OTLP/JSON export (hex ids, int64s as strings), gzip or not: stored once
// however often it is sent, and a data source bound to a tenant refuses another's spans.
func TestOTLPJSONExportsAreIdempotent(t *testing.T) {
	_, dbURL := storetest.NewPool(t)
	d := newInstance(t, instanceSettings(t, dbURL, map[string]any{"tenant": "acme", "otlpUserAttributes": "app.user"}))
	// list prices per 1M tokens: gpt-4o-mini 0.15 in, 0.075 cached, 0.60 out; Claude 3
	// Haiku on Bedrock 0.25 in, 1.25 out (prices are shared: loaded through an unbound one)
	unbound := newInstance(t, instanceSettings(t, dbURL, nil))
	loadPrices(t, unbound, `
prices:
  - {provider: openai, model: gpt-4o-mini, currency: USD, unit: 1m_tokens, effective_from: "2024-07-18", input: "0.15", cached_input: "0.075", output: "0.60"}
  - {provider: aws.bedrock, model: anthropic.claude-3-haiku, currency: USD, unit: 1m_tokens, effective_from: "2024-03-13", input: "0.25", output: "1.25"}
`)
	srv := grafanaFront(t, d, "glsa_test")
	body, err := os.ReadFile("testdata/otlp/collector-export.json")
	if err != nil {
		t.Fatal(err)
	}
	// encoding "gzip" compresses the body; "gzip, uncompressed" says gzip but sends it as is
	send := func(ct, encoding string, b []byte) (int, string, string) {
		if encoding == "gzip, uncompressed" {
			encoding = "gzip"
		} else if encoding == "gzip" {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			_, _ = zw.Write(b)
			_ = zw.Close()
			b = buf.Bytes()
		}
		req, _ := http.NewRequest("POST", srv.URL+"/api/datasources/uid/costlens/resources/otlp/v1/traces", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer glsa_test")
		req.Header.Set("Content-Type", ct)
		if encoding != "" {
			req.Header.Set("Content-Encoding", encoding)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Content-Type"), string(out)
	}
	status, ct, resp := send("application/json", "gzip", body)
	wantPartial := `{"partialSuccess":{"rejectedSpans":"1","errorMessage":"1 of 3 spans rejected (2 stored, 0 already stored, 0 not GenAI calls): ` +
		`row 3: tenant.id: span 00f067aa0ba90300: \"globex\" is not this data source's tenant \"acme\""}}`
	if status != 200 || ct != "application/json" || strings.ReplaceAll(resp, " ", "") != strings.ReplaceAll(wantPartial, " ", "") {
		t.Fatalf("first export: %d %s %s", status, ct, resp)
	}
	status, _, resp = send("application/json", "", body)
	if status != 200 || !strings.Contains(resp, `"rejectedSpans":"1"`) || !strings.Contains(resp, "(0 stored, 2 already stored") {
		t.Fatalf("the same export again: %d %s", status, resp)
	}
	got := storedEvents(t, d)
	want := map[string]spanEvent{
		// 1,200 prompt tokens with 1,000 cached, 300 out (120 of them reasoning, at the output
		// price): 200 × 0.15 + 1,000 × 0.075 + 300 × 0.60 = 30 + 75 + 180 per 1M
		"4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba90301": {"acme", "checkout", "u-7", "openai", "gpt-4o-mini", "200 1000 0 300 120", "820", "0.000285 USD"},
		// 40 × 0.25 + 12 × 1.25 = 10 + 15 per 1M
		"4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba90302": {"acme", "checkout", "u-7", "aws.bedrock", "anthropic.claude-3-haiku", "40 0 0 12 0", "350", "0.000025 USD"},
	}
	if len(got) != 2 || got["4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba90301"] != want["4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba90301"] ||
		got["4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba90302"] != want["4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba90302"] {
		t.Errorf("stored %+v, want %+v", got, want)
	}
	if status, _, resp := send("text/plain", "", body); status != 415 || !strings.Contains(resp, "application/x-protobuf or application/json") {
		t.Errorf("text/plain: %d %s", status, resp)
	}
	if status, _, resp := send("application/json", "", []byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}`)); status != 400 ||
		!strings.Contains(resp, `"message":".resourceSpans[0].scopeSpans[0].spans[0].traceId \"zz\" is not hex (OTLP/JSON writes ids as hex)"`) {
		t.Errorf("bad id: %d %s", status, resp)
	}
	if status, _, resp := send("application/json", "gzip", []byte("x")); status != 400 || !strings.Contains(resp, `"message":"the body is not OTLP/JSON: invalid character 'x'`) {
		t.Errorf("gzipped garbage: %d %s", status, resp)
	}
	if status, _, resp := send("application/json", "gzip, uncompressed", body); status != 400 ||
		!strings.Contains(resp, `"message":"the body says Content-Encoding gzip but is not gzip: gzip: invalid header"`) {
		t.Errorf("not gzip: %d %s", status, resp)
	}
}
