package analytic

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/allocation"
	"github.com/costlens/costlens/pkg/fx"
	"github.com/costlens/costlens/pkg/modelversion"
	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/query/engine"
)

// Thresholds of the recommendations (DESIGN: utilisation under 40 %, batch efficiency
// under 0.4); a right-sized resource is planned to run at 60 % utilisation. Between
// 40 and 50 % a resource is offered as worth reviewing, the product's second tier.
const (
	rightSizeUnder  = 0.40
	reviewSizeUnder = 0.50
	batchUnder      = 0.40
	rightSizeTarget = 0.60
	// weightHeadroom is memory beyond the weights a served model needs (KV cache,
	// activations, runtime): a version is never sized below weights x this.
	weightHeadroom = 1.2
)

// gpuMemoryGB is the memory of one GPU of each type, for the weight-memory floor.
var gpuMemoryGB = map[string]float64{
	"A100": 80, "A100-40G": 40, "H100": 80, "H200": 141, "B200": 192, "L40S": 48, "L4": 24,
	"A10": 24, "A10G": 24, "T4": 16, "V100": 32,
}

// Recommendation is one thing to switch off or change, with its evidence and the
// monthly saving it is estimated to bring, in the query's currency.
type Recommendation struct {
	ID            string // stable: kind/resource[/model version]
	Kind          string // delete, right_size, batching
	Resource      string
	ModelVersion  string
	Action        string
	Evidence      string
	MonthlySaving decimal.Decimal
	Utilisation   *float64
	State         string // "", dismissed, snoozed
	Until         *time.Time
}

type resourceUse struct {
	id, provider, instanceType string
	billed                     decimal.Decimal // in the query currency, over the window
	billedOriginal             map[string]decimal.Decimal
	capacity, used             decimal.Decimal // GPU-seconds
	lines                      int
	hours                      float64
	versions                   map[string]decimal.Decimal // allocated cost by model version
}

