package agent_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

func TestSavedViews(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		b, agent := signIn(t, e, user.RoleAgent)
		other, _ := signIn(t, e, user.RoleAdmin)
		apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) { n.Subject = "VPN drops"; n.Tags = []string{"vpn"} })
		apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) { n.Subject = "Printer" })
		b.get("/tickets?q=tag:vpn")
		code, _, h := b.post("/views", url.Values{"_csrf": {b.csrf}, "name": {"VPN issues"}, "query": {"tag:vpn"}, "sort": {""}})
		if code != 303 || !strings.HasPrefix(h.Get("Location"), "/tickets?view=v") {
			t.Fatalf("save view: %d %s", code, h.Get("Location"))
		}
		viewURL := h.Get("Location")
		_, body, _ := b.get(viewURL)
		if !strings.Contains(body, "VPN drops") || strings.Contains(body, ">Printer<") || !strings.Contains(body, `data-count="`+strings.TrimPrefix(viewURL, "/tickets?view=")+`">1<`) {
			t.Fatal("saved view does not list its tickets with a count")
		}
		// A personal view is nobody else's business.
		if code, _, _ := other.get(viewURL); code != 404 {
			t.Fatalf("another agent opens a personal view: %d", code)
		}
		// Agents cannot share views.
		if code, _, _ := b.post("/views", url.Values{"_csrf": {b.csrf}, "name": {"All"}, "query": {"status:open"}, "shared": {"1"}}); code != 403 {
			t.Fatalf("agent shares a view: %d", code)
		}
		id := strings.TrimPrefix(viewURL, "/tickets?view=v")
		other.get("/tickets?view=open")
		if code, _, _ := other.post("/views/"+id+"/delete", url.Values{"_csrf": {other.csrf}}); code != 404 {
			t.Fatalf("someone else deletes a personal view: %d", code)
		}
		if code, _, _ := b.post("/views/"+id+"/delete", url.Values{"_csrf": {b.csrf}, "confirm": {"1"}}); code != 303 {
			t.Fatalf("delete view: %d", code)
		}
		if code, _, _ := b.get(viewURL); code != 404 {
			t.Fatalf("deleted view still opens: %d", code)
		}
	})
}
