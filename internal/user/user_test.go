package user_test

import (
	"context"
	"errors"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

var ctx = context.Background()

func TestRequesterJoinsOrganizationByDomain(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		name, domain := "Acme", "Acme.example"
		if _, err := s.Users.CreateOrganization(ctx, admin, user.OrganizationInput{Name: &name, Domain: &domain}); err != nil {
			t.Fatal(err)
		}
		var u *user.User
		err := d.WithTx(ctx, func(tx *db.Tx) error {
			var err error
			u, err = s.Users.FindOrCreateRequester(ctx, tx, "requester", "Wile@acme.example", "Wile")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if u.Organization != "Acme" || u.Role != user.RoleRequester || u.PasswordHash != "" {
			t.Fatalf("requester = %+v", u)
		}
		again, err := s.Users.ByEmail(ctx, "WILE@ACME.EXAMPLE")
		if err != nil || again.ID != u.ID {
			t.Fatalf("case-insensitive lookup: %+v %v", again, err)
		}
		if _, err := s.Users.Create(ctx, apptest.Setup, user.NewUser{Email: "wile@Acme.example", Role: user.RoleAgent}); fieldOf(err) != "email" {
			t.Fatalf("duplicate email, differently cased: %v", err)
		}
	})
}

func fieldOf(err error) string {
	var inv *fault.Invalid
	if errors.As(err, &inv) && len(inv.Fields) > 0 {
		return inv.Fields[0].Field
	}
	return ""
}

func TestOnlyAdminsManagePeople(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		agent := apptest.User(t, s, user.RoleAgent, "")
		name := "Ops"
		if _, err := s.Users.CreateTeam(ctx, agent, user.TeamInput{Name: &name}); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("agent created a team: %v", err)
		}
		role := user.RoleAdmin
		if _, err := s.Users.Update(ctx, agent, agent.ID, user.Patch{Role: &role}); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("agent promoted themselves: %v", err)
		}
		newName := "Renamed"
		if u, err := s.Users.Update(ctx, agent, agent.ID, user.Patch{Name: &newName}); err != nil || u.Name != "Renamed" {
			t.Errorf("agent cannot rename themselves: %v", err)
		}
		if _, err := s.Users.Update(ctx, agent, admin.ID, user.Patch{Name: &newName}); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("agent renamed someone else: %v", err)
		}
		off := false
		if _, err := s.Users.Update(ctx, admin, admin.ID, user.Patch{Active: &off}); !errors.Is(err, fault.ErrConflict) {
			t.Errorf("admin deactivated themselves: %v", err)
		}
		if _, err := s.Users.Update(ctx, admin, agent.ID, user.Patch{Active: &off}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Users.Actor(ctx, agent.ID); !errors.Is(err, fault.ErrUnauthorized) {
			t.Errorf("a deactivated user is still an actor: %v", err)
		}
		members := []string{"nobody@example.test"}
		if _, err := s.Users.CreateTeam(ctx, admin, user.TeamInput{Name: &name, Members: &members}); fieldOf(err) != "members[0]" {
			t.Errorf("unknown member: %v", err)
		}
		if teams, _ := s.Users.Teams(ctx, 0, 10); len(teams) != 0 {
			t.Errorf("a rejected team was created: %+v", teams)
		}
	})
}
