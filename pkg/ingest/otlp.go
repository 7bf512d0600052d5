package ingest

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/costlens/costlens/pkg/names"
)

// OTLPOptions say where a span's tenant, feature and user are and how its tokens count.
// Each list is tried in order, span attributes before resource attributes.
type OTLPOptions struct {
	TenantKeys, FeatureKeys, UserKeys []string
	// InputExcludesCache: the instrumentation reports gen_ai.usage.input_tokens without
	// the cached tokens (against the conventions, which say it includes them).
	InputExcludesCache bool
}

// DefaultOTLPOptions are the attributes read when a data source or command names none.
var DefaultOTLPOptions = OTLPOptions{
	TenantKeys:  []string{"tenant.id"},
	FeatureKeys: []string{"service.name"},
	UserKeys:    []string{"enduser.id", "user.id"},
}

// AttributeKeys reads a comma-separated list of attribute keys; empty is fallback.
func AttributeKeys(list string, fallback []string) ([]string, error) {
	var keys []string
	for _, k := range strings.Split(list, ",") {
		if k = strings.TrimSpace(k); k == "" {
			continue
		}
		if msg := names.Check(k, 200); msg != "" {
			return nil, fmt.Errorf("attribute key %.40q %s", k, msg)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return fallback, nil
	}
	return keys, nil
}

// OTLP content types (OTLP/HTTP: binary protobuf or JSON).
const (
	OTLPProtobuf = "application/x-protobuf"
	OTLPJSON     = "application/json"
)

// OTLPContentType reads a Content-Type header as one of the two OTLP encodings.
func OTLPContentType(header string) (string, bool) {
	mt, _, err := mime.ParseMediaType(header)
	if err != nil {
		return "", false
	}
	switch mt {
	case OTLPProtobuf, "application/protobuf":
		return OTLPProtobuf, true
	case OTLPJSON:
		return OTLPJSON, true
	}
	return "", false
}

// DecodeOTLPTraces reads one ExportTraceServiceRequest in either encoding. OTLP/JSON
// writes trace and span ids as hex where protobuf's JSON mapping expects base64, so
// those are rewritten before decoding; unknown fields are ignored, as OTLP asks of a
// receiver. A body that is no such request is a FormatError (the sender's fault).
func DecodeOTLPTraces(body []byte, contentType string) (*coltracepb.ExportTraceServiceRequest, error) {
	req := &coltracepb.ExportTraceServiceRequest{}
	if contentType == OTLPProtobuf {
		if err := proto.Unmarshal(body, req); err != nil {
			return nil, formatErrorf("the body is not an OTLP ExportTraceServiceRequest in protobuf: %v", err)
		}
		return req, nil
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, formatErrorf("the body is not OTLP/JSON: %v", err)
	}
	if err := hexIDsToBase64(doc, ""); err != nil {
		return nil, formatErrorf("%v", err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, req); err != nil {
		return nil, formatErrorf("the body is not an OTLP/JSON ExportTraceServiceRequest: %v", err)
	}
	return req, nil
}

// hexIDsToBase64 rewrites traceId, spanId and parentSpanId (in spans and their links).
func hexIDsToBase64(v any, path string) error {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && (k == "traceId" || k == "spanId" || k == "parentSpanId") {
				b, err := hex.DecodeString(s)
				if err != nil {
					return fmt.Errorf("%s.%s %.40q is not hex (OTLP/JSON writes ids as hex)", path, k, s)
				}
				x[k] = base64.StdEncoding.EncodeToString(b)
				continue
			}
			if err := hexIDsToBase64(e, path+"."+k); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if err := hexIDsToBase64(e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// OTLPMapper turns spans into events, numbering them across every request it maps (a
// file of many exports) so a RowError's row is the span's place in the whole input.
type OTLPMapper struct {
	Options OTLPOptions
	Rules   Rules
	spans   int
}

// Operations that are not a model call: an agent or workflow span sums the usage of the
// calls inside it, so counting it too would charge them twice.
var notModelCalls = []string{"invoke_agent", "create_agent", "execute_tool", "invoke_workflow"}

// Source maps one export request's spans.
func (m *OTLPMapper) Source(req *coltracepb.ExportTraceServiceRequest) Source {
	return func(onEvent func(Event) error, onReject func(RowError), onSkip func()) error {
		return m.each(req, onEvent, onReject, onSkip)
	}
}

func (m *OTLPMapper) each(req *coltracepb.ExportTraceServiceRequest, onEvent func(Event) error, onReject func(RowError), onSkip func()) error {
	for _, rs := range req.GetResourceSpans() {
		resource := rs.GetResource().GetAttributes()
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				m.spans++
				e, rowErr, skip := m.span(m.spans, resource, sp)
				if err := deliver(e, rowErr, skip, onEvent, onReject, onSkip); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// spanAttrs looks a key up in the span's attributes, then the resource's.
type spanAttrs struct{ span, resource []*commonpb.KeyValue }

func (a spanAttrs) get(key string) *commonpb.AnyValue {
	for _, list := range [][]*commonpb.KeyValue{a.span, a.resource} {
		for _, kv := range list {
			if kv.GetKey() == key {
				return kv.GetValue()
			}
		}
	}
	return nil
}

// first is the first of keys present, and its key.
func (a spanAttrs) first(keys ...string) (*commonpb.AnyValue, string) {
	for _, k := range keys {
		if v := a.get(k); v != nil {
			return v, k
		}
	}
	return nil, ""
}

func (a spanAttrs) text(keys ...string) string {
	v, _ := a.first(keys...)
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return strconv.FormatInt(x.IntValue, 10)
	}
	return ""
}

// count reads a token count: an int, or a whole double or decimal string, as some
// instrumentations send. Absent is 0.
func (a spanAttrs) count(keys ...string) (int64, string, error) {
	v, key := a.first(keys...)
	if v == nil {
		return 0, keys[0], nil
	}
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_IntValue:
		return x.IntValue, key, nil
	case *commonpb.AnyValue_DoubleValue:
		if x.DoubleValue == math.Trunc(x.DoubleValue) && math.Abs(x.DoubleValue) <= MaxTokens {
			return int64(x.DoubleValue), key, nil
		}
	case *commonpb.AnyValue_StringValue:
		if n, err := strconv.ParseInt(x.StringValue, 10, 64); err == nil {
			return n, key, nil
		}
	}
	return 0, key, fmt.Errorf("is not a whole number of tokens")
}

func (m *OTLPMapper) span(row int, resource []*commonpb.KeyValue, sp *tracepb.Span) (Event, *RowError, bool) {
	a := spanAttrs{span: sp.GetAttributes(), resource: resource}
	bad := func(field, format string, args ...any) (Event, *RowError, bool) {
		msg := fmt.Sprintf(format, args...)
		return Event{}, &RowError{Row: row, Field: field, Message: fmt.Sprintf("span %x: %s", sp.GetSpanId(), msg)}, false
	}
	op := a.text("gen_ai.operation.name")
	provider := a.text("gen_ai.provider.name", "gen_ai.system")
	if (op == "" && provider == "") || slices.Contains(notModelCalls, op) {
		return Event{}, nil, true // not a GenAI model call: counted, neither stored nor rejected
	}
	trace, spanID := sp.GetTraceId(), sp.GetSpanId()
	if len(trace) != 16 || len(spanID) != 8 {
		return bad("traceId", "a span needs a 16-byte trace id and an 8-byte span id (its idempotency key), got %d and %d bytes", len(trace), len(spanID))
	}
	requestModel := a.text("gen_ai.request.model")
	model := a.text("gen_ai.response.model")
	if model == "" {
		model = requestModel
	}
	if model == "" {
		return bad("gen_ai.request.model", "a GenAI span names its model (gen_ai.response.model or gen_ai.request.model)")
	}
	start, end := sp.GetStartTimeUnixNano(), sp.GetEndTimeUnixNano()
	if start == 0 || start > math.MaxInt64 {
		return bad("startTimeUnixNano", "is missing or out of range")
	}
	e := Event{Row: row, RequestID: hex.EncodeToString(trace) + "-" + hex.EncodeToString(spanID),
		TS: time.Unix(0, int64(start)).UTC(), Provider: provider, Model: model,
		Tenant:  a.text(m.Options.TenantKeys...),
		Feature: a.text(m.Options.FeatureKeys...),
		UserID:  a.text(m.Options.UserKeys...),
		Region:  a.text("cloud.region"),
	}
	if end >= start && (end-start)/1e6 <= math.MaxInt32 {
		ms := int32((end - start) / 1e6)
		e.LatencyMS = &ms
	}
	var t SourceTokens
	var inKey, outKey string
	for _, c := range []struct {
		dst  *int64
		key  *string
		keys []string
	}{
		{&t.Input, &inKey, []string{"gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"}},
		{&t.Output, &outKey, []string{"gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"}},
		{&t.CacheRead, nil, []string{"gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens", "gen_ai.usage.input_tokens.cached"}},
		{&t.CacheWrite, nil, []string{"gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens", "gen_ai.usage.input_tokens.cache_write"}},
		{&t.Reasoning, nil, []string{"gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.output_tokens.reasoning", "gen_ai.usage.reasoning_tokens"}},
	} {
		n, key, err := a.count(c.keys...)
		if err != nil {
			return bad(key, "%v", err)
		}
		if n < 0 || n > MaxTokens {
			return bad(key, "must be from 0 to %d, got %d", MaxTokens, n)
		}
		*c.dst = n
		if c.key != nil {
			*c.key = key
		}
	}
	t.InputIncludesCache, t.InputField, t.OutputField = !m.Options.InputExcludesCache, inKey, outKey
	if rowErr := t.Normalise(&e); rowErr != nil {
		rowErr.Message = fmt.Sprintf("span %x: %s", spanID, rowErr.Message)
		return Event{}, rowErr, false
	}
	e.ServiceTier = a.text("openai.response.service_tier", "gen_ai.openai.response.service_tier")
	if v, key := a.first("gen_ai.usage.cost"); v != nil {
		// OpenLIT's own estimate, in USD: kept as the reported cost beside the priced one
		cost, ok := decimalOf(v)
		if !ok {
			return bad(key, "is not a number")
		}
		usd := "USD"
		e.ReportedCost, e.ReportedCurrency = &cost, &usd
	}
	attrs := map[string]string{"otel.trace_id": hex.EncodeToString(trace), "otel.span_id": hex.EncodeToString(spanID)}
	if op != "" {
		attrs["gen_ai.operation.name"] = op
	}
	if requestModel != "" && requestModel != model {
		attrs["gen_ai.request.model"] = requestModel
	}
	if svc := a.text("service.name"); svc != "" {
		attrs["service.name"] = svc
	}
	e.Attributes, _ = json.Marshal(attrs)
	if rowErr := m.Rules.Check(&e); rowErr != nil {
		rowErr.Field = otlpField(rowErr.Field, m.Options)
		rowErr.Message = fmt.Sprintf("span %x: %s", spanID, rowErr.Message)
		return Event{}, rowErr, false
	}
	return e, nil, false
}

// otlpField names the attribute a stored field came from, for a RowError.
func otlpField(field string, o OTLPOptions) string {
	switch field {
	case "tenant":
		return strings.Join(o.TenantKeys, " or ")
	case "feature":
		return strings.Join(o.FeatureKeys, " or ")
	case "user_id":
		return strings.Join(o.UserKeys, " or ")
	case "provider":
		return "gen_ai.provider.name"
	case "model":
		return "gen_ai.response.model"
	case "ts":
		return "startTimeUnixNano"
	case "service_tier":
		return "openai.response.service_tier"
	case "reported_cost":
		return "gen_ai.usage.cost"
	}
	return field
}

func decimalOf(v *commonpb.AnyValue) (decimal.Decimal, bool) {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_DoubleValue:
		if math.IsNaN(x.DoubleValue) || math.IsInf(x.DoubleValue, 0) {
			return decimal.Decimal{}, false
		}
		// the shortest decimal that reads back as the double: what the sender wrote
		d, err := decimal.NewFromString(strconv.FormatFloat(x.DoubleValue, 'f', -1, 64))
		return d, err == nil
	case *commonpb.AnyValue_IntValue:
		return decimal.NewFromInt(x.IntValue), true
	case *commonpb.AnyValue_StringValue:
		d, err := decimal.NewFromString(x.StringValue)
		return d, err == nil
	}
	return decimal.Decimal{}, false
}

// MaxOTLPLineBytes bounds one line of an OTLP/JSON lines file (one export request).
const MaxOTLPLineBytes = 64 << 20

// OTLPFileSource reads a file of OTLP/JSON lines, one ExportTraceServiceRequest per line,
// as the OpenTelemetry Collector's file exporter writes them; memory stays at one line.
// A line that is no export request is one row error (field "(line N)"), and reading goes
// on with the next.
func (m *OTLPMapper) FileSource(r io.Reader) Source {
	return func(onEvent func(Event) error, onReject func(RowError), onSkip func()) error {
		sc, lines := lineScanner(r, MaxOTLPLineBytes)
		for line := 1; sc.Scan(); line++ {
			where := RowError{Row: m.spans + 1, Field: fmt.Sprintf("(line %d)", line)}
			if lines.tooLong {
				where.Message = fmt.Sprintf("the line is longer than %d bytes", MaxOTLPLineBytes)
				onReject(where)
				continue
			}
			if b := bytes.TrimSpace(sc.Bytes()); len(b) > 0 {
				req, err := DecodeOTLPTraces(b, OTLPJSON)
				if err != nil {
					where.Message = err.Error()
					onReject(where)
				} else if err := m.each(req, onEvent, onReject, onSkip); err != nil {
					return err
				}
			}
		}
		return sc.Err()
	}
}
