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
	"github.com/costlens/costlens/pkg/query/engine"
)

// who may call a route
type access int

const (
	anyone access = iota // any user of the organisation: lookups
	editor               // Editor or Admin: uploads and changes to this data source's rows
	shared               // Editor or Admin on an unbound data source: data every tenant reads
)

// route is one resource endpoint: its access, the action named when it is refused, and
// what it does once the data source is usable and the caller may.
type route struct {
	access access
	action string // "uploading data", "changing budgets": the 403 names it
	what   string // for shared: "FX rates" (the 403 says they are shared)
	handle http.HandlerFunc
}

func newResourceHandler(d *Datasource) backend.CallResourceHandler {
	mux := http.NewServeMux()
	for pattern, rt := range map[string]route{
		"GET /values":                 {access: anyone, handle: d.handleValues},
		"GET /currencies":             {access: anyone, handle: d.handleCurrencies},
		"GET /budgets":                {access: anyone, handle: d.handleBudgets},
		"GET /prices":                 {access: anyone, handle: d.handlePrices},
		"GET /unpriced":               {access: anyone, handle: d.handleUnpriced},
		"POST /ingest/events":         {access: editor, action: "uploading data", handle: d.handleIngestEvents},
		"POST /ingest/billing":        {access: editor, action: "uploading data", handle: d.handleIngestBilling},
		"POST /ingest/fx":             {access: shared, action: "uploading data", what: "FX rates", handle: d.handleIngestFX},
		"POST /ingest/prices":         {access: shared, action: "uploading data", what: "prices", handle: d.handleIngestPrices},
		"POST /ingest/model-versions": {access: shared, action: "uploading data", what: "model versions", handle: d.handleIngestModelVersions},
		"POST /otlp/v1/traces":        {access: editor, action: "sending traces", handle: d.handleOTLPTraces},
		"POST /reprice":               {access: editor, action: "repricing", handle: d.handleReprice},
		"PUT /budgets":                {access: editor, action: "changing this", handle: d.handlePutBudget},
		"DELETE /budgets/{id}":        {access: editor, action: "changing this", handle: d.handleDeleteBudget},
		"POST /recommendations/state": {access: editor, action: "changing this", handle: d.handleRecommendationState},
	} {
		mux.Handle(pattern, d.guard(rt))
	}
	return httpadapter.New(emptyBodyIsNoBody(mux))
}

// guard is the one check every route passes before its handler runs, in this order:
// settings that do not load (400), a caller without the role (403), shared data on a
// data source bound to a tenant (403), a schema that cannot be made ready (the
// database's side, 502).
func (d *Datasource) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.settingsErr != nil {
			writeJSON(w, http.StatusBadRequest, apiError{d.settingsErr.Error()})
			return
		}
		if rt.access != anyone && !canWrite(r) {
			writeJSON(w, http.StatusForbidden, apiError{rt.action + " needs the Editor or Admin role"})
			return
		}
		if rt.access == shared && d.settings.Tenant != "" {
			writeJSON(w, http.StatusForbidden, apiError{fmt.Sprintf(
				"%s are shared by every tenant: this data source is bound to tenant %q, so upload them through one that is not", rt.what, d.settings.Tenant)})
			return
		}
		if err := d.ensureSchema(r.Context()); err != nil {
			d.writeError(w, err)
			return
		}
		rt.handle(w, r)
	})
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
	// the filters go through the same defaults and rules as a query's
	probe, err := query.Prepare(query.Query{QueryType: query.TypeBreakdown, Filters: filters}, query.Defaults{Currency: "USD"})
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	values, err := engine.DimensionValues(r.Context(), d.pool, dim, probe.Filters, query.Range{From: from, To: to}, d.env(), 1000)
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

