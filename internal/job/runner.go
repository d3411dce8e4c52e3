package job

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/lease"
)

var (
	errNoRows         = sql.ErrNoRows
	errNotFound       = fault.ErrNotFound
	errNotRetryable   = fault.Conflict("only a failed, cancelled or waiting job can be retried")
	errNotCancellable = fault.Conflict("only a job that has not started can be cancelled")
)

// Handler runs one job. Returning nil completes it; an error retries it
// with backoff until its attempts run out; Permanent(err) fails it at once.
// A job may run more than once (after a crash, say), so effects must be
// idempotent, or written in one transaction with a check that they are
// not done already.
type Handler func(ctx context.Context, j *Job) error

// Kind registers a handler with its options.
type Kind struct {
	Handler Handler
	// Timeout bounds one run (5 min).
	Timeout time.Duration
	// Backoff is the delay before retry number attempt (1, 2, …); default
	// 1 s doubled each time up to an hour, with jitter.
	Backoff func(attempt int) time.Duration
}

type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// Permanent marks err as not worth retrying: the job fails at once.
func Permanent(err error) error { return permanent{err} }

// Periodic is a job the leader queues every Every.
type Periodic struct {
	Name  string // unique; the schedule's key
	Kind  string
	Every time.Duration
	Args  any
}

// Options configure a Runner.
type Options struct {
	Workers      int           // jobs run at once (4)
	PollInterval time.Duration // how often to look for due jobs without a wake-up (1 s)
	// Lease is how long a claimed job stays ours without renewal; renewed
	// every Lease/3 while it runs, so a job outlives it only when its
	// runner died (30 s).
	Lease time.Duration
	// LeaderTTL is the leader lease (15 s), renewed every LeaderTTL/3.
	LeaderTTL time.Duration
	Logger    *slog.Logger
	Now       func() time.Time
}

// Runner runs jobs from the queue.
type Runner struct {
	queue    *Queue
	leases   *lease.Leases
	opts     Options
	log      *slog.Logger
	kinds    map[string]Kind
	periodic []Periodic
	wake     chan struct{}

	leader  atomic.Bool
	running sync.Map // job id → struct{}

	mu       sync.Mutex
	observer func(kind, outcome string, d time.Duration)
}

// NewRunner returns a runner over q; leases decide the leader.
func NewRunner(q *Queue, leases *lease.Leases, opts Options) *Runner {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.Lease <= 0 {
		opts.Lease = 30 * time.Second
	}
	if opts.LeaderTTL <= 0 {
		opts.LeaderTTL = 15 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Runner{queue: q, leases: leases, opts: opts, log: log.With("component", "jobs"), kinds: map[string]Kind{},
		wake: make(chan struct{}, 1)}
	q.wake = r.Wake
	return r
}

// Register sets the handler of a kind. Register every kind before Run.
func (r *Runner) Register(kind string, k Kind) {
	if k.Timeout <= 0 {
		k.Timeout = 5 * time.Minute
	}
	r.kinds[kind] = k
}

// Every adds a periodic job, queued by the leader.
func (r *Runner) Every(p Periodic) { r.periodic = append(r.periodic, p) }

// Observe sets a function told of every run: kind, outcome (completed,
// retry, failed) and duration, for metrics.
func (r *Runner) Observe(fn func(kind, outcome string, d time.Duration)) {
	r.mu.Lock()
	r.observer = fn
	r.mu.Unlock()
}

// Leader reports whether this runner is the leader now.
func (r *Runner) Leader() bool { return r.leader.Load() }

// Wake makes the runner look for due jobs now. It never blocks.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

const leaderLease = "jobs:leader"

// Run works until ctx is done, then waits for running jobs to finish
// (their context is cancelled) and gives up leadership.
func (r *Runner) Run(ctx context.Context) {
	kinds := make([]string, 0, len(r.kinds))
	for k := range r.kinds {
		kinds = append(kinds, k)
	}
	kindsJSON, _ := json.Marshal(kinds)
	now := r.opts.Now()
	for _, p := range r.periodic {
		if _, err := r.queue.db.W.ExecContext(ctx, r.queue.q.Get("init-schedule"), p.Name, now.UnixMicro()); err != nil {
			r.log.Error("init schedule", "schedule", p.Name, "err", err)
		}
	}
	slots := make(chan struct{}, r.opts.Workers)
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		if r.leader.Load() {
			_ = r.leases.Release(context.WithoutCancel(ctx), leaderLease)
			r.leader.Store(false)
		}
	}()
	wg.Add(1)
	go func() { defer wg.Done(); r.maintain(ctx) }()
	poll := time.NewTicker(r.opts.PollInterval)
	defer poll.Stop()
	for ctx.Err() == nil {
		free := r.opts.Workers - len(slots)
		if free > 0 && len(kinds) > 0 {
			jobs, err := r.claim(ctx, string(kindsJSON), free)
			if err != nil && ctx.Err() == nil {
				r.log.Error("claim jobs", "err", err)
			}
			for _, j := range jobs {
				slots <- struct{}{}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-slots; r.Wake() }()
					r.run(ctx, j)
				}()
			}
			if len(jobs) == free {
				continue // there may be more
			}
		}
		select {
		case <-ctx.Done():
		case <-poll.C:
		case <-r.wake:
		}
	}
}

