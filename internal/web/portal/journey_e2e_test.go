package portal_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

var ackLinkRe = regexp.MustCompile(`/portal/t/[0-9a-f-]+`)

// TestRequesterJourneyInBrowser walks issue 12's whole path in Chromium:
// a requester signs up, starts typing a subject and sees a suggested
// article, submits with an attachment, gets the acknowledgement mail,
// follows its link, replies, and after the agent resolves, rates the help
// from the mail link.
func TestRequesterJourneyInBrowser(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	withMailbox(t, e)
	if _, err := e.Auth.SetPortalSettings(ctx, e.Admin, auth.PortalSettings{SignUp: auth.SignUpOpen, Domains: []string{}, ReopenDays: 7}); err != nil {
		t.Fatal(err)
	}
	agent := apptest.User(t, e.Services, user.RoleAgent, "")
	kbArticle(t, e, agent, "Monitor flickers after docking", "Replace the **DisplayPort** cable.", "public", "published")
	file := filepath.Join(t.TempDir(), "photo.txt")
	if err := os.WriteFile(file, []byte("flicker at 60 Hz"), 0o644); err != nil {
		t.Fatal(err)
	}
	b := browser(t)
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(b, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(b, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	run("sign up", chromedp.Navigate(e.URL+"/portal/signup"), chromedp.WaitVisible("#signup"),
		chromedp.SendKeys("#name", "Rita Requester"), chromedp.SendKeys("#email", "rita@example.test"),
		chromedp.Submit("#email"), chromedp.WaitVisible("#sent"))
	links := mails(t, e, "rita@example.test")
	if len(links) != 1 || !strings.HasPrefix(links[0], "/portal/reset/") {
		t.Fatalf("sign-up mail links: %v", links)
	}
	run("choose a password", chromedp.Navigate(e.URL+links[0]), chromedp.WaitVisible("#reset-form"),
		chromedp.SendKeys("#password", "a long and new password"), chromedp.SendKeys("#password2", "a long and new password"),
		chromedp.Submit("#password2"), chromedp.WaitVisible("#nav-new"))
	run("type a subject", chromedp.Navigate(e.URL+"/portal/tickets/new"), chromedp.WaitVisible("#new-form"),
		chromedp.SendKeys("#subject", "Monitor flickers"), chromedp.WaitVisible("#suggestions li"))
	if s := text("#suggestions"); !strings.Contains(s, "Monitor flickers after docking") {
		t.Fatalf("suggestions: %q", s)
	}
	run("submit", chromedp.SendKeys("#body", "Every few seconds, since the new dock."),
		chromedp.SetUploadFiles("#files", []string{file}), chromedp.Click("#submit"), chromedp.WaitVisible("#reply-box"))
	if page := text("#conversation"); !strings.Contains(page, "photo.txt") {
		t.Fatalf("after submit: %q", page)
	}
	list, _, err := e.Tickets.List(ctx, e.Admin, ticket.Filter{Requester: []string{"rita@example.test"}})
	if err != nil || len(list) != 1 {
		t.Fatalf("rita's tickets: %v %v", list, err)
	}
	tk := list[0]
	var ack string
	if err := e.DB.R.QueryRowContext(ctx, e.DB.Rebind(`SELECT body_text FROM outbox WHERE kind = 'ack' AND ticket_id = $1`), tk.ID).Scan(&ack); err != nil {
		t.Fatalf("acknowledgement mail: %v", err)
	}
	link := ackLinkRe.FindString(ack)
	if link != "/portal/t/"+tk.UID {
		t.Fatalf("acknowledgement link %q in %q", link, ack)
	}
	run("follow the acknowledgement", chromedp.Navigate(e.URL+link), chromedp.WaitVisible("#reply-box"),
		chromedp.SendKeys("#body", "It also happens on battery."), chromedp.Click("#send"))
	waitJS(t, b, "the reply's flash", `document.querySelector('#flash')?.textContent.includes('Your reply was added')`)
	if page := text("#conversation"); !strings.Contains(page, "It also happens on battery.") {
		t.Fatalf("reply not shown: %q", page)
	}
	resolved(t, e, agent, tk)
	rate := ratingLinks(t, e, "rita@example.test")
	if len(rate) == 0 {
		t.Fatal("no rating links in the resolution mail")
	}
	run("rating link", chromedp.Navigate(e.URL+rate[0]), chromedp.WaitVisible("#rating-form"),
		chromedp.Click("#rate"), chromedp.WaitVisible("#rating-given"))
	// The page that says it was given is answered after the rating commits.
	if r := rating(t, e, tk); r == nil {
		t.Fatal("the rating was not recorded")
	}
}