// Recommendations looks at the last idleDays days before the end of the range.
func Recommendations(ctx context.Context, db query.DB, q query.Query, r query.Range, env query.Env) ([]Recommendation, error) {
	days := q.IdleDays
	from := r.To.AddDate(0, 0, -days)
	lines, err := allocation.Allocate(ctx, db, from, r.To)
	if err != nil {
		return nil, err
	}
	resources := map[string]*resourceUse{}
	var order []string
	// one rate table for the window: the lines' days and the day list prices convert on
	rates := fx.NewTable(nil)
	if len(lines) > 0 {
		if rates, err = engine.LoadRates(ctx, db, lines[0].PeriodStart.AddDate(0, 0, -1), r.To); err != nil {
			return nil, err
		}
		for _, a := range lines {
			if !a.Owned {
				continue // a resource is the owner's to change; a tenant charged on it is not
			}
			ru := resources[a.ResourceID]
			if ru == nil {
				ru = &resourceUse{id: a.ResourceID, provider: a.Provider, instanceType: a.ResourceType,
					billedOriginal: map[string]decimal.Decimal{}, versions: map[string]decimal.Decimal{}}
				resources[a.ResourceID] = ru
				order = append(order, a.ResourceID)
			}
			lt := a.PeriodStart.In(env.Location)
			day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC)
			cost, err := rates.Convert(a.BilledCost, a.Currency, q.Currency, day)
			if err != nil {
				return nil, err
			}
			ru.billed = ru.billed.Add(cost)
			ru.billedOriginal[a.Currency] = ru.billedOriginal[a.Currency].Add(a.BilledCost)
			ru.capacity = ru.capacity.Add(a.CapacityGPUSeconds)
			ru.used = ru.used.Add(a.UsedGPUSeconds)
			ru.lines++
			ru.hours += a.PeriodEnd.Sub(a.PeriodStart).Hours()
			for _, s := range a.AllShares {
				if s.ModelVersion != allocation.Idle {
					c, err := rates.Convert(s.Cost, a.Currency, q.Currency, day)
					if err != nil {
						return nil, err
					}
					ru.versions[s.ModelVersion] = ru.versions[s.ModelVersion].Add(c)
				}
			}
		}
	}
	deployed, err := deployedVersions(ctx, db)
	if err != nil {
		return nil, err
	}
	last, err := lastRequests(ctx, db, env)
	if err != nil {
		return nil, err
	}
	monthly := func(d decimal.Decimal) decimal.Decimal {
		return d.Mul(decimal.NewFromInt(30)).DivRound(decimal.NewFromInt(int64(days)), 2)
	}
	var recs []Recommendation
	for _, id := range order {
		ru := resources[id]
		// delete: every version deployed on the resource went quiet, and it is still billed
		var versions []string
		if d := deployed[id]; d != nil {
			versions = d.versions
		}
		var quiet []string
		for _, v := range versions {
			if t, ok := last[v]; !ok || t.Before(from) {
				quiet = append(quiet, v)
			}
		}
		if len(versions) > 0 && len(quiet) == len(versions) && len(ru.versions) == 0 && ru.billed.IsPositive() {
			for _, v := range quiet {
				since := "no requests on record"
				if t, ok := last[v]; ok {
					since = fmt.Sprintf("no requests since %s (%d days)", t.In(env.Location).Format(time.DateOnly), int(r.To.Sub(t).Hours()/24))
				}
				recs = append(recs, Recommendation{ID: "delete/" + id + "/" + v, Kind: "delete", Resource: id, ModelVersion: v,
					Action:        fmt.Sprintf("Delete %s and release %s", v, id),
					Evidence:      fmt.Sprintf("%s; %s billed %s in the last %d days", since, id, describeAmounts(ru.billedOriginal), days),
					MonthlySaving: monthly(ru.billed).DivRound(decimal.NewFromInt(int64(len(quiet))), 2)})
			}
			continue
		}
		// right-size: GPUs mostly idle, never below what the weights need in memory
		if ru.capacity.IsPositive() {
			util := ru.used.Div(ru.capacity).InexactFloat64()
			needed := util / rightSizeTarget
			floor, why := weightFloor(deployed[id])
			if util < reviewSizeUnder && max(needed, floor) < 1 {
				verb := "Right-size"
				if util >= rightSizeUnder {
					verb = "Consider right-sizing" // the 40-50 % tier
				}
				share := max(needed, floor)
				saving := monthly(ru.billed).Mul(decimal.NewFromFloat(1 - share)).Round(2)
				action := fmt.Sprintf("%s %s: it needs about %.0f %% of its GPU capacity", verb, id, 100*share)
				if smaller, price, ok, err := smallerInstance(ctx, db, rates, ru, share, q.Currency, r.To, env); err != nil {
					return nil, err
				} else if ok && ru.hours > 0 {
					// the billed hours at the smaller type's list price instead
					hourly := ru.billed.Div(decimal.NewFromFloat(ru.hours))
					saving = decimal.Max(decimal.Zero, monthly(ru.billed).Mul(decimal.NewFromInt(1).Sub(price.DivRound(hourly, 12)))).Round(2)
					action = fmt.Sprintf("%s: move %s from %s to %s (%s %s an hour)", verb, id, ru.instanceType, smaller, price.StringFixed(2), q.Currency)
				}
				evidence := fmt.Sprintf("GPU utilisation %.1f %% over the last %d days (%s of %s GPU-hours used); billed %s",
					100*util, days, ru.used.Div(decimal.NewFromInt(3600)).StringFixed(1), ru.capacity.Div(decimal.NewFromInt(3600)).StringFixed(0),
					describeAmounts(ru.billedOriginal))
				if floor > needed {
					evidence += fmt.Sprintf("; sized to the weights' memory, %.0f %%: %s", 100*floor, why)
				}
				u := util
				recs = append(recs, Recommendation{ID: "right_size/" + id, Kind: "right_size", Resource: id,
					ModelVersion: strings.Join(sortedKeys(ru.versions), ", "), Action: action, Utilisation: &u,
					Evidence: evidence, MonthlySaving: saving})
			}
		}
	}
	// batching: self-hosted versions whose requests fill little of their batches
	batch, err := batchEfficiency(ctx, db, query.Range{From: from, To: r.To}, env)
	if err != nil {
		return nil, err
	}
	for _, id := range order {
		ru := resources[id]
		for _, v := range sortedKeys(ru.versions) {
			eff, ok := batch[v]
			if !ok || eff >= batchUnder {
				continue
			}
			saving := monthly(ru.versions[v]).Mul(decimal.NewFromFloat(1 - eff/batchUnder)).Round(2)
			e := eff
			recs = append(recs, Recommendation{ID: "batching/" + id + "/" + v, Kind: "batching", Resource: id, ModelVersion: v,
				Action:        fmt.Sprintf("Enable or enlarge batching for %s", v),
				Evidence:      fmt.Sprintf("batch efficiency %.2f over the last %d days (batches %.0f %% full)", eff, days, 100*eff),
				MonthlySaving: saving, Utilisation: &e})
		}
	}
	if err := applyStates(ctx, db, env, recs); err != nil {
		return nil, err
	}
	var kept []Recommendation
	for _, rec := range recs {
		if !q.IncludeDismissed && (rec.State == "dismissed" || (rec.State == "snoozed" && rec.Until.After(r.To))) {
			continue
		}
		if engine.Passes(q.Filters, engine.Everywhere(map[string]string{"kind": rec.Kind, "resource": rec.Resource, "model_version": rec.ModelVersion})) {
			kept = append(kept, rec)
		}
	}
	sort.SliceStable(kept, func(i, j int) bool {
		if c := kept[i].MonthlySaving.Cmp(kept[j].MonthlySaving); c != 0 {
			return c > 0
		}
		return kept[i].ID < kept[j].ID
	})
	return kept, nil
}

