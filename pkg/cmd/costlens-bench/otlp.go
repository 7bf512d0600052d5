package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/costlens/costlens/pkg/ingest"
	"github.com/costlens/costlens/pkg/pricing"
)

// otlpBatch is the spans per export: the Collector's batch processor sends 8,192.
const otlpBatch = 8192

func strAttr(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

func intAttr(k string, v int64) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: v}}}
}

// otlpExports encodes events as GenAI chat spans (input including the cached tokens, as
// the conventions count them), one resource per span as an SDK per tenant would send.
func otlpExports(events []ingest.Event) [][]byte {
	var out [][]byte
	for start := 0; start < len(events); start += otlpBatch {
		req := &coltracepb.ExportTraceServiceRequest{}
		for i := start; i < min(start+otlpBatch, len(events)); i++ {
			e := events[i]
			trace, span := make([]byte, 16), make([]byte, 8)
			binary.BigEndian.PutUint64(trace[8:], uint64(i)+1)
			binary.BigEndian.PutUint64(trace, uint64(time.Now().UnixNano()))
			binary.BigEndian.PutUint64(span, uint64(i)+1)
			begin := uint64(e.TS.UnixNano())
			end := begin
			if e.LatencyMS != nil {
				end += uint64(*e.LatencyMS) * 1e6
			}
			req.ResourceSpans = append(req.ResourceSpans, &tracepb.ResourceSpans{
				Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{strAttr("service.name", e.Feature), strAttr("tenant.id", e.Tenant)}},
				ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{{
					TraceId: trace, SpanId: span, Name: "chat " + e.Model, StartTimeUnixNano: begin, EndTimeUnixNano: end,
					Attributes: []*commonpb.KeyValue{
						strAttr("gen_ai.operation.name", "chat"), strAttr("gen_ai.provider.name", e.Provider),
						strAttr("gen_ai.request.model", e.Model), strAttr("enduser.id", e.UserID),
						intAttr("gen_ai.usage.input_tokens", e.InputTokens+e.CachedTokens),
						intAttr("gen_ai.usage.cache_read.input_tokens", e.CachedTokens),
						intAttr("gen_ai.usage.output_tokens", e.OutputTokens),
					},
				}}}},
			})
		}
		b, err := proto.Marshal(req)
		if err != nil {
			panic(err)
		}
		out = append(out, b)
	}
	return out
}

// otlpSenders is how many exports are in flight at once, as a Collector's otlphttp
// exporter sends them (its sending queue has 10 consumers by default; 2 here, the
// writers one upload uses, so the two paths are compared at the same concurrency).
const otlpSenders = 2

// otlpIngest times the exports through the receiver's code as the Grafana role: decode,
// map and store each, as the resource endpoint does, otlpSenders at a time.
func (b *bench) otlpIngest(ctx context.Context, events []ingest.Event) (float64, error) {
	exports := otlpExports(events)
	book, err := pricing.LoadBook(ctx, b.role)
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	var mu sync.Mutex
	var firstErr error
	stored := 0
	next := make(chan []byte)
	var wg sync.WaitGroup
	for range otlpSenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for body := range next {
				n, err := b.otlpExport(ctx, book, body)
				mu.Lock()
				stored += n
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	for _, body := range exports {
		next <- body
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	if stored != len(events) {
		return 0, fmt.Errorf("%d of %d spans stored", stored, len(events))
	}
	return time.Since(t0).Seconds(), nil
}

// otlpExport is one export request through the receiver's code.
func (b *bench) otlpExport(ctx context.Context, book *pricing.Book, body []byte) (int, error) {
	req, err := ingest.DecodeOTLPTraces(body, ingest.OTLPProtobuf)
	if err != nil {
		return 0, err
	}
	m := &ingest.OTLPMapper{Options: ingest.DefaultOTLPOptions}
	rep, err := ingest.Stream(ctx, b.role, book, m.Source(req), ingest.WriteOptions{})
	if err != nil {
		return 0, err
	}
	if len(rep.Rejected) > 0 {
		return 0, fmt.Errorf("%d spans rejected, first: %v", len(rep.Rejected), rep.Rejected[0])
	}
	return rep.Accepted, nil
}
