package agent_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/draft"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// A closed ticket's page offers "Open a follow-up ticket" instead of a
// composer that can only fail; the follow-up is the requester's, linked to
// the closed ticket, and takes the agent's draft with it.
func TestClosedTicketOffersFollowUp(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	b, agent := signIn(t, e, user.RoleAgent)
	tk := apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Subject = "Printer jams" })
	n := num(tk.Number)
	// An open ticket has the composer, and no follow-up.
	_, page, _ := b.get("/tickets/" + n)
	if !strings.Contains(page, `id="reply-form"`) || strings.Contains(page, `id="followup-form"`) {
		t.Fatal("an open ticket's page does not offer the reply composer")
	}
	code, page, _ := b.post("/tickets/"+n+"/follow-up", url.Values{"_csrf": {b.csrf}, "body": {"x"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, "is not closed; reply to it instead") {
		t.Errorf("follow-up of an open ticket: %d", code)
	}
	closed, fixed := ticket.StatusClosed, ticket.ResolutionFixed
	if _, err := e.Tickets.Update(ctx, e.Admin, tk.Number, ticket.Patch{Status: &closed, Resolution: &fixed}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Drafts.Save(ctx, agent, tk.Number, draft.Reply, "It jams again?"); err != nil {
		t.Fatal(err)
	}
	_, page, _ = b.get("/tickets/" + n)
	if strings.Contains(page, `id="reply-form"`) || strings.Contains(page, `id="send"`) {
		t.Error("a closed ticket's page offers a reply that can only fail")
	}
	if !strings.Contains(page, `id="followup-form"`) || !strings.Contains(page, "Open a follow-up ticket") ||
		!strings.Contains(page, ">It jams again?</textarea>") {
		t.Fatal("a closed ticket's page does not offer a follow-up with the agent's draft")
	}
	code, page, _ = b.post("/tickets/"+n+"/follow-up", url.Values{"_csrf": {b.csrf}, "body": {"  "}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, "Write what the follow-up is about.") ||
		!strings.Contains(page, `aria-describedby="err-body"`) {
		t.Errorf("empty follow-up: %d", code)
	}
	code, _, h := b.post("/tickets/"+n+"/follow-up", url.Values{"_csrf": {b.csrf}, "body": {"The printer jams again since Monday."}})
	if code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/tickets/") || h.Get("Location") == "/tickets/"+n {
		t.Fatalf("open the follow-up: %d %s", code, h.Get("Location"))
	}
	fn, _ := ticket.ParseNumber(strings.TrimPrefix(h.Get("Location"), "/tickets/"))
	fu, err := e.Tickets.Get(ctx, agent, fn)
	if err != nil {
		t.Fatal(err)
	}
	if fu.Requester.Email != tk.Requester.Email || fu.Subject != "Follow-up: Printer jams" || fu.Status != ticket.StatusNew {
		t.Errorf("follow-up = %+v", fu)
	}
	if links, _ := e.Tickets.Links(ctx, agent, fn); len(links) != 1 || links[0].Number != tk.Number {
		t.Errorf("follow-up links = %+v", links)
	}
	if d := storedDraft(t, e, agent, tk.Number); d != nil {
		t.Errorf("the draft outlived the follow-up it opened: %+v", d)
	}
	_, page, _ = b.get("/tickets/" + num(fn))
	if !strings.Contains(page, "Opened the follow-up") || !strings.Contains(page, "The printer jams again since Monday.") {
		t.Error("the follow-up's page does not say what happened or show the message")
	}
}
