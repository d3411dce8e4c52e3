package job_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/lease"
)

func setup(t *testing.T, d *db.DB, holder string, opts job.Options) (*job.Queue, *job.Runner) {
	t.Helper()
	q, err := job.NewQueue(d)
	if err != nil {
		t.Fatal(err)
	}
	l, err := lease.New(d)
	if err != nil {
		t.Fatal(err)
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 20 * time.Millisecond
	}
	l = l.WithHolder(holder)
	if opts.Now != nil {
		l = l.WithClock(opts.Now)
	}
	return q, job.NewRunner(q, l, opts)
}

func start(t *testing.T, r *job.Runner) context.CancelFunc {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return stop
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func state(t *testing.T, q *job.Queue, id int64) *job.Job {
	t.Helper()
	j, err := q.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestJobRunsOnceAndUniqueKeysDoNotQueueTwice(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q, r := setup(t, d, "a", job.Options{})
		var runs atomic.Int32
		var got string
		r.Register("greet", job.Kind{Handler: func(ctx context.Context, j *job.Job) error {
			runs.Add(1)
			got = string(j.Args)
			return nil
		}})
		id, err := q.InsertNow(ctx, job.New{Kind: "greet", Args: map[string]string{"to": "bob"}, UniqueKey: "greet:bob"})
		if err != nil || id == 0 {
			t.Fatalf("insert: %d %v", id, err)
		}
		again, err := q.InsertNow(ctx, job.New{Kind: "greet", UniqueKey: "greet:bob"})
		if err != nil || again != 0 {
			t.Fatalf("a second job with a queued key must not be queued: %d %v", again, err)
		}
		// A job inserted in a transaction that rolls back never exists.
		_ = d.WithTx(ctx, func(tx *db.Tx) error {
			if _, err := q.Insert(ctx, tx, job.New{Kind: "greet", Args: "rolled back"}); err != nil {
				t.Fatal(err)
			}
			return errors.New("roll back")
		})
		start(t, r)
		waitFor(t, "the job to complete", func() bool { return state(t, q, id).State == job.Completed })
		time.Sleep(100 * time.Millisecond)
		if runs.Load() != 1 || got != `{"to":"bob"}` {
			t.Fatalf("runs = %d, args = %s", runs.Load(), got)
		}
		// Once done, the key is free again.
		if id2, err := q.InsertNow(ctx, job.New{Kind: "greet", UniqueKey: "greet:bob"}); err != nil || id2 == 0 {
			t.Fatalf("the key of a completed job is free: %d %v", id2, err)
		}
	})
}

func TestJobRetriesWithBackoffThenFails(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q, r := setup(t, d, "a", job.Options{})
		var mu sync.Mutex
		var at []time.Time
		r.Register("flaky", job.Kind{
			Backoff: func(attempt int) time.Duration { return time.Duration(attempt) * 60 * time.Millisecond },
			Handler: func(ctx context.Context, j *job.Job) error {
				mu.Lock()
				at = append(at, time.Now())
				mu.Unlock()
				return fmt.Errorf("attempt %d failed", j.Attempt)
			}})
		r.Register("doomed", job.Kind{Handler: func(ctx context.Context, j *job.Job) error {
			return job.Permanent(errors.New("no such mailbox"))
		}})
		id, _ := q.InsertNow(ctx, job.New{Kind: "flaky", MaxAttempts: 3})
		doomed, _ := q.InsertNow(ctx, job.New{Kind: "doomed"})
		start(t, r)
		waitFor(t, "the job to fail", func() bool { return state(t, q, id).State == job.Failed })
		j := state(t, q, id)
		if j.Attempt != 3 || j.LastError != "attempt 3 failed" || j.FinishedAt == nil {
			t.Fatalf("failed job: %+v", j)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(at) != 3 {
			t.Fatalf("%d runs, want 3", len(at))
		}
		// A little slack: run_at is stored in whole microseconds of wall time.
		if d1, d2 := at[1].Sub(at[0]), at[2].Sub(at[1]); d1 < 55*time.Millisecond || d2 < 110*time.Millisecond {
			t.Fatalf("retries did not back off: %v then %v", d1, d2)
		}
		waitFor(t, "a permanent error to fail at once", func() bool { return state(t, q, doomed).State == job.Failed })
		if j := state(t, q, doomed); j.Attempt != 1 {
			t.Fatalf("a permanent error was retried: %+v", j)
		}
		// An admin retries the failed job: it runs again with fresh attempts.
		if err := q.RetryNow(ctx, id); err != nil {
			t.Fatal(err)
		}
		mu.Unlock()
		waitFor(t, "the retried job to run", func() bool { mu.Lock(); defer mu.Unlock(); return len(at) >= 4 })
		mu.Lock()
	})
}

