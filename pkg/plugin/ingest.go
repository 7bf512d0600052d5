package plugin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/costlens/costlens/pkg/ingest"
	"github.com/costlens/costlens/pkg/pricing"
)

// MaxUploadBytes bounds one upload; larger files go through costlens-import.
const MaxUploadBytes = 32 << 20

// canWrite: uploads need Editor or Admin in the caller's organisation.
func canWrite(r *http.Request) bool {
	u := backend.UserFromContext(r.Context())
	return u != nil && (u.Role == "Editor" || u.Role == "Admin")
}

// readUpload reads the upload's body, refusing it whole (413) when it is over
// MaxUploadBytes and (400) when it is empty.
func readUpload(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.ContentLength > MaxUploadBytes {
		writeJSON(w, http.StatusRequestEntityTooLarge, apiError{tooLarge(r.ContentLength)})
		return nil, false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxUploadBytes+1))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{"reading the upload: " + err.Error()})
		return nil, false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		writeJSON(w, http.StatusBadRequest, apiError{"the upload is empty: send the file as the request body"})
		return nil, false
	}
	if len(body) > MaxUploadBytes {
		// refused whole, never half-read: no row of it is stored
		writeJSON(w, http.StatusRequestEntityTooLarge, apiError{tooLarge(-1)})
		return nil, false
	}
	return body, true
}

func tooLarge(n int64) string {
	size := "the upload"
	if n > 0 {
		size = fmt.Sprintf("the upload (%d MiB)", n>>20)
	}
	return fmt.Sprintf("%s is over the %d MiB limit: split it, or load it with the costlens-import command", size, MaxUploadBytes>>20)
}

// writeReport answers an upload: a file-level problem (header, direction) is the
// caller's to fix (400); any other failure is the database's (502).
func (d *Datasource) writeReport(w http.ResponseWriter, rep ingest.Report, err error) {
	var format *ingest.FormatError
	if errors.As(err, &format) {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	if err != nil {
		d.writeError(w, err)
		return
	}
	status := http.StatusOK
	if rep.Accepted == 0 && rep.Duplicates == 0 && len(rep.Rejected) > 0 {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, rep)
}

// window is the span uploads' timestamps must fall in now.
func (d *Datasource) window() ingest.Window {
	return ingest.WindowAt(d.now(), d.settings.RetentionDays)
}

// handleIngestModelVersions: POST ingest/model-versions with a JSON array or NDJSON of
// model versions and their deployment facts.
func (d *Datasource) handleIngestModelVersions(w http.ResponseWriter, r *http.Request) {
	body, ok := readUpload(w, r)
	if !ok {
		return
	}
	rep, err := ingest.IngestModelVersions(r.Context(), d.pool, bytes.NewReader(body))
	d.writeReport(w, rep, err)
}

// handleIngestEvents: POST ingest/events with a JSON array or NDJSON body.
func (d *Datasource) handleIngestEvents(w http.ResponseWriter, r *http.Request) {
	body, ok := readUpload(w, r)
	if !ok {
		return
	}
	rep, err := ingest.IngestEvents(r.Context(), d.pool, bytes.NewReader(body), ingest.Rules{Tenant: d.settings.Tenant, Window: d.window()})
	d.writeReport(w, rep, err)
}

// handleIngestFX: POST ingest/fx with a CSV body; ?pairs=China=USD/CNY,Euro=USD/EUR
// gives the direction of a file that names countries.
func (d *Datasource) handleIngestFX(w http.ResponseWriter, r *http.Request) {
	body, ok := readUpload(w, r)
	if !ok {
		return
	}
	pairs, err := ingest.ParsePairs(r.URL.Query().Get("pairs"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	opts := ingest.FXOptions{Source: r.URL.Query().Get("source"), Pairs: pairs, Newest: d.window().Newest}
	rep, err := ingest.IngestFXCSV(r.Context(), d.pool, bytes.NewReader(body), opts)
	d.writeReport(w, rep, err)
}

// handleIngestBilling: POST ingest/billing with a FOCUS CSV export. The tenant comes
// from an x_Tenant column, else ?tenant=; a bound data source uses its own tenant.
func (d *Datasource) handleIngestBilling(w http.ResponseWriter, r *http.Request) {
	body, ok := readUpload(w, r)
	if !ok {
		return
	}
	tenant, bound := r.URL.Query().Get("tenant"), d.settings.Tenant != ""
	if bound {
		tenant = d.settings.Tenant
	}
	rep, err := ingest.IngestFOCUSCSV(r.Context(), d.pool, bytes.NewReader(body), tenant, bound, d.window())
	d.writeReport(w, rep, err)
}

// handleIngestPrices: POST ingest/prices with a price book YAML file. History is kept:
// a changed price closes the old row and opens a new one.
func (d *Datasource) handleIngestPrices(w http.ResponseWriter, r *http.Request) {
	body, ok := readUpload(w, r)
	if !ok {
		return
	}
	rows, aliases, err := pricing.ParseFile(body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	res, err := pricing.Apply(r.Context(), d.pool, rows, aliases...)
	var conflict *pricing.ConflictError
	if errors.As(err, &conflict) {
		writeJSON(w, http.StatusConflict, apiError{err.Error()})
		return
	}
	if err != nil {
		d.writeError(w, err)
		return
	}
	dropped := res.Dropped
	if dropped == nil {
		dropped = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"added": res.Added, "changed": res.Changed, "unchanged": res.Unchanged,
		"droppedFromFile": dropped, "aliases": res.Aliases})
}

// handleReprice: POST reprice?from=<ms>&to=<ms> recomputes priced cost over the range
// with the current price book and reports how many events changed and by how much.
func (d *Datasource) handleReprice(w http.ResponseWriter, r *http.Request) {
	from, err := parseMillis(r, "from", time.Time{})
	if err == nil && from.IsZero() {
		err = errors.New("from: required, epoch milliseconds")
	}
	var to time.Time
	if err == nil {
		to, err = parseMillis(r, "to", d.now().UTC())
	}
	if err == nil && !from.Before(to) {
		err = fmt.Errorf("from (%s) must be before to (%s)", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	rep, err := pricing.Reprice(r.Context(), d.pool, from, to, d.settings.Tenant)
	if err != nil {
		d.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
