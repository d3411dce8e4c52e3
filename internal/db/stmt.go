package db

import (
	"context"
	"database/sql"
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// stmtCache keeps prepared statements per query text for one pool, so hot
// statements are parsed once instead of on every call. On SQLite parsing
// costs about as much as running a simple statement. PostgreSQL needs none:
// pgx caches prepared statements per connection itself.
type stmtCache struct {
	pool *sql.DB
	mu   sync.RWMutex
	m    map[string]*sql.Stmt
	// missed counts, per query text, the times a write transaction ran a
	// statement the cache did not hold (a transaction cannot prepare one:
	// see Tx.stmt); a text missed promoteAfter times is due, and prepared
	// by promote once the writer is free. The texts a write builds from
	// what it changes (a ticket's UPDATE of the columns that moved) come
	// in a few shapes, each parsed on every write until then.
	missed   map[string]int
	due      []string
	promoted int
	// seen holds, by a hash of the text, the queries run outside a
	// transaction once and not cached (use): such a query is prepared into
	// the cache when it runs again. Texts built with their values written
	// out — a search's or a sparse list's ticket ids — run once each:
	// cached at their first call, a few hundred searches filled the cache
	// for good with statements that never ran again, and every query first
	// run after that was parsed at every call.
	seen     map[uint64]bool
	seenSeed maphash.Seed
}

// promoteAfter is how often a transaction's statement must miss the cache
// before promote prepares it; maxPromoted bounds those prepared so, and
// maxMissed the texts counted (the count starts over beyond it), so that
// one-off texts neither fill the cache nor grow the count without end.
const (
	promoteAfter = 3
	maxPromoted  = 256
	maxMissed    = 4096
)

// maxCachedStmts bounds the cache; dynamically built list queries beyond it
// are simply prepared each time. maxSeen bounds the hashes of queries run
// once (use; the count starts over beyond it).
const (
	maxCachedStmts = 512
	maxSeen        = 8192
)

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: map[string]*sql.Stmt{}, missed: map[string]int{}, seen: map[uint64]bool{},
		seenSeed: maphash.MakeSeed()}
}

// use returns the cached statement of a query run outside a transaction,
// preparing it into the cache when the query ran before (seen); nil when
// the query is to run unprepared: its first time, or with the cache full.
func (c *stmtCache) use(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.RLock()
	st, full := c.m[query], len(c.m) >= maxCachedStmts
	c.mu.RUnlock()
	if st != nil || full {
		return st, nil
	}
	h := maphash.String(c.seenSeed, query)
	c.mu.Lock()
	again := c.seen[h]
	if again {
		delete(c.seen, h)
	} else {
		if len(c.seen) >= maxSeen {
			clear(c.seen)
		}
		c.seen[h] = true
	}
	c.mu.Unlock()
	if !again {
		return nil, nil
	}
	return c.get(ctx, query)
}

// miss counts a transaction's statement the cache did not hold.
func (c *stmtCache) miss(query string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.promoted+len(c.due) >= maxPromoted {
		return
	}
	if len(c.missed) >= maxMissed {
		clear(c.missed)
	}
	c.missed[query]++
	if c.missed[query] == promoteAfter {
		delete(c.missed, query)
		c.due = append(c.due, query)
	}
}

// promote prepares the statements due for the cache (miss). The caller
// holds no transaction on the pool: on SQLite preparing takes the writer
// connection. A statement that fails to prepare is dropped; the
// transactions that run it go on preparing it themselves.
func (c *stmtCache) promote(ctx context.Context) {
	c.mu.Lock()
	due := c.due
	c.due = nil
	c.mu.Unlock()
	for _, query := range due {
		st, err := c.pool.PrepareContext(ctx, query)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if c.m[query] == nil {
			c.m[query] = st
			c.promoted++
			st = nil
		}
		c.mu.Unlock()
		if st != nil {
			st.Close()
		}
	}
}

// promoting reports whether statements are due for promote.
func (c *stmtCache) promoting() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.due) > 0
}

func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.RLock()
	st := c.m[query]
	c.mu.RUnlock()
	if st != nil {
		return st, nil
	}
	c.mu.RLock()
	full := len(c.m) >= maxCachedStmts
	c.mu.RUnlock()
	if full {
		return nil, nil
	}
	// Prepare without holding the lock: on SQLite preparing waits for the
	// single writer connection, and the transaction holding it may need
	// the lock (peek) to finish — holding it here would deadlock.
	st, err := c.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[query]; old != nil {
		st.Close() // another caller prepared it meanwhile
		return old, nil
	}
	c.m[query] = st
	return st, nil
}

// peek returns a cached statement without preparing one.
func (c *stmtCache) peek(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[query]
}

