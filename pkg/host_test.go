package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	goplugin "github.com/hashicorp/go-plugin"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/costlens/costlens/pkg/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// pluginBinary is the executable under test: COSTLENS_PLUGIN_BINARY (CI points it at
// the one in dist/), else a fresh build of this package.
func pluginBinary(t *testing.T) string {
	if b := os.Getenv("COSTLENS_PLUGIN_BINARY"); b != "" {
		return b
	}
	bin := filepath.Join(t.TempDir(), "gpx_costlens_datasource")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type hostedPlugin struct {
	data        grpcplugin.DataClient
	diagnostics grpcplugin.DiagnosticsClient
	resource    grpcplugin.ResourceClient
}

// startPlugin launches the executable as Grafana does: go-plugin's handshake with the
// SDK's magic cookie, protocol version 2, gRPC, then dispenses the services.
func startPlugin(t *testing.T) hostedPlugin {
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]goplugin.PluginSet{grpcplugin.ProtocolVersion: {
			"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
			"resource":    &grpcplugin.ResourceGRPCPlugin{},
			"data":        &grpcplugin.DataGRPCPlugin{},
		}},
		Cmd:              exec.Command(pluginBinary(t)),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		StartTimeout:     30 * time.Second,
	})
	t.Cleanup(client.Kill)
	rpc, err := client.Client()
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	dispense := func(name string) any {
		raw, err := rpc.Dispense(name)
		if err != nil {
			t.Fatalf("dispense %s: %v", name, err)
		}
		return raw
	}
	return hostedPlugin{
		data:        dispense("data").(grpcplugin.DataClient),
		diagnostics: dispense("diagnostics").(grpcplugin.DiagnosticsClient),
		resource:    dispense("resource").(grpcplugin.ResourceClient),
	}
}

func pluginContext(t *testing.T, dbURL string) backend.PluginContext {
	cfg, err := pgconn.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	jd, _ := json.Marshal(map[string]any{"host": cfg.Host, "port": cfg.Port, "database": cfg.Database, "user": cfg.User, "sslMode": "disable"})
	return backend.PluginContext{
		OrgID:    1,
		PluginID: "costlens-cost-datasource",
		DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{
			ID: 1, UID: "costlens", Name: "Costlens", JSONData: jd, Updated: time.Now(),
			DecryptedSecureJSONData: map[string]string{"password": cfg.Password},
		},
	}
}

func TestPluginExecutableServesGrafanasProtocol(t *testing.T) {
	pool, dbURL := storetest.NewPool(t)
	storetest.SeedExample(t, pool)
	p := startPlugin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pc := pluginContext(t, dbURL)

	hres, err := p.diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: backend.ToProto().PluginContext(pc)})
	if err != nil {
		t.Fatal(err)
	}
	if hres.Status != pluginv2.CheckHealthResponse_OK {
		t.Fatalf("health %v: %s", hres.Status, hres.Message)
	}

	req := &backend.QueryDataRequest{PluginContext: pc, Queries: []backend.DataQuery{{
		RefID: "A", QueryType: "breakdown", Interval: time.Hour, MaxDataPoints: 100,
		TimeRange: backend.TimeRange{From: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)},
		JSON:      json.RawMessage(`{"queryType":"breakdown","metric":"cost","groupBy":["tenant"],"currency":"USD"}`),
	}}}
	qres, err := p.data.QueryData(ctx, backend.ToProto().QueryDataRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := backend.FromProto().QueryDataResponse(qres)
	if err != nil {
		t.Fatal(err)
	}
	a := resp.Responses["A"]
	if a.Error != nil {
		t.Fatal(a.Error)
	}
	f := a.Frames[0]
	got := map[string]string{}
	for r := 0; r < f.Rows(); r++ {
		got[f.Fields[0].At(r).(string)] = fmt.Sprintf("%.5f", *f.Fields[1].At(r).(*float64))
	}
	// acme: 0.0075 + 0.01 + 0.00225; globex: 0.012 + 0.01
	if len(got) != 2 || got["acme"] != "0.01975" || got["globex"] != "0.02200" {
		t.Fatalf("cost by tenant over gRPC: %v", got)
	}

	stream, err := p.resource.CallResource(ctx, backend.ToProto().CallResourceRequest(&backend.CallResourceRequest{
		PluginContext: pc, Method: "GET", Path: "values", URL: "values?dimension=provider&from=1772409600000&to=1773014400000",
	}))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if msg.Code != 200 || string(msg.Body) != "[\"alibaba\",\"anthropic\",\"openai\",\"selfhost\"]\n" {
		t.Fatalf("values resource: %d %q", msg.Code, msg.Body)
	}
}
