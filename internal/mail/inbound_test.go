package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/mail"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// Every message that is not filed waits in the inbound list with its
// reason and raw form, for agents only; each can be filed as a new ticket,
// attached to a ticket, or discarded, and each decision is recorded with
// who made it.
func TestEveryMessageNotFiledWaitsInTheInboundList(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		ctx := context.Background()
		im := e.s.Importer // the application's, which records events
		im.TrustedAuthservID = "mx.example.test"
		agent := apptest.User(t, e.s, user.RoleAgent, "")
		requester := apptest.User(t, e.s, user.RoleRequester, "")
		imports := map[string][]byte{
			mail.StateQuarantined: raw("ceo@example.org", "support@example.test", "Urgent wire", "held@x", "", "Pay now.",
				"Authentication-Results: mx.example.test; dmarc=fail header.from=example.org"),
			"no sender":      []byte("To: support@example.test\r\nSubject: Anonymous\r\nMessage-ID: <anon@x>\r\n\r\nWho am I?\r\n"),
			"unreadable":     []byte("\r\n   \r\n\t\r\n"),
			mail.StateBounce: dsn("never-sent@docket.test"),
			"loop":           raw("support@example.test", "support@example.test", "Loop", "loop@x", "", "Round and round."),
		}
		for name, m := range imports {
			res, err := im.Import(ctx, e.mb, m)
			if err != nil || res.Ticket != 0 {
				t.Fatalf("%s: %+v %v", name, res, err)
			}
		}
		list, err := im.ListInbound(ctx, agent, mail.InboundFilter{})
		if err != nil || len(list) != len(imports) {
			t.Fatalf("waiting: %d %v, want %d", len(list), err, len(imports))
		}
		byState := map[string]int{}
		byReason := map[string]*mail.Inbound{}
		for _, m := range list {
			byState[m.State]++
			if m.Reason == "" || m.Size == 0 || !m.Waiting() {
				t.Fatalf("listed without a reason or raw message: %+v", m)
			}
			byReason[m.Subject+"|"+m.Reason] = m
		}
		if byState[mail.StateQuarantined] != 1 || byState[mail.StateBounce] != 1 || byState[mail.StateRejected] != 3 {
			t.Fatalf("states = %v", byState)
		}
		if n, err := im.Waiting(ctx); err != nil || n != len(imports) {
			t.Fatalf("waiting count = %d %v", n, err)
		}
		find := func(subject, reason string) *mail.Inbound {
			for k, m := range byReason {
				if strings.HasPrefix(k, subject+"|") && strings.Contains(m.Reason, reason) {
					return m
				}
			}
			t.Fatalf("no waiting message %q with reason %q in %v", subject, reason, byReason)
			return nil
		}
		unreadable := find("", "unreadable")
		anonymous := find("Anonymous", "no sender")
		bounce := find("Undelivered Mail Returned to Sender", "does not answer anything Docket sent")
		held := find("Urgent wire", "DMARC")

		// Requesters see none of it.
		if _, err := im.ListInbound(ctx, requester, mail.InboundFilter{}); !errors.Is(err, fault.ErrForbidden) {
			t.Fatalf("requester lists the inbound mail: %v", err)
		}
		if _, _, err := im.InboundRaw(ctx, requester, held.ID); !errors.Is(err, fault.ErrForbidden) {
			t.Fatalf("requester downloads raw mail: %v", err)
		}
		if _, err := im.Discard(ctx, requester, held.ID); !errors.Is(err, fault.ErrForbidden) {
			t.Fatalf("requester discards mail: %v", err)
		}
		if _, raw, err := im.InboundRaw(ctx, agent, held.ID); err != nil || !strings.Contains(string(raw), "Pay now.") {
			t.Fatalf("raw: %q %v", raw, err)
		}

		// Filing a message without a sender needs a requester.
		_, err = im.File(ctx, agent, anonymous.ID, "")
		var inv *fault.Invalid
		if !errors.As(err, &inv) || inv.Fields[0].Field != "requester" {
			t.Fatalf("file without a sender: %v", err)
		}
		res, err := im.File(ctx, agent, anonymous.ID, "walk-in@example.org")
		if err != nil || res.Ticket == 0 {
			t.Fatalf("file with a requester: %+v %v", res, err)
		}
		tk, _ := e.s.Tickets.Get(ctx, agent, res.Ticket)
		if tk.Requester.Email != "walk-in@example.org" || tk.Subject != "Anonymous" {
			t.Fatalf("filed ticket: %+v", tk)
		}
		// An unreadable one becomes a ticket with the message attached.
		res, err = im.File(ctx, agent, unreadable.ID, "someone@example.org")
		if err != nil || res.Ticket == 0 {
			t.Fatalf("file unreadable: %+v %v", res, err)
		}
		msgs, _ := e.s.Tickets.Messages(ctx, agent, res.Ticket, 0, 10)
		if len(msgs) != 1 || len(msgs[0].Attachments) != 1 || !strings.HasSuffix(msgs[0].Attachments[0].Filename, ".eml") {
			t.Fatalf("unreadable message's ticket: %+v", msgs)
		}

		// The held mail goes to a ticket its sender has no part in: a note.
		other := apptest.Ticket(t, e.s, agent, func(n *ticket.NewTicket) { n.Subject = "Payments" })
		if _, err := im.Attach(ctx, agent, held.ID, 999999); !errors.As(err, &inv) || inv.Fields[0].Field != "ticket" {
			t.Fatalf("attach to no ticket: %v", err)
		}
		res, err = im.Attach(ctx, agent, held.ID, other.Number)
		if err != nil || res.Ticket != other.Number {
			t.Fatalf("attach: %+v %v", res, err)
		}
		msgs, _ = e.s.Tickets.Messages(ctx, agent, other.Number, 0, 10)
		last := msgs[len(msgs)-1]
		if !last.Internal || last.Author.Email != "ceo@example.org" || !strings.Contains(last.BodyHTML, "Pay now.") {
			t.Fatalf("attached message: %+v", last)
		}

		// Discarding keeps the record, with who did it; twice is a conflict.
		m, err := im.Discard(ctx, agent, bounce.ID)
		if err != nil || m.State != mail.StateDiscarded || m.DecidedByEmail != agent.Email || m.DecidedAt == nil || m.Reason == "" {
			t.Fatalf("discard: %+v %v", m, err)
		}
		if _, err := im.Discard(ctx, agent, bounce.ID); !errors.Is(err, fault.ErrConflict) {
			t.Fatalf("second discard: %v", err)
		}
		if _, err := im.File(ctx, agent, held.ID, ""); !errors.Is(err, fault.ErrConflict) {
			t.Fatalf("filing attached mail again: %v", err)
		}
		if n, _ := im.Waiting(ctx); n != 1 {
			t.Fatalf("still waiting: %d, want 1 (the loop)", n)
		}
		for state, want := range map[string]int{mail.StateFiled: 3, mail.StateDiscarded: 1, mail.StateAll: 5} {
			if ms, err := im.ListInbound(ctx, agent, mail.InboundFilter{State: state}); err != nil || len(ms) != want {
				t.Fatalf("%s: %d %v, want %d", state, len(ms), err, want)
			}
		}
		if _, err := im.ListInbound(ctx, agent, mail.InboundFilter{State: "lost"}); !errors.As(err, &inv) || inv.Fields[0].Field != "state" {
			t.Fatalf("unknown state: %v", err)
		}
		// Each step is a domain event: five held, and each decision by the agent.
		kinds := map[string]int{}
		rows, err := d.R.QueryContext(ctx, `SELECT kind, actor_type, COALESCE(actor_id, 0) FROM domain_events WHERE subject_type = 'inbound'`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var kind, actorType string
			var actorID int64
			if err := rows.Scan(&kind, &actorType, &actorID); err != nil {
				t.Fatal(err)
			}
			if kind != mail.EventInboundHeld && actorID != agent.ID {
				t.Fatalf("%s recorded as %s %d, not the agent", kind, actorType, actorID)
			}
			kinds[kind]++
		}
		rows.Close()
		if kinds[mail.EventInboundHeld] != 5 || kinds[mail.EventInboundFiled] != 2 || kinds[mail.EventInboundAttached] != 1 ||
			kinds[mail.EventInboundDiscarded] != 1 {
			t.Fatalf("events = %v", kinds)
		}
	})
}
