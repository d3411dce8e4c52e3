package ticket_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// A requester sets only the custom fields shown to requesters and must
// fill the required ones among them; agents' fields stay theirs.
func TestRequesterCustomFields(t *testing.T) {
	ctx := context.Background()
	s := apptest.Services(t, apptest.DB(t, db.SQLite))
	admin := apptest.User(t, s, user.RoleAdmin, "")
	mk := func(key string, required, visible bool) {
		label, typ := key, ticket.FieldText
		if _, err := s.Tickets.CreateFieldDef(ctx, admin, ticket.FieldDefInput{Key: &key, Label: &label, Type: &typ,
			Required: &required, RequesterVisible: &visible}); err != nil {
			t.Fatal(err)
		}
	}
	mk("order_no", true, true)
	mk("cost_centre", true, false)
	req := apptest.User(t, s, user.RoleRequester, "")
	in := ticket.NewTicket{Subject: "Broken", Body: "It is.", Channel: ticket.ChannelPortal,
		CustomFields: map[string]any{"cost_centre": "CC-1"}}
	_, err := s.Tickets.Create(ctx, req, in)
	var inv *fault.Invalid
	if !errors.As(err, &inv) || len(inv.Fields) != 2 {
		t.Fatalf("agent-only field and missing required field: %v", err)
	}
	in.CustomFields = map[string]any{"order_no": "A-1"}
	tk, err := s.Tickets.Create(ctx, req, in)
	if err != nil || tk.CustomFields["order_no"] != "A-1" {
		t.Fatalf("create: %v", err)
	}
	// An agent is bound by the agent-only required field as before.
	if _, err := s.Tickets.Create(ctx, admin, ticket.NewTicket{Subject: "x", Body: "y", Requester: &ticket.Contact{Email: "r@example.test"},
		CustomFields: map[string]any{"order_no": "A-2"}}); !errors.As(err, &inv) {
		t.Fatalf("agent without cost_centre: %v", err)
	}
}

// Requesters mark their ticket resolved and reopen it within the window;
// past it, Reopen opens a follow-up. Agents use Update instead.
func TestMarkResolvedAndReopen(t *testing.T) {
	ctx := context.Background()
	d := apptest.DB(t, db.SQLite)
	s := apptest.Services(t, d)
	req := apptest.User(t, s, user.RoleRequester, "")
	agent := apptest.User(t, s, user.RoleAgent, "")
	tk := apptest.Ticket(t, s, req)
	if _, err := s.Tickets.MarkResolved(ctx, agent, tk.Number); !errors.Is(err, fault.ErrForbidden) {
		t.Fatalf("agent MarkResolved: %v", err)
	}
	stranger := apptest.User(t, s, user.RoleRequester, "")
	if _, err := s.Tickets.MarkResolved(ctx, stranger, tk.Number); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("stranger: %v", err)
	}
	if _, err := s.Tickets.ByUID(ctx, stranger, tk.UID); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("stranger by uid: %v", err)
	}
	if _, err := s.Tickets.Reopen(ctx, req, tk.Number, ticket.NewReply{Body: "x"}, time.Hour); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("reopen an open ticket: %v", err)
	}
	got, err := s.Tickets.MarkResolved(ctx, req, tk.Number)
	if err != nil || got.Status != ticket.StatusResolved {
		t.Fatalf("mark resolved: %v", err)
	}
	if _, err := s.Tickets.MarkResolved(ctx, req, tk.Number); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("resolved twice: %v", err)
	}
	again, err := s.Tickets.Reopen(ctx, req, tk.Number, ticket.NewReply{Body: "Broken again"}, time.Hour)
	if err != nil || again.Number != tk.Number || again.Status != ticket.StatusOpen {
		t.Fatalf("reopen: %+v %v", again, err)
	}
	if _, err := s.Tickets.MarkResolved(ctx, req, tk.Number); err != nil {
		t.Fatal(err)
	}
	fu, err := s.Tickets.Reopen(ctx, req, tk.Number, ticket.NewReply{Body: "And again"}, 0)
	if err != nil || fu.Number == tk.Number || fu.Requester.ID != req.ID {
		t.Fatalf("follow-up: %+v %v", fu, err)
	}
	if old, _ := s.Tickets.Get(ctx, req, tk.Number); old.Status != ticket.StatusResolved {
		t.Fatalf("the old ticket is %s", old.Status)
	}
}
