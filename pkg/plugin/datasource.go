package plugin

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/store"
)

// PluginID is the nested data source's id.
const PluginID = "costlens-cost-datasource"

// Datasource is one configured Costlens data source instance.
type Datasource struct {
	settings    Settings
	settingsErr error
	pool        *pgxpool.Pool
	resources   backend.CallResourceHandler
	now         func() time.Time

	schemaMu    sync.Mutex
	schemaReady bool

	timeouts atomic.Int64 // queries stopped by the query timeout
}

var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ backend.CallResourceHandler   = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// NewDatasource builds an instance. Bad settings do not fail here: the instance keeps
// the error and reports it from the health check and every query, naming the setting.
func NewDatasource(ctx context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	d := &Datasource{now: time.Now}
	d.resources = newResourceHandler(d)
	d.settings, d.settingsErr = LoadSettings(s)
	if d.settingsErr != nil {
		return d, nil
	}
	pool, err := store.Open(ctx, d.settings.Connection())
	if err != nil {
		d.settingsErr = err
		return d, nil
	}
	d.pool = pool
	pools.add(d, s.UID)
	return d, nil
}

// Dispose closes the pool when Grafana replaces the instance after a settings change.
func (d *Datasource) Dispose() {
	pools.remove(d)
	if d.pool != nil {
		d.pool.Close()
	}
}

// ensureSchema applies migrations once per instance when the data source manages its schema.
func (d *Datasource) ensureSchema(ctx context.Context) error {
	if !d.settings.ManageSchema {
		return nil
	}
	d.schemaMu.Lock()
	defer d.schemaMu.Unlock()
	if d.schemaReady {
		return nil
	}
	if _, err := store.Migrate(ctx, d.pool); err != nil {
		return err
	}
	d.schemaReady = true
	return nil
}

func (d *Datasource) env() query.Env {
	env := query.Env{Location: d.settings.Location, Tenant: d.settings.Tenant, FXMaxAgeDays: d.settings.FXMaxAgeDays}
	if d.settings.IncompleteHours > 0 {
		env.IncompleteAfter = d.now().Add(-time.Duration(d.settings.IncompleteHours) * time.Hour).UTC()
	}
	return env
}

// QueryData answers each query on its own: one bad query gets its own error response
// and the others still run.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	for _, q := range req.Queries {
		resp.Responses[q.RefID] = d.query(ctx, q)
	}
	return resp, nil
}

func (d *Datasource) query(ctx context.Context, dq backend.DataQuery) backend.DataResponse {
	if d.settingsErr != nil {
		return backend.ErrorResponseWithErrorSource(backend.DownstreamError(d.settingsErr))
	}
	q, err := query.Parse(dq.JSON, query.Defaults{Currency: d.settings.DefaultCurrency})
	if err != nil {
		return backend.ErrorResponseWithErrorSource(backend.DownstreamError(err))
	}
	r := query.Range{From: dq.TimeRange.From, To: dq.TimeRange.To}
	if !r.From.Before(r.To) {
		return backend.ErrorResponseWithErrorSource(backend.DownstreamErrorf(
			"timeRange: from (%s) must be before to (%s)", r.From.UTC().Format(time.RFC3339), r.To.UTC().Format(time.RFC3339)))
	}
	if err := d.ensureSchema(ctx); err != nil {
		return d.errorResponse(err)
	}
	env := d.env()
	env.MaxDataPoints = dq.MaxDataPoints
	// one deadline for the wait for a connection and the query: a busy pool gives a
	// clear error after queryTimeoutSeconds instead of a request queued for minutes
	qctx, cancel := context.WithTimeout(ctx, d.settings.QueryTimeout())
	defer cancel()
	frames, err := Run(qctx, d.pool, q, r, dq.Interval, env)
	if err != nil && ctx.Err() == nil && errors.Is(qctx.Err(), context.DeadlineExceeded) {
		d.timeouts.Add(1)
		return backend.ErrorResponseWithErrorSource(backend.DownstreamError(d.timeoutError()))
	}
	if err != nil {
		return d.errorResponse(err)
	}
	if notice := q.IgnoredNotice(); notice != "" {
		for _, f := range frames {
			f.AppendNotices(data.Notice{Severity: data.NoticeSeverityInfo, Text: notice})
		}
	}
	return backend.DataResponse{Frames: frames}
}

// timeoutError says a query ran out of time, and whether it was queued on the pool.
func (d *Datasource) timeoutError() error {
	s := d.pool.Stat()
	busy := ""
	if s.AcquiredConns() >= s.MaxConns() {
		busy = fmt.Sprintf(" all %d connections were busy, so it may have waited for one;", s.MaxConns())
	}
	return fmt.Errorf("the query did not finish within %s (setting queryTimeoutSeconds):%s narrow the time range or filters, or raise maxConns or the timeout",
		d.settings.QueryTimeout(), busy)
}

// Run executes one validated query with its type's handler (query.Handlers, whose
// answers pkg/query/analytic fills in: this package imports it).
func Run(ctx context.Context, db query.DB, q query.Query, r query.Range, interval time.Duration, env query.Env) (data.Frames, error) {
	return query.Answer(ctx, db, q, r, interval, env)
}

// CallResource serves the editor's and template variables' lookups.
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	return d.resources.CallResource(ctx, req, sender)
}
