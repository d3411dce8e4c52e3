package satisfaction

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// EventReceived is the domain event a rating (or a change of one) writes,
// about the ticket; its payload is Payload.
const EventReceived = event.SatisfactionReceived

// Rating is a ticket's satisfaction rating.
type Rating struct {
	TicketID    int64
	RequesterID int64
	AgentID     int64 // the ticket's assignee when rated; 0: none
	TeamID      int64 // the ticket's team when rated; 0: none
	Scale       Scale
	Score       string // a Score's Value on Scale
	Sentiment   int
	Comment     string
	CreatedAt   time.Time // the first rating: the change window starts here
	RatedAt     time.Time // the last change
}

// Label is the score as people read it ("Good, I'm satisfied").
func (r *Rating) Label() string {
	if sc, ok := r.Scale.Score(r.Score); ok {
		return sc.Label
	}
	return r.Score
}

// Short is the score in a word or two ("Good", "4 of 5").
func (r *Rating) Short() string { return short(r.Scale, r.Score) }

func short(s Scale, value string) string {
	switch {
	case value == "":
		return ""
	case s == Five:
		return value + " of 5"
	}
	return strings.ToUpper(value[:1]) + value[1:]
}

// ChangeableUntil is when the requester can no longer change the rating.
func (r *Rating) ChangeableUntil() time.Time { return r.CreatedAt.Add(ChangeWindow) }

// Changeable reports whether the requester may still change it at now.
func (r *Rating) Changeable(now time.Time) bool { return now.Before(r.ChangeableUntil()) }

// Input is a rating as the requester gives it. An empty Score keeps the
// rating's score (a comment added later); a nil Comment keeps its comment.
type Input struct {
	Score   string
	Comment *string
}

// Payload is the satisfaction.received event's payload.
type Payload struct {
	event.TicketPayload
	Scale     Scale  `json:"scale"`
	Score     string `json:"score"`
	Sentiment string `json:"sentiment"` // positive, neutral or negative
	Comment   string `json:"comment,omitempty"`
	// Changed is true when the requester changed an earlier rating.
	Changed bool `json:"changed,omitempty"`
}

// Get returns ticket id's rating, nil when it has none. The caller has
// checked that its reader may see the ticket.
func (s *Service) Get(ctx context.Context, ticketID int64) (*Rating, error) {
	return s.get(ctx, s.db.R, ticketID)
}

