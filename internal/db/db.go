// Package db opens Docket's database (embedded SQLite or PostgreSQL), applies
// migrations, loads named queries from embedded .sql files and runs
// transactions. It knows nothing about tickets or users.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"           // SQLite driver "sqlite"
)

// Dialect names the SQL engine behind a DB.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database: a writer pool and a reader pool (the same pool on
// PostgreSQL), and on PostgreSQL a pool of its own for G, with the dialect
// they speak.
type DB struct {
	// W is for statements that write, outside WithTx. On SQLite it holds a
	// single connection whose transactions begin IMMEDIATE, so writers
	// queue instead of failing with SQLITE_BUSY.
	W Queryer
	// R is for reads. On SQLite it is a pool of read-only connections that
	// run concurrently with the writer thanks to WAL.
	R Queryer
	// G is for reads whose statements' plans suit any of their values: a
	// built-in view's page. On PostgreSQL it is a small pool of its own whose
	// sessions keep one plan per statement (openPostgres); on SQLite, R.
	G       Queryer
	Dialect Dialect

	wpool, rpool   *sql.DB
	gpool          *sql.DB
	wcache, rcache *stmtCache
	group          *group        // SQLite: concurrent WithTx calls commit together
	checkpoints    *checkpointer // SQLite: the log copied back beside the writer
}

func newDB(w, r *sql.DB, dialect Dialect) *DB {
	d := &DB{Dialect: dialect, wpool: w, rpool: r}
	if dialect == SQLite {
		d.wcache, d.rcache = newStmtCache(w, false), newStmtCache(r, true)
		d.group = newGroup()
	}
	d.W = pool{db: w, cache: d.wcache}
	d.R = pool{db: r, cache: d.rcache}
	d.G, d.gpool = d.R, r
	return d
}

// Pools returns the writer and reader connection pools (the same pool on
// PostgreSQL), for code that needs database/sql directly.
func (d *DB) Pools() (w, r *sql.DB) { return d.wpool, d.rpool }

// GenericPool returns the pool behind G (R's on SQLite).
func (d *DB) GenericPool() *sql.DB { return d.gpool }

// Options configure Open.
type Options struct {
	// URL is a postgres:// URL; empty means SQLite under DataDir.
	URL string
	// DataDir holds docket.db when URL is empty.
	DataDir string
	// ReadConns bounds the SQLite read pool (default: defaultReadConns).
	ReadConns int
	// Synchronous is SQLite's synchronous setting: "normal" (default) makes
	// every commit survive a crash of the process (kill -9), "full" also
	// survives power loss at the cost of an fsync per commit.
	Synchronous string
	// BulkLoad opens SQLite for one process loading a new database
	// (docket seed): a rollback journal instead of the write-ahead log, and
	// no fsync. Pages then go to the file once, not to the log and again at
	// each checkpoint. A load killed midway leaves its journal, and the
	// next open rolls the unfinished transaction back; a power cut during
	// the load can leave a damaged file. The next Open without BulkLoad
	// returns the file to the write-ahead log. Other processes cannot have
	// the file open (the open fails with "database is locked").
	BulkLoad bool
}

// Open connects to the database named by opts and checks it answers.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if opts.URL != "" {
		if !strings.HasPrefix(opts.URL, "postgres://") && !strings.HasPrefix(opts.URL, "postgresql://") {
			return nil, errors.New("db: database URL must start with postgres://")
		}
		return openPostgres(ctx, opts.URL)
	}
	return openSQLite(ctx, opts)
}

