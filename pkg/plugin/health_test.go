package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/costlens/costlens/pkg/store"
	"github.com/costlens/costlens/pkg/store/storetest"
)

func health(t *testing.T, d *Datasource) *backend.CheckHealthResult {
	t.Helper()
	res, err := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func assertHealth(t *testing.T, res *backend.CheckHealthResult, status backend.HealthStatus, message string) {
	t.Helper()
	if res.Status != status || res.Message != message {
		t.Errorf("health = %v %q\n          want %v %q", res.Status, res.Message, status, message)
	}
}

func TestHealthOKReportsVersionCountsAndNewestEvent(t *testing.T) {
	pool, dbURL := storetest.NewPool(t)
	storetest.SeedExample(t, pool)
	s := instanceSettings(t, dbURL, nil)
	cfg, _ := pgconn.ParseConfig(dbURL)
	assertHealth(t, health(t, newInstance(t, s)), backend.HealthStatusOk, fmt.Sprintf(
		"Connected to %s:%d/%s, schema version %d: 6 events, 0 billing line items, 0 prices, 4 FX rates, newest event 2026-03-07T12:00:00Z",
		cfg.Host, cfg.Port, cfg.Database, store.LatestVersion()))

	// the newest FX rate of each currency, for a feed that stopped
	var details struct {
		NewestFXRate map[string]string `json:"newestFXRate"`
	}
	if err := json.Unmarshal(health(t, newInstance(t, s)).JSONDetails, &details); err != nil {
		t.Fatal(err)
	}
	// the fixture: USD/CNY on 2, 6 and 9 March, EUR/USD on 2 March
	if got := fmt.Sprint(details.NewestFXRate); got != "map[CNY:2026-03-09 EUR:2026-03-02 USD:2026-03-09]" {
		t.Errorf("newest FX rates %s", got)
	}

	bound := instanceSettings(t, dbURL, map[string]any{"tenant": "globex"})
	res := health(t, newInstance(t, bound))
	if !strings.Contains(res.Message, ": 2 events,") || !strings.HasSuffix(res.Message, `newest event 2026-03-07T12:00:00Z (tenant "globex")`) {
		t.Errorf("bound tenant health: %q", res.Message)
	}
}

func TestHealthFailures(t *testing.T) {
	_, dbURL := storetest.NewPool(t)
	cfg, _ := pgconn.ParseConfig(dbURL)

	t.Run("bad settings", func(t *testing.T) {
		res := health(t, newInstance(t, instanceSettings(t, dbURL, map[string]any{"timeZone": "Nowhere/Land"})))
		assertHealth(t, res, backend.HealthStatusError, `settings: timeZone "Nowhere/Land" is not an IANA time zone`)
	})
	t.Run("host unreachable", func(t *testing.T) {
		port := closedPort(t)
		res := health(t, newInstance(t, instanceSettings(t, dbURL, map[string]any{"host": "127.0.0.1", "port": port})))
		want := fmt.Sprintf("cannot reach PostgreSQL at 127.0.0.1:%d:", port)
		if res.Status != backend.HealthStatusError || !strings.HasPrefix(res.Message, want) || !strings.Contains(res.Message, "connection refused") {
			t.Errorf("health = %q, want it to start %q and say connection refused", res.Message, want)
		}
	})
	t.Run("authentication", func(t *testing.T) {
		res := health(t, newInstance(t, instanceSettings(t, dbURL, map[string]any{"user": "no_such_costlens_user"})))
		assertHealth(t, res, backend.HealthStatusError, `authentication failed for user "no_such_costlens_user": check the user and password`)
	})
	t.Run("database missing", func(t *testing.T) {
		res := health(t, newInstance(t, instanceSettings(t, dbURL, map[string]any{"database": "costlens_nope"})))
		assertHealth(t, res, backend.HealthStatusError, fmt.Sprintf(`database "costlens_nope" does not exist on %s:%d`, cfg.Host, cfg.Port))
	})
	t.Run("schema missing", func(t *testing.T) {
		empty := storetest.NewDatabase(t)
		res := health(t, newInstance(t, instanceSettings(t, empty, nil)))
		assertHealth(t, res, backend.HealthStatusError, `connected, but the costlens schema is missing: enable "Manage schema" in these settings or apply the migrations`)
	})
	t.Run("manage schema applies it", func(t *testing.T) {
		empty := storetest.NewDatabase(t)
		res := health(t, newInstance(t, instanceSettings(t, empty, map[string]any{"manageSchema": true})))
		if res.Status != backend.HealthStatusOk || !strings.HasSuffix(res.Message, "0 events, 0 billing line items, 0 prices, 0 FX rates, no events yet") {
			t.Errorf("health = %v %q", res.Status, res.Message)
		}
	})
	t.Run("bound, but as a user row-level security does not hold", func(t *testing.T) {
		db := storetest.New(t)
		res := health(t, newInstance(t, instanceSettings(t, db.OwnerURL, map[string]any{"tenant": "acme"})))
		owner, _ := pgconn.ParseConfig(db.OwnerURL)
		assertHealth(t, res, backend.HealthStatusError, fmt.Sprintf(`bound to tenant "acme", but tenant isolation is not enforced: user %s is a superuser, and row-level security does not apply to it; connect as a role with NOSUPERUSER NOBYPASSRLS (README: Use your own PostgreSQL)`, owner.User))
		// the deployed role, bound, is healthy
		if res := health(t, newInstance(t, instanceSettings(t, db.URL, map[string]any{"tenant": "acme"}))); res.Status != backend.HealthStatusOk {
			t.Errorf("bound as %s: %v %s", storetest.Role, res.Status, res.Message)
		}
	})
	t.Run("schema newer than plugin", func(t *testing.T) {
		pool, newer := storetest.NewPool(t)
		storetest.Exec(t, pool, "INSERT INTO costlens.schema_migrations (version, name) VALUES (999, '0999_future')")
		res := health(t, newInstance(t, instanceSettings(t, newer, nil)))
		assertHealth(t, res, backend.HealthStatusError, fmt.Sprintf("the costlens schema is at version 999, newer than this plugin's %d: upgrade the plugin", store.LatestVersion()))
	})
}

func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// proxy forwards a local port to PostgreSQL and can be cut and restored, standing in
// for a database that goes down and comes back.
type proxy struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target, addr: fmt.Sprintf("127.0.0.1:%d", closedPort(t))}
	p.up()
	t.Cleanup(p.down)
	return p
}