func (s *Service) get(ctx context.Context, q db.Queryer, ticketID int64) (*Rating, error) {
	r, err := scanRating(q.QueryRowContext(ctx, s.q.Get("select-rating"), ticketID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("satisfaction: rating of ticket %d: %w", ticketID, err)
	}
	return r, nil
}

func scanRating(row interface{ Scan(...any) error }) (*Rating, error) {
	var r Rating
	var created, rated int64
	if err := row.Scan(&r.TicketID, &r.RequesterID, &r.AgentID, &r.TeamID, &r.Scale, &r.Score, &r.Sentiment, &r.Comment,
		&created, &rated); err != nil {
		return nil, err
	}
	r.CreatedAt, r.RatedAt = db.Time(created), db.Time(rated)
	return &r, nil
}

// ForTickets returns the ratings of the tickets ids, by ticket id (those
// without one are missing). The caller has checked that its reader may
// see the tickets.
func (s *Service) ForTickets(ctx context.Context, ids []int64) (map[int64]*Rating, error) {
	out := map[int64]*Rating{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	marks := make([]string, len(ids))
	for i, id := range ids {
		args[i], marks[i] = id, fmt.Sprintf("$%d", i+1)
	}
	rows, err := s.db.R.QueryContext(ctx, s.db.Rebind(`SELECT ticket_id, requester_id, COALESCE(agent_id, 0), COALESCE(team_id, 0),
		scale, score, sentiment, comment, created_at, rated_at FROM satisfaction_ratings WHERE ticket_id IN (`+strings.Join(marks, ", ")+`)`), args...)
	if err != nil {
		return nil, fmt.Errorf("satisfaction: ratings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRating(rows)
		if err != nil {
			return nil, fmt.Errorf("satisfaction: ratings: %w", err)
		}
		out[r.TicketID] = r
	}
	return out, rows.Err()
}

// Rate records a's rating of ticket id: a must be the ticket's requester
// (anyone else who may see it is refused; anyone who may not is told it
// does not exist), ratings must be on, and the ticket resolved or closed.
// The first rating may be changed for ChangeWindow. The rating, its event
// and, when the score changed, a history entry are written in one
// transaction; a rating that changes nothing writes nothing.
func (s *Service) Rate(ctx context.Context, a *user.Actor, id int64, in Input) (*Rating, error) {
	if _, err := s.tickets.GetByID(ctx, a, id); err != nil {
		return nil, err
	}
	var out *Rating
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		t, err := s.tickets.ByIDTx(ctx, tx, id)
		if err != nil {
			return err
		}
		set, err := s.settings(ctx, tx)
		if err != nil {
			return err
		}
		before, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		r, err := check(a, t, set, before, in, time.Now())
		if err != nil {
			return err
		}
		if before != nil && before.Score == r.Score && before.Comment == r.Comment && before.Scale == r.Scale {
			out = before
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("upsert-rating"), r.TicketID, r.RequesterID, nullID(r.AgentID), nullID(r.TeamID),
			string(r.Scale), r.Score, r.Sentiment, r.Comment, r.RatedAt.UnixMicro()); err != nil {
			return err
		}
		if out, err = s.get(ctx, tx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, a, t, before, out)
	})
	if err != nil {
		return nil, fmt.Errorf("satisfaction: rate ticket %d: %w", id, err)
	}
	return out, nil
}

// check applies the rules to a's input and returns the rating to store.
func check(a *user.Actor, t *ticket.Ticket, set Settings, before *Rating, in Input, now time.Time) (*Rating, error) {
	switch {
	case a.ID != t.Requester.ID || !a.IsPerson():
		return nil, fault.Forbidden("only the person who asked for help rates it")
	case !set.Enabled:
		return nil, fault.Conflict("satisfaction ratings are turned off")
	case t.Status != ticket.StatusResolved && t.Status != ticket.StatusClosed:
		return nil, fault.Conflict("%s is not resolved: the help is rated once it is", t.Reference)
	case before != nil && !before.Changeable(now):
		return nil, fault.Conflict("this rating was given on %s and could be changed for 7 days only",
			before.CreatedAt.UTC().Format("2 Jan 2006"))
	}
	r := &Rating{TicketID: t.ID, RequesterID: t.Requester.ID, Scale: set.Scale, Score: in.Score, RatedAt: now}
	if t.Assignee != nil {
		r.AgentID = t.Assignee.ID
	}
	if t.Team != nil {
		r.TeamID = t.Team.ID
	}
	if before != nil {
		r.Comment = before.Comment
		if r.Score == "" && before.Scale == set.Scale {
			r.Score = before.Score
		}
	}
	inv := &fault.Invalid{}
	sc, ok := set.Scale.Score(r.Score)
	if !ok {
		var vs []string
		for _, v := range set.Scale.Scores() {
			vs = append(vs, v.Value)
		}
		inv.Add("score", "choose one of %s", strings.Join(vs, ", "))
	}
	r.Sentiment = sc.Sentiment
	if in.Comment != nil {
		r.Comment = strings.TrimSpace(*in.Comment)
		if n := utf8.RuneCountInString(r.Comment); n > MaxComment {
			inv.Add("comment", "is %d characters long; at most %d fit", n, MaxComment)
		}
	}
	if err := inv.Err(); err != nil {
		return nil, err
	}
	return r, nil
}

// record writes the event of rating r (before: the earlier one, or nil)
// and, when the score changed, the ticket's history entry.
func (s *Service) record(ctx context.Context, tx *db.Tx, a *user.Actor, t *ticket.Ticket, before, r *Rating) error {
	p := Payload{TicketPayload: event.TicketPayload{Number: t.Number, Depth: event.DepthOf(ctx)}, Scale: r.Scale, Score: r.Score,
		Sentiment: SentimentName(r.Sentiment), Comment: r.Comment, Changed: before != nil}
	if t.Team != nil {
		p.TeamID = t.Team.ID
	}
	if _, err := s.events.Append(ctx, tx, EventReceived, a.EventActor(), "ticket", t.ID, t.ID, p); err != nil {
		return err
	}
	old := ""
	if before != nil {
		if before.Score == r.Score && before.Scale == r.Scale {
			return nil
		}
		old = before.Short()
	}
	return s.tickets.AppendHistory(ctx, tx, t.ID, a, "satisfaction", old, r.Short())
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// SentimentName is the rating's sentiment: positive, neutral or negative.
func (r *Rating) SentimentName() string { return SentimentName(r.Sentiment) }
