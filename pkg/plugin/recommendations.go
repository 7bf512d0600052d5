package plugin

import (
	"fmt"
	"net/http"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/costlens/costlens/pkg/query/analytic"
)

type recommendationStateJSON struct {
	ID     string `json:"id"`
	Action string `json:"action"` // dismiss, snooze or restore
	Until  string `json:"until"`  // RFC 3339, for snooze
	Note   string `json:"note"`
}

// handleRecommendationState: POST recommendations/state dismisses, snoozes or restores
// a recommendation by its stable id.
func (d *Datasource) handleRecommendationState(w http.ResponseWriter, r *http.Request) {
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
	var state string
	var until *time.Time
	switch in.Action {
	case "restore":
	case "dismiss":
		state = "dismissed"
	case "snooze":
		t, err := time.Parse(time.RFC3339, in.Until)
		if err != nil || !t.After(d.now()) {
			writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("until: %q is not a future RFC 3339 time", in.Until)})
			return
		}
		state, until = "snoozed", &t
	default:
		writeJSON(w, http.StatusBadRequest, apiError{fmt.Sprintf("action: %q is not dismiss, snooze or restore", in.Action)})
		return
	}
	if err := analytic.SetRecommendationState(r.Context(), d.pool, d.settings.Tenant, in.ID, state, until, in.Note, by); err != nil {
		d.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": in.ID, "action": in.Action})
}
