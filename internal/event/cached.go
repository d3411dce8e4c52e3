package event

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docket/docket/internal/db"
)

// Cached is a value read from tables that any instance may change and
// whose every change writes an event — the SLA policies and calendars, the
// custom field definitions — kept so that a request or a write uses it
// without a statement. The process that makes a change uses it at once
// (the cache drops when the change commits, before the writer returns);
// every other instance uses it at most the pump's delay late.
//
// It is checked against its mark (one small query that every change moves,
// whichever instance made it: row counts and latest updated_at) only when
// it may be stale: after this process appended an event of a watched kind,
// after the pump read one (another instance's), or when the pump has not
// read the log lately (not running: a command-line process, whose every
// use checks). It is reloaded when the mark moved.
type Cached[M comparable, T any] struct {
	watched func(kind string) bool
	mark    func(ctx context.Context, q db.Queryer) (M, error)
	load    func(ctx context.Context, q db.Queryer, mark M) (T, error)
	pump    bool

	// gen counts the watched changes this process learnt of; pumped is
	// when the pump last read the event log (unix ns).
	gen, pumped atomic.Int64

	mu  sync.Mutex
	cur *version[M, T]
}

type version[M comparable, T any] struct {
	mark  M
	value T
	// gen is the Cached's gen when mark was last checked.
	gen atomic.Int64
}

// PumpFresh is how lately the pump must have read the event log for a
// cache to go unchecked: it reads every second or sooner, but a round also
// drains the consumers, which a loaded machine slows. It bounds how long a
// process whose pump stopped trusts its caches.
const PumpFresh = 10 * time.Second

// NewCached returns a cache of what load reads (given the mark it read
// first), checked with mark, and dropped by the events whose kind watched
// accepts: appended to l by this process (when their transaction commits)
// or read by p from any instance. Without a pump (nil) every use checks
// the mark. Create it before the pump runs and before serving.
func NewCached[M comparable, T any](l *Log, p *Pump, watched func(kind string) bool,
	mark func(ctx context.Context, q db.Queryer) (M, error),
	load func(ctx context.Context, q db.Queryer, mark M) (T, error)) *Cached[M, T] {
	c := &Cached[M, T]{watched: watched, mark: mark, load: load, pump: p != nil}
	l.OnAppend(c.appended)
	if p != nil {
		p.Observe(c.observe)
	}
	return c
}

// appended is the event log's OnAppend: a watched change written in this
// process drops the cache when it commits.
func (c *Cached[M, T]) appended(tx *db.Tx, kind string) {
	if c.watched(kind) {
		tx.AfterCommit(c.Changed)
	}
}

// observe is the pump's Observe: a watched change another instance wrote
// drops the cache.
func (c *Cached[M, T]) observe(recs []Record) {
	for _, r := range recs {
		if c.watched(r.Kind) {
			c.Changed()
			break
		}
	}
	c.pumped.Store(time.Now().UnixNano())
}

// Changed makes the next use check the mark: for rows written without
// their event (by hand, as test fixtures do).
func (c *Cached[M, T]) Changed() { c.gen.Add(1) }

// Get returns the value, checked through q when it may be stale (or in any
// case with force) and reloaded when its mark moved. Callers must not
// change it.
func (c *Cached[M, T]) Get(ctx context.Context, q db.Queryer, force bool) (T, error) {
	gen := c.gen.Load()
	c.mu.Lock()
	v := c.cur
	c.mu.Unlock()
	trusted := c.pump && time.Now().UnixNano()-c.pumped.Load() < int64(PumpFresh)
	if v != nil && v.gen.Load() == gen && trusted && !force {
		return v.value, nil
	}
	m, err := c.mark(ctx, q)
	if err != nil {
		var zero T
		return zero, err
	}
	if v != nil && v.mark == m {
		v.gen.Store(gen)
		return v.value, nil
	}
	value, err := c.load(ctx, q, m)
	if err != nil {
		var zero T
		return zero, err
	}
	v = &version[M, T]{mark: m, value: value}
	v.gen.Store(gen)
	c.mu.Lock()
	c.cur = v
	c.mu.Unlock()
	return value, nil
}
