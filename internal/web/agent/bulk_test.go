package agent_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

func TestBulkActions(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		b, agent := signIn(t, e, user.RoleAgent)
		var ns []string
		var ts []*ticket.Ticket
		for i := 0; i < 3; i++ {
			tk := apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) { n.Tags = []string{"old"} })
			ts = append(ts, tk)
			ns = append(ns, itoa(tk.Number))
		}
		b.get("/tickets?view=open")
		code, _, h := b.post("/tickets/bulk", url.Values{"_csrf": {b.csrf}, "n": ns, "assignee": {"me"}, "priority": {"p1"},
			"add_tag": {"Urgent"}, "remove_tag": {"old"}, "back": {"/tickets?view=open"}})
		if code != 303 || h.Get("Location") != "/tickets?view=open" {
			t.Fatalf("bulk: %d %s", code, h.Get("Location"))
		}
		for _, tk := range ts {
			got, _ := e.Tickets.Get(context.Background(), agent, tk.Number)
			if got.Assignee == nil || got.Assignee.Email != agent.Email || got.Priority != ticket.P1 || strings.Join(got.Tags, ",") != "urgent" {
				t.Fatalf("after bulk: %+v", got)
			}
		}
		// Resolving without a resolution is refused per ticket and reported.
		code, _, h = b.post("/tickets/bulk", url.Values{"_csrf": {b.csrf}, "n": ns[:2], "status": {"resolved"}, "back": {"/tickets?view=open"}})
		if code != 303 || !strings.Contains(h.Get("Location"), "bulk_error=") {
			t.Fatalf("refused bulk: %d %s", code, h.Get("Location"))
		}
		_, body, _ := b.get(h.Get("Location"))
		if !strings.Contains(body, `id="bulk-errors"`) || !strings.Contains(body, "resolution is required") {
			t.Fatal("bulk failures are not shown")
		}
		// Merge two into the third.
		if code, _, _ := b.post("/tickets/bulk", url.Values{"_csrf": {b.csrf}, "n": ns, "merge_into": {ns[2]}, "back": {"/tickets"}}); code != 303 {
			t.Fatalf("bulk merge: %d", code)
		}
		for _, tk := range ts[:2] {
			if got, _ := e.Tickets.Get(context.Background(), agent, tk.Number); got.MergedInto != ts[2].Number {
				t.Fatalf("ticket %d not merged: %+v", tk.Number, got)
			}
		}
		// Without the CSRF token nothing changes.
		if code, _, _ := b.post("/tickets/bulk", url.Values{"n": ns, "priority": {"p4"}}); code != 403 {
			t.Fatalf("bulk without CSRF token: %d", code)
		}
	})
}