func sortedKeys(m map[string]decimal.Decimal) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func describeAmounts(m map[string]decimal.Decimal) string {
	var parts []string
	for _, c := range sortedKeys(m) {
		parts = append(parts, m[c].StringFixed(2)+" "+c)
	}
	return strings.Join(parts, " + ")
}

// deployment is what model_versions says runs on a resource.
type deployment struct {
	versions []string
	gpus     float64
	gpuType  string
}

// deployedVersions maps each resource to the model versions deployed on it and its GPUs.
func deployedVersions(ctx context.Context, db query.DB) (map[string]*deployment, error) {
	rows, err := db.Query(ctx, `SELECT resource_id, model_version, gpus::float8, gpu_type FROM costlens.model_versions
		WHERE resource_id <> '' AND retired_at IS NULL ORDER BY 1, 2`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*deployment{}
	for rows.Next() {
		var res, mv, gpuType string
		var gpus float64
		if err := rows.Scan(&res, &mv, &gpus, &gpuType); err != nil {
			return nil, err
		}
		d := out[res]
		if d == nil {
			d = &deployment{}
			out[res] = d
		}
		d.versions = append(d.versions, mv)
		d.gpus, d.gpuType = max(d.gpus, gpus), gpuType
	}
	return out, rows.Err()
}

// weightFloor is the share of a resource's GPU memory the largest version deployed
// on it needs for its weights (with headroom); 0 when the names or the GPU type do
// not say, so no floor is known.
func weightFloor(d *deployment) (floor float64, why string) {
	if d == nil || d.gpus <= 0 {
		return 0, ""
	}
	perGPU, ok := gpuMemoryGB[d.gpuType]
	if !ok {
		return 0, ""
	}
	for _, v := range d.versions {
		p := modelversion.Parse(v)
		bytes, ok := p.WeightBytes()
		if !ok {
			continue
		}
		if f := bytes * weightHeadroom / (d.gpus * perGPU * 1e9); f > floor {
			q := p.Quantization
			if q == "" {
				q = "16-bit"
			}
			floor = f
			why = fmt.Sprintf("%s weights (%s, %s) need %.0f GB with headroom of %.0f x %.0f GB", v, p.Size, q,
				bytes*weightHeadroom/1e9, d.gpus, perGPU)
		}
	}
	return floor, why
}

// lastRequests is each model version's latest request.
func lastRequests(ctx context.Context, db query.DB, env query.Env) (map[string]time.Time, error) {
	// the last day with traffic from the daily summary, then the last request of that day
	// from the events (an index range per version), not a scan of every event
	rows, err := db.Query(ctx, `SELECT d.model_version,
		(SELECT max(e.ts) FROM costlens.cost_events e WHERE e.model_version = d.model_version
		 AND e.ts >= d.last AND e.ts < d.last + interval '1 day' AND ($1 = '' OR e.tenant = $1))
		FROM (SELECT model_version, max(day)::timestamp AT TIME ZONE 'UTC' AS last FROM costlens.cost_daily
		      WHERE ($1 = '' OR tenant = $1) GROUP BY model_version) d`, env.Tenant)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var mv string
		var t time.Time
		if err := rows.Scan(&mv, &t); err != nil {
			return nil, err
		}
		out[mv] = t
	}
	return out, rows.Err()
}

func batchEfficiency(ctx context.Context, db query.DB, r query.Range, env query.Env) (map[string]float64, error) {
	sql, args := planKPI(nil, r, env)
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var mv string
		var p99, eff *float64
		if err := rows.Scan(&mv, &p99, &eff); err != nil {
			return nil, err
		}
		if eff != nil {
			out[mv] = *eff
		}
	}
	return out, rows.Err()
}

