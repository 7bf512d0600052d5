package plugin

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/costlens/costlens/pkg/query"
)

// canEdit checks the role for a change made from the app (budgets, dismissals).
func (d *Datasource) canEdit(w http.ResponseWriter, r *http.Request) bool {
	if d.settingsErr == nil && !canWrite(r) {
		writeJSON(w, http.StatusForbidden, apiError{"changing this needs the Editor or Admin role"})
		return false
	}
	return d.ready(w, r)
}

// readJSON decodes a small JSON body strictly, naming the problem.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		msg := "body: " + err.Error()
		if err == io.EOF {
			msg = "body: empty: send a JSON object"
		}
		writeJSON(w, http.StatusBadRequest, apiError{msg})
		return false
	}
	return true
}

// handleBudgets: GET budgets lists the budgets this data source sees.
func (d *Datasource) handleBudgets(w http.ResponseWriter, r *http.Request) {
	if !d.ready(w, r) {
		return
	}
	bs, err := query.LoadBudgets(r.Context(), d.pool, d.settings.Tenant)
	if err != nil {
		d.writeError(w, err)
		return
	}
	if bs == nil {
		bs = []query.Budget{}
	}
	writeJSON(w, http.StatusOK, bs)
}

// handlePutBudget: PUT budgets creates or replaces the budget of a scope and period.
func (d *Datasource) handlePutBudget(w http.ResponseWriter, r *http.Request) {
	if !d.canEdit(w, r) {
		return
	}
	var b query.Budget
	if !readJSON(w, r, &b) {
		return
	}
	if d.settings.Tenant != "" {
		if b.Tenant != "" && b.Tenant != d.settings.Tenant {
			writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("tenant: %q is not this data source's tenant %q", b.Tenant, d.settings.Tenant)})
			return
		}
		b.Tenant = d.settings.Tenant
	}
	if err := query.ValidateBudget(&b); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	err := d.pool.QueryRow(r.Context(), `INSERT INTO costlens.budgets (tenant, scope_dimension, scope_value, period, amount, currency)
		VALUES ($1, $2, $3, $4, $5::numeric, $6)
		ON CONFLICT (tenant, scope_dimension, scope_value, period) DO UPDATE SET amount = EXCLUDED.amount, currency = EXCLUDED.currency
		RETURNING id`, b.Tenant, b.ScopeDimension, b.ScopeValue, b.Period, b.Amount.String(), b.Currency).Scan(&b.ID)
	if err != nil {
		d.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

// handleDeleteBudget: DELETE budgets/{id}.
func (d *Datasource) handleDeleteBudget(w http.ResponseWriter, r *http.Request) {
	if !d.canEdit(w, r) {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("id: %q is not a budget id", r.PathValue("id"))})
		return
	}
	tag, err := d.pool.Exec(r.Context(), `DELETE FROM costlens.budgets WHERE id = $1 AND ($2 = '' OR tenant = $2)`, id, d.settings.Tenant)
	if err != nil {
		d.writeError(w, err)
		return
	}
	if tag.RowsAffected() == 0 {
		writeJSON(w, http.StatusNotFound, apiError{fmt.Sprintf("id: no budget %d", id)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]int64{"deleted": id})
}

type recommendationStateJSON struct {
	ID     string `json:"id"`
	Action string `json:"action"` // dismiss, snooze or restore
	Until  string `json:"until"`  // RFC 3339, for snooze
	Note   string `json:"note"`
}

// handleRecommendationState: POST recommendations/state dismisses, snoozes or restores
// a recommendation by its stable id.
func (d *Datasource) handleRecommendationState(w http.ResponseWriter, r *http.Request) {
	if !d.canEdit(w, r) {
		return
	}
	var in recommendationStateJSON
	if !readJSON(w, r, &in) {
		return
	}
	if in.ID == "" || len(in.ID) > 500 {
		writeJSON(w, http.StatusBadRequest, apiError{"id: is required (the recommendation's id column)"})
		return
	}
	by := ""
	if u := backend.UserFromContext(r.Context()); u != nil {
		by = u.Login
	}
	var err error
	switch in.Action {
	case "restore":
		_, err = d.pool.Exec(r.Context(), `DELETE FROM costlens.recommendation_states WHERE tenant = $1 AND id = $2`, d.settings.Tenant, in.ID)
	case "dismiss", "snooze":
		var until *time.Time
		state := "dismissed"
		if in.Action == "snooze" {
			t, perr := time.Parse(time.RFC3339, in.Until)
			if perr != nil || !t.After(d.now()) {
				writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("until: %q is not a future RFC 3339 time", in.Until)})
				return
			}
			until, state = &t, "snoozed"
		}
		_, err = d.pool.Exec(r.Context(), `INSERT INTO costlens.recommendation_states (tenant, id, state, until, note, updated_by)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (tenant, id) DO UPDATE SET state = EXCLUDED.state, until = EXCLUDED.until, note = EXCLUDED.note,
				updated_by = EXCLUDED.updated_by, updated_at = now()`, d.settings.Tenant, in.ID, state, until, in.Note, by)
	default:
		writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("action: %q is not dismiss, snooze or restore", in.Action)})
		return
	}
	if err != nil {
		d.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": in.ID, "action": in.Action})
}
