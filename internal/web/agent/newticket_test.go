package agent_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

func TestNewTicketAndPhoneCall(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		b, agent := signIn(t, e, user.RoleAgent)
		if code, body, _ := b.get("/tickets/new?channel=phone"); code != 200 || !strings.Contains(body, "Log a phone call") {
			t.Fatalf("phone form: %d", code)
		}
		form := url.Values{"_csrf": {b.csrf}, "requester": {"caller@example.test"}, "requester_name": {"Carla Caller"},
			"subject": {"Monitor flickers"}, "body": {"Called at 9:00."}, "type": {"incident"}, "priority": {"p2"},
			"assignee": {"me"}, "tags": {"hardware, Monitor"}, "channel": {"phone"}}
		code, _, h := b.post("/tickets/new", form)
		if code != 303 || !strings.HasPrefix(h.Get("Location"), "/tickets/") {
			t.Fatalf("create: %d %s", code, h.Get("Location"))
		}
		n, _ := ticket.ParseNumber(strings.TrimPrefix(h.Get("Location"), "/tickets/"))
		tk, err := e.Tickets.Get(context.Background(), agent, n)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Channel != ticket.ChannelPhone || tk.Requester.Email != "caller@example.test" || tk.Requester.Name != "Carla Caller" ||
			tk.Assignee == nil || tk.Assignee.Email != agent.Email || tk.Priority != ticket.P2 || strings.Join(tk.Tags, ",") != "hardware,monitor" {
			t.Fatalf("created ticket = %+v", tk)
		}
		// The contact now autocompletes.
		_, body, _ := b.get("/contacts?q=carla")
		var cs []struct{ Email, Name string }
		if err := json.Unmarshal([]byte(body), &cs); err != nil || len(cs) != 1 || cs[0].Email != "caller@example.test" {
			t.Fatalf("contacts = %s (%v)", body, err)
		}
		// Bad input keeps what was typed and names the fields.
		form.Set("requester", "not-an-email")
		form.Set("subject", "")
		code, body, _ = b.post("/tickets/new", form)
		if code != 422 || !strings.Contains(body, "Called at 9:00.") || !strings.Contains(body, "Is not a valid email address.") ||
			!strings.Contains(body, "Is required.") {
			t.Fatalf("invalid create: %d", code)
		}
	})
}

// TestLinkAndMergeFromTicketPage: link, unlink and merge from the ticket
// page, with their refusals next to the ticket number.
func TestLinkAndMergeFromTicketPage(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	b, agent := signIn(t, e, user.RoleAgent)
	a := apptest.Ticket(t, e.Services, agent)
	c := apptest.Ticket(t, e.Services, agent)
	path := "/tickets/" + itoa(a.Number)
	b.get(path)
	if code, _, _ := b.post(path+"/relate", url.Values{"_csrf": {b.csrf}, "type": {"parent"}, "other": {itoa(c.Number)}}); code != 303 {
		t.Fatalf("link: %d", code)
	}
	_, body, _ := b.get("/tickets/" + itoa(c.Number))
	if !strings.Contains(body, "Child") || !strings.Contains(body, "/tickets/"+itoa(a.Number)) {
		t.Fatal("the linked ticket does not show the inverse link")
	}
	if code, body, _ := b.post(path+"/relate", url.Values{"_csrf": {b.csrf}, "type": {"related"}, "other": {itoa(c.Number)}}); code != 422 || !strings.Contains(body, "already linked") {
		t.Fatalf("duplicate link: %d", code)
	}
	// The link can be removed again, from either ticket's page.
	_, body, _ = b.get(path)
	if !strings.Contains(body, `action="/tickets/`+itoa(a.Number)+`/unlink"`) || !strings.Contains(body, `aria-label="Remove the link to #`+itoa(c.Number)+`"`) {
		t.Fatal("the ticket page offers no way to remove the link")
	}
	code, _, h := b.post("/tickets/"+itoa(c.Number)+"/unlink", url.Values{"_csrf": {b.csrf}, "other": {itoa(a.Number)}})
	if code != 303 || h.Get("Location") != "/tickets/"+itoa(c.Number) {
		t.Fatalf("unlink: %d %s", code, h.Get("Location"))
	}
	for _, n := range []int64{a.Number, c.Number} {
		if ls, err := e.Tickets.Links(context.Background(), agent, n); err != nil || len(ls) != 0 {
			t.Fatalf("links of #%d after unlinking: %+v %v", n, ls, err)
		}
	}
	if code, body, _ := b.post(path+"/unlink", url.Values{"_csrf": {b.csrf}, "other": {itoa(c.Number)}}); code != 422 || !strings.Contains(body, "is not linked to") {
		t.Fatalf("unlinking twice: %d", code)
	}
	if code, body, _ := b.post(path+"/relate", url.Values{"_csrf": {b.csrf}, "type": {"merge"}, "other": {itoa(a.Number)}}); code != 422 || !strings.Contains(body, "cannot be merged into itself") {
		t.Fatalf("merge into itself: %d", code)
	}
	code, _, h = b.post(path+"/relate", url.Values{"_csrf": {b.csrf}, "type": {"merge"}, "other": {itoa(c.Number)}, "confirm": {"1"}})
	if code != 303 || h.Get("Location") != "/tickets/"+itoa(c.Number) {
		t.Fatalf("merge: %d %s", code, h.Get("Location"))
	}
	merged, _ := e.Tickets.Get(context.Background(), agent, a.Number)
	if merged.MergedInto != c.Number {
		t.Fatalf("merged_into = %d", merged.MergedInto)
	}
	if _, body, _ := b.get(path); !strings.Contains(body, `id="merged-into"`) || strings.Contains(body, `id="reply-form"`) {
		t.Fatal("merged ticket page should point at the survivor and offer no reply form")
	}
}