// pgSessionDefaults are the settings Docket's PostgreSQL sessions start
// with where nobody chose a value: each is set on a new connection only
// while its source is still PostgreSQL's built-in default, so a value
// from postgresql.conf, ALTER SYSTEM, ALTER DATABASE or ALTER ROLE, or a
// parameter of the database URL (one that is not a connection setting is a
// session setting: …&max_parallel_workers_per_gather=2), wins.
//
// max_parallel_workers_per_gather 0: Docket's statements read bounded
// windows of rows, many at a time, where a parallel plan starts worker
// processes for each of them. Its newest-first search walks planned as
// Gather Merge over two workers: at 100,000 tickets, eight searches at a
// time on two cores answered 86–92 a second with a p99 of 965–982 ms,
// and 209–213 a second with a p99 of 259–267 ms without the workers
// (BENCHMARKS.md, "PostgreSQL without parallel workers").
//
// random_page_cost 1.1: Docket's lists walk an index in their order and
// stop after a page, reading the page's tickets at random. PostgreSQL's
// default (4) costs a random read as a spinning disk's, and at a million
// tickets it planned the Pending queue's walks as bitmap scans of every
// pending ticket of each team, sorted: lists at eight at a time answered
// 603–615 a second with a p99 of 64–67 ms, and 708–752 with a p99 of 38 ms
// at 1.1, the usual setting for a database that is cached or on solid
// state (BENCHMARKS.md, "PostgreSQL lists: statuses as constants").
var pgSessionDefaults = map[string]string{
	"max_parallel_workers_per_gather": "0",
	"random_page_cost":                "1.1",
}

func openPostgres(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("db: open postgres: %w", err)
	}
	pool := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(ctx context.Context, conn *pgx.Conn) error {
		return setSessionDefaults(ctx, conn, pgSessionDefaults)
	}))
	pool.SetMaxOpenConns(32)
	pool.SetMaxIdleConns(16)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	generic := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(ctx context.Context, conn *pgx.Conn) error {
		return setSessionDefaults(ctx, conn, pgGenericDefaults)
	}))
	generic.SetMaxOpenConns(genericConns)
	generic.SetMaxIdleConns(genericConns)
	generic.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.PingContext(pctx); err != nil {
		pool.Close()
		generic.Close()
		return nil, fmt.Errorf("db: connect to postgres: %w", err)
	}
	d := newDB(pool, pool, Postgres)
	d.G, d.gpool = queryPool(generic), generic
	return d, nil
}

// genericConns bounds G's pool on PostgreSQL, next to the 32 of the main
// one: eight list pages at a time keep two cores busy, and a ninth waits
// for a connection rather than for the CPU.
const genericConns = 8

// pgGenericDefaults are G's sessions' settings (pgSessionDefaults, and
// plan_cache_mode). pgx prepares every statement once per connection, and
// PostgreSQL plans a prepared statement again at each run for its values
// (a custom plan) unless the plan for any values looks as cheap. A built-in
// view's page walks an index in its order and stops after a page, the
// right plan whatever its values (the ticket service decides which pages
// those are), but with three dozen indexes of tickets to weigh
// its custom plan took 0.3–0.8 ms for a page that runs in less: a fifth
// of PostgreSQL's time under lists at a million tickets. Kept, the plan is
// made once per connection and statement, and again after ANALYZE or a
// change of schema. Not for the main pool: a search's plan depends on how
// common its words are, and a timer's on how many tickets are due.
var pgGenericDefaults = func() map[string]string {
	m := maps.Clone(pgSessionDefaults)
	m["plan_cache_mode"] = "force_generic_plan"
	return m
}()

// queryPool is p as a Queryer that runs in the transaction ctx carries,
// if any, like R and W.
func queryPool(p *sql.DB) Queryer { return pool{db: p} }

// setSessionDefaults sets on conn, a new connection, the settings of
// defaults nobody chose (see pgSessionDefaults), in one statement.
func setSessionDefaults(ctx context.Context, conn *pgx.Conn, defaults map[string]string) error {
	var names, values []string
	for k, v := range defaults {
		names, values = append(names, k), append(values, v)
	}
	_, err := conn.Exec(ctx, `SELECT set_config(s.name, d.value, false)
FROM pg_settings s JOIN unnest($1::text[], $2::text[]) AS d(name, value) ON d.name = s.name
WHERE s.source = 'default'`, names, values)
	if err != nil {
		return fmt.Errorf("db: session defaults: %w", err)
	}
	return nil
}

// SQLitePath is the database file inside a data directory.
func SQLitePath(dataDir string) string { return filepath.Join(dataDir, "docket.db") }

