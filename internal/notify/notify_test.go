package notify_test

import (
	"context"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestMentionNotifies: an agent mentioned in an internal note gets a
// notification and, unless they turned it off, an email through the
// outbox, in the note's transaction; nobody who may not see the ticket,
// nobody mentioned in a public reply, and never the author.
func TestMentionNotifies(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		ctx := context.Background()
		addr, host, port, tls, pw := "help@example.test", "127.0.0.1", 2525, "none", "mailbox-secret-123"
		if _, err := s.Mailboxes.Create(ctx, apptest.Setup, mailbox.Input{Address: &addr, SMTP: mailbox.ServerInput{Host: &host, Port: &port, TLS: &tls, Password: &pw}}); err != nil {
			t.Fatal(err)
		}
		alice := apptest.User(t, s, user.RoleAgent, "alice@example.test")
		bob := apptest.User(t, s, user.RoleAgent, "bob@example.test")
		carol := apptest.User(t, s, user.RoleAgent, "carol@example.test")
		dave := apptest.User(t, s, user.RoleAdmin, "dave@example.test")
		apptest.User(t, s, user.RoleRequester, "rita@example.test")
		if err := s.Notify.SetMentionEmail(ctx, dave, false); err != nil {
			t.Fatal(err)
		}
		restricted := true
		members := []string{"alice@example.test", "bob@example.test"}
		if _, err := s.Users.CreateTeam(ctx, apptest.Setup, user.TeamInput{Name: ptr("Security"), Restricted: &restricted, Members: &members}); err != nil {
			t.Fatal(err)
		}
		alice = apptest.Actor(t, s, alice)
		tk := apptest.Ticket(t, s, alice, func(n *ticket.NewTicket) { n.Team = "Security" })

		count := func(t *testing.T, a *user.Actor) int {
			t.Helper()
			n, err := s.Notify.Unread(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		mails := func(t *testing.T, to string) int {
			t.Helper()
			var n int
			if err := d.R.QueryRowContext(ctx, d.Rebind(`SELECT COUNT(*) FROM outbox WHERE kind = $1 AND to_addrs LIKE $2`),
				outbox.KindMention, "%"+to+"%").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if _, err := s.Tickets.Reply(ctx, alice, tk.Number, ticket.NewReply{Body: "Public: @bob will call you.", Internal: false}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, bob); n != 0 {
			t.Errorf("a public reply notified Bob (%d)", n)
		}
		if _, err := s.Tickets.Reply(ctx, alice, tk.Number, ticket.NewReply{
			Body: "@bob and @dave@example.test, please check; @carol too; @rita; and me, @alice.", Internal: true}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			who        *user.Actor
			note, mail int
		}{
			{bob, 1, 1},   // mentioned, in the team
			{dave, 1, 0},  // an admin sees every ticket; no email, by choice
			{carol, 0, 0}, // not in the restricted team
			{alice, 0, 0}, // the author
		} {
			if n := count(t, c.who); n != c.note {
				t.Errorf("%s has %d notifications, want %d", c.who.Email, n, c.note)
			}
			if n := mails(t, c.who.Email); n != c.mail {
				t.Errorf("%s got %d mention emails, want %d", c.who.Email, n, c.mail)
			}
		}
		if n := mails(t, "rita@example.test"); n != 0 {
			t.Error("a requester was emailed an internal note")
		}
		ns, err := s.Notify.List(ctx, bob, 0, 10)
		if err != nil || len(ns) != 1 {
			t.Fatal(ns, err)
		}
		if n := ns[0]; n.Number != tk.Number || n.Reference != tk.Reference || n.Subject != tk.Subject || n.MessageUID == "" || n.Read {
			t.Errorf("notification %+v", n)
		}
		if err := s.Notify.MarkRead(ctx, carol, ns[0].ID); err != nil || count(t, bob) != 1 {
			t.Errorf("someone else marked Bob's notification read: %v", err)
		}
		if err := s.Notify.MarkRead(ctx, bob, ns[0].ID); err != nil || count(t, bob) != 0 {
			t.Errorf("marking read: %v, %d unread", err, count(t, bob))
		}
	})
}

func ptr[T any](v T) *T { return &v }
