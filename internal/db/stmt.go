package db

import (
	"context"
	"database/sql"
	"hash/maphash"
	"strings"
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
	m    map[string]*cachedStmt
	// built counts the statements of m that were not prepared at start-up
	// (pin): the texts the code builds, which maxCachedStmts bounds.
	built int
	// evicts: when the built statements reach the bound, the one used
	// longest ago makes room (the reader cache); else the statements
	// beyond it run unprepared (the writer cache, whose statements a
	// transaction binds for its length).
	evicts bool
	clock  atomic.Int64 // counts uses, the cachedStmts' time
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

// cachedStmt is a prepared statement of the cache. Each caller the cache
// hands it to holds a reference until its call on it has returned (done):
// an evicted statement is closed by whoever lets go of it last, so that no
// caller finds it closed between the cache and its call. Rows it returned
// keep it open until they close (database/sql).
type cachedStmt struct {
	st      *sql.Stmt
	pinned  bool         // prepared at start-up (pin): kept for good
	used    atomic.Int64 // the cache's clock at its last use
	refs    atomic.Int32 // callers holding it
	evicted atomic.Bool
}

// done lets go of a reference taken from the cache (nil: none).
func (e *cachedStmt) done() {
	if e != nil && e.refs.Add(-1) == 0 && e.evicted.Load() {
		e.st.Close()
	}
}

// evict closes e once no caller holds it; the cache has let it go.
func (e *cachedStmt) evict() {
	e.evicted.Store(true)
	if e.refs.Load() == 0 {
		e.st.Close() // a second Close, by the last done, does nothing
	}
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

// maxCachedStmts bounds the statements built by the code in the cache
// (those prepared at start-up, a few hundred named queries, are not
// counted). In the reader cache the one used longest ago makes room for a
// new one; it counted every statement once, start-up's included, and
// never let one go: the named queries left about a hundred places, which
// the first list shapes of a server's life took for good, and every
// other list (a queue's next page, a view of other filters) was then
// parsed at each call — 0.8 ms for Pending's merged walk of 21 teams, more
// than running it. maxSeen bounds the hashes of queries run once (use;
// the count starts over beyond it).
const (
	maxCachedStmts = 256
	maxSeen        = 8192
)

func newStmtCache(pool *sql.DB, evicts bool) *stmtCache {
	return &stmtCache{pool: pool, m: map[string]*cachedStmt{}, evicts: evicts, missed: map[string]int{},
		seen: map[uint64]bool{}, seenSeed: maphash.MakeSeed()}
}

// lookup returns the cached statement of query, marked used now and held
// (done), or nil.
func (c *stmtCache) lookup(query string) *cachedStmt {
	c.mu.RLock()
	e := c.m[query]
	if e != nil {
		e.refs.Add(1) // under the lock, which eviction takes
	}
	c.mu.RUnlock()
	if e != nil {
		e.used.Store(c.clock.Add(1))
	}
	return e
}

// full reports whether a statement built by the code must run unprepared:
// the built statements are at their bound in a cache that does not evict.
func (c *stmtCache) full() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return !c.evicts && c.built >= maxCachedStmts
}

// use returns the cached statement of a query run outside a transaction,
// held until the caller's call on it returns (done), preparing it into the
// cache when the query ran before (seen); nil when the query is to run
// unprepared: its first time, or with the cache full.
func (c *stmtCache) use(ctx context.Context, query string) (*cachedStmt, error) {
	if e := c.lookup(query); e != nil {
		return e, nil
	}
	if c.full() {
		return nil, nil
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
	return c.get(ctx, query, false)
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
			c.put(query, st, false)
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

// pin prepares query into the cache for good: the statements prepared at
// start-up (Prepare, the savepoints).
func (c *stmtCache) pin(ctx context.Context, query string) error {
	e, err := c.get(ctx, query, true)
	e.done()
	return err
}

// get returns the cached statement of query, held (done), preparing it if
// the cache does not hold it (nil, without preparing, when it is full).
func (c *stmtCache) get(ctx context.Context, query string, pinned bool) (*cachedStmt, error) {
	if e := c.lookup(query); e != nil {
		return e, nil
	}
	if !pinned && c.full() {
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
		old.refs.Add(1)
		return old, nil
	}
	if !pinned && c.built >= maxCachedStmts {
		if !c.evicts {
			st.Close()
			return nil, nil
		}
		c.evictLocked()
	}
	e := c.put(query, st, pinned)
	e.refs.Add(1)
	return e, nil
}

// put adds a prepared statement; the caller holds the lock.
func (c *stmtCache) put(query string, st *sql.Stmt, pinned bool) *cachedStmt {
	e := &cachedStmt{st: st, pinned: pinned}
	e.used.Store(c.clock.Add(1))
	c.m[query] = e
	if !pinned {
		c.built++
	}
	return e
}

// evictLocked removes the built statement used longest ago; the caller
// holds the lock. It is closed once no caller holds it (evict), and apart:
// closing waits for a call starting a query on it (none once it is not
// held, but Close takes that lock), never under the cache's lock.
func (c *stmtCache) evictLocked() {
	var oldest string
	var victim *cachedStmt
	for q, e := range c.m {
		if !e.pinned && (victim == nil || e.used.Load() < victim.used.Load()) {
			oldest, victim = q, e
		}
	}
	if victim == nil {
		return
	}
	delete(c.m, oldest)
	c.built--
	go victim.evict()
}

// peek returns a cached statement without preparing one, for a write
// transaction: the writer's cache never evicts, so it is neither held nor
// marked used.
func (c *stmtCache) peek(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if e := c.m[query]; e != nil {
		return e.st
	}
	return nil
}

// close closes the cached statements. It does so without holding the lock:
// closing a statement waits for a caller running it, which may wait for the
// writer connection that a transaction holds, and that transaction may need
// the lock (peek) to finish.
func (c *stmtCache) close() {
	c.mu.Lock()
	m := c.m
	c.m = map[string]*cachedStmt{}
	c.built = 0
	c.mu.Unlock()
	for _, e := range m {
		e.st.Close()
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
	return retried(ctx, func() (sql.Result, error) { return p.exec(ctx, query, args) })
}

func (p pool) exec(ctx context.Context, query string, args []any) (sql.Result, error) {
	if p.cache != nil {
		if e, err := p.cache.use(ctx, query); err != nil {
			return nil, err
		} else if e != nil {
			defer e.done()
			return e.st.ExecContext(ctx, args...)
		}
	}
	return p.db.ExecContext(ctx, query, args...)
}

func (p pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if tx := TxFrom(ctx); tx != nil {
		return tx.QueryContext(ctx, query, args...)
	}
	counted(ctx)
	return retried(ctx, func() (*sql.Rows, error) { return p.query(ctx, query, args) })
}

func (p pool) query(ctx context.Context, query string, args []any) (*sql.Rows, error) {
	if p.cache != nil {
		if e, err := p.cache.use(ctx, query); err != nil {
			return nil, err
		} else if e != nil {
			defer e.done()
			return e.st.QueryContext(ctx, args...)
		}
	}
	return p.db.QueryContext(ctx, query, args...)
}

func (p pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if tx := TxFrom(ctx); tx != nil {
		return tx.QueryRowContext(ctx, query, args...)
	}
	counted(ctx)
	row, _ := retried(ctx, func() (*sql.Row, error) {
		row := p.queryRow(ctx, query, args)
		return row, row.Err()
	})
	return row
}

func (p pool) queryRow(ctx context.Context, query string, args []any) *sql.Row {
	if p.cache != nil {
		if e, err := p.cache.use(ctx, query); err == nil && e != nil {
			defer e.done()
			return e.st.QueryRowContext(ctx, args...)
		}
	}
	return p.db.QueryRowContext(ctx, query, args...)
}

// Tx is a write transaction whose statements come from the writer's cache.
type Tx struct {
	*sql.Tx
	cache       *stmtCache
	afterCommit []func()
	finishers   []keyedFinisher // BeforeCommit's, in the order registered
	done        atomic.Bool     // committed or rolled back
	// batched: the transaction of a group's batch, whose statements run
	// to the end even when the context of the caller they serve ends.
	batched    bool
	statements int
	// sqlite: a SQLite transaction (InsertID).
	sqlite bool
	// memo: what the transaction's writes read once (Keep).
	memo map[any]any

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

// Keep keeps v under key for the rest of the transaction, for writes that
// read the same rows again and again, such as a group's batch of creates
// each checking the custom field definitions: Kept returns it until
// Forget, or until a savepoint rolls back (which may undo what it was read
// from). Whoever keeps a value must Forget it when the transaction changes
// what it was read from.
func (t *Tx) Keep(key, v any) {
	if t.memo == nil {
		t.memo = map[any]any{}
	}
	t.memo[key] = v
}

// Kept returns the value kept under key (Keep), or nil.
func (t *Tx) Kept(key any) any { return t.memo[key] }

// Forget drops the value kept under key.
func (t *Tx) Forget(key any) { delete(t.memo, key) }

// A Finisher is work a transaction's writes leave for its end: it runs in
// the transaction once, right before the commit (BeforeCommit).
type Finisher interface {
	Finish(ctx context.Context, tx *Tx) error
}

type keyedFinisher struct {
	key string
	f   Finisher
}

// BeforeCommit returns the Finisher registered under key, registering the
// one fresh makes when there is none (then registered is true). Finishers
// run in the order registered, right before the transaction commits: on
// SQLite after every call of a group's batch, outside their savepoints,
// so work many writes share is done once for all of them. A finisher
// registered inside a savepoint that rolls back is dropped with it, with
// the writes that registered it; one registered before lives on, so it
// must be right about whatever the calls after it did or undid. A
// finisher's error rolls the transaction back (on SQLite the whole batch).
// A finisher must not register AfterCommit functions: on SQLite the
// batch's calls have taken theirs when finishers run. Its statements run
// under the context of the batch's first call.
func (t *Tx) BeforeCommit(key string, fresh func() Finisher) (f Finisher, registered bool) {
	for _, k := range t.finishers {
		if k.key == key {
			return k.f, false
		}
	}
	f = fresh()
	t.finishers = append(t.finishers, keyedFinisher{key, f})
	return f, true
}

// finish runs the transaction's finishers, and those they register.
func (t *Tx) finish(ctx context.Context) error {
	for i := 0; i < len(t.finishers); i++ {
		if err := t.finishers[i].f.Finish(ctx, t); err != nil {
			return err
		}
	}
	t.finishers = nil
	return nil
}

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

// returningID ends the INSERTs whose new row's id InsertID returns.
const returningID = "RETURNING id"

// InsertID runs query, an INSERT of one row that ends "RETURNING id", and
// returns the new row's id. On SQLite it runs the statement without its
// RETURNING and reads the connection's last inserted rowid: SQLite keeps a
// RETURNING's rows in a temporary table that it opens, fills and reads
// again at every execution.
func (t *Tx) InsertID(ctx context.Context, query string, args ...any) (int64, error) {
	if q, ok := strings.CutSuffix(query, returningID); ok && t.sqlite {
		res, err := t.ExecContext(ctx, q, args...)
		if err != nil {
			return 0, err
		}
		return res.LastInsertId()
	}
	var id int64
	err := t.QueryRowContext(ctx, query, args...).Scan(&id)
	return id, err
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