func openSQLite(ctx context.Context, opts Options) (*DB, error) {
	if opts.DataDir == "" {
		return nil, errors.New("db: no data directory for SQLite")
	}
	if err := os.MkdirAll(opts.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("db: create data directory: %w", err)
	}
	path := SQLitePath(opts.DataDir)
	sync := "NORMAL"
	switch strings.ToLower(opts.Synchronous) {
	case "", "normal":
	case "full":
		sync = "FULL"
	default:
		return nil, fmt.Errorf("db: synchronous must be normal or full, not %q", opts.Synchronous)
	}
	// In WAL mode a commit is in the log before it returns: synchronous=NORMAL
	// loses nothing when the process dies; FULL also fsyncs for power loss.
	journal := "WAL"
	if opts.BulkLoad {
		journal, sync = "TRUNCATE", "OFF"
	}
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(" + journal + ")&_pragma=synchronous(" + sync + ")&_time_format=sqlite"
	wopts := "&_pragma=temp_store(2)&_txlock=immediate"
	if !opts.BulkLoad {
		wopts += "&_pragma=wal_autocheckpoint(" + strconv.Itoa(writerCheckpointPages) + ")"
	}
	w, err := sql.Open("sqlite", "file:"+path+"?"+common+wopts)
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open sqlite reader: %w", err)
	}
	n := opts.ReadConns
	if n <= 0 {
		n = defaultReadConns()
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	d := newDB(w, r, SQLite)
	if !opts.BulkLoad {
		c, err := sql.Open("sqlite", "file:"+path+"?"+common)
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("db: open sqlite checkpointer: %w", err)
		}
		d.checkpoints = newCheckpointer(c)
	}
	// Prepared now: a transaction only uses statements prepared before it.
	for _, q := range []string{savepoint, releaseSavepoint, rollbackSavepoint} {
		if err := d.wcache.pin(ctx, q); err != nil {
			d.Close()
			return nil, fmt.Errorf("db: prepare %q: %w", q, err)
		}
	}
	return d, nil
}

// defaultReadConns is how many connections SQLite's read pool holds: two
// per CPU Go may use, from 4 to 8. A read here is CPU work on pages the
// operating system already caches, so readers beyond a couple per CPU
// only take turns on the same cores, each with a page cache of its own:
// on two cores at a million tickets, lists at eight at a time had a p99
// of 16–21 ms on four readers against 22–24 ms on eight, and 41 MB less
// peak RSS (BENCHMARKS.md, "Four readers on two cores"). No read holds its
// connection while it reads again (TestReadsTakeOneConnection), so a
// request waits for a connection at most while others finish theirs.
func defaultReadConns() int { return min(max(2*runtime.GOMAXPROCS(0), 4), 8) }

// Close closes the pools.
func (d *DB) Close() error {
	if d.wcache != nil {
		d.wcache.close()
		d.rcache.close()
	}
	err := d.wpool.Close()
	if d.rpool != d.wpool {
		err = errors.Join(err, d.rpool.Close())
	}
	if d.gpool != d.rpool {
		err = errors.Join(err, d.gpool.Close())
	}
	return errors.Join(err, d.checkpoints.close())
}

// Queryer is what both *sql.DB and *db.Tx offer for reads and writes.
type Queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// WithTx runs fn in one write transaction, committing when fn returns nil
// and rolling back otherwise, and then runs the functions fn registered
// with AfterCommit. When ctx carries a live transaction (WithinTx), fn
// joins it instead, inside a savepoint: its writes compose with the rest
// and the outermost caller commits, while a failing fn undoes only its own
// writes (and drops its AfterCommit functions), as it would alone — so a
// caller that handles the error goes on with a clean slate.
//
// On SQLite, concurrent top-level calls share one transaction and one
// commit (see group): each fn runs in a savepoint of its own, so the
// outcome for each caller is the same as above — its own error undoes only
// its own writes — except that a failed commit, or a failed finisher
// (BeforeCommit), fails every call that shared it. WithTx returns only
// after the commit. The statements of a write transaction on SQLite are
// not interrupted when a caller's context ends: an interrupted write rolls
// back the whole transaction, others' writes too.
func (d *DB) WithTx(ctx context.Context, fn func(tx *Tx) error) error {
	if tx := TxFrom(ctx); tx != nil {
		return tx.nested(ctx, fn)
	}
	if d.group != nil {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("db: begin: %w", err)
		}
		return d.group.do(d, &call{ctx: ctx, fn: fn, wake: make(chan bool, 1)})
	}
	tx, err := inTx(ctx, d.wpool, nil, d.wcache, fn)
	if err != nil {
		return err
	}
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

