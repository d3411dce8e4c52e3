package notify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/notify"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

var ctx = context.Background()

// env is a workspace with a mailbox that sends, so notices reach the
// outbox.
type env struct {
	t *testing.T
	s *app.Services
	d *db.DB
}

func newEnv(t *testing.T, d *db.DB) *env {
	s := apptest.ServicesWith(t, d, noDigest)
	addr, host, port, tls, pw := "help@example.test", "127.0.0.1", 2525, "none", "mailbox-secret-123"
	if _, err := s.Mailboxes.Create(ctx, apptest.Setup, mailbox.Input{Address: &addr, SMTP: mailbox.ServerInput{Host: &host, Port: &port, TLS: &tls, Password: &pw}}); err != nil {
		t.Fatal(err)
	}
	return &env{t, s, d}
}

// agents creates an agent per name, name@example.test.
func (e *env) agents(names ...string) []*user.Actor {
	e.t.Helper()
	out := make([]*user.Actor, len(names))
	for i, n := range names {
		out[i] = apptest.User(e.t, e.s, user.RoleAgent, n+"@example.test")
	}
	return out
}

// team creates a team of members.
func (e *env) team(name string, restricted bool, members ...*user.Actor) *user.Team {
	e.t.Helper()
	emails := make([]string, len(members))
	for i, m := range members {
		emails[i] = m.Email
	}
	tm, err := e.s.Users.CreateTeam(ctx, apptest.Setup, user.TeamInput{Name: &name, Restricted: &restricted, Members: &emails})
	if err != nil {
		e.t.Fatal(err)
	}
	return tm
}

// noDigest keeps the runner's periodic check from sending digests on its
// own (the real clock may be past anyone's morning): tests that want one
// set the hour and the clock (at).
func noDigest(s *app.Services) { s.Notify.DigestHour = 24 }

func (e *env) settle() { e.t.Helper(); apptest.Settle(e.t, e.s, notify.ConsumerName) }

