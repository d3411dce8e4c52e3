package satisfaction_test

import (
	"context"
	"errors"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/satisfaction"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// A rating token opens its own ticket only; the rules of Rate hold (not
// before resolution, a score to start with, a comment alone keeps the
// score); a rating that changes nothing writes no event.
func TestTokensAndRules(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		tk := apptest.Ticket(t, s, agent)
		token := s.Satisfaction.Token(tk)
		got, req, err := s.Satisfaction.ByToken(ctx, token)
		if err != nil || got.ID != tk.ID || req.ID != tk.Requester.ID {
			t.Fatalf("by token: %v %v %v", got, req, err)
		}
		if _, err := s.Satisfaction.Rate(ctx, req, tk.ID, satisfaction.Input{Score: "good"}); !errors.Is(err, fault.ErrConflict) {
			t.Fatalf("rating an open ticket: %v", err)
		}
		st, res := ticket.StatusResolved, ticket.ResolutionFixed
		if _, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Status: &st, Resolution: &res}, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Satisfaction.Rate(ctx, req, tk.ID, satisfaction.Input{}); !errors.Is(err, fault.ErrInvalid) {
			t.Fatalf("no score: %v", err)
		}
		for range 2 {
			if _, err := s.Satisfaction.Rate(ctx, req, tk.ID, satisfaction.Input{Score: "good"}); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := d.R.QueryRowContext(ctx, d.Rebind(`SELECT COUNT(*) FROM domain_events WHERE kind = $1 AND ticket_id = $2`),
			satisfaction.EventReceived, tk.ID).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d events (%v), want 1: the same rating again writes none", n, err)
		}
		// A comment alone keeps the score.
		c := "Thanks."
		if r, err := s.Satisfaction.Rate(ctx, req, tk.ID, satisfaction.Input{Comment: &c}); err != nil || r.Score != "good" || r.Comment != c {
			t.Fatalf("comment: %+v %v", r, err)
		}
		other := apptest.Ticket(t, s, agent)
		if _, _, err := s.Satisfaction.ByToken(ctx, other.UID+token[len(tk.UID):]); !errors.Is(err, fault.ErrNotFound) {
			t.Fatalf("another ticket under this signature: %v", err)
		}
	})
}
