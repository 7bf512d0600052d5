package plugin

import (
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// poolCollector reports each live data source instance's connection pool to
// Grafana's plugin metrics endpoint (/api/plugins/costlens-cost-datasource/metrics):
// how often a query had to wait for a connection, for how long in all, and how many
// gave up (timeouts), so a queue on the pool shows before users see timeouts.
type poolCollector struct {
	mu        sync.Mutex
	instances map[*Datasource]string // instance -> data source UID
}

var pools = &poolCollector{instances: map[*Datasource]string{}}

func init() { prometheus.MustRegister(pools) }

var (
	descConns = prometheus.NewDesc("costlens_pool_connections",
		"Connections of the data source's pool by state (acquired, idle, constructing) and its maximum (max).", []string{"datasource", "state"}, nil)
	descAcquires = prometheus.NewDesc("costlens_pool_acquires_total",
		"Connections handed to queries and uploads.", []string{"datasource"}, nil)
	descWaited = prometheus.NewDesc("costlens_pool_acquires_waited_total",
		"Acquires that found no idle connection and had to wait for one.", []string{"datasource"}, nil)
	descWaitSeconds = prometheus.NewDesc("costlens_pool_acquire_wait_seconds_total",
		"Time spent waiting for a connection, summed over those acquires.", []string{"datasource"}, nil)
	descCanceled = prometheus.NewDesc("costlens_pool_acquires_canceled_total",
		"Acquires given up before a connection came (the query timed out or was cancelled while queued).", []string{"datasource"}, nil)
	descTimeouts = prometheus.NewDesc("costlens_query_timeouts_total",
		"Queries stopped by the data source's query timeout.", []string{"datasource"}, nil)
)

func (c *poolCollector) add(d *Datasource, uid string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.instances[d] = uid
}

func (c *poolCollector) remove(d *Datasource) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.instances, d)
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descConns, descAcquires, descWaited, descWaitSeconds, descCanceled, descTimeouts} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for d, uid := range c.instances {
		if d.pool == nil {
			continue
		}
		s := d.pool.Stat()
		for state, n := range map[string]int32{"acquired": s.AcquiredConns(), "idle": s.IdleConns(),
			"constructing": s.ConstructingConns(), "max": s.MaxConns()} {
			ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(n), uid, state)
		}
		ch <- prometheus.MustNewConstMetric(descAcquires, prometheus.CounterValue, float64(s.AcquireCount()), uid)
		ch <- prometheus.MustNewConstMetric(descWaited, prometheus.CounterValue, float64(s.EmptyAcquireCount()), uid)
		ch <- prometheus.MustNewConstMetric(descWaitSeconds, prometheus.CounterValue, s.EmptyAcquireWaitTime().Seconds(), uid)
		ch <- prometheus.MustNewConstMetric(descCanceled, prometheus.CounterValue, float64(s.CanceledAcquireCount()), uid)
		ch <- prometheus.MustNewConstMetric(descTimeouts, prometheus.CounterValue, float64(d.timeouts.Load()), uid)
	}
}

// PoolStats is the pool part of the health check's details.
type PoolStats struct {
	MaxConns         int32   `json:"maxConns"`
	AcquiredConns    int32   `json:"acquiredConns"`
	Acquires         int64   `json:"acquires"`
	WaitedAcquires   int64   `json:"waitedAcquires"`
	WaitSeconds      float64 `json:"waitSeconds"`
	CanceledAcquires int64   `json:"canceledAcquires"`
	QueryTimeouts    int64   `json:"queryTimeouts"`
}

func poolStats(p *pgxpool.Pool, timeouts *atomic.Int64) PoolStats {
	s := p.Stat()
	return PoolStats{MaxConns: s.MaxConns(), AcquiredConns: s.AcquiredConns(), Acquires: s.AcquireCount(),
		WaitedAcquires: s.EmptyAcquireCount(), WaitSeconds: s.EmptyAcquireWaitTime().Seconds(),
		CanceledAcquires: s.CanceledAcquireCount(), QueryTimeouts: timeouts.Load()}
}