// smallerInstance finds, through unit_conversions (A100-hour equivalents per
// instance-hour) and the price book's instance-hour list prices, the cheapest
// instance type with at least share of the current one's capacity.
func smallerInstance(ctx context.Context, db query.DB, rates *fx.Table, ru *resourceUse, share float64, currency string, at time.Time, env query.Env) (string, decimal.Decimal, bool, error) {
	if ru.instanceType == "" {
		return "", decimal.Zero, false, nil
	}
	rows, err := db.Query(ctx, `
		WITH cur AS (SELECT factor FROM costlens.unit_conversions
		             WHERE from_unit = 'instance-hour' AND to_unit = 'a100-hour' AND subject = $1)
		SELECT uc.subject, pb.unit_price::text, pb.currency::text
		FROM costlens.unit_conversions uc, cur, costlens.price_book pb
		WHERE uc.from_unit = 'instance-hour' AND uc.to_unit = 'a100-hour' AND uc.subject <> $1
		  AND uc.factor < cur.factor AND uc.factor >= cur.factor * $2::numeric
		  AND pb.usage_type = 'instance_hour' AND pb.model = uc.subject
		  AND pb.effective_from <= $3 AND (pb.effective_to IS NULL OR pb.effective_to > $3)
		ORDER BY pb.unit_price`, ru.instanceType, fmt.Sprintf("%.6f", share), at)
	if err != nil {
		return "", decimal.Zero, false, err
	}
	type option struct {
		subject, price, currency string
	}
	var opts []option
	for rows.Next() {
		var o option
		if err := rows.Scan(&o.subject, &o.price, &o.currency); err != nil {
			rows.Close()
			return "", decimal.Zero, false, err
		}
		opts = append(opts, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(opts) == 0 {
		return "", decimal.Zero, false, err
	}
	lt := at.In(env.Location)
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC)
	price, err := rates.Convert(decimal.RequireFromString(opts[0].price), opts[0].currency, currency, day)
	if err != nil {
		return "", decimal.Zero, false, err
	}
	return opts[0].subject, price, true, nil
}

// SetRecommendationState records that a tenant's recommendation id was dismissed
// (state "dismissed") or snoozed until a time ("snoozed"), by whom and why; state ""
// restores it (the stored state is removed).
func SetRecommendationState(ctx context.Context, db query.DB, tenant, id, state string, until *time.Time, note, by string) error {
	var rows pgx.Rows
	var err error
	if state == "" {
		rows, err = db.Query(ctx, `DELETE FROM costlens.recommendation_states WHERE tenant = $1 AND id = $2`, tenant, id)
	} else {
		rows, err = db.Query(ctx, `INSERT INTO costlens.recommendation_states (tenant, id, state, until, note, updated_by)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (tenant, id) DO UPDATE SET state = EXCLUDED.state, until = EXCLUDED.until, note = EXCLUDED.note,
				updated_by = EXCLUDED.updated_by, updated_at = now()`, tenant, id, state, until, note, by)
	}
	if err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}

// applyStates marks each recommendation with its stored dismissal or snooze.
func applyStates(ctx context.Context, db query.DB, env query.Env, recs []Recommendation) error {
	rows, err := db.Query(ctx, `SELECT id, state, until FROM costlens.recommendation_states WHERE tenant = $1`, env.Tenant)
	if err != nil {
		return err
	}
	defer rows.Close()
	states := map[string]Recommendation{}
	for rows.Next() {
		var id, state string
		var until *time.Time
		if err := rows.Scan(&id, &state, &until); err != nil {
			return err
		}
		states[id] = Recommendation{State: state, Until: until}
	}
	for i := range recs {
		if s, ok := states[recs[i].ID]; ok {
			recs[i].State, recs[i].Until = s.State, s.Until
		}
	}
	return rows.Err()
}

// RecommendationFrame lays recommendations out largest saving first.
func RecommendationFrame(q query.Query, recs []Recommendation, env query.Env) *data.Frame {
	text := []engine.TextColumn{{Key: "id", Label: "Id"}, {Key: "kind", Label: "Kind"}, {Key: "resource", Label: "Resource"},
		{Key: "model_version", Label: "Model version"}, {Key: "action", Label: "Action"}, {Key: "evidence", Label: "Evidence"},
		{Key: "state", Label: "State"}}
	nums := []engine.NumColumn{{Key: "monthly_saving"}}
	for _, r := range recs {
		state := r.State
		if r.State == "snoozed" && r.Until != nil {
			state = "snoozed until " + r.Until.In(env.Location).Format(time.DateOnly)
		}
		for i, v := range []string{r.ID, r.Kind, r.Resource, r.ModelVersion, r.Action, r.Evidence, state} {
			text[i].Values = append(text[i].Values, v)
		}
		nums[0].Values = append(nums[0].Values, engine.DecimalValue(r.MonthlySaving))
	}
	if q.Output == "alert" {
		text = text[:4]
	}
	return engine.Table("recommendations", q, q.Currency, text, nums)
}
