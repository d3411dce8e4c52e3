package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// A group commits concurrent top-level WithTx calls together (SQLite). The
// single writer connection allows one transaction at a time, and on SQLite
// each commit writes every page its transaction touched to the log: most of
// a small write's cost. So the first caller to find the writer free leads:
// it begins a transaction, runs its own fn and those of the callers that
// queued meanwhile, each in a savepoint of its own, and commits once. Each
// caller then hears its own result, and runs its own AfterCommit functions,
// only after that commit — a request is answered only once its writes are
// durable. When the batch is done the leader hands the writer to the first
// caller still waiting, which leads the next batch with whoever queued
// behind it; nobody ever waits for stragglers.
type group struct {
	mu      sync.Mutex
	queue   []*call // waiting callers, oldest first
	leading bool    // a leader is running a batch (or handing over)

	// Bounds of a batch: the leader stops taking queued calls after
	// maxCalls, or once the batch has run for maxTime, so one commit never
	// keeps a caller waiting for long.
	maxCalls int
	maxTime  time.Duration

	commits, calls atomic.Uint64 // batches committed, and the calls in them
}

func newGroup() *group { return &group{maxCalls: 64, maxTime: 8 * time.Millisecond} }

// call is one top-level WithTx waiting in, or run by, a group.
type call struct {
	ctx   context.Context
	fn    func(tx *Tx) error
	alone bool         // WithTxAlone: a batch of its own, no savepoint
	state atomic.Int32 // callWaiting, then callTaken or callCancelled
	wake  chan bool    // true: lead the next batch; false: answered

	// Set by the leader before it wakes the caller.
	err      error
	panicked any      // fn panicked with this value: re-raised in the caller
	after    []func() // the AfterCommit functions fn registered
}

const (
	callWaiting int32 = iota
	callTaken
	callCancelled
)

// errAbandoned answers the calls of a batch whose leader's goroutine ended
// inside a fn (runtime.Goexit, as t.FailNow does) before it could commit.
var errAbandoned = errors.New("db: transaction abandoned: its goroutine exited inside it")

// Batches returns how many batches have committed since the database was
// opened and how many top-level WithTx calls they held (0, 0 on
// PostgreSQL, whose transactions are not grouped): their ratio is the
// average batch size.
func (d *DB) Batches() (commits, calls uint64) {
	if d.group == nil {
		return 0, 0
	}
	return d.group.commits.Load(), d.group.calls.Load()
}

// do runs c in a batch and returns its result, in the caller's goroutine.
func (g *group) do(d *DB, c *call) error {
	g.mu.Lock()
	if g.leading {
		g.queue = append(g.queue, c)
		g.mu.Unlock()
		if !g.wait(c) {
			return c.result()
		}
	} else {
		g.leading = true
		g.mu.Unlock()
		c.state.Store(callTaken)
	}
	g.lead(d, c)
	return c.result()
}

// wait blocks until c is answered (false) or asked to lead (true). A caller
// whose context ends while it waits gives up, unless the leader already
// took its call: then its fn may be running, and it waits for the outcome.
func (g *group) wait(c *call) bool {
	select {
	case lead := <-c.wake:
		return lead
	case <-c.ctx.Done():
		if c.state.CompareAndSwap(callWaiting, callCancelled) {
			c.err = fmt.Errorf("db: begin: %w", c.ctx.Err())
			return false // the leader skips it
		}
		return <-c.wake
	}
}

// result re-raises fn's panic in the caller's goroutine, or runs the
// functions fn registered to run after the commit and returns its error.
func (c *call) result() error {
	if c.panicked != nil {
		panic(c.panicked)
	}
	if c.err != nil {
		return c.err
	}
	for _, f := range c.after {
		f()
	}
	return nil
}

// take returns the oldest call still waiting and marks it taken, or nil,
// dropping the cancelled calls before it. A call of WithTxAlone leads a
// batch of its own: unless alone allows one (to lead the next batch), take
// leaves it first in the queue and returns nil — also when cancelled calls
// stood before it, which a check of the queue's head alone let it pass
// (the leader then ran it inside the batch's transaction and never
// answered it). The caller holds g.mu.
func (g *group) take(alone bool) *call {
	for len(g.queue) > 0 {
		c := g.queue[0]
		if c.alone && !alone && c.state.Load() == callWaiting {
			return nil
		}
		g.queue[0] = nil
		g.queue = g.queue[1:]
		if c.state.CompareAndSwap(callWaiting, callTaken) {
			return c
		}
	}
	return nil
}

