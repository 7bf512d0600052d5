package plugin

import (
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

func TestLoadSettingsDefaults(t *testing.T) {
	s, err := LoadSettings(backend.DataSourceInstanceSettings{
		JSONData:                []byte(`{"host":"db.internal"}`),
		DecryptedSecureJSONData: map[string]string{"password": "s3cret"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Host != "db.internal" || s.Port != 5432 || s.Database != "costlens" || s.User != "costlens" ||
		s.SSLMode != "prefer" || s.DefaultCurrency != "USD" || s.TimeZone != "UTC" || s.MaxConns != 8 || s.Password != "s3cret" {
		t.Fatalf("defaults: %+v", s)
	}
	if s.Location.String() != "UTC" {
		t.Fatalf("location %s", s.Location)
	}
}

func TestLoadSettingsReadsThePasswordOnlyFromSecureData(t *testing.T) {
	s, err := LoadSettings(backend.DataSourceInstanceSettings{JSONData: []byte(`{"password":"leaked"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if s.Password != "" {
		t.Fatalf("password read from jsonData: %q", s.Password)
	}
}

func TestLoadSettingsRejectsBadValuesNamingTheSetting(t *testing.T) {
	cases := map[string]string{
		`{"port":70000}`:                                     "settings: port 70000 is out of range 1-65535",
		`{"sslMode":"sometimes"}`:                            `settings: sslMode "sometimes" is not one of disable, allow, prefer, require, verify-ca, verify-full`,
		`{"defaultCurrency":"XYZ"}`:                          `settings: defaultCurrency: "XYZ" is not an ISO-4217 currency code`,
		`{"timeZone":"Mars/Olympus"}`:                        `settings: timeZone "Mars/Olympus" is not an IANA time zone`,
		`{"incompleteHours":-2}`:                             "settings: incompleteHours must be between 0 and 168, got -2",
		`{"maxConns":500}`:                                   "settings: maxConns must be between 1 and 100, got 500",
		`{"port":"5432"}`:                                    "settings: invalid jsonData: json: cannot unmarshal string into Go struct field Settings.port of type int",
		`{"otlpUserAttributes":"enduser.id, app\u200buser"}`: `settings: otlpUserAttributes: attribute key "app\u200buser" holds the invisible character U+200B at byte 3`,
	}
	for raw, want := range cases {
		_, err := LoadSettings(backend.DataSourceInstanceSettings{JSONData: []byte(raw)})
		if err == nil || err.Error() != want {
			t.Errorf("%s\n got %v\nwant %s", raw, err, want)
		}
	}
}
