package agent_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// Mail not filed: the list, its sidebar count (live), the raw download and
// the three decisions, with field errors shown at the message.
func TestMailNotFiledPage(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	mb := supportMailbox(t, e)
	anonymous := func(subject, id string) int64 {
		t.Helper()
		raw := "To: support@example.test\r\nSubject: " + subject + "\r\nMessage-ID: <" + id + ">\r\n\r\nHello?\r\n"
		if res, err := e.Services.Importer.Import(ctx, mb, []byte(raw)); err != nil || res.Ticket != 0 {
			t.Fatalf("import: %+v %v", res, err)
		}
		ms, _ := e.Services.Importer.ListInbound(ctx, e.Admin, mail.InboundFilter{Limit: 1})
		return ms[0].ID
	}
	first := itoa(anonymous(`<script>alert(1)</script>`, "a1@x"))
	b, agent := signIn(t, e, user.RoleAgent)
	events := stream(t, b, "/events")

	_, body, _ := b.get("/tickets?view=open")
	if !strings.Contains(body, `data-count="inbound">1</span>`) {
		t.Fatalf("sidebar count missing:\n%s", body)
	}
	second := itoa(anonymous("Second", "a2@x"))
	waitFor(t, events, func(le liveEvent) bool { return le.Type == mail.EventInboundHeld })
	third := itoa(anonymous("Third", "a3@x"))

	code, body, _ := b.get("/mail/inbound")
	if code != 200 || !strings.Contains(body, `id="inbound-`+first+`"`) || strings.Contains(body, "<script>alert(1)") ||
		!strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(body, "no sender address") ||
		!strings.Contains(body, `href="/mail/inbound/`+first+`/raw"`) || !strings.Contains(body, `data-count="inbound">3</span>`) {
		t.Fatalf("inbound page: %d\n%s", code, body)
	}

	// The raw message downloads; it is never shown as a page.
	req, _ := http.NewRequest("GET", e.URL+"/mail/inbound/"+first+"/raw", nil)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") ||
		resp.Header.Get("Content-Type") != "message/rfc822" || !strings.Contains(string(raw), "<script>alert(1)</script>") {
		t.Fatalf("raw download: %d %v", resp.StatusCode, resp.Header)
	}

	// Filing a message without a sender asks for a requester, at the message.
	code, body, _ = b.post("/mail/inbound/"+first+"/file", url.Values{"_csrf": {b.csrf}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="req-`+first+`" name="requester" type="email"`) ||
		!strings.Contains(body, "no sender address Docket can answer") {
		t.Fatalf("file without a requester: %d\n%s", code, body)
	}
	if n, problems := undescribedErrors(t, body); n != 1 || len(problems) > 0 {
		t.Errorf("%d errors on the page, want the requester's, tied to it: %v", n, problems)
	}
	code, _, h := b.post("/mail/inbound/"+first+"/file", url.Values{"_csrf": {b.csrf}, "requester": {"walk-in@example.org"}})
	if code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/tickets/") {
		t.Fatalf("file: %d %s", code, h.Get("Location"))
	}

	// Attaching: a bad ticket is an error at the field, then it works...
	// for a sender Docket can answer; this one has none.
	tk := apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) { n.Subject = "Existing" })
	code, body, _ = b.post("/mail/inbound/"+second+"/attach", url.Values{"_csrf": {b.csrf}, "ticket": {"nope"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "must be a ticket number") || !strings.Contains(body, `value="nope"`) {
		t.Fatalf("attach to a bad ticket: %d", code)
	}
	if n, problems := undescribedErrors(t, body); n != 1 || len(problems) > 0 {
		t.Errorf("%d errors on the page, want the ticket's, tied to it: %v", n, problems)
	}
	code, body, _ = b.post("/mail/inbound/"+second+"/attach", url.Values{"_csrf": {b.csrf}, "ticket": {"#" + itoa(tk.Number)}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "file it as a new ticket with a requester") {
		t.Fatalf("attach mail without a sender: %d", code)
	}

	// Discarding keeps it, under Discarded, with who did it.
	code, _, h = b.post("/mail/inbound/"+third+"/discard", url.Values{"_csrf": {b.csrf}})
	if code != http.StatusSeeOther || h.Get("Location") != "/mail/inbound" {
		t.Fatalf("discard: %d %s", code, h.Get("Location"))
	}
	_, body, _ = b.get("/mail/inbound?state=discarded")
	if !strings.Contains(body, `id="inbound-`+third+`"`) || !strings.Contains(body, "discarded by "+agent.Name) ||
		strings.Contains(body, `action="/mail/inbound/`+third+`/file"`) {
		t.Fatalf("discarded list:\n%s", body)
	}
	_, body, _ = b.get("/mail/inbound")
	if !strings.Contains(body, `data-count="inbound">1</span>`) || strings.Contains(body, `id="inbound-`+third+`"`) {
		t.Fatalf("waiting after the decisions:\n%s", body)
	}
}
