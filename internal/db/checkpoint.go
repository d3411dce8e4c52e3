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
	wg       sync.WaitGroup
	runs     atomic.Uint64
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
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer c.running.Store(false)
		// An error (SQLITE_BUSY when the writer's own checkpoint runs)
		// leaves the log to the next checkpoint.
		if _, err := c.conn.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`); err == nil {
			c.runs.Add(1)
		}
	}()
}

// close waits for a running checkpoint and closes the connection.
func (c *checkpointer) close() error {
	if c == nil {
		return nil
	}
	c.wg.Wait()
	return c.conn.Close()
}

// Checkpoints returns how many checkpoints have run beside the writer
// since the database was opened (0 on PostgreSQL).
func (d *DB) Checkpoints() uint64 {
	if d.checkpoints == nil {
		return 0
	}
	return d.checkpoints.runs.Load()
}
