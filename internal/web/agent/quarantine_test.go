package agent_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/user"
)

// rawMail is a minimal plain-text message.
func rawMail(from, subject, msgID, inReplyTo, body string, extra ...string) []byte {
	h := "From: " + from + "\r\nTo: support@example.test\r\nSubject: " + subject + "\r\nMessage-ID: <" + msgID +
		">\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n"
	if inReplyTo != "" {
		h += "In-Reply-To: <" + inReplyTo + ">\r\nReferences: <" + inReplyTo + ">\r\n"
	}
	for _, x := range extra {
		h += x + "\r\n"
	}
	return []byte(h + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n")
}

func supportMailbox(t *testing.T, e *apptest.Env) *mailbox.Mailbox {
	t.Helper()
	addr := "support@example.test"
	mb, err := e.Services.Mailboxes.Create(context.Background(), e.Admin, mailbox.Input{Address: &addr})
	if err != nil {
		t.Fatal(err)
	}
	return mb
}

func TestQuarantinePage(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	mb := supportMailbox(t, e)
	e.Services.Importer.TrustedAuthservID = "mx.example.test"
	res, err := e.Services.Importer.Import(ctx, mb, rawMail("ceo@example.org", "Wire money now", "q1@x", "", "Pay it.",
		"Authentication-Results: mx.example.test; dmarc=fail header.from=example.org"))
	if err != nil || !res.Quarantined {
		t.Fatalf("import: %+v %v", res, err)
	}
	held, err := e.Services.Importer.Quarantined(ctx, e.Admin)
	if err != nil || len(held) != 1 {
		t.Fatalf("held: %+v %v", held, err)
	}
	id := itoa(held[0].ID)

	// A plain agent (no admin rights) finds it in Mail not filed, where the
	// old quarantine page now leads, and releases it from there.
	b, _ := signIn(t, e, user.RoleAgent)
	code, _, h := b.get("/mail/quarantine")
	if code != http.StatusSeeOther || h.Get("Location") != "/mail/inbound?state=quarantined" {
		t.Fatalf("quarantine page: %d %s", code, h.Get("Location"))
	}
	code, body, _ := b.get(h.Get("Location"))
	if code != 200 || !strings.Contains(body, `id="inbound-`+id+`"`) || !strings.Contains(body, "ceo@example.org") ||
		!strings.Contains(body, "Wire money now") || !strings.Contains(body, "DMARC") ||
		!strings.Contains(body, `action="/mail/quarantine/`+id+`/release"`) || !strings.Contains(body, `id="nav-inbound"`) {
		t.Fatalf("quarantined mail: %d\n%s", code, body)
	}

	// Without the CSRF token the release is refused and nothing changes.
	if code, _, _ := b.post("/mail/quarantine/"+id+"/release", url.Values{}); code != http.StatusForbidden {
		t.Fatalf("release without CSRF: %d, want 403", code)
	}
	if held, _ := e.Services.Importer.Quarantined(ctx, e.Admin); len(held) != 1 {
		t.Fatalf("released without CSRF: %+v", held)
	}

	// Releasing files it as a ticket and opens that ticket with a flash.
	code, _, h = b.post("/mail/quarantine/"+id+"/release", url.Values{"_csrf": {b.csrf}})
	loc := h.Get("Location")
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/tickets/") {
		t.Fatalf("release: %d %s", code, loc)
	}
	n := strings.TrimPrefix(loc, "/tickets/")
	code, body, _ = b.get(loc)
	if code != 200 || !strings.Contains(body, "Filed on #"+n) || !strings.Contains(body, "Wire money now") {
		t.Fatalf("ticket after release: %d\n%s", code, body)
	}
	if held, _ := e.Services.Importer.Quarantined(ctx, e.Admin); len(held) != 0 {
		t.Fatalf("still held: %+v", held)
	}
	code, body, _ = b.get("/mail/inbound")
	if code != 200 || strings.Contains(body, `id="inbound-`+id+`"`) || !strings.Contains(body, "No mail waits for a decision.") {
		t.Fatalf("inbound after release: %d", code)
	}

	// Releasing again only says so.
	code, _, h = b.post("/mail/quarantine/"+id+"/release", url.Values{"_csrf": {b.csrf}})
	if code != http.StatusSeeOther || h.Get("Location") != "/mail/inbound" {
		t.Fatalf("second release: %d %s", code, h.Get("Location"))
	}

	// Signed out, the page sends you to sign in.
	if code, _, h := newBrowser(t, e.URL).get("/mail/inbound"); code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
		t.Fatalf("signed out: %d %s", code, h.Get("Location"))
	}
}

func TestTicketPageShowsThreading(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	mb := supportMailbox(t, e)
	first, err := e.Services.Importer.Import(ctx, mb, rawMail("pat@example.org", "Printer jammed", "t1@x", "", "It is jammed."))
	if err != nil || first.Ticket == 0 {
		t.Fatalf("first: %+v %v", first, err)
	}
	reply, err := e.Services.Importer.Import(ctx, mb, rawMail("pat@example.org", "Re: Printer jammed", "t2@x", "t1@x", "Still jammed.",
		"Auto-Submitted: auto-replied"))
	if err != nil || reply.Ticket != first.Ticket {
		t.Fatalf("reply: %+v %v", reply, err)
	}
	b, _ := signIn(t, e, user.RoleAgent)
	code, body, _ := b.get("/tickets/" + itoa(first.Ticket))
	if code != 200 || !strings.Contains(body, `data-channel="email"`) || !strings.Contains(body, `class="muted threading"`) ||
		!strings.Contains(body, ">new ticket: no reference to an existing ticket<") || !strings.Contains(body, ">threaded by In-Reply-To") {
		t.Fatalf("ticket page: %d\n%s", code, body)
	}
}
