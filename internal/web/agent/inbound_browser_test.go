package agent_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestBrowserMailNotFiled opens Mail not filed in Chromium on a desktop and
// a phone: the page fits the screen, and the sidebar count and the list
// follow new mail live. A ticket that came in without a required field
// shows it. With DOCKET_SCREENSHOTS set it saves the pages there:
//
//	DOCKET_SCREENSHOTS=/tmp/shots go test -run BrowserMailNotFiled ./internal/web/agent/
func TestBrowserMailNotFiled(t *testing.T) {
	c := newChrome(t, 60*time.Second)
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	mb := supportMailbox(t, e)
	key, label, typ, req := "asset", "Asset tag", ticket.FieldText, true
	if _, err := e.Tickets.CreateFieldDef(ctx, e.Admin, ticket.FieldDefInput{Key: &key, Label: &label, Type: &typ, Required: &req}); err != nil {
		t.Fatal(err)
	}
	e.Services.Importer.TrustedAuthservID = "mx.example.test"
	imp := func(raw []byte) int64 {
		t.Helper()
		res, err := e.Services.Importer.Import(ctx, mb, raw)
		if err != nil {
			t.Fatal(err)
		}
		return res.Ticket
	}
	filed := imp(rawMail("Rita Requester <rita@example.org>", "Laptop will not boot", "b1@x", "", "It shows a blinking cursor."))
	imp(rawMail("ceo@example-payments.org", "URGENT: wire 48,000 EUR to the new supplier account today", "b2@x", "", "Pay now.",
		"Authentication-Results: mx.example.test; dmarc=fail header.from=example-payments.org"))
	imp([]byte("To: support@example.test\r\nSubject: Contact form submission without any sender address at all\r\nMessage-ID: <b3@x>\r\n\r\nHi\r\n"))
	imp(rawMail("support@example.test", "Loop", "b4@x", "", "Round."))
	if _, err := e.Users.Create(ctx, apptest.Setup, user.NewUser{Email: "ada@example.test", Name: "Ada Agent", Role: user.RoleAgent, Password: e2ePassword}); err != nil {
		t.Fatal(err)
	}
	a := c.tab("agent", e.URL)
	a.signIn(t, "ada@example.test", e2ePassword, "/mail/inbound", "#inbound-page")
	if got := a.text(t, "#nav-inbound .count"); got != "3" {
		t.Errorf("sidebar count = %q, want 3", got)
	}
	// New mail that is not filed shows up, count and list, without a reload.
	imp([]byte("To: support@example.test\r\nSubject: Arrived live\r\nMessage-ID: <b5@x>\r\n\r\nHi\r\n"))
	a.waitJS(t, "live count", `document.querySelector("#nav-inbound .count").textContent === "4" && document.querySelector("#inbound").textContent.includes("Arrived live")`)

	dir := os.Getenv("DOCKET_SCREENSHOTS")
	for _, page := range []struct{ name, path, sel string }{
		{"inbound", "/mail/inbound", "#inbound-page"},
		{"ticket-missing", "/tickets/" + num(filed), "#missing-fields"},
	} {
		for _, size := range []struct{ w, h int64 }{{1280, 900}, {390, 844}} {
			a.do(t, "viewport", chromedp.EmulateViewport(size.w, size.h))
			a.open(t, page.path, page.sel)
			if over := eval[int](t, a, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
				t.Errorf("%s at %dx%d is %dpx wider than the screen", page.name, size.w, size.h, over)
			}
			if dir == "" {
				continue
			}
			a.saveScreenshots(t, dir, page.name+"-"+num(size.w))
		}
	}
	a.noConsoleErrors(t)
}
