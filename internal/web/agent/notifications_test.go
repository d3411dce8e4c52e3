package agent_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestMentionNotificationsInWorkspace: a mention shows as an unread count
// on every page and in the notifications list; opening it marks it read
// and leads to the note; the profile turns the email off.
func TestMentionNotificationsInWorkspace(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	b, me := signIn(t, e, user.RoleAgent)
	alice := newAgent(t, e, "alice@example.test", "Alice Archer")
	tk := apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Subject = "Badge reader <b>broken</b>" })
	m, err := e.Tickets.Reply(ctx, alice, tk.Number, ticket.NewReply{Body: "@" + me.Email + " you fixed this last time?", Internal: true})
	if err != nil {
		t.Fatal(err)
	}

	_, page, _ := b.get("/tickets?view=open")
	if !strings.Contains(page, `id="unread" aria-label="1 unread">1</span>`) {
		t.Error("the top bar shows no unread count")
	}
	code, page, _ := b.get("/notifications")
	if code != http.StatusOK || !strings.Contains(page, "Alice Archer mentioned you on "+tk.Reference+" Badge reader &lt;b&gt;broken&lt;/b&gt;") {
		t.Fatalf("notifications: %d\n%.2000s", code, page)
	}
	id := regexpFind(t, page, `action="/notifications/(\d+)/open"`)
	code, _, h := b.post("/notifications/"+id+"/open", url.Values{"_csrf": {b.csrf}})
	if code != http.StatusSeeOther || h.Get("Location") != "/tickets/"+itoa(tk.Number)+"#m-"+m.UID {
		t.Fatalf("open: %d %s", code, h.Get("Location"))
	}
	if _, page, _ = b.get("/tickets?view=open"); strings.Contains(page, `id="unread"`) {
		t.Error("still unread after opening it")
	}

	// Someone else's notification is not theirs to open.
	other, _ := signIn(t, e, user.RoleAdmin)
	other.get("/tickets?view=open")
	if code, _, _ := other.post("/notifications/"+id+"/open", url.Values{"_csrf": {other.csrf}}); code != http.StatusNotFound {
		t.Errorf("someone else's notification: %d", code)
	}

	// The profile's choice.
	if _, page, _ = b.get("/profile"); !strings.Contains(page, `id="mention-email" checked`) {
		t.Error("mention emails are not on by default")
	}
	if code, _, _ := b.post("/profile/notifications", url.Values{"_csrf": {b.csrf}}); code != http.StatusSeeOther {
		t.Fatalf("save: %d", code)
	}
	if on, _ := e.Notify.MentionEmail(ctx, me); on {
		t.Error("unticking the box did not turn mention emails off")
	}
	if _, page, _ = b.get("/profile"); strings.Contains(page, `id="mention-email" checked`) {
		t.Error("the profile still shows mention emails on")
	}
}

// regexpFind returns the first group of pattern in s, or fails the test.
func regexpFind(t *testing.T, s, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in the page", pattern)
	}
	return m[1]
}