// kinds returns a's notifications as kind → how many, after the consumer
// caught up.
func (e *env) kinds(a *user.Actor) map[string]int {
	e.t.Helper()
	e.settle()
	ns, err := e.s.Notify.List(ctx, a, notify.ListOptions{Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	m := map[string]int{}
	for _, n := range ns {
		m[n.Kind]++
	}
	return m
}

// mails counts the outbox rows of kind to address to.
func (e *env) mails(kind, to string) int {
	e.t.Helper()
	e.settle()
	var n int
	if err := e.d.R.QueryRowContext(ctx, e.d.Rebind(`SELECT COUNT(*) FROM outbox WHERE kind = $1 AND to_addrs LIKE $2`),
		kind, "%"+to+"%").Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) unread(a *user.Actor) int {
	e.t.Helper()
	e.settle()
	n, err := e.s.Notify.Unread(ctx, a)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func ptr[T any](v T) *T { return &v }

func same(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestEveryKindOnce: each kind of notification is raised once per event
// and person, by the consumer, never to the person who caused it.
func TestEveryKindOnce(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		s := e.s
		a := e.agents("alice", "bob", "carol", "dave")
		alice, bob, carol, dave := a[0], a[1], a[2], a[3]
		rita := apptest.User(t, s, user.RoleRequester, "rita@example.test")
		team := e.team("Service Desk", false, alice, bob, carol)
		if _, err := s.Users.SetLead(ctx, apptest.Setup, team.ID, carol.Email, true); err != nil {
			t.Fatal(err)
		}
		alice = apptest.Actor(t, s, alice)

		// Team: an unassigned ticket arriving in the team tells its
		// members, except Alice who filed it.
		tk := apptest.Ticket(t, s, alice, func(n *ticket.NewTicket) {
			n.Team, n.Requester = "Service Desk", &ticket.Contact{Email: rita.Email}
		})
		for who, want := range map[*user.Actor]map[string]int{alice: {}, bob: {"team": 1}, carol: {"team": 1}, dave: {}} {
			if got := e.kinds(who); !same(got, want) {
				t.Errorf("new team ticket: %s has %v, want %v", who.Email, got, want)
			}
		}

		// Assigned: Alice assigns it to Bob; then to herself (nobody told).
		if _, err := s.Tickets.Update(ctx, alice, tk.Number, ticket.Patch{Assignee: &bob.Email}, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Tickets.Update(ctx, alice, tk.Number, ticket.Patch{Assignee: &alice.Email}, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Tickets.Update(ctx, alice, tk.Number, ticket.Patch{Assignee: &bob.Email, Followers: &[]string{dave.Email}}, 0); err != nil {
			t.Fatal(err)
		}
		if got := e.kinds(bob); got["assigned"] != 2 {
			t.Errorf("Bob was told of %d assignments, want 2 (%v)", got["assigned"], got)
		}
		if got := e.kinds(alice); len(got) != 0 {
			t.Errorf("Alice was told of her own changes: %v", got)
		}
		if n := e.mails(outbox.KindAssignment, bob.Email); n != 2 {
			t.Errorf("Bob got %d assignment emails, want 2", n)
		}

		// Reply: the requester writes; Bob (assignee) and Dave (follower)
		// are told; Bob replying tells nobody.
		if _, err := s.Tickets.Reply(ctx, rita, tk.Number, ticket.NewReply{Body: "Still broken, please help."}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Tickets.Reply(ctx, bob, tk.Number, ticket.NewReply{Body: "On it."}); err != nil {
			t.Fatal(err)
		}
		for _, who := range []*user.Actor{bob, dave} {
			if got := e.kinds(who); got["reply"] != 1 {
				t.Errorf("%s was told of %d replies, want 1 (%v)", who.Email, got["reply"], got)
			}
		}
		if n := e.mails(outbox.KindRequesterNotice, dave.Email); n != 1 {
			t.Errorf("Dave got %d reply emails, want 1", n)
		}

		// Mention: Bob mentions Carol and himself in a note.
		if _, err := s.Tickets.Reply(ctx, bob, tk.Number, ticket.NewReply{Body: "@carol can you look? cc @bob", Internal: true}); err != nil {
			t.Fatal(err)
		}
		if got := e.kinds(carol); got["mention"] != 1 {
			t.Errorf("Carol was told of %d mentions, want 1 (%v)", got["mention"], got)
		}
		if got := e.kinds(bob); got["mention"] != 0 {
			t.Errorf("Bob was told of his own mention")
		}
		if n := e.mails(outbox.KindMention, carol.Email); n != 1 {
			t.Errorf("Carol got %d mention emails, want 1", n)
		}

		// SLA: a warning tells the assignee; a breach the assignee, and the
		// team's leads when the policy says to notify (no policy: no).
		sla := func(kind string) {
			t.Helper()
			if err := d.WithTx(ctx, func(tx *db.Tx) error {
				_, err := s.Events.Append(ctx, tx, kind, event.Actor{Type: event.ActorSLA, ID: 999, Name: "SLA ‘Gold’"}, "ticket",
					tk.ID, tk.ID, map[string]any{"number": tk.Number, "team_id": team.ID, "target": "first_response", "policy": "Gold"})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		sla(event.SLAWarning)
		sla(event.SLABreached)
		if got := e.kinds(bob); got["sla_warning_first_response"] != 1 || got["sla_breach_first_response"] != 1 {
			t.Errorf("Bob's SLA notifications: %v", got)
		}
		if got := e.kinds(carol); got["sla_breach_first_response"] != 0 {
			t.Errorf("the lead was told of a breach the policy does not escalate: %v", got)
		}
		if n := e.mails(outbox.KindSLABreach, bob.Email); n != 1 {
			t.Errorf("Bob got %d breach emails, want 1", n)
		}

		// Reading the stream again raises nothing twice.
		want := e.kinds(bob)
		if _, err := d.W.ExecContext(ctx, d.Rebind(`UPDATE event_checkpoints SET position = 0 WHERE consumer = $1`), notify.ConsumerName); err != nil {
			t.Fatal(err)
		}
		if got := e.kinds(bob); !same(got, want) {
			t.Errorf("after reading the events again Bob has %v, want %v", got, want)
		}
		if n := e.mails(outbox.KindAssignment, bob.Email); n != 2 {
			t.Errorf("after reading the events again Bob has %d assignment emails, want 2", n)
		}
		// Read from scratch, long after: each event is judged as the ticket
		// was right after it (the creation told the team, not Bob).
		carolWant := e.kinds(carol)
		for _, q := range []string{`DELETE FROM notifications`, `UPDATE event_checkpoints SET position = 0 WHERE consumer = $1`} {
			args := []any{}
			if strings.Contains(q, "$1") {
				args = append(args, notify.ConsumerName)
			}
			if _, err := d.W.ExecContext(ctx, d.Rebind(q), args...); err != nil {
				t.Fatal(err)
			}
		}
		for who, want := range map[*user.Actor]map[string]int{bob: want, carol: carolWant} {
			if got := e.kinds(who); !same(got, want) {
				t.Errorf("read from scratch %s has %v, want %v", who.Email, got, want)
			}
		}
		// Every notification points at the ticket, with a lead that says what.
		ns, err := s.Notify.List(ctx, bob, notify.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		leads := map[string]string{}
		for _, n := range ns {
			if n.Number != tk.Number || n.Reference != tk.Reference {
				t.Errorf("notification %+v", n)
			}
			leads[n.Kind] = n.Lead()
		}
		if leads["assigned"] != "Test agent assigned you" || leads["reply"] != "Test requester replied on" ||
			leads["sla_warning_first_response"] != "SLA first response due soon on" {
			t.Errorf("leads %v", leads)
		}
	})
}

// TestRestrictedTeamHidesNotifications: a notification about a ticket the
// agent may no longer see (they left its restricted team) is neither
// listed, counted, nor can be opened.
func TestRestrictedTeamHidesNotifications(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		s := e.s
		a := e.agents("alice", "bob", "carol")
		alice, bob, carol := a[0], a[1], a[2]
		team := e.team("Security", true, alice, bob)
		alice = apptest.Actor(t, s, alice)
		tk := apptest.Ticket(t, s, alice, func(n *ticket.NewTicket) { n.Team = "Security" })
		if _, err := s.Tickets.Reply(ctx, alice, tk.Number, ticket.NewReply{Body: "@bob @carol look", Internal: true}); err != nil {
			t.Fatal(err)
		}
		if n := e.unread(bob); n != 2 { // the team ticket and the mention
			t.Fatalf("Bob has %d unread, want 2", n)
		}
		if n := e.unread(carol); n != 0 {
			t.Errorf("Carol, outside the restricted team, was told (%d)", n)
		}
		ns, err := s.Notify.List(ctx, bob, notify.ListOptions{})
		if err != nil || len(ns) != 2 {
			t.Fatal(ns, err)
		}
		if _, err := s.Users.UpdateTeam(ctx, apptest.Setup, team.ID, user.TeamInput{Members: &[]string{alice.Email}}); err != nil {
			t.Fatal(err)
		}
		bob = apptest.Actor(t, s, bob)
		if n := e.unread(bob); n != 0 {
			t.Errorf("after leaving the team Bob still counts %d unread", n)
		}
		if got, err := s.Notify.List(ctx, bob, notify.ListOptions{}); err != nil || len(got) != 0 {
			t.Errorf("after leaving the team Bob still lists %d: %v", len(got), err)
		}
		if err := s.Notify.MarkRead(ctx, bob, ns[0].ID); err == nil {
			t.Error("Bob marked read a notification he may no longer see")
		}
		if err := s.Notify.MarkRead(ctx, carol, ns[0].ID); err == nil {
			t.Error("Carol marked someone else's notification read")
		}
	})
}
