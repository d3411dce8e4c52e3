package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"modernc.org/libc"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// SetBatchBounds changes the bounds of d's batches (SQLite) for a test.
func SetBatchBounds(d *DB, calls int, d2 time.Duration) {
	d.group.mu.Lock()
	defer d.group.mu.Unlock()
	d.group.maxCalls, d.group.maxTime = calls, d2
}

// Queued returns how many calls wait for d's writer (SQLite).
func Queued(d *DB) int {
	d.group.mu.Lock()
	defer d.group.mu.Unlock()
	return len(d.group.queue)
}

// Cached reports whether d's writer cache holds a prepared query (SQLite).
func Cached(d *DB, query string) bool { return d.wcache.peek(query) != nil }

// CachedRead reports whether d's reader cache holds a prepared query.
func CachedRead(d *DB, query string) bool { return d.rcache.peek(query) != nil }

// HoldRead takes query's statement from d's reader cache, as a caller
// does before its call (the query must be cached), and returns that call
// and the caller's release of it.
func HoldRead(d *DB, query string) (run func() error, done func()) {
	e, err := d.rcache.use(context.Background(), query)
	if err != nil || e == nil {
		return func() error { return fmt.Errorf("%q not cached: %v", query, err) }, func() {}
	}
	return func() error {
		var n int
		return e.st.QueryRowContext(context.Background()).Scan(&n)
	}, e.done
}

// CachedReads is how many prepared queries d's reader cache holds.
func CachedReads(d *DB) int {
	d.rcache.mu.RLock()
	defer d.rcache.mu.RUnlock()
	return len(d.rcache.m)
}

// ConnMutex is the mutex of a modernc.org/sqlite driver connection
// (sqlite3_db_mutex): 0 in multi-thread mode.
func ConnMutex(driverConn any) (uintptr, error) {
	c, ok := driverConn.(sqlite.ExecQuerierContext)
	if !ok {
		return 0, errors.New("not a modernc.org/sqlite connection")
	}
	h, err := connHandle(c)
	if err != nil {
		return 0, err
	}
	tls := libc.NewTLS()
	defer tls.Close()
	return sqlite3.Xsqlite3_db_mutex(tls, h), nil
}
