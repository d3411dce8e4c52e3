package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/job"
)

// registerSpineMetrics adds the event pump's and the job runner's metrics,
// and the ticket searches running and waiting their turn, to reg: counts
// and timings only, labelled by bounded things (job kinds
// and states, consumer names, outcomes). What needs the database is read
// at scrape time, by spineCollector, and never in between.
func registerSpineMetrics(reg prometheus.Registerer, s *Services, log *slog.Logger) {
	b2f := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "docket_events_published_total",
			Help: "Domain events this process's pump published on its in-process bus since start."},
			func() float64 { return float64(s.Pump.Published()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "docket_job_leader",
			Help: "1 while this instance is the job runners' leader (queues periodic jobs, rescues stopped runners' jobs), else 0."},
			func() float64 { return b2f(s.Runner.Leader()) }),
		&spineCollector{s: s, log: log},
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "docket_searches_running",
			Help: "Ticket text searches running in this process (at most --search-concurrency)."},
			func() float64 { n, _ := s.Tickets.Searches(); return float64(n) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "docket_searches_waiting",
			Help: "Ticket text searches waiting in this process for their turn to run."},
			func() float64 { _, n := s.Tickets.Searches(); return float64(n) }),
	)
	if s.DB.Dialect == db.SQLite {
		// Only SQLite groups concurrent write transactions into one commit.
		reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "docket_db_commits_total",
				Help: "Write transactions this process committed on SQLite, each a batch of concurrent writes."},
				func() float64 { c, _ := s.DB.Batches(); return float64(c) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "docket_db_batched_writes_total",
				Help: "Writes (top-level transactions of requests, jobs and consumers) those commits held."},
				func() float64 { _, n := s.DB.Batches(); return float64(n) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "docket_db_checkpoints_total",
				Help: "Checkpoints of SQLite's write-ahead log run beside the writer, on a connection of their own (not those another checkpoint blocked)."},
				func() float64 { return float64(s.DB.Checkpoints()) }))
	}
	if s.DB.Dialect == db.Postgres {
		// Only PostgreSQL has a notification connection to be up or down.
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "docket_event_listener_up",
			Help: "1 while the PostgreSQL LISTEN connection that wakes the event pump is up, else 0."},
			func() float64 { return b2f(s.Pump.Listening()) }))
	}
	runs := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "docket_job_run_seconds",
		Help:    "Time a job's handler took, by kind and outcome (completed, retry, failed).",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300}}, []string{"kind", "outcome"})
	reg.MustRegister(runs)
	s.Runner.Observe(func(kind, outcome string, d time.Duration) {
		runs.WithLabelValues(kind, outcome).Observe(d.Seconds())
	})
}

// spineCollector reads job counts, the event head and the consumers'
// checkpoints from the database when /metrics is scraped. When the
// database does not answer, those metrics are left out of the scrape (and
// the failure logged): the process's own metrics still come through.
type spineCollector struct {
	s   *Services
	log *slog.Logger
}

var (
	jobsDesc = prometheus.NewDesc("docket_jobs", "Jobs in the queue by kind and state.", []string{"kind", "state"}, nil)
	headDesc = prometheus.NewDesc("docket_events_head",
		"Position of the newest domain event consumers can see.", nil, nil)
	positionDesc = prometheus.NewDesc("docket_event_consumer_position",
		"Position of the last event a durable consumer handled (its stored checkpoint).", []string{"consumer"}, nil)
	lagDesc = prometheus.NewDesc("docket_event_consumer_lag",
		"Events a durable consumer has still to handle: the head minus its position.", []string{"consumer"}, nil)
)

// Describe sends the descriptors of the metrics Collect may send.
func (c *spineCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{jobsDesc, headDesc, positionDesc, lagDesc} {
		ch <- d
	}
}

// Collect queries the database for the current values.
func (c *spineCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if counts, err := c.s.Jobs.Counts(ctx); err != nil {
		c.log.Warn("metrics: count jobs", "err", err)
	} else {
		byKind := map[string]map[string]int64{}
		for _, n := range counts {
			if byKind[n.Kind] == nil {
				byKind[n.Kind] = map[string]int64{}
			}
			byKind[n.Kind][n.State] += n.N
		}
		for kind, states := range byKind {
			// Every state, zero included, so a series does not vanish
			// when its count drops to nothing.
			for _, state := range job.States {
				ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(states[state]), kind, state)
			}
		}
	}
	head, err := c.s.Events.Head(ctx)
	if err != nil {
		c.log.Warn("metrics: event head", "err", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(headDesc, prometheus.GaugeValue, float64(head))
	consumers := c.s.Pump.Consumers()
	if len(consumers) == 0 {
		return
	}
	stored, err := c.s.Events.Checkpoints(ctx)
	if err != nil {
		c.log.Warn("metrics: event checkpoints", "err", err)
	}
	for _, con := range consumers {
		pos, ok := stored[con.Name]
		if !ok {
			pos = con.Position() // not stored yet, or the query failed
		}
		ch <- prometheus.MustNewConstMetric(positionDesc, prometheus.GaugeValue, float64(pos), con.Name)
		ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, float64(max(head-pos, 0)), con.Name)
	}
}
