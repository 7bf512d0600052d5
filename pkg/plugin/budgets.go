package plugin

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/costlens/costlens/pkg/query/analytic"
)

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
	bs, err := analytic.LoadBudgets(r.Context(), d.pool, d.settings.Tenant)
	if err != nil {
		d.writeError(w, err)
		return
	}
	if bs == nil {
		bs = []analytic.Budget{}
	}
	writeJSON(w, http.StatusOK, bs)
}

// handlePutBudget: PUT budgets creates or replaces the budget of a scope and period.
func (d *Datasource) handlePutBudget(w http.ResponseWriter, r *http.Request) {
	var b analytic.Budget
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
	if err := analytic.ValidateBudget(&b); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
		return
	}
	if err := analytic.SaveBudget(r.Context(), d.pool, &b); err != nil {
		d.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

// handleDeleteBudget: DELETE budgets/{id}.
func (d *Datasource) handleDeleteBudget(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("id: %q is not a budget id", r.PathValue("id"))})
		return
	}
	found, err := analytic.DeleteBudget(r.Context(), d.pool, id, d.settings.Tenant)
	if err != nil {
		d.writeError(w, err)
		return
	}
	if !found {
		writeJSON(w, http.StatusNotFound, apiError{fmt.Sprintf("id: no budget %d", id)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]int64{"deleted": id})
}