func TestJobOfADeadRunnerIsRescuedAndRunsOnce(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Now().Add(time.Second) // jobs inserted now are due
		var clockMu sync.Mutex
		clock := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
		// Runner a claims the job and "dies": its handler never returns
		// and it never records an outcome.
		q, a := setup(t, d, "a", job.Options{Lease: time.Minute, Now: clock})
		block := make(chan struct{})
		t.Cleanup(func() { close(block) })
		started := make(chan struct{}, 1)
		a.Register("send", job.Kind{Handler: func(ctx context.Context, j *job.Job) error {
			started <- struct{}{}
			<-block
			return nil
		}})
		id, _ := q.InsertNow(ctx, job.New{Kind: "send"})
		actx, acancel := context.WithCancel(context.Background())
		adone := make(chan struct{})
		go func() { defer close(adone); a.Run(actx) }()
		<-started
		if j := state(t, q, id); j.State != job.Running || j.LockedBy != "a" {
			t.Fatalf("claimed job: %+v", j)
		}
		// b starts; while a's lease is live, b leaves the job alone.
		_, b := setup(t, d, "b", job.Options{Lease: time.Minute, LeaderTTL: time.Second, Now: clock})
		var bruns atomic.Int32
		b.Register("send", job.Kind{Handler: func(ctx context.Context, j *job.Job) error { bruns.Add(1); return nil }})
		start(t, b)
		time.Sleep(100 * time.Millisecond)
		if bruns.Load() != 0 {
			t.Fatal("b ran a job that a still holds")
		}
		// a is gone for good (SIGKILL): its job lease and leader lease
		// run out. Stop a's goroutines without letting it record anything.
		acancel()
		clockMu.Lock()
		now = now.Add(2 * time.Minute)
		clockMu.Unlock()
		b.Tick(ctx) // b becomes leader and rescues the job
		waitFor(t, "b to run the rescued job", func() bool { return state(t, q, id).State == job.Completed })
		if bruns.Load() != 1 {
			t.Fatalf("b ran the job %d times", bruns.Load())
		}
		if j := state(t, q, id); j.Attempt != 2 {
			t.Fatalf("rescued job: %+v", j)
		}
		block <- struct{}{}
		<-adone
		// a's late completion must not touch the job b completed.
		if j := state(t, q, id); j.State != job.Completed || j.Attempt != 2 {
			t.Fatalf("after a's late return: %+v", j)
		}
	})
}

func TestTwoRunnersShareJobsAndOneLeaderRunsPeriodicJobs(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var mu sync.Mutex
		ran := map[string]int{}
		byRunner := map[string]int{}
		periodic := map[string]int{}
		var runners []*job.Runner
		var q *job.Queue
		for _, name := range []string{"a", "b"} {
			var r *job.Runner
			q, r = setup(t, d, name, job.Options{Workers: 3, LeaderTTL: 300 * time.Millisecond})
			r.Register("work", job.Kind{Handler: func(ctx context.Context, j *job.Job) error {
				mu.Lock()
				ran[string(j.Args)]++
				byRunner[name]++
				mu.Unlock()
				time.Sleep(time.Millisecond)
				return nil
			}})
			r.Register("tick", job.Kind{Handler: func(ctx context.Context, j *job.Job) error {
				mu.Lock()
				periodic[name]++
				mu.Unlock()
				return nil
			}})
			r.Every(job.Periodic{Name: "tick", Kind: "tick", Every: time.Hour})
			runners = append(runners, r)
		}
		const n = 200
		for i := range n {
			if _, err := q.InsertNow(ctx, job.New{Kind: "work", Args: i}); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range runners {
			start(t, r)
		}
		waitFor(t, "every job to run", func() bool { mu.Lock(); defer mu.Unlock(); return len(ran) == n })
		time.Sleep(200 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		for k, c := range ran {
			if c != 1 {
				t.Errorf("job %s ran %d times", k, c)
			}
		}
		if len(periodic) != 1 || periodic["a"]+periodic["b"] != 1 {
			t.Errorf("periodic job runs by runner: %v, want one run on the leader", periodic)
		}
		if runners[0].Leader() == runners[1].Leader() {
			t.Errorf("leaders: a=%v b=%v, want exactly one", runners[0].Leader(), runners[1].Leader())
		}
		t.Logf("jobs by runner: %v", byRunner)
	})
}

func TestRetryAndCancelSayWhyTheyRefuse(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q, _ := setup(t, d, "a", job.Options{}) // no runner: jobs stay where they are put
		id, err := q.InsertNow(ctx, job.New{Kind: "idle"})
		if err != nil {
			t.Fatal(err)
		}
		for name, fn := range map[string]func(context.Context, int64) error{"retry": q.RetryNow, "cancel": q.Cancel} {
			if err := fn(ctx, id+1000); !errors.Is(err, fault.ErrNotFound) {
				t.Errorf("%s a missing job: %v, want not found", name, err)
			}
		}
		if err := q.Cancel(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := q.Cancel(ctx, id); !errors.Is(err, fault.ErrConflict) {
			t.Errorf("cancel a cancelled job: %v, want a conflict", err)
		}
		if err := q.RetryNow(ctx, id); err != nil || state(t, q, id).State != job.Available {
			t.Fatalf("retry a cancelled job: %v", err)
		}
		// List answers up to 1000 rows, so a caller can ask for a page of
		// 200 and one more.
		for range 205 {
			if _, err := q.InsertNow(ctx, job.New{Kind: "idle"}); err != nil {
				t.Fatal(err)
			}
		}
		js, err := q.List(ctx, job.Filter{Kind: "idle", Limit: 201})
		if err != nil || len(js) != 201 {
			t.Fatalf("list 201: %d jobs, %v", len(js), err)
		}
	})
}
