package sla

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/job"
)

// ScanJob is the timer scan: a periodic job (one leader queues it, any
// runner runs it) that queues the timers of the tickets whose warn_at or
// due_at fall after the last scan's horizon and up to scanAhead from now,
// read from the ticket indexes tickets_warn and tickets_due. Ticket writes
// leave those timers to it (putMarks): a create queues no job row.
//
// Precision: a scan runs every ScanEvery and looks scanAhead ahead, so
// each instant's timer is queued about a minute before it falls and runs
// on time (within the runner's poll, a second) as long as scans are no
// more than scanAhead-ScanEvery late; a write whose next instant is
// within writeAhead queues its timer itself. After downtime the first
// scan covers everything since the last horizon: missed warnings and
// breaches are recorded at once, each once.
const ScanJob = "sla.scan"

const (
	// ScanEvery is the scan's period.
	ScanEvery = time.Minute
	// scanAhead is how far past now a scan queues timers.
	scanAhead = 2 * time.Minute
	// scanSlack covers a write that commits after a scan started
	// (PostgreSQL: that scan does not see it) and clocks of instances
	// that differ: a write trusts the scan only beyond writeAhead.
	scanSlack  = time.Minute
	writeAhead = scanAhead + scanSlack
	// scanChunk is how many timers one insert statement queues.
	scanChunk = 200
)

// scan is the timer scan's handler.
func (s *Service) scan(ctx context.Context, _ *job.Job) error {
	return s.scanUntil(ctx, time.Now().Add(scanAhead))
}

// scanUntil queues the timers of the instants in (horizon, to] and moves
// the horizon to to, in one transaction.
func (s *Service) scanUntil(ctx context.Context, to time.Time) error {
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var from int64
		if err := tx.QueryRowContext(ctx, s.q.Get("timer-scan-horizon")).Scan(&from); err != nil {
			return fmt.Errorf("sla: timer scan: %w", err)
		}
		until := to.UnixMicro()
		if until <= from {
			return nil
		}
		rows, err := tx.QueryContext(ctx, s.q.Get("tickets-due-between"), from, until)
		if err != nil {
			return fmt.Errorf("sla: timer scan: %w", err)
		}
		// Each ticket once (UNION), at its earliest instant in the range:
		// its timer records what falls due then and queues the next.
		timers, err := db.Collect(rows, func(sc db.Scanner) (job.New, error) {
			var id int64
			var warn, due sql.NullInt64
			if err := sc.Scan(&id, &warn, &due); err != nil {
				return job.New{}, err
			}
			first := until
			for _, v := range []sql.NullInt64{warn, due} {
				if v.Valid && v.Int64 > from && v.Int64 < first {
					first = v.Int64
				}
			}
			return timerJob(id, time.UnixMicro(first)), nil
		})
		if err != nil {
			return fmt.Errorf("sla: timer scan: %w", err)
		}
		for len(timers) > 0 {
			n := min(len(timers), scanChunk)
			if err := s.Jobs.InsertAll(ctx, tx, timers[:n]...); err != nil {
				return err
			}
			timers = timers[n:]
		}
		_, err = tx.ExecContext(ctx, s.q.Get("set-timer-scan-horizon"), until)
		return err
	})
}
