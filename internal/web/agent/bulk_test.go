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
		// Resolving without a resolution is refused per ticket and reported
		// on the queue shown again, with the selection and the chosen values
		// kept and nothing carried in the URL.
		code, body, h := b.post("/tickets/bulk", url.Values{"_csrf": {b.csrf}, "n": ns[:2], "status": {"resolved"}, "add_tag": {"later"},
			"back": {"/tickets?view=open"}})
		if code != 422 || h.Get("Location") != "" {
			t.Fatalf("refused bulk: %d %s", code, h.Get("Location"))
		}
		if !strings.Contains(body, `id="bulk-errors"`) || !strings.Contains(body, "Resolution is required to resolve or close a ticket: #"+ns[0]+", #"+ns[1]+"<") {
			t.Fatal("bulk failures are not shown")
		}
		for i, n := range ns {
			checked := strings.Contains(body, `value="`+n+`" aria-label="Select #`+n+`" checked>`)
			if checked != (i < 2) {
				t.Errorf("ticket %s ticked = %v after the refusal", n, checked)
			}
		}
		for _, want := range []string{`<option value="resolved" selected>`, `name="add_tag" size="10" value="later"`,
			`id="bulkbar" open`, `data-url="/tickets?view=open"`} {
			if !strings.Contains(body, want) {
				t.Errorf("after the refusal the page lacks %s", want)
			}
		}
		// Merge two into the third: asked first, merged once confirmed.
		merge := url.Values{"_csrf": {b.csrf}, "n": ns, "merge_into": {ns[2]}, "back": {"/tickets?view=open"}}
		if code, body, _ := b.post("/tickets/bulk", merge); code != 200 || !strings.Contains(body, "cannot be undone") ||
			!strings.Contains(body, `name="confirm" value="1"`) {
			t.Fatalf("bulk merge without confirmation: %d, want the question", code)
		}
		if got, _ := e.Tickets.Get(context.Background(), agent, ts[0].Number); got.MergedInto != 0 {
			t.Fatal("a bulk merge acted before it was confirmed")
		}
		merge.Set("confirm", "1")
		if code, _, _ := b.post("/tickets/bulk", merge); code != 303 {
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

// TestBulkOnAllMatching: "all matching" changes every ticket the queue
// lists, on every page, and nothing else; a query that is refused changes
// nothing.
func TestBulkOnAllMatching(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		b, agent := signIn(t, e, user.RoleAgent)
		var match []*ticket.Ticket
		for i := 0; i < 3; i++ {
			match = append(match, apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) { n.Tags = []string{"batch"}; n.Priority = "p3" }))
		}
		other := apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) { n.Priority = "p3" })
		back := "/tickets?q=" + url.QueryEscape("tag:batch")
		b.get(back)
		// One ticket ticked, but the scope is every ticket matching.
		code, _, h := b.post("/tickets/bulk", url.Values{"_csrf": {b.csrf}, "n": {itoa(match[0].Number)}, "scope": {"all"},
			"priority": {"p1"}, "back": {back}})
		if code != 303 || h.Get("Location") != back {
			t.Fatalf("bulk on all matching: %d %s", code, h.Get("Location"))
		}
		for _, tk := range match {
			if got, _ := e.Tickets.Get(context.Background(), agent, tk.Number); got.Priority != ticket.P1 {
				t.Errorf("matching ticket %d has %s", tk.Number, got.Priority)
			}
		}
		if got, _ := e.Tickets.Get(context.Background(), agent, other.Number); got.Priority != ticket.P3 {
			t.Errorf("a ticket outside the query was changed to %s", got.Priority)
		}
		// A refused query changes nothing and says why.
		bad := "/tickets?q=" + url.QueryEscape("tag:batch priority:p9")
		code, body, _ := b.post("/tickets/bulk", url.Values{"_csrf": {b.csrf}, "scope": {"all"}, "priority": {"p4"}, "back": {bad}})
		if code != 422 || !strings.Contains(body, `id="bulk-errors"`) || !strings.Contains(body, "is not a priority") {
			t.Fatalf("bulk on a refused query: %d", code)
		}
		if got, _ := e.Tickets.Get(context.Background(), agent, match[0].Number); got.Priority != ticket.P1 {
			t.Errorf("a refused query changed a ticket to %s", got.Priority)
		}
	})
}
