package event

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/docket/docket/internal/db"
)

// eventsPerInsert bounds the rows of one multi-row insert (9 values each).
const eventsPerInsert = 200

// buffer holds the events a buffered transaction appended, in order.
type buffer struct {
	next int64 // the id the next event gets
	rows []any // insert-domain-event's arguments, row after row
	n    int
}

// buffers are the transactions being buffered (Buffer).
type buffers struct {
	m    sync.Map // *db.Tx → *buffer
	open atomic.Int32
}

// Buffer makes the events appended in tx from now on collect in memory
// until the returned flush writes them, in order, in multi-row inserts:
// the rows and ids appending them one at a time writes, in fewer
// statements, for a bulk writer (ticket.Importer) with thousands of events
// per transaction. Append returns each buffered event's id as it will be.
// Only on SQLite, whose single writer makes the ids known beforehand (the
// largest so far, plus one per event); elsewhere the events are written as
// they come and flush does nothing. Nothing may read domain_events or
// write to it but through l in tx until flush, which must run before the
// commit; flush also ends the buffering.
func (l *Log) Buffer(ctx context.Context, tx *db.Tx) (flush func() error, err error) {
	if l.db.Dialect != db.SQLite {
		return func() error { return nil }, nil
	}
	b := &buffer{}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM domain_events`).Scan(&b.next); err != nil {
		return nil, fmt.Errorf("event: buffer: %w", err)
	}
	if _, loaded := l.bufs.m.LoadOrStore(tx, b); loaded {
		return nil, fmt.Errorf("event: buffer: the transaction is buffered already")
	}
	l.bufs.open.Add(1)
	return func() error {
		l.bufs.m.Delete(tx)
		l.bufs.open.Add(-1)
		one := l.q.Get("insert-domain-event")
		for len(b.rows) > 0 {
			n := min(b.n, eventsPerInsert)
			if _, err := tx.ExecContext(ctx, db.MultiRow(one, n), b.rows[:9*n]...); err != nil {
				return fmt.Errorf("event: append: %w", err)
			}
			b.rows, b.n = b.rows[9*n:], b.n-n
		}
		return nil
	}, nil
}

// buffered adds an event's arguments to tx's buffer, if tx has one, and
// returns the id it will get.
func (l *Log) buffered(tx *db.Tx, args ...any) (int64, bool) {
	if l.bufs.open.Load() == 0 {
		return 0, false
	}
	v, ok := l.bufs.m.Load(tx)
	if !ok {
		return 0, false
	}
	b := v.(*buffer)
	b.rows = append(b.rows, args...)
	b.n++
	b.next++
	return b.next - 1, true
}