func (r *Runner) claim(ctx context.Context, kinds string, n int) ([]*Job, error) {
	now := r.opts.Now()
	rows, err := r.queue.db.W.QueryContext(ctx, r.queue.q.Get("claim-jobs"), r.leases.Holder(),
		now.Add(r.opts.Lease).UnixMicro(), now.UnixMicro(), n, kinds)
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, scanTaken(Running, r.leases.Holder()))
}

// run executes one claimed job and records the outcome.
func (r *Runner) run(ctx context.Context, j *Job) {
	k := r.kinds[j.Kind]
	r.running.Store(j.ID, struct{}{})
	defer r.running.Delete(j.ID)
	start := time.Now()
	rctx, cancel := context.WithTimeout(ctx, k.Timeout)
	err := safeRun(rctx, k.Handler, j)
	cancel()
	took := time.Since(start)
	// The outcome is recorded even while shutting down: a job that
	// finished must not run again.
	octx, ocancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer ocancel()
	now := r.opts.Now().UnixMicro()
	holder := r.leases.Holder()
	q := r.queue
	outcome := "completed"
	switch {
	case err == nil:
		_, err = q.db.W.ExecContext(octx, q.q.Get("complete-job"), j.ID, now, holder)
	case errors.As(err, new(permanent)) || j.Attempt >= j.MaxAttempts:
		outcome = "failed"
		r.log.Error("job failed", "job", j.ID, "kind", j.Kind, "attempt", j.Attempt, "err", err)
		_, err = q.db.W.ExecContext(octx, q.q.Get("fail-job"), j.ID, errText(err), now, holder)
	default:
		outcome = "retry"
		delay := backoff(k, j.Attempt)
		r.log.Warn("job will be retried", "job", j.ID, "kind", j.Kind, "attempt", j.Attempt, "in", delay.String(), "err", err)
		_, err = q.db.W.ExecContext(octx, q.q.Get("retry-job"), j.ID, r.opts.Now().Add(delay).UnixMicro(), errText(err), now, holder)
	}
	if err != nil {
		r.log.Error("record job outcome", "job", j.ID, "err", err)
	}
	r.mu.Lock()
	obs := r.observer
	r.mu.Unlock()
	if obs != nil {
		obs(j.Kind, outcome, took)
	}
}

func safeRun(ctx context.Context, h Handler, j *Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	if h == nil {
		return Permanent(fmt.Errorf("no handler for job kind %q", j.Kind))
	}
	return h(ctx, j)
}

func errText(err error) string {
	s := err.Error()
	if len(s) > 2000 {
		s = s[:2000]
	}
	return s
}

func backoff(k Kind, attempt int) time.Duration {
	if k.Backoff != nil {
		return k.Backoff(attempt)
	}
	d := time.Second << min(attempt-1, 12)
	d = min(d, time.Hour)
	return d + rand.N(d/4+1)
}

// maintain renews the leases of running jobs, and as leader rescues the
// jobs of dead runners and queues periodic jobs.
func (r *Runner) maintain(ctx context.Context) {
	t := time.NewTicker(min(r.opts.Lease, r.opts.LeaderTTL) / 3)
	defer t.Stop()
	for {
		r.tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// tick is one maintenance round.
func (r *Runner) tick(ctx context.Context) {
	q := r.queue
	now := r.opts.Now()
	if _, err := q.db.W.ExecContext(ctx, q.q.Get("extend-jobs"), r.leases.Holder(), now.Add(r.opts.Lease).UnixMicro()); err != nil && ctx.Err() == nil {
		r.log.Error("renew job leases", "err", err)
	}
	ok, err := r.leases.Acquire(ctx, leaderLease, r.opts.LeaderTTL)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Error("leader lease", "err", err)
		}
		ok = false
	}
	if was := r.leader.Swap(ok); was != ok {
		r.log.Info("job leadership changed", "leader", ok, "holder", r.leases.Holder())
	}
	if !ok {
		return
	}
	if res, err := q.db.W.ExecContext(ctx, q.q.Get("rescue-jobs"), now.UnixMicro()); err != nil {
		r.log.Error("rescue jobs", "err", err)
	} else if n, _ := res.RowsAffected(); n > 0 {
		r.log.Warn("rescued jobs of a stopped runner", "count", n)
		r.Wake()
	}
	for _, p := range r.periodic {
		err := q.db.WithTx(ctx, func(tx *db.Tx) error {
			res, err := tx.ExecContext(ctx, q.q.Get("take-schedule"), p.Name, now.Add(p.Every).UnixMicro(), now.UnixMicro())
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // not due yet
			}
			_, err = q.Insert(ctx, tx, New{Kind: p.Kind, Args: p.Args, UniqueKey: "periodic:" + p.Name, MaxAttempts: 3})
			return err
		})
		if err != nil && ctx.Err() == nil {
			r.log.Error("queue periodic job", "schedule", p.Name, "err", err)
		}
	}
}

// Tick runs one maintenance round now (tests).
func (r *Runner) Tick(ctx context.Context) { r.tick(ctx) }

// Prune deletes completed and cancelled jobs finished before cutoff.
func (q *Queue) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	for {
		res, err := q.db.W.ExecContext(ctx, q.q.Get("prune-jobs"), cutoff.UnixMicro())
		if err != nil {
			return total, fmt.Errorf("job: prune: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
		if n < 1000 {
			return total, nil
		}
	}
}
