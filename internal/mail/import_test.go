package mail_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/smtp"
	"strings"
	"testing"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/mail"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

type env struct {
	d    *db.DB
	s    *app.Services
	im   *mail.Importer
	mb   *mailbox.Mailbox
	addr string // SMTP listener
}

// eachDB runs fn as one subtest per dialect, each on a fresh env. The
// PostgreSQL subtest skips with the test kit's message where there is no
// PostgreSQL, and fails instead in CI (DOCKET_TEST_POSTGRES=require). The
// subtests run side by side, so the second database adds little wall time.
func eachDB(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, dialect := range apptest.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			fn(t, setup(t, apptest.DB(t, dialect)))
		})
	}
}

func setup(t testing.TB, d *db.DB) *env {
	t.Helper()
	s := apptest.Services(t, d)
	admin := apptest.User(t, s, user.RoleAdmin, "")
	addr, name := "support@example.test", "Support"
	mb, err := s.Mailboxes.Create(context.Background(), admin, mailbox.Input{Address: &addr, Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	im, err := mail.NewImporter(mail.ImporterDeps{DB: d, Tickets: s.Tickets, Users: s.Users, Attachments: s.Attachments,
		Mailboxes: s.Mailboxes, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Prepare(context.Background(), im.Queries()); err != nil {
		t.Fatal(err)
	}
	l := mail.NewListener(im, s.Mailboxes, log, "docket.test", 64<<10)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go l.Serve(ln)
	t.Cleanup(func() { l.Shutdown(context.Background()) })
	return &env{d: d, s: s, im: im, mb: mb, addr: ln.Addr().String()}
}

func raw(from, to, subject, msgID, inReplyTo, body string, extra ...string) []byte {
	h := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n", from, to, subject, msgID)
	if inReplyTo != "" {
		h += "In-Reply-To: <" + inReplyTo + ">\r\nReferences: <" + inReplyTo + ">\r\n"
	}
	for _, e := range extra {
		h += e + "\r\n"
	}
	return []byte(h + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n")
}

func send(t *testing.T, addr, from string, to []string, msg []byte) error {
	t.Helper()
	return smtp.SendMail(addr, nil, from, to, msg)
}

func TestSMTPListenerFilesAndThreads(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		ctx := context.Background()
		admin := &user.Actor{Role: user.RoleAdmin}
		first := raw("Bob <bob@example.org>", "support@example.test", "Printer on fire", "m1@example.org", "", "It is really on fire.")
		if err := send(t, e.addr, "bob@example.org", []string{"support@example.test"}, first); err != nil {
			t.Fatal(err)
		}
		list, _, _ := e.s.Tickets.List(ctx, admin, ticket.Filter{})
		if len(list) != 1 || list[0].Subject != "Printer on fire" || list[0].Channel != ticket.ChannelEmail || list[0].Requester.Email != "bob@example.org" {
			t.Fatalf("tickets after one mail: %+v", list)
		}
		n := list[0].Number
		// The same message again (an MTA retry) changes nothing.
		if err := send(t, e.addr, "bob@example.org", []string{"support@example.test"}, first); err != nil {
			t.Fatal(err)
		}
		// A reply threads by In-Reply-To.
		if err := send(t, e.addr, "bob@example.org", []string{"support@example.test"},
			raw("bob@example.org", "support@example.test", "Re: Printer on fire", "m2@example.org", "m1@example.org", "Still burning.")); err != nil {
			t.Fatal(err)
		}
		// A stranger replying to the same thread gets a ticket of their own.
		if err := send(t, e.addr, "eve@example.net", []string{"support@example.test"},
			raw("eve@example.net", "support@example.test", "Re: Printer on fire", "m3@example.net", "m1@example.org", "I can help!")); err != nil {
			t.Fatal(err)
		}
		// A number tag in the subject threads too, for a participant.
		if err := send(t, e.addr, "bob@example.org", []string{"support@example.test"},
			raw("bob@example.org", "support@example.test", fmt.Sprintf("[#%d] more", n), "m4@example.org", "", "One more thing.")); err != nil {
			t.Fatal(err)
		}
		msgs, _ := e.s.Tickets.Messages(ctx, admin, n, 0, 50)
		if len(msgs) != 3 || msgs[1].Threading != "threaded by In-Reply-To" || msgs[2].Threading != "threaded by the ticket number in the subject" {
			for _, m := range msgs {
				t.Logf("message: %q threading %q", m.Body, m.Threading)
			}
			t.Fatalf("ticket %d has %d messages, want 3", n, len(msgs))
		}
		if all, _ := e.s.Tickets.Count(ctx, admin, ticket.Filter{}); all != 2 {
			t.Fatalf("tickets = %d, want the original and the stranger's", all)
		}
		list, _, _ = e.s.Tickets.List(ctx, admin, ticket.Filter{Requester: []string{"eve@example.net"}})
		if len(list) != 1 {
			t.Fatalf("the stranger has %d tickets, want 1", len(list))
		}
		eveMsgs, _ := e.s.Tickets.Messages(ctx, admin, list[0].Number, 0, 5)
		if !strings.HasPrefix(eveMsgs[0].Threading, "new ticket: sender not a participant") {
			t.Fatalf("stranger's decision = %q", eveMsgs[0].Threading)
		}
		// Unknown recipients are refused; so is mail over the size limit.
		if err := send(t, e.addr, "bob@example.org", []string{"nobody@example.test"}, first); err == nil || !strings.Contains(err.Error(), "550") {
			t.Fatalf("unknown recipient: %v", err)
		}
		big := raw("bob@example.org", "support@example.test", "Big", "m5@example.org", "", strings.Repeat(strings.Repeat("x", 99)+"\r\n", 700))
		if err := send(t, e.addr, "bob@example.org", []string{"support@example.test"}, big); err == nil || !strings.Contains(err.Error(), "552") {
			t.Fatalf("oversized mail: %v", err)
		}
	})
}

func TestLoopsAndQuarantine(t *testing.T) { eachDB(t, testLoopsAndQuarantine) }

func testLoopsAndQuarantine(t *testing.T, e *env) {
	ctx := context.Background()
	admin := &user.Actor{Role: user.RoleAdmin}
	// Mail from our own address is a loop: nothing is filed.
	res, err := e.im.Import(ctx, e.mb, raw("support@example.test", "support@example.test", "Re: [#1001]", "loop@x", "", "loop"))
	if err != nil || !strings.HasPrefix(res.Decision, "dropped:") || res.Ticket != 0 {
		t.Fatalf("own address: %+v %v", res, err)
	}
	// A flood from one sender becomes one flagged ticket.
	e.im.MaxPerHour = 3
	for i := 0; i < 8; i++ {
		if _, err := e.im.Import(ctx, e.mb, raw("bot@example.org", "support@example.test", fmt.Sprint("Alert ", i), fmt.Sprintf("a%d@x", i), "", "disk full")); err != nil {
			t.Fatal(err)
		}
	}
	list, _, _ := e.s.Tickets.List(ctx, admin, ticket.Filter{Requester: []string{"bot@example.org"}})
	if len(list) != 4 {
		t.Fatalf("%d tickets from a flooding sender, want 3 plus one flagged", len(list))
	}
	flagged, _, _ := e.s.Tickets.List(ctx, admin, ticket.Filter{Tag: []string{"mail-loop"}})
	if len(flagged) != 1 {
		t.Fatalf("%d flagged tickets, want 1", len(flagged))
	}
	if msgs, _ := e.s.Tickets.Messages(ctx, admin, flagged[0].Number, 0, 50); len(msgs) != 5 {
		t.Fatalf("flagged ticket holds %d messages, want 5", len(msgs))
	}
	// DMARC failure reported by the trusted server quarantines; the same
	// header from anyone else is ignored.
	e.im.TrustedAuthservID = "mx.example.test"
	forged := raw("ceo@example.org", "support@example.test", "Wire money", "d1@x", "", "now", "Authentication-Results: evil.example; dmarc=fail")
	if res, _ := e.im.Import(ctx, e.mb, forged); res.Quarantined {
		t.Fatal("an untrusted Authentication-Results header was believed")
	}
	failing := raw("ceo@example.org", "support@example.test", "Wire money", "d2@x", "", "now",
		"Authentication-Results: mx.example.test; spf=fail smtp.mailfrom=example.org; dmarc=fail header.from=example.org")
	if res, err := e.im.Import(ctx, e.mb, failing); err != nil || !res.Quarantined || res.Ticket != 0 {
		t.Fatalf("DMARC failure: %+v %v", res, err)
	}
	// The same message again is a duplicate, still held.
	if res, _ := e.im.Import(ctx, e.mb, failing); !res.Duplicate {
		t.Fatalf("re-delivered quarantined mail: %+v", res)
	}
	held, err := e.im.Quarantined(ctx, &userAdmin)
	if err != nil || len(held) != 1 || held[0].Sender != "ceo@example.org" || !strings.Contains(held[0].Reason, "DMARC") {
		t.Fatalf("quarantine = %+v %v", held, err)
	}
	if _, err := e.im.Quarantined(ctx, &user.Actor{ID: 99, Role: user.RoleRequester}); !errors.Is(err, fault.ErrForbidden) {
		t.Fatalf("a requester listed quarantined mail: %v", err)
	}
	// An agent releases it: it becomes a ticket, once.
	res, err = e.im.Release(ctx, &userAdmin, held[0].ID)
	if err != nil || res.Ticket == 0 || !strings.HasPrefix(res.Decision, "released by an agent") {
		t.Fatalf("release: %+v %v", res, err)
	}
	if _, err := e.im.Release(ctx, &userAdmin, held[0].ID); err == nil {
		t.Fatal("a message was released twice")
	}
	if held, _ := e.im.Quarantined(ctx, &userAdmin); len(held) != 0 {
		t.Fatalf("still held after release: %+v", held)
	}
}

func TestRawMailKeptAsConfigured(t *testing.T) { eachDB(t, testRawMailKeptAsConfigured) }

func testRawMailKeptAsConfigured(t *testing.T, e *env) {
	d := e.d
	ctx := context.Background()
	stored := func(msgID string) bool {
		var n int
		q := d.Rebind(`SELECT COUNT(*) FROM inbound_messages WHERE message_id = $1 AND raw IS NOT NULL`)
		if err := d.R.QueryRowContext(ctx, q, msgID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	if _, err := e.im.Import(ctx, e.mb, raw("k@example.org", "support@example.test", "Kept", "keep1@x", "", "body")); err != nil {
		t.Fatal(err)
	}
	e.im.KeepRaw = false
	if _, err := e.im.Import(ctx, e.mb, raw("k@example.org", "support@example.test", "Not kept", "keep2@x", "", "body")); err != nil {
		t.Fatal(err)
	}
	if !stored("keep1@x") || stored("keep2@x") {
		t.Fatalf("raw kept: %v %v; want true false", stored("keep1@x"), stored("keep2@x"))
	}
}

func TestQuotedHistoryIsKeptForFolding(t *testing.T) { eachDB(t, testQuotedHistoryIsKeptForFolding) }

func testQuotedHistoryIsKeptForFolding(t *testing.T, e *env) {
	ctx := context.Background()
	body := "Still broken <b>today</b>.\r\n\r\nOn Mon, 23 Nov 2026 at 10:00, Support <support@example.test> wrote:\r\n> Did you restart it?\r\n"
	res, err := e.im.Import(ctx, e.mb, raw("q@example.org", "support@example.test", "Quotes", "quote1@x", "", body))
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := e.s.Tickets.Messages(ctx, &userAdmin, res.Ticket, 0, 1)
	html := msgs[0].BodyHTML
	if !strings.Contains(html, "Still broken &lt;b&gt;today&lt;/b&gt;.") || !strings.Contains(html, "<blockquote>") ||
		!strings.Contains(html, "Did you restart it?") || strings.Index(html, "<blockquote>") > strings.Index(html, "wrote:") {
		t.Fatalf("body = %s", html)
	}
}

// A copy of a message that differs only in its headers (one more Received
// line, as after an MTA retry) is the same message: imported once.
func TestSameMessageIDFromSameSenderIsOneMessage(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		ctx := context.Background()
		m := raw("r@example.org", "support@example.test", "Once", "same1@x", "", "body")
		first, err := e.im.Import(ctx, e.mb, m)
		if err != nil || first.Ticket == 0 {
			t.Fatalf("first: %+v %v", first, err)
		}
		again, err := e.im.Import(ctx, e.mb, append([]byte("Received: from relay2.example.org; Tue, 24 Nov 2026 10:01:00 +0000\r\n"), m...))
		if err != nil || !again.Duplicate || again.Ticket != first.Ticket {
			t.Fatalf("re-sent copy: %+v %v", again, err)
		}
		// Another sender reusing the id is another message.
		other, err := e.im.Import(ctx, e.mb, raw("s@example.org", "support@example.test", "Other", "same1@x", "", "body"))
		if err != nil || other.Duplicate || other.Ticket == first.Ticket {
			t.Fatalf("other sender, same id: %+v %v", other, err)
		}
	})
}

// A release that cannot be stored leaves the message held, not lost.
func TestFailedReleaseKeepsTheMessage(t *testing.T) { eachDB(t, testFailedReleaseKeepsTheMessage) }

func testFailedReleaseKeepsTheMessage(t *testing.T, e *env) {
	ctx := context.Background()
	e.im.TrustedAuthservID = "mx.example.test"
	if _, err := e.im.Import(ctx, e.mb, raw("x@example.org", "support@example.test", "Held", "held1@x", "", "body",
		"Authentication-Results: mx.example.test; dmarc=fail")); err != nil {
		t.Fatal(err)
	}
	held, _ := e.im.Quarantined(ctx, &userAdmin)
	refuse := true
	e.s.Tickets.OnWrite(func(ctx context.Context, tx *db.Tx, w ticket.Write) error {
		if refuse {
			return fmt.Errorf("database unavailable")
		}
		return nil
	})
	if _, err := e.im.Release(ctx, &userAdmin, held[0].ID); err == nil {
		t.Fatal("a failed release reported success")
	}
	if again, _ := e.im.Quarantined(ctx, &userAdmin); len(again) != 1 {
		t.Fatalf("after a failed release %d messages are held, want 1", len(again))
	}
	refuse = false
	if res, err := e.im.Release(ctx, &userAdmin, held[0].ID); err != nil || res.Ticket == 0 {
		t.Fatalf("release: %+v %v", res, err)
	}
}