// handleCurrencies lists the currencies a query can normalise to: the default
// currency and every currency with an FX rate.
func (d *Datasource) handleCurrencies(w http.ResponseWriter, r *http.Request) {
	d.writeStrings(w, r, `
		SELECT c FROM (SELECT base::text AS c FROM costlens.fx_rates UNION SELECT quote::text FROM costlens.fx_rates UNION SELECT $1) s
		ORDER BY c`, d.settings.DefaultCurrency)
}

type priceJSON struct {
	Provider         string  `json:"provider"`
	Model            string  `json:"model"`
	Pattern          bool    `json:"pattern"`
	UsageType        string  `json:"usageType"`
	ServiceTier      string  `json:"serviceTier"`
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
	rows, err := pricing.LoadRows(r.Context(), d.pool, true)
	if err != nil {
		d.writeError(w, err)
		return
	}
	out := make([]priceJSON, len(rows))
	for i, p := range rows {
		out[i] = priceJSON{Provider: p.Provider, Model: p.Model, Pattern: p.ModelIsPattern, UsageType: p.UsageType, ServiceTier: p.ServiceTier,
			UnitPrice: p.UnitPrice.String(), Unit: p.Unit, Currency: p.Currency, MinContextTokens: p.MinContextTokens,
			EffectiveFrom: p.EffectiveFrom.UTC().Format(time.RFC3339), Source: p.Source}
		if p.CheckedOn != nil {
			c := p.CheckedOn.Format(time.DateOnly)
			out[i].CheckedOn = &c
		}
	}
	writeJSON(w, http.StatusOK, out)
}

type unpricedJSON struct {
	Provider    string `json:"provider"`
	Model       string `json:"model"`
	ServiceTier string `json:"serviceTier"`
	Requests    int64  `json:"requests"`
	Hint        string `json:"hint"`
}

// handleUnpriced: GET unpriced?from=<ms>&to=<ms> lists the provider and model of the
// requests the price book left unpriced in the range (default: the last 7 days), most
// first, each with what would price it (pricing.Book.Hint: an alias or a reprice).
func (d *Datasource) handleUnpriced(w http.ResponseWriter, r *http.Request) {
	now := d.now().UTC()
	from, err := parseMillis(r, "from", now.AddDate(0, 0, -7))
	var to time.Time
	if err == nil {
		to, err = parseMillis(r, "to", now)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	// what the unpriced requests used tells what would price them (a tier's rates, a
	// cache-write price); a provider's cost line (no request, no tokens) has nothing to price
	rows, err := d.pool.Query(r.Context(), `SELECT provider, model, service_tier, sum(request_count),
			bool_or(cache_write_tokens > cache_write_1h_tokens), bool_or(cache_write_1h_tokens > 0)
		FROM costlens.cost_events
		WHERE ts >= $1 AND ts < $2 AND price_currency IS NULL
		  AND (request_count > 0 OR input_tokens + output_tokens + cached_input_tokens + cache_write_tokens > 0)
		GROUP BY 1, 2, 3 ORDER BY 4 DESC, provider COLLATE "C", model COLLATE "C", service_tier LIMIT 100`, from, to)
	if err != nil {
		d.writeError(w, err)
		return
	}
	out := []unpricedJSON{}
	var used []pricing.Used
	for rows.Next() {
		var u unpricedJSON
		var uu pricing.Used
		if err := rows.Scan(&u.Provider, &u.Model, &u.ServiceTier, &u.Requests, &uu.CacheWrites, &uu.CacheWrites1h); err != nil {
			rows.Close()
			d.writeError(w, err)
			return
		}
		uu.ServiceTier = u.ServiceTier
		out, used = append(out, u), append(used, uu)
	}
	if err := rows.Err(); err != nil {
		d.writeError(w, err)
		return
	}
	book, err := pricing.LoadBook(r.Context(), d.pool)
	if err != nil {
		d.writeError(w, err)
		return
	}
	for i := range out {
		out[i].Hint = book.Hint(out[i].Provider, out[i].Model, to, used[i])
	}
	writeJSON(w, http.StatusOK, out)
}
