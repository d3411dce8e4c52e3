package db

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// A checkpointer copies SQLite's write-ahead log back into the database
// file on a connection of its own, so the single writer never does. By
// default SQLite checkpoints in the connection that commits once the log
// passes 1,000 pages: every few dozen batches the writer stopped to copy
// pages and fsync the log and the database file, while every write queued
// behind it (BENCHMARKS.md, "Checkpoints beside the writer"). A PASSIVE
// checkpoint takes no lock a writer or a reader waits for, so it runs
// beside the writer. Under a steady load it rarely copies the whole log,
// which only then starts again from its beginning: the writer keeps an
// automatic checkpoint of its own, at writerCheckpointPages, which then
// finds most of the log copied already.
type checkpointer struct {
	conn     *sql.DB // one connection, not the writer's
	interval time.Duration
	last     atomic.Int64 // when the last checkpoint began, in Unix nanoseconds
	running  atomic.Bool
	runs     atomic.Uint64

	mu     sync.Mutex // guards closed and the WaitGroup's Add against close
	closed bool
	wg     sync.WaitGroup
}

// writerCheckpointPages is the writer's own automatic checkpoint (SQLite's
// wal_autocheckpoint), about 40 MB of log at 4 KB pages: only reached when
// checkpoints on the checkpointer's connection fall behind.
const writerCheckpointPages = 10000

func newCheckpointer(conn *sql.DB) *checkpointer {
	conn.SetMaxOpenConns(1)
	conn.SetMaxIdleConns(1)
	return &checkpointer{conn: conn, interval: 100 * time.Millisecond}
}

// committed starts a checkpoint after a commit, unless one is running or
// began less than an interval ago: one goroutine per checkpoint, and none
// while nothing is written.
func (c *checkpointer) committed() {
	if c == nil {
		return
	}
	now := time.Now().UnixNano()
	if now-c.last.Load() < int64(c.interval) || !c.running.CompareAndSwap(false, true) {
		return
	}
	c.last.Store(now)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		c.running.Store(false)
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer c.running.Store(false)
		// A checkpoint another one blocks (the writer's own) says so as
		// busy, and leaves the log to the next.
		var busy, log, copied int
		err := c.conn.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied)
		if err == nil && busy == 0 {
			c.runs.Add(1)
		}
	}()
}

// close waits for a running checkpoint, lets no other start and closes
// the connection.
func (c *checkpointer) close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wg.Wait()
	return c.conn.Close()
}

// Checkpoints returns how many checkpoints have run beside the writer
// since the database was opened, not counting those another checkpoint
// blocked (0 on PostgreSQL).
func (d *DB) Checkpoints() uint64 {
	if d.checkpoints == nil {
		return 0
	}
	return d.checkpoints.runs.Load()
}
