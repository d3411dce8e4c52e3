package mail_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// A custom field an admin marks Required for incidents binds agents, not
// requesters: mail (and the portal) still files the ticket, which shows the
// field as missing and is found by the missing:required filter.
func TestRequiredFieldNeverRejectsMail(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		ctx := context.Background()
		agent := apptest.User(t, e.s, user.RoleAgent, "")
		admin := apptest.User(t, e.s, user.RoleAdmin, "")
		key, label, typ, req, incident := "os", "Operating system", ticket.FieldText, true, ticket.Incident
		if _, err := e.s.Tickets.CreateFieldDef(ctx, admin, ticket.FieldDefInput{Key: &key, Label: &label, Type: &typ,
			Required: &req, TicketType: &incident}); err != nil {
			t.Fatal(err)
		}
		res, err := e.im.Import(ctx, e.mb, raw("Rita <rita@example.org>", "support@example.test", "VPN down", "req1@x", "", "It is down."))
		if err != nil || res.Ticket == 0 || strings.HasPrefix(res.Decision, "rejected") {
			t.Fatalf("mail with a required field unset: %+v %v", res, err)
		}
		tk, err := e.s.Tickets.Get(ctx, agent, res.Ticket)
		if err != nil || !slices.Equal(tk.MissingFields, []string{"os"}) {
			t.Fatalf("missing fields = %v, %v; want [os]", tk.MissingFields, err)
		}
		missing := func() []int64 {
			ts, _, err := e.s.Tickets.List(ctx, agent, ticket.Filter{MissingRequired: true})
			if err != nil {
				t.Fatal(err)
			}
			var ns []int64
			for _, t := range ts {
				ns = append(ns, t.Number)
			}
			return ns
		}
		// A ticket of another type, where the field does not apply.
		other := apptest.Ticket(t, e.s, agent, func(n *ticket.NewTicket) { n.Type = ticket.Request })
		if got := missing(); !slices.Equal(got, []int64{res.Ticket}) {
			t.Fatalf("missing:required = %v, want [%d] (not #%d)", got, res.Ticket, other.Number)
		}

		// A requester through the portal is not bound either; an agent is.
		requester := apptest.User(t, e.s, user.RoleRequester, "")
		if _, err := e.s.Tickets.Create(ctx, requester, ticket.NewTicket{Subject: "Portal", Body: "Help", Channel: ticket.ChannelPortal}); err != nil {
			t.Fatalf("portal ticket without the required field: %v", err)
		}
		_, err = e.s.Tickets.Create(ctx, agent, ticket.NewTicket{Subject: "Phone", Body: "Help", Requester: &ticket.Contact{Email: "p@example.org"}})
		var inv *fault.Invalid
		if !errors.As(err, &inv) || inv.Fields[0].Field != "custom_fields.os" {
			t.Fatalf("agent's ticket without the required field: %v", err)
		}

		// Filled in, the ticket leaves the filter.
		tk, err = e.s.Tickets.Update(ctx, agent, res.Ticket, ticket.Patch{CustomFields: map[string]any{"os": "Linux"}}, 0)
		if err != nil || tk.MissingFields == nil || len(tk.MissingFields) != 0 {
			t.Fatalf("after filling in: %v %v", tk, err)
		}
		if got := missing(); slices.Contains(got, res.Ticket) {
			t.Fatalf("missing:required = %v after the field was filled", got)
		}
	})
}