// close closes the cached statements. It does so without holding the lock:
// closing a statement waits for a caller running it, which may wait for the
// writer connection that a transaction holds, and that transaction may need
// the lock (peek) to finish.
func (c *stmtCache) close() {
	c.mu.Lock()
	m := c.m
	c.m = map[string]*sql.Stmt{}
	c.mu.Unlock()
	for _, st := range m {
		st.Close()
	}
}

// pool runs statements on a connection pool through the cache.
type pool struct {
	db    *sql.DB
	cache *stmtCache // nil: no caching
}

// counterKey carries a statement counter (CountStatements).
type counterKey struct{}

// CountStatements returns a context under which every statement run through
// R, W or a transaction is counted, and a function reporting how many ran
// so far: tests pin what a request costs. It costs a context lookup per
// statement.
func CountStatements(ctx context.Context) (context.Context, func() int) {
	n := new(atomic.Int64)
	return context.WithValue(ctx, counterKey{}, n), func() int { return int(n.Load()) }
}

// counted counts a statement run under ctx, if ctx counts them.
func counted(ctx context.Context) {
	if n, ok := ctx.Value(counterKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
}

// Under a context carrying a live transaction (WithinTx), a pool's
// statements run in that transaction: they see its writes, and on SQLite W
// would otherwise wait forever for the writer connection it holds.

func (p pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if tx := TxFrom(ctx); tx != nil {
		return tx.ExecContext(ctx, query, args...)
	}
	counted(ctx)
	if p.cache != nil {
		if st, err := p.cache.use(ctx, query); err != nil {
			return nil, err
		} else if st != nil {
			return st.ExecContext(ctx, args...)
		}
	}
	return p.db.ExecContext(ctx, query, args...)
}

func (p pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if tx := TxFrom(ctx); tx != nil {
		return tx.QueryContext(ctx, query, args...)
	}
	counted(ctx)
	if p.cache != nil {
		if st, err := p.cache.use(ctx, query); err != nil {
			return nil, err
		} else if st != nil {
			return st.QueryContext(ctx, args...)
		}
	}
	return p.db.QueryContext(ctx, query, args...)
}

func (p pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if tx := TxFrom(ctx); tx != nil {
		return tx.QueryRowContext(ctx, query, args...)
	}
	counted(ctx)
	if p.cache != nil {
		if st, err := p.cache.use(ctx, query); err == nil && st != nil {
			return st.QueryRowContext(ctx, args...)
		}
	}
	return p.db.QueryRowContext(ctx, query, args...)
}

// Tx is a write transaction whose statements come from the writer's cache.
type Tx struct {
	*sql.Tx
	cache       *stmtCache
	afterCommit []func()
	done        atomic.Bool // committed or rolled back
	// batched: the transaction of a group's batch, whose statements run
	// to the end even when the context of the caller they serve ends.
	batched    bool
	statements int

	mu    sync.Mutex
	stmts map[string]*sql.Stmt // the cache's statements bound to this transaction
}

// Statements counts the statements run in the transaction so far, for
// tests that pin what a write costs.
func (t *Tx) Statements() int { return t.statements }

// AfterCommit registers fn to run once the transaction has committed (and
// never if it rolls back): the place to wake a worker for the rows the
// transaction wrote, instead of sleeping and hoping the commit is done. In a
// transaction joined through WithinTx, fn runs when the outermost commits.
func (t *Tx) AfterCommit(fn func()) { t.afterCommit = append(t.afterCommit, fn) }

// ctx is the context a statement runs under (see batched).
func (t *Tx) ctx(ctx context.Context) context.Context {
	if t.batched {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (t *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if t.cache == nil {
		return nil
	}
	// Only statements prepared at start-up: preparing on the pool now would
	// wait for the writer connection this transaction holds.
	st := t.cache.peek(query)
	if st == nil {
		t.cache.miss(query)
		return nil
	}
	// The writer pool has a single connection, so this reuses the statement
	// prepared on it instead of preparing again; bound once per
	// transaction, as a transaction writing thousands of rows runs the
	// same few statements again and again.
	t.mu.Lock()
	defer t.mu.Unlock()
	if ts := t.stmts[query]; ts != nil {
		return ts
	}
	ts := t.Tx.StmtContext(ctx, st)
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[query] = ts
	return ts
}

// ExecContext runs a statement in the transaction.
func (t *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = t.ctx(ctx)
	t.statements++
	counted(ctx)
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

// QueryContext runs a query in the transaction.
func (t *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = t.ctx(ctx)
	t.statements++
	counted(ctx)
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a single-row query in the transaction.
func (t *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = t.ctx(ctx)
	t.statements++
	counted(ctx)
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}
