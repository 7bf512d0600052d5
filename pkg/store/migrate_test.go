package store_test

import (
	"context"
	"maps"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/costlens/costlens/pkg/store"
	"github.com/costlens/costlens/pkg/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestMigrateTwiceInARowIsANoOp(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, storetest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	if v, err := store.SchemaVersion(ctx, pool); err != nil || v != 0 {
		t.Fatalf("empty database: version %d, %v; want 0", v, err)
	}
	for i := 0; i < 2; i++ {
		v, err := store.Migrate(ctx, pool)
		if err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		if v != store.LatestVersion() || v < 1 {
			t.Fatalf("run %d: version %d, want %d", i+1, v, store.LatestVersion())
		}
	}
	var applied int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM costlens.schema_migrations").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != len(mustMigrations(t)) {
		t.Fatalf("schema_migrations has %d rows, want one per migration (%d)", applied, len(mustMigrations(t)))
	}
	for _, table := range []string{"cost_events", "event_keys", "billing_line_items", "price_book", "fx_rates",
		"model_versions", "unit_conversions", "budgets"} {
		var ok bool
		if err := pool.QueryRow(ctx, "SELECT to_regclass('costlens.' || $1) IS NOT NULL", table).Scan(&ok); err != nil || !ok {
			t.Errorf("table costlens.%s missing (%v)", table, err)
		}
	}
}

func mustMigrations(t *testing.T) []store.Migration {
	ms, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// Partitions are made with the owner's rights, so the Grafana role's writes create the
// months they need; a month's rows that landed in the default partition first move
// into the month's partition when it is made, and later writes to that month work.
func TestEventsArePartitionedByMonth(t *testing.T) {
	pool, _ := storetest.NewPool(t) // the Grafana role: it may not CREATE in the schema
	ctx := context.Background()
	var created int
	if err := pool.QueryRow(ctx, "SELECT costlens.ensure_event_partitions('2026-01-15T00:00Z', '2026-03-01T00:00Z')").Scan(&created); err != nil {
		t.Fatal(err)
	}
	if created != 3 {
		t.Fatalf("created %d partitions for Jan..Mar 2026, want 3", created)
	}
	if err := pool.QueryRow(ctx, "SELECT costlens.ensure_event_partitions('2026-02-01T00:00Z', '2026-02-28T00:00Z')").Scan(&created); err != nil || created != 0 {
		t.Fatalf("second call created %d (%v), want 0", created, err)
	}
	storetest.Exec(t, pool, `INSERT INTO costlens.cost_events (tenant, request_id, ts) VALUES
		('acme', 'a', '2026-01-31T23:59:59Z'), ('acme', 'b', '2026-02-01T00:00:00Z'), ('acme', 'c', '2027-06-01T00:00:00Z'),
		('globex', 'd', '2027-06-30T23:59:59Z')`)
	where := func() map[string]string {
		rows, err := pool.Query(ctx, "SELECT tableoid::regclass::text, request_id FROM costlens.cost_events ORDER BY request_id")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for rows.Next() {
			var part, id string
			if err := rows.Scan(&part, &id); err != nil {
				t.Fatal(err)
			}
			got[id] = part
		}
		return got
	}
	want := map[string]string{"a": "costlens.cost_events_202601", "b": "costlens.cost_events_202602",
		"c": "costlens.cost_events_default", "d": "costlens.cost_events_default"}
	if got := where(); !maps.Equal(got, want) {
		t.Errorf("before June 2027 has a partition: %v, want %v", got, want)
	}

	// a session bound to acme makes June 2027: globex's row moves too, though acme cannot see it
	bound := storetest.BoundPool(t, storetest.AsRole(storetest.URLOf(pool)), "acme")
	if err := bound.QueryRow(ctx, "SELECT costlens.ensure_event_months(ARRAY['2027-06-15T00:00Z'::timestamptz, '2027-06-16T00:00Z'])").Scan(&created); err != nil || created != 1 {
		t.Fatalf("June 2027: created %d (%v), want 1", created, err)
	}
	want["c"], want["d"] = "costlens.cost_events_202706", "costlens.cost_events_202706"
	if got := where(); !maps.Equal(got, want) {
		t.Errorf("after: %v, want %v", got, want)
	}
	storetest.Exec(t, bound, `INSERT INTO costlens.cost_events (tenant, request_id, ts) VALUES ('acme', 'e', '2027-06-02T00:00:00Z')`)
	// only months that have events are made, however far apart they are
	if err := pool.QueryRow(ctx, "SELECT costlens.ensure_event_months(ARRAY['2020-01-01T00:00Z'::timestamptz, '2029-12-31T00:00Z'])").Scan(&created); err != nil || created != 2 {
		t.Fatalf("two far-apart months: created %d (%v), want 2", created, err)
	}
}
