package portal_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// browser starts headless Chromium for the test, or skips it when none is
// installed (DOCKET_TEST_CHROMIUM=require makes that a failure).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("DOCKET_TEST_CHROMIUM_PATH")
	if path == "" {
		path, _ = exec.LookPath("chromium")
	}
	if path == "" {
		if os.Getenv("DOCKET_TEST_CHROMIUM") == "require" {
			t.Fatal("no chromium (DOCKET_TEST_CHROMIUM=require)")
		}
		t.Skip("no chromium: the portal's browser test needs the Debian package chromium")
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	dctx, dcancel := context.WithTimeout(context.Background(), 90*time.Second)
	actx, acancel := chromedp.NewExecAllocator(dctx, opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(func() { bcancel(); acancel(); dcancel() })
	return bctx
}

// waitJS polls until the expression is truthy, for at most 10 seconds; a
// navigation meanwhile (a form being submitted) restarts the poll on the
// new page.
func waitJS(t *testing.T, b context.Context, what, js string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := chromedp.Run(b, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(time.Until(deadline)),
			chromedp.WithPollingInterval(50*time.Millisecond)))
		if err == nil {
			return
		}
		moved := strings.Contains(err.Error(), "navigated or closed") || strings.Contains(err.Error(), "Cannot find context")
		if !moved || time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// shots saves the page at 1280 and 390 px wide into DOCKET_SCREENSHOTS,
// when set.
func shots(t *testing.T, bctx context.Context, name string) {
	dir := os.Getenv("DOCKET_SCREENSHOTS")
	if dir == "" {
		return
	}
	for _, w := range []int64{1280, 390} {
		if err := chromedp.Do(bctx, chromedp.EmulateViewport(w, 900)); err != nil {
			t.Fatal(err)
		}
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "portal-"+name+"-"+itoa(w)+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
}

func itoa(n int64) string { return num(n) }

// A requester signs in with the magic link from the outbox, opens a
// request with a file, replies to it, and marks it resolved; after an
// agent resolves another, they rate the help from the resolution mail's
// link: in Chromium.
func TestPortalInBrowser(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	withMailbox(t, e)
	req := apptest.User(t, e.Services, user.RoleRequester, "pia@example.test")
	agent := apptest.User(t, e.Services, user.RoleAgent, "")
	old := apptest.Ticket(t, e.Services, req, func(n *ticket.NewTicket) { n.Subject = "Old VPN trouble" })
	if _, err := e.Tickets.Reply(ctx, agent, old.Number, ticket.NewReply{Body: "Try **reconnecting**."}); err != nil {
		t.Fatal(err)
	}
	name := "Hardware"
	if _, err := e.Tickets.CreateCategory(ctx, e.Admin, ticket.CategoryInput{Name: &name}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "screen.txt")
	if err := os.WriteFile(file, []byte("error 0x42"), 0o644); err != nil {
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
	run("sign-in page", chromedp.Navigate(e.URL+"/portal/"), chromedp.WaitVisible("#magic"))
	shots(t, b, "signin")
	run("ask for a link", chromedp.SendKeys("#link-email", "pia@example.test"), chromedp.Submit("#link-email"),
		chromedp.WaitVisible("#sent"))
	shots(t, b, "sent")
	links := mails(t, e, "pia@example.test")
	if len(links) != 1 {
		t.Fatalf("links: %v", links)
	}
	run("follow the link", chromedp.Navigate(e.URL+links[0]), chromedp.WaitVisible("#use-link"))
	shots(t, b, "link")
	run("sign in", chromedp.Click("#use-link button"), chromedp.WaitVisible("#ticket-list"))
	shots(t, b, "tickets")
	run("old ticket", chromedp.Click("#t-"+num(old.Number)+" a"), chromedp.WaitVisible("#reply-box"))
	shots(t, b, "ticket")
	run("new request", chromedp.Navigate(e.URL+"/portal/tickets/new"), chromedp.WaitVisible("#new-form"),
		chromedp.SetValue("#category", name), chromedp.Submit("#category"),
		chromedp.WaitVisible("#new-form"), chromedp.Sleep(200*time.Millisecond),
		chromedp.SendKeys("#subject", "Monitor flickers"), chromedp.SendKeys("#body", "It **flickers** since Monday."),
		chromedp.WaitVisible("#new-preview strong"))
	shots(t, b, "new")
	run("submit", chromedp.SetUploadFiles("#files", []string{file}), chromedp.Click("#submit"), chromedp.WaitVisible("#reply-box"))
	flash, page := text("#flash"), text("#conversation")
	if !strings.Contains(flash, "We received your request") || !strings.Contains(page, "screen.txt") || !strings.Contains(page, "flickers") {
		t.Fatalf("after submit: %q %q", flash, page)
	}
	// The page before the reply shows a flash too: wait for the reply's own.
	run("reply", chromedp.SendKeys("#body", "It also hums."), chromedp.Click("#send"))
	waitJS(t, b, "the reply's flash", `document.querySelector('#flash')?.textContent.includes('Your reply was added')`)
	page = text("#conversation")
	if !strings.Contains(page, "It also hums.") {
		t.Fatalf("reply not shown: %q", page)
	}
	run("resolve", chromedp.Click("#resolve"), chromedp.WaitVisible("#continue"))
	status := text("#status")
	if status != "Resolved" {
		t.Fatalf("status %q", status)
	}
	shots(t, b, "resolved")
	list, _, err := e.Tickets.List(ctx, req, ticket.Filter{Status: []ticket.Status{ticket.StatusResolved}})
	if err != nil || len(list) != 1 || list[0].Subject != "Monitor flickers" || list[0].Category == nil || list[0].Channel != ticket.ChannelPortal {
		t.Fatalf("resolved tickets: %v %v", list, err)
	}
	// The agent resolves the old request; the requester rates the help
	// from the resolution mail's link, then sees the rating on the request.
	resolved(t, e, agent, old)
	rate := ratingLinks(t, e, "pia@example.test")
	if len(rate) != 2 || !strings.HasSuffix(rate[0], "score=good") {
		t.Fatalf("rating links: %v", rate)
	}
	run("rating link", chromedp.Navigate(e.URL+rate[0]), chromedp.WaitVisible("#rating-form"))
	if r := rating(t, e, old); r != nil {
		t.Fatalf("opening the link rated: %+v", r)
	}
	checked, err := chromedp.Run(b, chromedp.Evaluate[bool](`document.querySelector('input[name=score][value=good]').checked`))
	if err != nil || !checked {
		t.Fatalf("the link's score is not chosen: %v %v", checked, err)
	}
	run("comment", chromedp.SendKeys("#rating-comment", "Quick and friendly."))
	shots(t, b, "rate")
	run("rate", chromedp.Click("#rate"), chromedp.WaitVisible("#rating-given"))
	if flash := text("#flash"); !strings.Contains(flash, "Thank you for rating") {
		t.Fatalf("after rating: %q", flash)
	}
	shots(t, b, "rated")
	if r := rating(t, e, old); r == nil || r.Score != "good" || r.Comment != "Quick and friendly." {
		t.Fatalf("rating: %+v", r)
	}
	run("rated request", chromedp.Navigate(e.URL+"/portal/tickets/"+num(old.Number)), chromedp.WaitVisible("#rating-given"))
	run("sign-up page", chromedp.Navigate(e.URL+"/portal/forgot"), chromedp.WaitVisible("#forgot-form"))
	shots(t, b, "forgot")
}
