package apptest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/db"
)

// Clock is an SLA clock row as the SLA engine writes it (sla_clocks in
// migration 0032): Warn and Due only while it runs, nil while paused or
// stopped; Stopped when met or ended; Warned and Breached once.
type Clock struct {
	Target   string // first_response, next_response or resolution
	PolicyID int64  // 0: none
	Goal     int    // business minutes
	Started  time.Time
	Paused   *time.Time
	Warn     *time.Time
	Due      *time.Time
	Stopped  *time.Time
	Warned   *time.Time
	Breached *time.Time
}

// At is a pointer to t, for Clock's optional times.
func At(t time.Time) *time.Time { return &t }

// SLAPolicy inserts a disabled SLA policy named name on a 24×7 calendar
// of its own and returns its id, for tests that write clocks by hand
// (SLAClock): disabled, the SLA engine never chooses it for a ticket.
func SLAPolicy(t testing.TB, s *app.Services, name string) int64 {
	t.Helper()
	ctx, d, now := context.Background(), s.DB, db.Now()
	var cal, id int64
	var week []string
	for _, day := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		week = append(week, `{"day":"`+day+`","start":"00:00","end":"24:00","next_day":false}`)
	}
	if err := d.W.QueryRowContext(ctx, d.Rebind(`INSERT INTO calendars (name, time_zone, intervals, created_at, updated_at)
		VALUES ($1, 'UTC', $2, $3, $3) RETURNING id`), "Calendar of "+name, "["+strings.Join(week, ",")+"]", now).Scan(&cal); err != nil {
		t.Fatalf("insert calendar: %v", err)
	}
	if err := d.W.QueryRowContext(ctx, d.Rebind(`INSERT INTO sla_policies (name, position, enabled, calendar_id, created_at, updated_at)
		VALUES ($1, (SELECT COUNT(*) FROM sla_policies), FALSE, $2, $3, $3) RETURNING id`), name, cal, now).Scan(&id); err != nil {
		t.Fatalf("insert SLA policy: %v", err)
	}
	s.SLA.Changed() // written without its event
	return id
}

// SLAClock writes the clock c of ticketID (replacing one of the same
// target) and sets the ticket's due_at to the earliest due of its running
// clocks and its warn_at to the earliest warning of those not breached,
// as the SLA engine does.
func SLAClock(t testing.TB, s *app.Services, ticketID int64, c Clock) {
	t.Helper()
	ctx, d := context.Background(), s.DB
	us := func(p *time.Time) any {
		if p == nil {
			return nil
		}
		return p.UnixMicro()
	}
	var policy any
	if c.PolicyID != 0 {
		policy = c.PolicyID
	}
	if c.Started.IsZero() {
		c.Started = time.Now()
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM sla_clocks WHERE ticket_id = $1 AND target = $2`, []any{ticketID, c.Target}},
		{`INSERT INTO sla_clocks (ticket_id, target, policy_id, goal_minutes, started_at, paused_at, warn_at, due_at,
			stopped_at, warned_at, breached_at, escalated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
			[]any{ticketID, c.Target, policy, c.Goal, c.Started.UnixMicro(), us(c.Paused), us(c.Warn), us(c.Due),
				us(c.Stopped), us(c.Warned), us(c.Breached)}},
		{`UPDATE tickets SET due_at = (SELECT MIN(c.due_at) FROM sla_clocks c WHERE c.ticket_id = tickets.id
			AND c.stopped_at IS NULL), warn_at = (SELECT MIN(c.warn_at) FROM sla_clocks c WHERE c.ticket_id = tickets.id
			AND c.stopped_at IS NULL AND c.breached_at IS NULL) WHERE id = $1`, []any{ticketID}},
	} {
		if _, err := d.W.ExecContext(ctx, d.Rebind(q.sql), q.args...); err != nil {
			t.Fatalf("SLA clock: %v", err)
		}
	}
	s.SLA.Changed() // written without its event
}
