package agent_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// streamEnds fails unless the server ends the stream within a second and
// a half: at once, not at the next ping (25 s).
func streamEnds(t *testing.T, c <-chan liveEvent, why string) {
	t.Helper()
	deadline := time.After(1500 * time.Millisecond)
	for {
		select {
		case _, open := <-c:
			if !open {
				return
			}
		case <-deadline:
			t.Fatalf("the live stream is still open after %s", why)
		}
	}
}

// alive fails unless the stream still delivers: a new ticket is announced.
func alive(t *testing.T, e *apptest.Env, c <-chan liveEvent, why string) {
	t.Helper()
	tk := apptest.Ticket(t, e.Services, e.Admin)
	got := waitFor(t, c, func(le liveEvent) bool { return le.Type == "ticket.created" && le.Ticket == tk.Number })
	if got.Ticket != tk.Number {
		t.Fatalf("after %s: %+v", why, got)
	}
}

func TestLiveStreamEndsWithAccess(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		ctx := context.Background()

		t.Run("sign_out", func(t *testing.T) {
			b, agent := signIn(t, e, user.RoleAgent)
			// A second session of the same agent, elsewhere.
			other := newBrowser(t, e.URL)
			if code, _, _ := other.post("/login", url.Values{"email": {agent.Email}, "password": {"correct horse battery"}}); code != 303 {
				t.Fatalf("second sign-in: %d", code)
			}
			events := stream(t, b, "/events")
			otherEvents := stream(t, other, "/events")
			alive(t, e, events, "opening")
			b.get("/tickets?view=open")
			if code, _, _ := b.post("/logout", url.Values{"_csrf": {b.csrf}}); code != 303 {
				t.Fatalf("logout: %d", code)
			}
			streamEnds(t, events, "signing out")
			alive(t, e, otherEvents, "another session of the same agent signed out")
		})

		t.Run("deactivation", func(t *testing.T) {
			b, agent := signIn(t, e, user.RoleAgent)
			bystander, _ := signIn(t, e, user.RoleAdmin)
			events := stream(t, b, "/events")
			watching := stream(t, bystander, "/events")
			alive(t, e, events, "opening")
			no := false
			if _, err := e.Client.UpdateUser(ctx, agent.ID, client.UserPatch{Active: &no}); err != nil {
				t.Fatal(err)
			}
			streamEnds(t, events, "deactivation")
			alive(t, e, watching, "someone else was deactivated")
		})

		t.Run("leaving_a_restricted_team", func(t *testing.T) {
			name, yes := "Legal "+t.Name(), true
			team, err := e.Users.CreateTeam(ctx, e.Admin, user.TeamInput{Name: &name, Restricted: &yes})
			if err != nil {
				t.Fatal(err)
			}
			b, agent := signIn(t, e, user.RoleAgent)
			if _, err := e.Users.AddMember(ctx, e.Admin, team.ID, agent.Email); err != nil {
				t.Fatal(err)
			}
			events := stream(t, b, "/events")
			tk := apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Team = name })
			waitFor(t, events, func(le liveEvent) bool { return le.Type == "ticket.created" && le.Ticket == tk.Number })
			if _, err := e.Client.RemoveTeamMember(ctx, team.ID, agent.Email); err != nil {
				t.Fatal(err)
			}
			streamEnds(t, events, "leaving the restricted team")
			// The reconnected stream no longer carries the team's tickets.
			again := stream(t, b, "/events")
			if _, err := e.Tickets.Reply(ctx, e.Admin, tk.Number, ticket.NewReply{Body: "secret", Internal: true}); err != nil {
				t.Fatal(err)
			}
			open := apptest.Ticket(t, e.Services, e.Admin)
			got := waitFor(t, again, func(le liveEvent) bool { return le.Ticket == tk.Number || le.Ticket == open.Number })
			if got.Ticket != open.Number {
				t.Fatalf("after leaving the team the stream announced %+v", got)
			}
		})
	})
}

// TestLiveStreamEndsOnEveryInstance signs out through one instance while
// the live stream is served by another, on one PostgreSQL database.
func TestLiveStreamEndsOnEveryInstance(t *testing.T) {
	d := apptest.DB(t, db.Postgres)
	one := apptest.Server(t, d)
	two := apptest.Server(t, d)
	b, _ := signIn(t, one, user.RoleAgent)
	// The same browser (one cookie jar) talking to the other instance.
	there := &browser{t: t, base: two.URL, c: b.c}
	events := stream(t, there, "/events")
	alive(t, two, events, "opening")
	b.get("/tickets?view=open")
	if code, _, _ := b.post("/logout", url.Values{"_csrf": {b.csrf}}); code != 303 {
		t.Fatalf("logout: %d", code)
	}
	streamEnds(t, events, "signing out on another instance")
}
