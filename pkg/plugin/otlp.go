package plugin

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/costlens/costlens/pkg/ingest"
	"github.com/costlens/costlens/pkg/pricing"
	"github.com/costlens/costlens/pkg/store"
)

// MaxOTLPBytes bounds one export request once decompressed (a gzip body may not grow
// past it); the Collector's batch processor sends far less.
const MaxOTLPBytes = 64 << 20

// handleOTLPTraces: POST otlp/v1/traces, an OTLP/HTTP trace export (protobuf or JSON,
// gzip or not), as an OpenTelemetry Collector's otlphttp exporter or an SDK sends it.
// GenAI model-call spans become events through the same checks and idempotent writes
// as ingest/events (the trace and span id are the request id, so a retried export
// stores nothing twice); other spans are skipped and counted. The answer is what OTLP
// expects: 200 with an ExportTraceServiceResponse in the request's encoding, whose
// partial_success counts the rejected spans and says why; a body that is no export
// request is a 400 and a database that cannot take it a 503 (the exporter retries),
// each with a google.rpc.Status.
func (d *Datasource) handleOTLPTraces(w http.ResponseWriter, r *http.Request) {
	ct, ok := ingest.OTLPContentType(r.Header.Get("Content-Type"))
	if !ok {
		w.Header().Set("Accept", ingest.OTLPProtobuf+", "+ingest.OTLPJSON)
		writeJSON(w, http.StatusUnsupportedMediaType, apiError{fmt.Sprintf(
			"Content-Type %q: an OTLP trace export is %s or %s", r.Header.Get("Content-Type"), ingest.OTLPProtobuf, ingest.OTLPJSON)})
		return
	}
	body, status, msg := readOTLPBody(r)
	if msg != "" {
		writeOTLPStatus(w, ct, status, codes.InvalidArgument, msg)
		return
	}
	req, err := ingest.DecodeOTLPTraces(body, ct)
	if err != nil {
		writeOTLPStatus(w, ct, http.StatusBadRequest, codes.InvalidArgument, err.Error())
		return
	}
	book, err := pricing.LoadBook(r.Context(), d.pool)
	var rep ingest.Report
	if err == nil {
		m := &ingest.OTLPMapper{Options: d.settings.OTLPOptions(), Rules: ingest.Rules{Tenant: d.settings.Tenant, Window: d.window()}}
		rep, err = ingest.Stream(r.Context(), d.pool, book, m.Source(req), ingest.WriteOptions{})
	}
	if err != nil {
		if downstream(err) || store.Transient(err) {
			// retryable for the exporter: the spans already stored count as duplicates then
			writeOTLPStatus(w, ct, http.StatusServiceUnavailable, codes.Unavailable, describeDBError(d.settings, err))
			return
		}
		d.writeError(w, err)
		return
	}
	resp := &coltracepb.ExportTraceServiceResponse{}
	if n := len(rep.Rejected); n > 0 {
		resp.PartialSuccess = &coltracepb.ExportTracePartialSuccess{RejectedSpans: int64(n), ErrorMessage: rejectedSummary(rep)}
	}
	writeOTLP(w, ct, http.StatusOK, resp)
}

// readOTLPBody reads the body, gunzipping it when it says so, within MaxOTLPBytes.
func readOTLPBody(r *http.Request) ([]byte, int, string) {
	var src io.Reader = r.Body
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, http.StatusBadRequest, "the body says Content-Encoding gzip but is not gzip: " + err.Error()
		}
		defer zr.Close()
		src = zr
	default:
		return nil, http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Encoding %q: send gzip or no encoding", enc)
	}
	body, err := io.ReadAll(io.LimitReader(src, MaxOTLPBytes+1))
	if err != nil {
		return nil, http.StatusBadRequest, "reading the export: " + err.Error()
	}
	if len(body) > MaxOTLPBytes {
		return nil, http.StatusRequestEntityTooLarge, fmt.Sprintf(
			"the export is over %d MiB once decompressed: lower the exporter's batch size (send_batch_max_size)", MaxOTLPBytes>>20)
	}
	return body, 0, ""
}

// rejectedSummary says why spans were rejected: the first five, and how many more.
func rejectedSummary(rep ingest.Report) string {
	var parts []string
	for i, e := range rep.Rejected {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(rep.Rejected)-5))
			break
		}
		parts = append(parts, e.Error())
	}
	return fmt.Sprintf("%d of %d spans rejected (%d stored, %d already stored, %d not GenAI calls): %s",
		len(rep.Rejected), rep.Received+rep.Skipped, rep.Accepted, rep.Duplicates, rep.Skipped, strings.Join(parts, "; "))
}

func writeOTLPStatus(w http.ResponseWriter, ct string, httpStatus int, code codes.Code, msg string) {
	writeOTLP(w, ct, httpStatus, status.New(code, msg).Proto())
}

// writeOTLP answers in the request's encoding.
func writeOTLP(w http.ResponseWriter, ct string, httpStatus int, m proto.Message) {
	var b []byte
	var err error
	if ct == ingest.OTLPProtobuf {
		b, err = proto.Marshal(m)
	} else {
		b, err = protojson.Marshal(m)
	}
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{"encoding the OTLP answer: " + err.Error()})
		return
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(httpStatus)
	_, _ = io.Copy(w, bytes.NewReader(b))
}
