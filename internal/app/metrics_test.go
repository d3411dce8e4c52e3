package app_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/job"
)

// scrape reads /metrics into a map from series (name and labels, as
// exposed) to value.
func scrape(t *testing.T, base string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, b)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// eventually scrapes until ok accepts the metrics, or fails saying what.
func eventually(t *testing.T, base, what string, ok func(m map[string]float64) bool) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := scrape(t, base)
		if ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestMetricsOfEventsAndJobs(t *testing.T) {
	t.Parallel()
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.ServerWith(t, d, func(s *app.Services) {
			s.Runner.Register("test.ok", job.Kind{Handler: func(context.Context, *job.Job) error {
				time.Sleep(10 * time.Millisecond)
				return nil
			}})
			s.Runner.Register("test.broken", job.Kind{Handler: func(context.Context, *job.Job) error {
				return job.Permanent(errors.New("broken"))
			}})
			// One consumer keeps up with the stream; the other fails on
			// every batch and falls behind.
			s.Pump.Register(&event.Consumer{Name: "test-keeps-up",
				Handle: func(context.Context, *db.Tx, []event.Record) error { return nil }})
			s.Pump.Register(&event.Consumer{Name: "test-stuck",
				Handle: func(context.Context, *db.Tx, []event.Record) error { return errors.New("stuck") }})
		})
		ctx := context.Background()
		before := scrape(t, e.URL)
		if _, ok := before[`docket_job_run_seconds_count{kind="test.ok",outcome="completed"}`]; ok {
			t.Fatal("a job run is counted before any job ran")
		}
		for _, n := range []job.New{{Kind: "test.ok"}, {Kind: "test.ok"}, {Kind: "test.broken"}} {
			if _, err := e.Jobs.InsertNow(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		apptest.Ticket(t, e.Services, e.Admin) // writes domain events

		m := eventually(t, e.URL, "the jobs to run and the events to be pumped", func(m map[string]float64) bool {
			return m[`docket_job_run_seconds_count{kind="test.ok",outcome="completed"}`] == 2 &&
				m[`docket_job_run_seconds_count{kind="test.broken",outcome="failed"}`] == 1 &&
				m[`docket_jobs{kind="test.ok",state="completed"}`] == 2 &&
				m[`docket_events_published_total`] > before[`docket_events_published_total`] &&
				m[`docket_event_consumer_lag{consumer="test-keeps-up"}`] == 0 &&
				m[`docket_job_leader`] == 1
		})
		// SQLite counts its commits and the writes they held; PostgreSQL
		// does not group writes.
		if c, w := m[`docket_db_commits_total`], m[`docket_db_batched_writes_total`]; d.Dialect == db.SQLite &&
			(c <= before[`docket_db_commits_total`] || w < c) {
			t.Errorf("%g commits holding %g writes, want more commits than before (%g) and at least one write each", c, w, before[`docket_db_commits_total`])
		} else if _, ok := m[`docket_db_commits_total`]; d.Dialect == db.Postgres && ok {
			t.Error("commits counted on PostgreSQL")
		}
		if _, ok := m[`docket_db_checkpoints_total`]; ok != (d.Dialect == db.SQLite) {
			t.Errorf("docket_db_checkpoints_total reported: %v, want it on SQLite only", ok)
		}
		if s := m[`docket_job_run_seconds_sum{kind="test.ok",outcome="completed"}`]; s < 0.02 {
			t.Errorf("two runs of 10ms took %gs in all", s)
		}
		// Every state of a kind is there, zero included.
		for series, want := range map[string]float64{
			`docket_jobs{kind="test.broken",state="failed"}`:    1,
			`docket_jobs{kind="test.broken",state="available"}`: 0,
			`docket_jobs{kind="test.ok",state="failed"}`:        0,
			`docket_jobs{kind="test.ok",state="cancelled"}`:     0,
		} {
			if got, ok := m[series]; !ok || got != want {
				t.Errorf("%s = %g (present %v), want %g", series, got, ok, want)
			}
		}
		// The head moves while the pump numbers new events (PostgreSQL):
		// compare a scrape with the head read right before it.
		var head int64
		for deadline := time.Now().Add(10 * time.Second); ; {
			var err error
			if head, err = e.Events.Head(ctx); err != nil {
				t.Fatal(err)
			}
			m = scrape(t, e.URL)
			if m[`docket_events_head`] == float64(head) && m[`docket_event_consumer_position{consumer="test-keeps-up"}`] == float64(head) ||
				time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if head == 0 || m[`docket_events_head`] != float64(head) {
			t.Errorf("docket_events_head = %g, want %d", m[`docket_events_head`], head)
		}
		if p := m[`docket_event_consumer_position{consumer="test-keeps-up"}`]; p != float64(head) {
			t.Errorf("the consumer that keeps up is at %g, head %d", p, head)
		}
		stuck := m[`docket_event_consumer_position{consumer="test-stuck"}`]
		if lag := m[`docket_event_consumer_lag{consumer="test-stuck"}`]; lag <= 0 || lag != float64(head)-stuck {
			t.Errorf("the stuck consumer: position %g, lag %g, head %d", stuck, lag, head)
		}
		// Another instance handling the events moves the shared checkpoint,
		// not this process's idea of it: the metrics follow the checkpoint.
		if _, err := d.W.ExecContext(ctx, `UPDATE event_checkpoints SET position = $1 WHERE consumer = 'test-stuck'`, head); err != nil {
			t.Fatal(err)
		}
		m = scrape(t, e.URL)
		// (The head may have moved on meanwhile: lag is measured from it.)
		if p, lag := m[`docket_event_consumer_position{consumer="test-stuck"}`], m[`docket_event_consumer_lag{consumer="test-stuck"}`]; p != float64(head) || lag != m[`docket_events_head`]-p {
			t.Errorf("after another instance caught up: position %g, lag %g, head %g; want position %d", p, lag, m[`docket_events_head`], head)
		}
		// The LISTEN connection exists on PostgreSQL only.
		if d.Dialect == db.Postgres {
			eventually(t, e.URL, "the listener to be up", func(m map[string]float64) bool { return m[`docket_event_listener_up`] == 1 })
		} else if _, ok := m[`docket_event_listener_up`]; ok {
			t.Error("SQLite reports a LISTEN connection")
		}
	})
}
