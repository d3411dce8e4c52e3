package draft_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/draft"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

var ctx = context.Background()

// A draft is its agent's alone, kept per ticket, and only while the agent
// may see the ticket.
func TestDraftsArePrivatePerAgentAndTicket(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		alice := apptest.User(t, s, user.RoleAgent, "")
		bob := apptest.User(t, s, user.RoleAgent, "")
		tk := apptest.Ticket(t, s, alice)
		other := apptest.Ticket(t, s, alice)
		got, err := s.Drafts.Save(ctx, alice, tk.Number, draft.Note, "Checked the **logs**; ")
		if err != nil {
			t.Fatal(err)
		}
		if got.Ticket != tk.Number || got.Kind != draft.Note || got.UpdatedAt.IsZero() {
			t.Errorf("saved %+v", got)
		}
		if g, err := s.Drafts.Get(ctx, alice, tk.Number); err != nil || g.Body != "Checked the **logs**; " || g.Kind != draft.Note {
			t.Fatalf("get = %+v, %v", g, err)
		}
		for name, a := range map[string]*user.Actor{"another agent": bob, "an admin": admin} {
			if _, err := s.Drafts.Get(ctx, a, tk.Number); !errors.Is(err, fault.ErrNotFound) {
				t.Errorf("%s reads Alice's draft: %v", name, err)
			}
		}
		if _, err := s.Drafts.Get(ctx, alice, other.Number); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("the draft shows on another ticket: %v", err)
		}
		// Saving again replaces it; Bob's own draft is separate.
		if _, err := s.Drafts.Save(ctx, alice, tk.Number, draft.Reply, "Fixed."); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Drafts.Save(ctx, bob, tk.Number, draft.Reply, "Bob's words"); err != nil {
			t.Fatal(err)
		}
		if g, _ := s.Drafts.Get(ctx, alice, tk.Number); g == nil || g.Body != "Fixed." || g.Kind != draft.Reply {
			t.Errorf("after saving again: %+v", g)
		}
		if err := s.Drafts.Delete(ctx, alice, tk.Number); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Drafts.Get(ctx, alice, tk.Number); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("after delete: %v", err)
		}
		if g, _ := s.Drafts.Get(ctx, bob, tk.Number); g == nil || g.Body != "Bob's words" {
			t.Errorf("deleting Alice's draft touched Bob's: %+v", g)
		}
		if err := s.Drafts.Delete(ctx, alice, tk.Number); err != nil {
			t.Errorf("deleting no draft: %v", err)
		}

		// Requesters keep none.
		req := apptest.User(t, s, user.RoleRequester, "")
		if _, err := s.Drafts.Save(ctx, req, tk.Number, draft.Reply, "hi"); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("a requester's draft: %v", err)
		}
		// A ticket the agent may no longer see: no draft in or out.
		restricted := true
		name := "Security"
		if _, err := s.Users.CreateTeam(ctx, admin, user.TeamInput{Name: &name, Restricted: &restricted}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Drafts.Save(ctx, bob, other.Number, draft.Reply, "before"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Tickets.Update(ctx, admin, other.Number, ticket.Patch{Team: &name}, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Drafts.Get(ctx, bob, other.Number); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("a draft of a ticket Bob no longer sees: %v", err)
		}
		if _, err := s.Drafts.Save(ctx, bob, other.Number, draft.Reply, "after"); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("saving a draft of a ticket Bob cannot see: %v", err)
		}
	})
}

func TestDraftInputIsChecked(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	s := apptest.Services(t, d)
	a := apptest.User(t, s, user.RoleAgent, "")
	tk := apptest.Ticket(t, s, a)
	for _, tt := range []struct {
		kind  draft.Kind
		body  string
		field string
	}{
		{draft.Reply, "  \n ", "body"},
		{draft.Reply, strings.Repeat("x", ticket.MaxBody+1), "body"},
		{draft.Reply, "nul \x00", "body"},
		{draft.Reply, "bad \xff utf-8", "body"},
		{"memo", "text", "kind"},
	} {
		_, err := s.Drafts.Save(ctx, a, tk.Number, tt.kind, tt.body)
		var inv *fault.Invalid
		if !errors.As(err, &inv) || inv.Fields[0].Field != tt.field {
			t.Errorf("save %q %.20q: %v, want an error on %s", tt.kind, tt.body, err, tt.field)
		}
	}
}

// The composer's draft token keeps text posted after the session ended as
// the draft of the agent and ticket it names, and of nothing else.
func TestDraftToken(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		a := apptest.User(t, s, user.RoleAgent, "")
		tk := apptest.Ticket(t, s, a)
		other := apptest.Ticket(t, s, a)
		tok, err := s.Drafts.Token(a, tk.Number)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(tok, "draft") || strings.Contains(tok, " ") {
			t.Errorf("the token shows its contents: %q", tok)
		}
		if _, err := s.Drafts.SaveWithToken(ctx, tok, tk.Number, draft.Reply, "Kept while signed out"); err != nil {
			t.Fatal(err)
		}
		if g, err := s.Drafts.Get(ctx, a, tk.Number); err != nil || g.Body != "Kept while signed out" {
			t.Fatalf("draft kept with the token: %+v %v", g, err)
		}
		bad := map[string]string{
			"another ticket's": "",
			"a changed":        tok[:len(tok)-4] + "AAA=",
			"an empty":         "",
			"a made-up":        "docket-draft/1 1 " + "1001 99999999999",
		}
		for name, token := range bad {
			n := tk.Number
			if name == "another ticket's" {
				token, n = tok, other.Number
			}
			if _, err := s.Drafts.SaveWithToken(ctx, token, n, draft.Reply, "x"); !errors.Is(err, draft.ErrBadToken) {
				t.Errorf("%s token: %v, want ErrBadToken", name, err)
			}
		}
		// It lasts as long as a session may.
		s.Drafts.SetClock(func() time.Time { return time.Now().Add(draft.TokenLifetime + time.Minute) })
		if _, err := s.Drafts.SaveWithToken(ctx, tok, tk.Number, draft.Reply, "x"); !errors.Is(err, draft.ErrBadToken) {
			t.Errorf("expired token: %v", err)
		}
		s.Drafts.SetClock(time.Now)
		// A deactivated agent's token keeps nothing.
		off := false
		if _, err := s.Users.Update(ctx, apptest.Setup, a.ID, user.Patch{Active: &off}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Drafts.SaveWithToken(ctx, tok, tk.Number, draft.Reply, "x"); !errors.Is(err, fault.ErrUnauthorized) {
			t.Errorf("a deactivated agent's token: %v", err)
		}
	})
}
