package auth_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// TestCredentialsAreOneStatement: a request's token or session is read
// with its person and their teams in one statement (it was two: the
// credential, then the person), and still answers for every change at
// once (TestReadsSeeEdits in the API's tests).
func TestCredentialsAreOneStatement(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		team, member := "Networking", []string{agent.Email}
		if _, err := s.Users.CreateTeam(context.Background(), apptest.Setup, user.TeamInput{Name: &team, Members: &member}); err != nil {
			t.Fatal(err)
		}
		token := apptest.Token(t, s, agent)
		session, _, err := s.Auth.StartSession(context.Background(), agent.ID, "", "")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			auth func(ctx context.Context) (*user.Actor, error)
		}{
			{"token", func(ctx context.Context) (*user.Actor, error) {
				a, _, err := s.Auth.Authenticate(ctx, token)
				return a, err
			}},
			{"session", func(ctx context.Context) (*user.Actor, error) {
				_, a, err := s.Auth.SessionActor(ctx, session)
				return a, err
			}},
		} {
			if _, err := c.auth(context.Background()); err != nil { // the minute's use is recorded
				t.Fatal(err)
			}
			ctx, n := db.CountStatements(context.Background())
			a, err := c.auth(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n() != 1 {
				t.Errorf("%s: %d statements, want 1", c.name, n())
			}
			if a.ID != agent.ID || a.Email != agent.Email || a.Role != user.RoleAgent || len(a.TeamIDs) != 1 {
				t.Errorf("%s: actor %+v, want the agent in one team", c.name, a)
			}
		}
	})
}

// TestActorsReadTheirTeamsInOrder: the statements that read a request's
// person with their teams (a token's, a session's, a user's) walk the
// teams in order on SQLite, without sorting them at every request
// (migration 0062), and give every team.
func TestActorsReadTheirTeamsInOrder(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		var want []int64
		for _, name := range []string{"Zeta", "Alpha", "Mid"} {
			team, err := s.Users.CreateTeam(ctx, apptest.Setup, user.TeamInput{Name: &name})
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, team.ID)
		}
		// Joined last team first: the memberships' rows are not in team order.
		for _, i := range []int{2, 0, 1} {
			members := []string{agent.Email}
			if _, err := s.Users.UpdateTeam(ctx, apptest.Setup, want[i], user.TeamInput{Members: &members}); err != nil {
				t.Fatal(err)
			}
		}
		slices.Sort(want)
		a, _, err := s.Auth.Authenticate(ctx, apptest.Token(t, s, agent))
		if err != nil || !slices.Equal(a.TeamIDs, want) {
			t.Errorf("teams %v (%v), want %v", a.TeamIDs, err, want)
		}
		if d.Dialect != db.SQLite {
			return
		}
		for _, q := range []string{s.Auth.Queries().Get("select-token-actor"), s.Auth.Queries().Get("select-session-actor"),
			s.Users.Queries().Get("select-actor")} {
			rows, err := d.R.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, "x")
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			if p := strings.Join(plan, "; "); strings.Contains(p, "TEMP B-TREE") {
				t.Errorf("plan %q sorts:\n%s", p, q)
			}
		}
	})
}
