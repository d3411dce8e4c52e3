package auth_test

import (
	"context"
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
