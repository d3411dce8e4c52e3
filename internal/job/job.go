// Package job is Docket's durable background work: jobs inserted in the
// same transaction as the write that causes them, run at least once by a
// runner in any instance, retried with backoff, scheduled for a time,
// unique by key where asked, and periodic jobs started by one leader.
//
// It is a plain table rather than River (which DESIGN.md suggested): on
// SQLite every River fetch, completion and maintenance pass would be one
// more transaction competing for the single writer connection, its own
// migrations would sit outside our numbered per-dialect ones and the schema
// test, and its SQLite driver is young. The table is the small part of
// River we need: claim with FOR UPDATE SKIP LOCKED on PostgreSQL (the
// single writer serializes claims on SQLite), a lease per running job that
// a rescuer returns to the queue when its runner dies, and a leader lease
// for periodic jobs and maintenance.
package job

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/docket/docket/internal/db"
)

//go:embed queries*.sql
var queryFiles embed.FS

// States of a job.
const (
	Available = "available"
	Running   = "running"
	Retryable = "retryable"
	Completed = "completed"
	Failed    = "failed"
	Cancelled = "cancelled"
)

// States lists every state, in the order work moves through them.
var States = []string{Available, Running, Retryable, Completed, Failed, Cancelled}

// New is a job to insert.
type New struct {
	Kind string
	// Args is marshalled to JSON and handed to the handler.
	Args any
	// RunAt schedules the job; zero means now.
	RunAt time.Time
	// UniqueKey, when set, keeps a second job with the same key from being
	// queued while one is available, running or waiting for a retry.
	UniqueKey string
	// MaxAttempts before the job fails for good (10).
	MaxAttempts int
}

// Job is a stored job.
type Job struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`
	Args        json.RawMessage `json:"args"`
	State       string          `json:"state"`
	Attempt     int             `json:"attempt"`
	MaxAttempts int             `json:"max_attempts"`
	RunAt       time.Time       `json:"run_at"`
	UniqueKey   string          `json:"unique_key,omitempty"`
	LockedBy    string          `json:"locked_by,omitempty"`
	LastError   string          `json:"last_error,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	FinishedAt  *time.Time      `json:"finished_at"`
}

// Queue inserts jobs. Insert within the transaction of the write that
// causes the job, so both commit or neither does.
type Queue struct {
	db      *db.DB
	q       *db.Queries
	wake    func()
	onRetry map[string]func(context.Context, *db.Tx, *Job) error

	mu      sync.Mutex
	inserts map[int]string // insert-job with n rows
}

// NewQueue returns the queue over d.
func NewQueue(d *db.DB) (*Queue, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.Dialect)
	if err != nil {
		return nil, err
	}
	return &Queue{db: d, q: q}, nil
}

// Queries exposes the named queries for start-up checks.
func (q *Queue) Queries() *db.Queries { return q.q }

// Insert queues n in tx and reports its id, or 0 when a job with the same
// unique key is already queued. The local runner is woken after commit.
func (q *Queue) Insert(ctx context.Context, tx *db.Tx, n New) (int64, error) {
	args, now, runAt, err := values(n)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, q.q.Get("insert-job"), args...).Scan(&id)
	if errors.Is(err, errNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("job: insert %s: %w", n.Kind, err)
	}
	q.wakeFor(tx, now, runAt)
	return id, nil
}

// InsertAll queues ns in tx with one statement (a job whose unique key
// is queued already is left out), for a write that queues several.
func (q *Queue) InsertAll(ctx context.Context, tx *db.Tx, ns ...New) error {
	if len(ns) == 0 {
		return nil
	}
	var all []any
	first := int64(1<<63 - 1)
	var now int64
	for _, n := range ns {
		args, at, runAt, err := values(n)
		if err != nil {
			return err
		}
		all, now, first = append(all, args...), at, min(first, runAt)
	}
	rows, err := tx.QueryContext(ctx, q.multi(len(ns)), all...)
	if err == nil {
		err = rows.Close()
	}
	if err != nil {
		return fmt.Errorf("job: insert %s: %w", ns[0].Kind, err)
	}
	q.wakeFor(tx, now, first)
	return nil
}

// multi is insert-job with n rows, built once per n.
func (q *Queue) multi(n int) string {
	q.mu.Lock()
	defer q.mu.Unlock()
	if s := q.inserts[n]; s != "" {
		return s
	}
	if q.inserts == nil {
		q.inserts = map[int]string{}
	}
	q.inserts[n] = db.Rows(q.q.Get("insert-job"), n)
	return q.inserts[n]
}

// values are insert-job's arguments for n, the time now and n's run_at.
func values(n New) ([]any, int64, int64, error) {
	if n.Kind == "" {
		return nil, 0, 0, errors.New("job: insert: no kind")
	}
	args := []byte("{}")
	if n.Args != nil {
		var err error
		if args, err = json.Marshal(n.Args); err != nil {
			return nil, 0, 0, fmt.Errorf("job: %s args: %w", n.Kind, err)
		}
	}
	if n.MaxAttempts <= 0 {
		n.MaxAttempts = 10
	}
	now := db.Now()
	runAt := now
	if !n.RunAt.IsZero() {
		runAt = n.RunAt.UnixMicro()
	}
	var key any
	if n.UniqueKey != "" {
		key = n.UniqueKey
	}
	return []any{n.Kind, string(args), n.MaxAttempts, runAt, key, now}, now, runAt, nil
}

// wakeFor wakes the local runner after tx commits when a job it queued
// is due already. A job for later is found by the runner's poll; waking
// it now would only cost a claim (a write) that finds nothing — per SLA
// timer, on every ticket write.
func (q *Queue) wakeFor(tx *db.Tx, now, runAt int64) {
	if q.wake != nil && runAt <= now {
		tx.AfterCommit(q.wake)
	}
}