func (p *proxy) up() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(u, c); u.Close() }()
			go func() { _, _ = io.Copy(c, u); c.Close() }()
		}
	}()
}

func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func TestRecoversWhenTheDatabaseComesBackWithoutARestart(t *testing.T) {
	pool, dbURL := storetest.NewPool(t)
	storetest.SeedExample(t, pool)
	cfg, _ := pgconn.ParseConfig(dbURL)
	px := newProxy(t, fmt.Sprintf("%s:%d", cfg.Host, cfg.Port))
	host, port, _ := net.SplitHostPort(px.addr)
	var portNum int
	fmt.Sscan(port, &portNum)
	d := newInstance(t, instanceSettings(t, dbURL, map[string]any{"host": host, "port": portNum}))

	query := func() backend.DataResponse {
		resp, _ := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{dataQuery("A", `{"queryType":"breakdown"}`)}})
		return resp.Responses["A"]
	}
	if r := query(); r.Error != nil {
		t.Fatalf("before the outage: %v", r.Error)
	}
	px.down()
	if res := health(t, d); res.Status != backend.HealthStatusError || !strings.HasPrefix(res.Message, "cannot reach PostgreSQL at "+px.addr) {
		t.Errorf("during the outage health = %q", res.Message)
	}
	r := query()
	if r.Error == nil || !strings.HasPrefix(r.Error.Error(), "cannot reach PostgreSQL at "+px.addr) {
		t.Errorf("during the outage query error = %v", r.Error)
	}
	px.up()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r = query()
		if r.Error == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r.Error != nil {
		t.Fatalf("after the database came back: %v", r.Error)
	}
	if v := *r.Frames[0].Fields[0].At(0).(*float64); fmt.Sprintf("%.5f", v) != "0.04175" {
		t.Errorf("after recovery cost = %v", v)
	}
	if res := health(t, d); res.Status != backend.HealthStatusOk {
		t.Errorf("after recovery health = %q", res.Message)
	}
}