// inTx runs fn in a transaction of its own on p, begun with opts,
// committing when fn returns nil and rolling back otherwise; it returns the
// ended transaction.
func inTx(ctx context.Context, p *sql.DB, opts *sql.TxOptions, cache *stmtCache, fn func(tx *Tx) error) (*Tx, error) {
	stx, err := Begin(ctx, p, opts)
	if err != nil {
		return nil, fmt.Errorf("db: begin: %w", err)
	}
	tx := &Tx{Tx: stx, cache: cache}
	defer tx.done.Store(true)
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	if err := tx.finish(ctx); err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("db: commit: %w", err)
	}
	return tx, nil
}

// badConnRetries is how many times a statement or a transaction's begin
// is tried again after database/sql gave up on dead connections.
const badConnRetries = 3

// retried runs q, and again while it fails with driver.ErrBadConn under a
// live ctx, at most badConnRetries more times. database/sql already tries
// three connections when a driver reports one dead, but right after a burst
// of requests whose clients went away, PostgreSQL's pool held more than
// three connections pgx reports dead, and live requests and the event
// consumers' transactions failed with "driver: bad connection" (500s on a
// healthy server; TestBeginOutlastsDeadConnections). A driver reports a
// connection dead only when nothing it was asked to do can have run
// (database/sql's contract for ErrBadConn), so asking again is safe; the
// tries are bounded, so a database that is really gone still fails fast.
func retried[T any](ctx context.Context, q func() (T, error)) (T, error) {
	for i := 0; ; i++ {
		v, err := q()
		if err == nil || i == badConnRetries || !errors.Is(err, driver.ErrBadConn) || ctx.Err() != nil {
			return v, err
		}
	}
}

// Begin begins a transaction on p, past dead connections (retried).
func Begin(ctx context.Context, p *sql.DB, opts *sql.TxOptions) (*sql.Tx, error) {
	return retried(ctx, func() (*sql.Tx, error) { return p.BeginTx(ctx, opts) })
}

// ReadSnapshot runs fn with a Queryer whose statements all read one
// snapshot of the database, for a read split into several statements
// (the ids of a page, then its rows) that must agree with each other. On
// PostgreSQL that is a REPEATABLE READ, READ ONLY transaction of its own;
// each statement of READ COMMITTED sees the commits made since the one
// before. On SQLite, and inside a transaction ctx carries (WithinTx), fn
// gets R: SQLite's split reads (a search's page) read the page's rows in
// the page's order again, so a row that moved cannot end the page; a
// caller's transaction reads as its own isolation level says (READ
// COMMITTED unless it chose otherwise).
func (d *DB) ReadSnapshot(ctx context.Context, fn func(q Queryer) error) error {
	if d.Dialect == SQLite || TxFrom(ctx) != nil {
		return fn(d.R)
	}
	_, err := inTx(ctx, d.rpool, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}, d.rcache,
		func(tx *Tx) error { return fn(tx) })
	return err
}

// The savepoint statements of nested WithTx calls. One name serves every
// depth: RELEASE and ROLLBACK TO act on the innermost savepoint of that name.
const (
	savepoint         = "SAVEPOINT docket_nested"
	releaseSavepoint  = "RELEASE SAVEPOINT docket_nested"
	rollbackSavepoint = "ROLLBACK TO SAVEPOINT docket_nested"
)

// nested runs fn in tx inside a savepoint (see WithTx).
func (t *Tx) nested(ctx context.Context, fn func(tx *Tx) error) error {
	fnErr, txErr := t.inSavepoint(ctx, fn)
	if fnErr != nil {
		return errors.Join(fnErr, txErr)
	}
	return txErr
}

