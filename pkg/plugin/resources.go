package plugin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"
	"github.com/jackc/pgx/v5"

	"github.com/costlens/costlens/pkg/pricing"
	"github.com/costlens/costlens/pkg/query"
)

type dimensionJSON struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

type metricJSON struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Unit  string `json:"unit"`
}

func newResourceHandler(d *Datasource) backend.CallResourceHandler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dimensions", func(w http.ResponseWriter, _ *http.Request) {
		out := make([]dimensionJSON, len(query.Dimensions))
		for i, dim := range query.Dimensions {
			out[i] = dimensionJSON{dim.Key, dim.Label}
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		out := make([]metricJSON, len(query.Metrics))
		for i, m := range query.Metrics {
			out[i] = metricJSON{m.Key, m.Label, m.Unit}
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("GET /values", d.handleValues)
	mux.HandleFunc("GET /currencies", d.handleCurrencies)
	mux.HandleFunc("POST /ingest/events", d.handleIngestEvents)
	mux.HandleFunc("POST /ingest/fx", d.handleIngestFX)
	mux.HandleFunc("POST /ingest/billing", d.handleIngestBilling)
	mux.HandleFunc("POST /ingest/prices", d.handleIngestPrices)
	mux.HandleFunc("POST /ingest/model-versions", d.handleIngestModelVersions)
	mux.HandleFunc("POST /reprice", d.handleReprice)
	mux.HandleFunc("GET /budgets", d.handleBudgets)
	mux.HandleFunc("GET /prices", d.handlePrices)
	mux.HandleFunc("PUT /budgets", d.handlePutBudget)
	mux.HandleFunc("DELETE /budgets/{id}", d.handleDeleteBudget)
	mux.HandleFunc("POST /recommendations/state", d.handleRecommendationState)
	return httpadapter.New(emptyBodyIsNoBody(mux))
}

// emptyBodyIsNoBody gives a request that came with no body (the SDK passes nil) an
// empty one, so every handler reads it and answers 400 instead of panicking.
func emptyBodyIsNoBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil {
			r.Body = http.NoBody
		}
		next.ServeHTTP(w, r)
	})
}

type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// parseMillis reads an epoch-milliseconds parameter, or falls back.
func parseMillis(r *http.Request, name string, fallback time.Time) (time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return fallback, nil
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %q is not epoch milliseconds", name, s)
	}
	return time.UnixMilli(ms).UTC(), nil
}

// handleValues lists the values of one dimension in the time range (default: the last
// 30 days) under the other filters: GET values?dimension=model&from=..&to=..&filters=[...]
func (d *Datasource) handleValues(w http.ResponseWriter, r *http.Request) {
	if d.settingsErr != nil {
		writeJSON(w, http.StatusBadRequest, apiError{d.settingsErr.Error()})
		return
	}
	dim, ok := query.DimensionByKey(r.URL.Query().Get("dimension"))
	if !ok {
		writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("dimension: unknown dimension %q", r.URL.Query().Get("dimension"))})
		return
	}
	now := d.now().UTC()
	from, err := parseMillis(r, "from", now.Add(-30*24*time.Hour))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	to, err := parseMillis(r, "to", now)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	var filters []query.Filter
	if f := r.URL.Query().Get("filters"); f != "" {
		if err := json.Unmarshal([]byte(f), &filters); err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{"filters: invalid JSON: " + err.Error()})
			return
		}
	}
	// Validate the filters through the same rules as a query.
	probe := query.Query{QueryType: query.TypeBreakdown, Metric: "cost", CostSource: query.SourceTokens, Currency: "USD", Filters: filters}
	if err := probe.Validate(); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	if err := d.ensureSchema(r.Context()); err != nil {
		d.writeError(w, err)
		return
	}
	values, err := query.DimensionValues(r.Context(), d.pool, dim, probe.Filters, query.Range{From: from, To: to}, d.env(), 1000)
	if err != nil {
		d.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, values)
}

// writeStrings answers with the one text column a lookup query returns.
func (d *Datasource) writeStrings(w http.ResponseWriter, r *http.Request, sql string, args ...any) {
	rows, err := d.pool.Query(r.Context(), sql, args...)
	if err != nil {
		d.writeError(w, err)
		return
	}
	values, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		d.writeError(w, err)
		return
	}
	if values == nil {
		values = []string{}
	}
	writeJSON(w, http.StatusOK, values)
}

// ready answers for a data source whose settings are bad or whose database cannot be
// reached, so a handler only runs against a usable schema.
func (d *Datasource) ready(w http.ResponseWriter, r *http.Request) bool {
	if d.settingsErr != nil {
		writeJSON(w, http.StatusBadRequest, apiError{d.settingsErr.Error()})
		return false
	}
	if err := d.ensureSchema(r.Context()); err != nil {
		d.writeError(w, err)
		return false
	}
	return true
}

// handleCurrencies lists the currencies a query can normalise to: the default
// currency and every currency with an FX rate.
func (d *Datasource) handleCurrencies(w http.ResponseWriter, r *http.Request) {
	if !d.ready(w, r) {
		return
	}
	d.writeStrings(w, r, `
		SELECT c FROM (SELECT base::text AS c FROM costlens.fx_rates UNION SELECT quote::text FROM costlens.fx_rates UNION SELECT $1) s
		ORDER BY c`, d.settings.DefaultCurrency)
}

type priceJSON struct {
	Provider         string  `json:"provider"`
	Model            string  `json:"model"`
	Pattern          bool    `json:"pattern"`
	UsageType        string  `json:"usageType"`
	UnitPrice        string  `json:"unitPrice"`
	Unit             string  `json:"unit"`
	Currency         string  `json:"currency"`
	MinContextTokens int64   `json:"minContextTokens"`
	EffectiveFrom    string  `json:"effectiveFrom"`
	CheckedOn        *string `json:"checkedOn"`
	Source           string  `json:"source"`
}

// handlePrices: GET prices lists the prices in force (the Settings page's price book).
func (d *Datasource) handlePrices(w http.ResponseWriter, r *http.Request) {
	if !d.ready(w, r) {
		return
	}
	rows, err := pricing.LoadRows(r.Context(), d.pool, true)
	if err != nil {
		d.writeError(w, err)
		return
	}
	out := make([]priceJSON, len(rows))
	for i, p := range rows {
		out[i] = priceJSON{Provider: p.Provider, Model: p.Model, Pattern: p.ModelIsPattern, UsageType: p.UsageType,
			UnitPrice: p.UnitPrice.String(), Unit: p.Unit, Currency: p.Currency, MinContextTokens: p.MinContextTokens,
			EffectiveFrom: p.EffectiveFrom.UTC().Format(time.RFC3339), Source: p.Source}
		if p.CheckedOn != nil {
			c := p.CheckedOn.Format(time.DateOnly)
			out[i].CheckedOn = &c
		}
	}
	writeJSON(w, http.StatusOK, out)
}
