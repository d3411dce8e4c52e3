package ticket

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/docket/docket/internal/db"
)

// Due is where a ticket's SLA clocks stand, as a queue shows it.
type Due struct {
	// At is the earliest due time of a running clock, WarnAt the earliest
	// warning; both nil when no clock runs.
	At, WarnAt *time.Time
	// Paused: a clock is paused (pending, on hold).
	Paused bool
	// Breached: a clock breached, running or since stopped.
	Breached bool
}

// DueState is what a Due means at an instant.
type DueState string

// The states of a ticket's next due time.
const (
	DueNone     DueState = ""         // no clock runs
	DueOnTrack  DueState = "on_track" // runs, no warning yet
	DueAtRisk   DueState = "at_risk"  // a warning passed
	DueBreached DueState = "breached" // the due time passed
)

// State says whether the next due time is on track, at risk or breached at
// now ("" when no clock runs).
func (d Due) State(now time.Time) DueState {
	switch {
	case d.At == nil:
		return DueNone
	case !now.Before(*d.At):
		return DueBreached
	case d.WarnAt != nil && !now.Before(*d.WarnAt):
		return DueAtRisk
	}
	return DueOnTrack
}

// Dues reads the SLA clocks of the tickets with the given ids, which the
// caller listed (and so may see); tickets without clocks are left out.
func (s *Service) Dues(ctx context.Context, ids []int64) (map[int64]Due, error) {
	out := map[int64]Due{}
	if len(ids) == 0 {
		return out, nil
	}
	w := &whereBuilder{}
	vals := make([]any, len(ids))
	for i, id := range ids {
		vals[i] = id
	}
	w.in("ticket_id", vals)
	q := `SELECT ticket_id, MIN(due_at), MIN(warn_at),
		MAX(CASE WHEN paused_at IS NOT NULL AND stopped_at IS NULL THEN 1 ELSE 0 END),
		MAX(CASE WHEN breached_at IS NOT NULL THEN 1 ELSE 0 END)
		FROM sla_clocks WHERE ` + strings.Join(w.conds, " AND ") + ` GROUP BY ticket_id`
	rows, err := s.db.R.QueryContext(ctx, s.db.Rebind(q), w.args...)
	if err != nil {
		return nil, fmt.Errorf("ticket: dues: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var due, warn sql.NullInt64
		var paused, breached int
		if err := rows.Scan(&id, &due, &warn, &paused, &breached); err != nil {
			return nil, fmt.Errorf("ticket: dues: %w", err)
		}
		d := Due{At: db.NullTime(due), WarnAt: db.NullTime(warn), Paused: paused == 1, Breached: breached == 1}
		if d.At != nil && !time.Now().Before(*d.At) {
			d.Breached = true
		}
		out[id] = d
	}
	return out, rows.Err()
}