// WithTxAlone is WithTx for one long writer, a bulk import: on SQLite its
// fn runs in a transaction that no concurrent call shares, outside the
// savepoint a grouped call runs in. Under an open savepoint SQLite keeps
// every page the transaction changes in its statement journal and walks
// that journal at the end of every statement, so a transaction of
// thousands of statements slows with each one (57 % of `docket seed`'s
// CPU at 20,000 tickets). An error or panic from fn rolls back the whole
// transaction, as it would alone; concurrent calls wait for its commit.
// Inside a transaction (WithinTx) it is WithTx.
func (d *DB) WithTxAlone(ctx context.Context, fn func(tx *Tx) error) error {
	if d.group == nil || TxFrom(ctx) != nil {
		return d.WithTx(ctx, fn)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	return d.group.do(d, &call{ctx: ctx, fn: fn, alone: true, wake: make(chan bool, 1)})
}

// inSavepoint runs fn in tx inside a savepoint. fnErr is fn's error, after
// which the savepoint was rolled back and fn's AfterCommit functions
// dropped; txErr says that a savepoint statement failed, leaving the
// transaction in a state no one should commit.
func (t *Tx) inSavepoint(ctx context.Context, fn func(tx *Tx) error) (fnErr, txErr error) {
	if _, err := t.ExecContext(ctx, savepoint); err != nil {
		return nil, fmt.Errorf("db: savepoint: %w", err)
	}
	after, finishers := len(t.afterCommit), len(t.finishers)
	if err := fn(t); err != nil {
		// On PostgreSQL this also ends the aborted state a failed statement
		// leaves: the transaction can go on.
		if _, rerr := t.ExecContext(ctx, rollbackSavepoint); rerr != nil {
			return err, fmt.Errorf("db: rollback to savepoint: %w", rerr)
		}
		t.afterCommit, t.finishers = t.afterCommit[:after], t.finishers[:finishers]
		clear(t.memo) // what they were read from may be undone
		_, _ = t.ExecContext(ctx, releaseSavepoint)
		return err, nil
	}
	if _, err := t.ExecContext(ctx, releaseSavepoint); err != nil {
		return nil, fmt.Errorf("db: release savepoint: %w", err)
	}
	return nil, nil
}

type txKey struct{}

// WithinTx returns a context under which WithTx joins tx rather than
// beginning a transaction of its own, and R and W run their statements in
// tx: a job, a rule or a batch import can call services (ticket.Service,
// say) and have all their writes commit or roll back as one, each reading
// what the others wrote before. On SQLite this is also the only way, since
// tx holds the single writer connection. Once tx has ended, the context
// carries none.
func WithinTx(ctx context.Context, tx *Tx) context.Context {
	return context.WithValue(ctx, txKey{}, tx)
}

// InTx reports whether ctx carries a transaction that WithTx would join.
func InTx(ctx context.Context) bool { return TxFrom(ctx) != nil }

// TxFrom returns the live transaction ctx carries (WithinTx), or nil.
func TxFrom(ctx context.Context) *Tx {
	tx, ok := ctx.Value(txKey{}).(*Tx)
	if !ok || tx == nil || tx.done.Load() {
		return nil
	}
	return tx
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.rpool.PingContext(ctx) }

// Rebind turns the $1-style placeholders we write into the dialect's own.
// SQLite accepts ?NNN for numbered parameters.
func (d *DB) Rebind(q string) string { return Rebind(d.Dialect, q) }

// Rebind turns $N placeholders into ?N for SQLite; PostgreSQL keeps them.
func Rebind(dialect Dialect, q string) string {
	if dialect != SQLite || !strings.Contains(q, "$") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q))
	inStr := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c == '\'' {
			inStr = !inStr
		}
		if c == '$' && !inStr && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9' {
			b.WriteByte('?')
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Now returns the current time in microseconds since the Unix epoch, the
// form every timestamp column uses on both dialects; or the time SetNow
// fixed.
func Now() int64 {
	if us := fixedNow.Load(); us != 0 {
		return us
	}
	return time.Now().UnixMicro()
}

var fixedNow atomic.Int64

// SetNow makes Now return us (microseconds since the epoch) until the next
// SetNow; 0 returns to the wall clock. It is for a process that writes a
// made-up history through the services — `docket seed` dates each ticket
// and reply — and for tests that compare two writers; never for a server.
func SetNow(us int64) { fixedNow.Store(us) }

// Time converts a stored timestamp to a time.Time in UTC.
func Time(us int64) time.Time { return time.UnixMicro(us).UTC() }

// NullTime converts a nullable stored timestamp; nil when NULL.
func NullTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := Time(v.Int64)
	return &t
}
