package ticket

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// HistoryEvent is one append-only change record of a ticket.
type HistoryEvent struct {
	ID    int64
	At    time.Time
	Actor Person
	Field string
	Old   string
	New   string
}

// requesterFields are the history entries a requester may read; the rest
// (assignment, team, tags, internal notes…) is the agents' business.
var requesterFields = map[string]bool{
	"created": true, "status": true, "resolution": true, "solution": true, "subject": true,
	"merged_into": true, "merged": true, "message": true,
}

// Events returns ticket number's history, oldest first, after event id after.
func (s *Service) Events(ctx context.Context, a *user.Actor, number, after int64, limit int) ([]HistoryEvent, error) {
	t, err := s.get(ctx, s.db.R, a, number)
	if err != nil {
		return nil, err
	}
	out := []HistoryEvent{}
	for len(out) < limit {
		rows, err := s.db.R.QueryContext(ctx, s.q.Get("list-events"), t.ID, after, limit)
		if err != nil {
			return nil, fmt.Errorf("ticket: events %d: %w", number, err)
		}
		n := 0
		for rows.Next() {
			var e HistoryEvent
			var at int64
			if err := rows.Scan(&e.ID, &at, &e.Actor.Email, &e.Actor.Name, &e.Field, &e.Old, &e.New); err != nil {
				rows.Close()
				return nil, err
			}
			n++
			after = e.ID
			e.At = db.Time(at)
			if !a.IsAgent() && (!requesterFields[e.Field] || strings.HasPrefix(e.New, "note ")) {
				continue
			}
			if len(out) < limit {
				out = append(out, e)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if n < limit {
			break
		}
	}
	return out, nil
}
