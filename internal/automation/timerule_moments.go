package automation

import (
	"context"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// MomentsHook keeps the ticket moments time rules measure from and the
// ticket row does not keep (ticket_moments), in the transaction of each
// ticket write that moves one: its creation, a change of status or of
// assignee, a message from the requester, an agent's public reply.
// Register it with ticket.Service.OnWrite.
func (tr *TimeRules) MomentsHook(ctx context.Context, tx *db.Tx, w ticket.Write) error {
	t, at := w.Ticket, w.Event.At.UnixMicro()
	set := func(query string) error {
		_, err := tx.ExecContext(ctx, tr.q.Get(query), t.ID, at)
		return err
	}
	switch w.Event.Type {
	case event.TicketCreated:
		var fromRequester any
		if w.Message != nil && w.Message.Author.ID == t.Requester.ID {
			fromRequester = at
		}
		_, err := tx.ExecContext(ctx, tr.q.Get("moments-created"), t.ID, at, fromRequester)
		return err
	case event.TicketUpdated:
		for _, f := range w.Fields {
			switch f.Field {
			case "status":
				if err := set("moments-status"); err != nil {
					return err
				}
			case "assignee":
				if err := set("moments-assigned"); err != nil {
					return err
				}
			}
		}
	case event.MessageCreated:
		m := w.Message
		if m == nil {
			return nil
		}
		if m.Author.ID == t.Requester.ID {
			return set("moments-requester")
		}
		if !m.Internal && (byAgent(w.Actor, m) || tr.s.sender(ctx, tx, t, m) == "agent") {
			return set("moments-agent")
		}
	}
	return nil
}

// byAgent reports whether m is the public reply of the agent making the
// write: then the request's actor says so, with no need to look the author
// up (sender).
func byAgent(a *user.Actor, m *ticket.Message) bool {
	return a != nil && a.IsPerson() && a.IsAgent() && a.ID == m.Author.ID
}