// next returns the next call for a batch of n calls begun at start, or nil
// when the batch is full, has run long enough, nobody is waiting or the
// next waiting call leads a batch of its own.
func (g *group) next(n int, start time.Time) *call {
	if n >= g.maxCalls || time.Since(start) >= g.maxTime {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.take(false)
}

// handOff wakes the oldest waiting caller to lead the next batch, or marks
// the writer free.
func (g *group) handOff() {
	g.mu.Lock()
	c := g.take(true)
	if c == nil {
		g.leading = false
	}
	g.mu.Unlock()
	if c != nil {
		c.wake <- true
	}
}

// lead runs one batch that starts with first, the leader's own call.
func (g *group) lead(d *DB, first *call) {
	batch := []*call{first}
	finished := false
	var tx *Tx
	defer func() {
		if finished {
			return
		}
		// The goroutine is exiting inside a fn: nothing of the batch can
		// be trusted to commit.
		if tx != nil {
			tx.done.Store(true)
			_ = tx.Rollback()
		}
		g.answer(batch, first, errAbandoned)
	}()
	// Not the caller's context: a caller giving up must not end a
	// transaction that holds the others' writes.
	stx, err := d.wpool.BeginTx(context.WithoutCancel(first.ctx), nil)
	if err != nil {
		first.err = fmt.Errorf("db: begin: %w", err)
		finished = true
		g.handOff()
		return
	}
	tx = &Tx{Tx: stx, cache: d.wcache, batched: true, sqlite: true}
	start := time.Now()
	var broken error
	for c := first; c != nil; c = g.next(len(batch), start) {
		if c.alone {
			broken = tx.runAlone(c)
			break
		}
		if c != first {
			batch = append(batch, c)
		}
		if err := c.ctx.Err(); err != nil {
			c.err = fmt.Errorf("db: begin: %w", err)
			continue
		}
		if broken = tx.runCall(c); broken != nil {
			break
		}
	}
	if broken == nil {
		broken = tx.finish(context.WithoutCancel(first.ctx))
	}
	tx.done.Store(true)
	if broken != nil {
		_ = tx.Rollback()
		broken = fmt.Errorf("db: batch rolled back: %w", broken)
	} else if err := tx.Commit(); err != nil {
		broken = fmt.Errorf("db: commit: %w", err)
	} else {
		g.commits.Add(1)
		g.calls.Add(uint64(len(batch)))
		d.checkpoints.committed()
	}
	// Still leading, so the writer connection is free for preparing the
	// statements the batch's transactions could not take from the cache.
	if d.wcache.promoting() {
		d.wcache.promote(context.WithoutCancel(first.ctx))
	}
	finished = true
	g.answer(batch, first, broken)
}

// answer fails the batch's calls with err when it is not nil, hands the
// writer on and wakes the batch's callers but first, whose goroutine is the
// leader's own.
func (g *group) answer(batch []*call, first *call, err error) {
	if err != nil {
		for _, c := range batch {
			if c.err == nil && c.panicked == nil {
				c.err = err
			}
			c.after = nil
		}
	}
	g.handOff()
	for _, c := range batch {
		if c != first {
			c.wake <- false
		}
	}
}

// runCall runs c's fn in a savepoint of the batch's transaction, recording
// its outcome in c. A non-nil result means the transaction itself failed
// (a savepoint could not be set, released or rolled back to) and the whole
// batch must roll back.
func (t *Tx) runCall(c *call) error {
	mark := len(t.afterCommit)
	fnErr, txErr := t.inSavepoint(c.ctx, func(tx *Tx) error {
		err, p := protect(c.fn, tx)
		if p != nil {
			c.panicked = p
			return errPanicked
		}
		return err
	})
	if txErr != nil {
		return txErr
	}
	if fnErr == nil {
		c.after = slices.Clone(t.afterCommit[mark:])
	} else if c.panicked == nil {
		c.err = fnErr
	}
	t.afterCommit = t.afterCommit[:mark]
	return nil
}

// runAlone runs a WithTxAlone call, the batch's only one, in the
// transaction itself: its error or panic rolls the transaction back.
func (t *Tx) runAlone(c *call) error {
	err, p := protect(c.fn, t)
	switch {
	case p != nil:
		c.panicked = p
		return errPanicked
	case err != nil:
		c.err = err
		return err
	}
	c.after = t.afterCommit
	return nil
}

// errPanicked stands for a panic in a batched fn while its savepoint rolls
// back; the caller sees the panic itself.
var errPanicked = errors.New("db: panicked")

// protect runs fn, returning the value it panicked with instead of
// unwinding the leader's goroutine. A runtime.Goexit goes on unwinding.
func protect(fn func(tx *Tx) error, tx *Tx) (err error, panicked any) {
	normal := false
	defer func() {
		if !normal {
			panicked = recover()
		}
	}()
	err = fn(tx)
	normal = true
	return err, nil
}
