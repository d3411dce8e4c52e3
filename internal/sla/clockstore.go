package sla

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/docket/docket/internal/db"
)

// marks are what a ticket's clocks leave on the ticket row and the job
// queue: the earliest due time of the running clocks (tickets.due_at), the
// earliest warning of those not breached (tickets.warn_at, for "At risk"),
// and the instant of the next timer.
type marks struct {
	due, warn, next *time.Time
}

func earliest(a, b *time.Time) *time.Time {
	if b != nil && (a == nil || b.Before(*a)) {
		return b
	}
	return a
}

func marksOf(clocks map[string]*Clock) marks {
	var m marks
	for _, c := range clocks {
		if !c.Running() {
			continue
		}
		m.due = earliest(m.due, c.DueAt)
		if c.BreachedAt == nil {
			m.warn = earliest(m.warn, c.WarnAt)
		}
		m.next = earliest(m.next, c.next())
	}
	return m
}

// putMarks writes the ticket's due and warning times when they moved from
// before, and queues a timer at the next instant when timerNeeded says so
// (always, for a timer that ran: chain), so that a ticket always has a
// timer queued at or before its clocks' next instant, or that instant is
// in the ticket row where the timer scan will find it (scan.go). A timer
// that finds nothing due queues the next (timer.go), so a clock that moves
// later costs no write.
func (s *Service) putMarks(ctx context.Context, tx *db.Tx, ticketID int64, before, after marks, chain bool) error {
	if after.moved(before) {
		if _, err := tx.ExecContext(ctx, s.q.Get("set-ticket-due"), ticketID, micros(after.due), micros(after.warn)); err != nil {
			return err
		}
	}
	return s.queueNext(ctx, tx, ticketID, before, after, chain)
}

// moved reports whether m's due or warning time differs from before's:
// the ticket row's due_at and warn_at must change.
func (m marks) moved(before marks) bool {
	return !sameTime(before.due, m.due) || !sameTime(before.warn, m.warn)
}

// queueNext is putMarks when the ticket row holds after already (the
// ticket's own write stored it): it queues the timer, when needed.
func (s *Service) queueNext(ctx context.Context, tx *db.Tx, ticketID int64, before, after marks, chain bool) error {
	if chain && after.next != nil || !chain && timerNeeded(before, after, time.Now()) {
		return s.Jobs.InsertAll(ctx, tx, timerJob(ticketID, *after.next))
	}
	return nil
}

// visible reports whether the next instant is in the ticket row (warn_at
// or due_at), where the timer scan reads it. It is not only while a
// warned clock runs: its warning stays in warn_at, hiding later ones.
func (m marks) visible() bool {
	return m.next != nil && (sameTime(m.next, m.warn) || sameTime(m.next, m.due))
}

// timerNeeded reports whether a write that moved the clocks from before to
// after must queue a timer at after.next itself, at now:
//   - not when the instant is in the row and beyond what the scan has
//     looked at (writeAhead covers its look-ahead and the slack): a scan
//     queues it in time;
//   - not when it is no sooner than before's and the row shows it: the
//     timer or the scan that covered before's covers it;
//   - not when it is no sooner than before's and neither shows it: before
//     was not in the row either, so a timer was queued for it.
func timerNeeded(before, after marks, now time.Time) bool {
	switch {
	case after.next == nil:
		return false
	case !after.visible():
		return before.next == nil || after.next.Before(*before.next) || before.visible()
	case after.next.After(now.Add(writeAhead)):
		return false
	}
	return before.next == nil || after.next.Before(*before.next)
}

// loadClocks reads the clocks of a ticket by target.
func (s *Service) loadClocks(ctx context.Context, q db.Queryer, ticketID int64) (map[string]*Clock, error) {
	rows, err := q.QueryContext(ctx, s.q.Get("ticket-clocks"), ticketID)
	if err != nil {
		return nil, err
	}
	cs, err := db.Collect(rows, scanClock)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Clock, len(cs))
	for _, c := range cs {
		out[c.Target] = c
	}
	return out, nil
}

// policyIDs are the policies of clocks.
func policyIDs(clocks map[string]*Clock) []int64 {
	ids := make([]int64, 0, len(clocks))
	for _, c := range clocks {
		ids = append(ids, c.PolicyID)
	}
	return ids
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func micros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

// putClocks stores cs of ticketID in one statement.
func (s *Service) putClocks(ctx context.Context, tx *db.Tx, ticketID int64, cs ...*Clock) error {
	if len(cs) == 0 {
		return nil
	}
	args := make([]any, 0, len(cs)*clockColumns)
	for _, c := range cs {
		var policy any
		if c.PolicyID != 0 {
			policy = c.PolicyID
		}
		args = append(args, ticketID, c.Target, policy, c.Goal, c.StartedAt.UnixMicro(), micros(c.PausedAt), c.PausedMinutes,
			micros(c.WarnAt), micros(c.DueAt), micros(c.StoppedAt), micros(c.WarnedAt), micros(c.BreachedAt),
			micros(c.EscalatedAt))
	}
	if _, err := tx.ExecContext(ctx, s.q.Get(upsertClocks(len(cs))), args...); err != nil {
		return fmt.Errorf("store clocks of ticket %d: %w", ticketID, err)
	}
	return nil
}

// clockColumns is the number of values upsert-clock stores per clock.
const clockColumns = 13

// upsertClocks names upsert-clock with n rows of values (New adds them).
func upsertClocks(n int) string {
	if n == 1 {
		return "upsert-clock"
	}
	return "upsert-clock-" + strconv.Itoa(n)
}

func scanClock(sc db.Scanner) (*Clock, error) {
	c, _, err := scanClockOf(sc, false)
	return c, err
}

// scanClockOf reads a clock row, led by its ticket id when withTicket.
func scanClockOf(sc db.Scanner, withTicket bool) (*Clock, int64, error) {
	var c Clock
	var ticketID, started int64
	var paused, warn, due, stopped, warned, breached, escalated sql.NullInt64
	dest := []any{&c.Target, &c.PolicyID, &c.Goal, &started, &paused, &c.PausedMinutes, &warn, &due, &stopped, &warned,
		&breached, &escalated}
	if withTicket {
		dest = append([]any{&ticketID}, dest...)
	}
	if err := sc.Scan(dest...); err != nil {
		return nil, 0, err
	}
	c.StartedAt = db.Time(started)
	c.PausedAt, c.WarnAt, c.DueAt = db.NullTime(paused), db.NullTime(warn), db.NullTime(due)
	c.StoppedAt, c.WarnedAt, c.BreachedAt = db.NullTime(stopped), db.NullTime(warned), db.NullTime(breached)
	c.EscalatedAt = db.NullTime(escalated)
	return &c, ticketID, nil
}
