// Package plugin is the Costlens data source as Grafana sees it: instance settings,
// QueryData, CheckHealth and CallResource.
package plugin

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/costlens/costlens/pkg/fx"
	"github.com/costlens/costlens/pkg/ingest"
	"github.com/costlens/costlens/pkg/store"
)

// Settings is the data source's jsonData plus its decrypted secrets.
type Settings struct {
	Host            string `json:"host"`
	Port            int    `json:"port"`
	Database        string `json:"database"`
	User            string `json:"user"`
	SSLMode         string `json:"sslMode"`
	Tenant          string `json:"tenant"`
	DefaultCurrency string `json:"defaultCurrency"`
	TimeZone        string `json:"timeZone"`
	IncompleteHours int    `json:"incompleteHours"`
	// FXMaxAgeDays: an amount converted at a rate more days older than it is flagged
	// on the frame (weekends and holidays fall back 1-4 days; default 7).
	FXMaxAgeDays int `json:"fxMaxAgeDays"`
	// RetentionDays: events and billing lines older than this many days are refused
	// at intake (default ingest.DefaultRetentionDays).
	RetentionDays int `json:"retentionDays"`
	// QueryTimeoutSeconds bounds a query, its wait for a pooled connection included
	// (default 30).
	QueryTimeoutSeconds int `json:"queryTimeoutSeconds"`
	// OTLP receiver: the span or resource attributes a span's tenant, feature and user
	// come from (comma-separated, tried in order; defaults ingest.DefaultOTLPOptions),
	// and whether the instrumentation reports input tokens without the cached ones.
	OTLPTenantAttributes   string `json:"otlpTenantAttributes"`
	OTLPFeatureAttributes  string `json:"otlpFeatureAttributes"`
	OTLPUserAttributes     string `json:"otlpUserAttributes"`
	OTLPInputExcludesCache bool   `json:"otlpInputExcludesCache"`
	ManageSchema           bool   `json:"manageSchema"`
	MaxConns               int32  `json:"maxConns"`

	Password string         `json:"-"`
	Location *time.Location `json:"-"`
}

var sslModes = map[string]bool{"disable": true, "allow": true, "prefer": true, "require": true, "verify-ca": true, "verify-full": true}

// LoadSettings reads jsonData, applies defaults in one place, reads the password only
// from the decrypted secure data, and validates. Errors name the setting.
func LoadSettings(s backend.DataSourceInstanceSettings) (Settings, error) {
	st := Settings{}
	if len(s.JSONData) > 0 {
		if err := json.Unmarshal(s.JSONData, &st); err != nil {
			return Settings{}, fmt.Errorf("settings: invalid jsonData: %w", err)
		}
	}
	st.Password = s.DecryptedSecureJSONData["password"]
	if st.Host == "" {
		st.Host = "localhost"
	}
	if st.Port == 0 {
		st.Port = 5432
	}
	if st.Database == "" {
		st.Database = "costlens"
	}
	if st.User == "" {
		st.User = "costlens"
	}
	if st.SSLMode == "" {
		st.SSLMode = "prefer"
	}
	if st.DefaultCurrency == "" {
		st.DefaultCurrency = "USD"
	}
	if st.TimeZone == "" {
		st.TimeZone = "UTC"
	}
	if st.MaxConns == 0 {
		st.MaxConns = 8
	}
	if st.FXMaxAgeDays == 0 {
		st.FXMaxAgeDays = 7
	}
	if st.QueryTimeoutSeconds == 0 {
		st.QueryTimeoutSeconds = 30
	}
	if st.QueryTimeoutSeconds < 1 || st.QueryTimeoutSeconds > 600 {
		return Settings{}, fmt.Errorf("settings: queryTimeoutSeconds must be between 1 and 600, got %d", st.QueryTimeoutSeconds)
	}
	if st.RetentionDays == 0 {
		st.RetentionDays = ingest.DefaultRetentionDays
	}
	if st.RetentionDays < 1 || st.RetentionDays > ingest.MaxRetentionDays {
		return Settings{}, fmt.Errorf("settings: retentionDays must be between 1 and %d, got %d", ingest.MaxRetentionDays, st.RetentionDays)
	}
	if st.FXMaxAgeDays < 1 || st.FXMaxAgeDays > 366 {
		return Settings{}, fmt.Errorf("settings: fxMaxAgeDays must be between 1 and 366, got %d", st.FXMaxAgeDays)
	}
	if st.Port < 1 || st.Port > 65535 {
		return Settings{}, fmt.Errorf("settings: port %d is out of range 1-65535", st.Port)
	}
	if !sslModes[st.SSLMode] {
		return Settings{}, fmt.Errorf("settings: sslMode %q is not one of disable, allow, prefer, require, verify-ca, verify-full", st.SSLMode)
	}
	cur, err := fx.ParseCurrency("defaultCurrency", st.DefaultCurrency)
	if err != nil {
		return Settings{}, fmt.Errorf("settings: %w", err)
	}
	st.DefaultCurrency = cur
	if st.Location, err = time.LoadLocation(st.TimeZone); err != nil {
		return Settings{}, fmt.Errorf("settings: timeZone %q is not an IANA time zone", st.TimeZone)
	}
	if st.IncompleteHours < 0 || st.IncompleteHours > 168 {
		return Settings{}, fmt.Errorf("settings: incompleteHours must be between 0 and 168, got %d", st.IncompleteHours)
	}
	if st.MaxConns < 1 || st.MaxConns > 100 {
		return Settings{}, fmt.Errorf("settings: maxConns must be between 1 and 100, got %d", st.MaxConns)
	}
	for _, f := range []struct{ name, v string }{{"otlpTenantAttributes", st.OTLPTenantAttributes},
		{"otlpFeatureAttributes", st.OTLPFeatureAttributes}, {"otlpUserAttributes", st.OTLPUserAttributes}} {
		if _, err := ingest.AttributeKeys(f.v, nil); err != nil {
			return Settings{}, fmt.Errorf("settings: %s: %w", f.name, err)
		}
	}
	return st, nil
}

// OTLPOptions are how the OTLP receiver maps spans under these settings.
func (s Settings) OTLPOptions() ingest.OTLPOptions {
	d := ingest.DefaultOTLPOptions
	o := ingest.OTLPOptions{InputExcludesCache: s.OTLPInputExcludesCache}
	o.TenantKeys, _ = ingest.AttributeKeys(s.OTLPTenantAttributes, d.TenantKeys)
	o.FeatureKeys, _ = ingest.AttributeKeys(s.OTLPFeatureAttributes, d.FeatureKeys)
	o.UserKeys, _ = ingest.AttributeKeys(s.OTLPUserAttributes, d.UserKeys)
	return o
}

// QueryTimeout is how long one query may take, waiting for a connection included.
func (s Settings) QueryTimeout() time.Duration {
	return time.Duration(s.QueryTimeoutSeconds) * time.Second
}

// Connection is how the store opens the pool.
func (s Settings) Connection() store.Connection {
	return store.Connection{
		Host: s.Host, Port: s.Port, Database: s.Database, User: s.User, Password: s.Password,
		SSLMode: s.SSLMode, Tenant: s.Tenant, MaxConns: s.MaxConns,
	}
}
