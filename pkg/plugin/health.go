package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/costlens/costlens/pkg/store"
)

// CheckHealth says, in words a user can act on, whether Costlens can answer queries:
// bad settings, host unreachable, authentication, missing database, missing or old
// schema; when healthy, the schema version, row counts and the newest event.
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	fail := func(msg string) (*backend.CheckHealthResult, error) {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: msg}, nil
	}
	if d.settingsErr != nil {
		return fail(d.settingsErr.Error())
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.pool.Ping(ctx); err != nil {
		return fail(describeDBError(d.settings, err))
	}
	if err := d.ensureSchema(ctx); err != nil {
		return fail("applying the costlens schema failed: " + describeDBError(d.settings, err))
	}
	version, err := store.SchemaVersion(ctx, d.pool)
	if err != nil {
		return fail(describeDBError(d.settings, err))
	}
	want := store.LatestVersion()
	switch {
	case version == 0:
		return fail("connected, but the costlens schema is missing: enable \"Manage schema\" in these settings or apply the migrations")
	case version < want:
		return fail(fmt.Sprintf("connected, but the costlens schema is at version %d and this plugin needs %d: enable \"Manage schema\" or apply the newer migrations", version, want))
	case version > want:
		return fail(fmt.Sprintf("the costlens schema is at version %d, newer than this plugin's %d: upgrade the plugin", version, want))
	}
	login, err := store.LoginTenant(ctx, d.pool)
	if err != nil {
		return fail(describeDBError(d.settings, err))
	}
	if login != "" && login != d.settings.Tenant {
		// the login decides what is visible; a data source that believes otherwise would
		// show nothing (another tenant) or refuse uploads it thinks it may take (none)
		return fail(fmt.Sprintf("the database login %s is bound to tenant %q (costlens.tenant_logins), but this data source's tenant is %q: set Tenant to %q",
			d.settings.User, login, d.settings.Tenant, login))
	}
	if d.settings.Tenant != "" {
		user, why, err := store.RLSBypass(ctx, d.pool)
		if err != nil {
			return fail(describeDBError(d.settings, err))
		}
		if why != "" {
			return fail(fmt.Sprintf("bound to tenant %q, but tenant isolation is not enforced: user %s %s, and row-level security does not apply to it; connect as a role with NOSUPERUSER NOBYPASSRLS (README: Use your own PostgreSQL)",
				d.settings.Tenant, user, why))
		}
	}
	stats, err := store.ReadStats(ctx, d.pool, d.settings.Tenant)
	if err != nil {
		return fail(describeDBError(d.settings, err))
	}
	msg := fmt.Sprintf("Connected to %s:%d/%s, schema version %d: %d events, %d billing line items, %d prices, %d FX rates",
		d.settings.Host, d.settings.Port, d.settings.Database, version, stats.Events, stats.LineItems, stats.Prices, stats.FXRates)
	if stats.NewestEvent != nil {
		msg += ", newest event " + stats.NewestEvent.UTC().Format(time.RFC3339)
	} else {
		msg += ", no events yet"
	}
	if d.settings.Tenant != "" {
		msg += fmt.Sprintf(" (tenant %q)", d.settings.Tenant)
	}
	newest, err := store.NewestRates(ctx, d.pool)
	if err != nil {
		return fail(describeDBError(d.settings, err))
	}
	details, _ := json.Marshal(map[string]any{"pool": poolStats(d.pool, &d.timeouts), "newestFXRate": newest})
	return &backend.CheckHealthResult{Status: backend.HealthStatusOk, Message: msg, JSONDetails: details}, nil
}