// InsertNow queues n in a transaction of its own.
func (q *Queue) InsertNow(ctx context.Context, n New) (int64, error) {
	var id int64
	err := q.db.WithTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = q.Insert(ctx, tx, n)
		return err
	})
	return id, err
}

// TakeDue takes up to n due jobs of kind into tx, for a handler that
// does several jobs' work in one transaction: they are completed when tx
// commits and stay queued when it rolls back. Jobs a runner claimed are
// not taken.
func (q *Queue) TakeDue(ctx context.Context, tx *db.Tx, kind string, n int) ([]*Job, error) {
	rows, err := tx.QueryContext(ctx, q.q.Get("take-due-jobs"), kind, n, db.Now())
	if err != nil {
		return nil, fmt.Errorf("job: take %s: %w", kind, err)
	}
	return db.Collect(rows, scanTaken(Completed, ""))
}

// scanTaken reads a job a claim or TakeDue returned, now in state and
// locked by holder.
func scanTaken(state, holder string) func(db.Scanner) (*Job, error) {
	return func(s db.Scanner) (*Job, error) {
		j := &Job{State: state, LockedBy: holder}
		var args string
		var runAt, created int64
		err := s.Scan(&j.ID, &j.Kind, &args, &j.Attempt, &j.MaxAttempts, &runAt, &j.UniqueKey, &created)
		j.Args, j.RunAt, j.CreatedAt = json.RawMessage(args), db.Time(runAt), db.Time(created)
		return j, err
	}
}

func scanJob(s db.Scanner) (Job, error) {
	var j Job
	var args string
	var runAt, created, updated int64
	var finished nullInt
	err := s.Scan(&j.ID, &j.Kind, &args, &j.State, &j.Attempt, &j.MaxAttempts, &runAt, &j.UniqueKey, &j.LockedBy,
		&j.LastError, &created, &updated, &finished)
	j.Args = json.RawMessage(args)
	j.RunAt, j.CreatedAt, j.UpdatedAt = db.Time(runAt), db.Time(created), db.Time(updated)
	j.FinishedAt = db.NullTime(finished)
	return j, err
}

// Get returns one job.
func (q *Queue) Get(ctx context.Context, id int64) (*Job, error) {
	j, err := scanJob(q.db.R.QueryRowContext(ctx, q.q.Get("get-job"), id))
	if errors.Is(err, errNoRows) {
		return nil, fmt.Errorf("job %d: %w", id, errNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("job %d: %w", id, err)
	}
	return &j, nil
}

// Filter selects jobs for List.
type Filter struct {
	State, Kind string
	Before      int64 // id cursor: jobs older than this
	Limit       int
}

// List returns jobs newest first: at most Limit (50 when unset, never
// more than 1000), so a caller may ask for one more than it shows to learn
// whether there is a next page.
func (q *Queue) List(ctx context.Context, f Filter) ([]Job, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 1000)
	rows, err := q.db.R.QueryContext(ctx, q.q.Get("list-jobs"), f.State, f.Kind, f.Before, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("job: list: %w", err)
	}
	return db.Collect(rows, scanJob)
}

// Count is the number of jobs of one kind in one state.
type Count struct {
	Kind, State string
	N           int64
}

// Counts returns how many jobs there are by kind and state.
func (q *Queue) Counts(ctx context.Context) ([]Count, error) {
	rows, err := q.db.R.QueryContext(ctx, q.q.Get("count-jobs"))
	if err != nil {
		return nil, fmt.Errorf("job: count: %w", err)
	}
	return db.Collect(rows, func(s db.Scanner) (Count, error) {
		var c Count
		return c, s.Scan(&c.Kind, &c.State, &c.N)
	})
}

// RetryNow makes a failed, cancelled or waiting job run again at once (a
// failed job gets a fresh set of attempts).
func (q *Queue) RetryNow(ctx context.Context, id int64) error {
	j, err := q.Get(ctx, id)
	if err != nil {
		return err
	}
	err = q.db.WithTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, q.q.Get("retry-job-now"), id, db.Now())
		if err != nil {
			return fmt.Errorf("job %d: retry: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errNotRetryable
		}
		if h := q.onRetry[j.Kind]; h != nil {
			return h(ctx, tx, j)
		}
		return nil
	})
	if errors.Is(err, errNotRetryable) {
		return q.refused(ctx, id, errNotRetryable)
	}
	if err != nil {
		return err
	}
	if q.wake != nil {
		q.wake()
	}
	return nil
}

// OnRetry sets what a person's retry of a job of kind also does, in the
// same transaction: a failed email, say, is waiting to be sent again.
// Set it before serving.
func (q *Queue) OnRetry(kind string, fn func(ctx context.Context, tx *db.Tx, j *Job) error) {
	if q.onRetry == nil {
		q.onRetry = map[string]func(context.Context, *db.Tx, *Job) error{}
	}
	q.onRetry[kind] = fn
}

// Cancel stops a job that has not started.
func (q *Queue) Cancel(ctx context.Context, id int64) error {
	res, err := q.db.W.ExecContext(ctx, q.q.Get("cancel-job"), id, db.Now())
	if err != nil {
		return fmt.Errorf("job %d: cancel: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return q.refused(ctx, id, errNotCancellable)
	}
	return nil
}

// refused explains why a change to job id touched no row: the job does not
// exist (not found), or its state does not allow the change (why).
func (q *Queue) refused(ctx context.Context, id int64, why error) error {
	if _, err := q.Get(ctx, id); err != nil {
		return err
	}
	return fmt.Errorf("job %d: %w", id, why)
}

type nullInt = sql.NullInt64
