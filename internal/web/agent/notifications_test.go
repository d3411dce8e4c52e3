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
	"github.com/docket/docket/internal/notify"
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
	apptest.Settle(t, e.Services, notify.ConsumerName)

	_, page, _ := b.get("/tickets?view=open")
	if !strings.Contains(page, `id="unread" data-unread="1">1</span>`) ||
		!strings.Contains(page, "Alice Archer mentioned you on "+tk.Reference+" Badge reader &lt;b&gt;broken&lt;/b&gt;") {
		t.Error("the bell shows no unread count or no notification")
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
	if _, page, _ = b.get("/tickets?view=open"); !strings.Contains(page, `id="unread" data-unread="0" hidden>`) {
		t.Error("still unread after opening it")
	}
	if _, page, _ = b.get("/notifications?unread=1"); !strings.Contains(page, "Nothing unread.") {
		t.Error("the unread list still lists the opened notification")
	}

	// Someone else's notification is not theirs to open.
	other, _ := signIn(t, e, user.RoleAdmin)
	other.get("/tickets?view=open")
	if code, _, _ := other.post("/notifications/"+id+"/open", url.Values{"_csrf": {other.csrf}}); code != http.StatusNotFound {
		t.Errorf("someone else's notification: %d", code)
	}

	// The profile's choices: mentions are emailed at once by default; a
	// choice not offered is refused at its menu, and nothing is saved.
	if _, page, _ = b.get("/profile"); !strings.Contains(page, `<option value="immediately" selected>`) ||
		!strings.Contains(page, `id="in-app-mention" aria-labelledby="pref-mention" checked`) {
		t.Error("the profile does not show the default preferences")
	}
	form := url.Values{"_csrf": {b.csrf}}
	for _, k := range notify.Kinds {
		form.Set("in_app_"+k, "1")
		form.Set("email_"+k, "digest")
	}
	form.Set("email_reply", "hourly")
	if code, page, _ := b.post("/profile/notifications", form); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, `id="email-reply" aria-labelledby="pref-reply" aria-invalid="true"`) {
		t.Fatalf("an invalid choice: %d\n%.3000s", code, page)
	}
	if ps, _ := e.Notify.Preferences(ctx, me); ps[0].Email != notify.EmailImmediately {
		t.Error("a refused form saved something")
	}
	form.Set("email_reply", "never")
	form.Del("in_app_team")
	if code, _, _ := b.post("/profile/notifications", form); code != http.StatusSeeOther {
		t.Fatalf("save: %d", code)
	}
	ps, _ := e.Notify.Preferences(ctx, me)
	got := map[string]notify.Preference{}
	for _, p := range ps {
		got[p.Kind] = p
	}
	if got["mention"].Email != "digest" || got["reply"].Email != "never" || got["team"].InApp || !got["assigned"].InApp {
		t.Errorf("saved preferences %+v", ps)
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
