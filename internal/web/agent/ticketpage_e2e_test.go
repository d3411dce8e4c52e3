package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestBrowserRequesterAtTop: the ticket page says who is asking before
// anything else: name, email, organization and their other open tickets,
// and the conversation starts with their words.
func TestBrowserRequesterAtTop(t *testing.T) {
	c := newChrome(t, 60*time.Second)
	e := newE2EEnv(t)
	ctx := context.Background()
	org := "Acme Logistics"
	if _, err := e.Users.CreateOrganization(ctx, e.Admin, user.OrganizationInput{Name: &org}); err != nil {
		t.Fatal(err)
	}
	bob := func(subject string) func(*ticket.NewTicket) {
		return func(n *ticket.NewTicket) {
			n.Subject = subject
			n.Requester = &ticket.Contact{Email: "bob@acme.test", Name: "Bob Requester"}
		}
	}
	tk := apptest.Ticket(t, e.Services, e.Admin, bob("VPN drops every hour"))
	other := apptest.Ticket(t, e.Services, e.Admin, bob("Laptop battery swollen"))
	done := apptest.Ticket(t, e.Services, e.Admin, bob("Printer jams"))
	resolved, fixed := ticket.StatusResolved, ticket.ResolutionFixed
	if _, err := e.Tickets.Update(ctx, e.Admin, done.Number, ticket.Patch{Status: &resolved, Resolution: &fixed}, 0); err != nil {
		t.Fatal(err)
	}
	u, err := e.Users.ByEmail(ctx, "bob@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Users.Update(ctx, e.Admin, u.ID, user.Patch{Organization: &org}); err != nil {
		t.Fatal(err)
	}

	a := c.tab("alice", e.URL)
	a.signIn(t, "alice@example.test", e2ePassword, "/tickets/"+num(tk.Number), "#ticket")
	if top := eval[float64](t, a, `document.getElementById("requester").getBoundingClientRect().top`); top > 250 {
		t.Errorf("the requester is %.0f px down the page, want it at the top", top)
	}
	card := a.text(t, "#requester")
	for _, want := range []string{"Bob Requester", "bob@acme.test", org, other.Reference, "Laptop battery swollen"} {
		if !strings.Contains(card, want) {
			t.Errorf("the requester card %q lacks %q", card, want)
		}
	}
	if strings.Contains(card, done.Reference) {
		t.Errorf("the requester card lists the resolved %s as open", done.Reference)
	}
	if href := eval[string](t, a, `document.querySelector("#requester-open a").getAttribute("href")`); href != "/tickets/"+num(other.Number) {
		t.Errorf("the other ticket links to %q", href)
	}
	if who := a.text(t, "#conversation .msg header strong"); who != "Bob Requester" {
		t.Errorf("the first message is by %q, want the requester", who)
	}
	a.noConsoleErrors(t)
}
