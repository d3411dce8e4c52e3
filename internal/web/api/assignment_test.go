package api_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/user"
)

// A team's assignment settings and members' caps go through
// /api/v1/teams/{id}; invalid values are 422s naming the field and save
// nothing; only admins change them.
func TestTeamAssignmentSettings(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		strategy, cap := "round_robin", 20
		tm, err := f.admin.CreateTeam(ctx, client.NewTeam{Name: "Service Desk", Members: []string{f.agent.Email},
			Assignment: &client.AssignmentPatch{Strategy: &strategy, Cap: &cap}})
		check(t, err)
		if a := tm.Assignment; a == nil || a.Strategy != "round_robin" || a.Cap != 20 || len(a.Members) != 1 ||
			a.Members[0].EffectiveCap != 20 || a.Members[0].Cap != nil || a.Members[0].Availability != "available" {
			t.Fatalf("created: %+v", tm.Assignment)
		}
		five := 5
		tm, err = f.admin.UpdateTeam(ctx, tm.ID, client.TeamPatch{Assignment: &client.AssignmentPatch{
			Members: []client.MemberCapChange{{Email: f.agent.Email, Cap: &five}}}})
		check(t, err)
		if m := tm.Assignment.Members[0]; m.Cap == nil || *m.Cap != 5 || m.EffectiveCap != 5 {
			t.Errorf("member cap: %+v", m)
		}
		bad, neg := "random", -1
		name := "Renamed"
		_, err = f.admin.UpdateTeam(ctx, tm.ID, client.TeamPatch{Name: &name, Assignment: &client.AssignmentPatch{Strategy: &bad}})
		wantField(t, err, "assignment.strategy")
		_, err = f.admin.UpdateTeam(ctx, tm.ID, client.TeamPatch{Assignment: &client.AssignmentPatch{Cap: &neg}})
		wantField(t, err, "assignment.cap")
		_, err = f.admin.UpdateTeam(ctx, tm.ID, client.TeamPatch{Assignment: &client.AssignmentPatch{
			Members: []client.MemberCapChange{{Email: "nobody@example.test", Cap: &five}}}})
		wantField(t, err, "assignment.members[0].email")
		got, err := f.agentC.GetTeam(ctx, tm.ID)
		check(t, err)
		if got.Name != "Service Desk" || got.Assignment.Strategy != "round_robin" || got.Assignment.Cap != 20 {
			t.Errorf("a refused change saved something: %s, %+v", got.Name, got.Assignment)
		}
		off := "off"
		_, err = f.agentC.UpdateTeam(ctx, tm.ID, client.TeamPatch{Assignment: &client.AssignmentPatch{Strategy: &off}})
		wantStatus(t, err, http.StatusForbidden)
	})
}

// Skills are set on the user by admins, cleaned and answered with the
// user; agents set their own availability at /users/me/availability,
// admins anyone's; requesters have neither.
func TestSkillsAndAvailability(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		skills := []string{" VPN ", "network", "vpn"}
		u, err := f.admin.UpdateUser(ctx, f.agent.ID, client.UserPatch{Skills: &skills})
		check(t, err)
		if u.Skills == nil || !slices.Equal(*u.Skills, []string{"vpn", "network"}) || u.Availability != "available" {
			t.Errorf("user: skills %v, availability %q", u.Skills, u.Availability)
		}
		empty := []string{""}
		_, err = f.admin.UpdateUser(ctx, f.agent.ID, client.UserPatch{Skills: &empty})
		wantField(t, err, "skills[0]")
		_, err = f.agentC.UpdateUser(ctx, f.agent.ID, client.UserPatch{Skills: &skills})
		wantStatus(t, err, http.StatusForbidden)
		_, err = f.admin.UpdateUser(ctx, f.requester.ID, client.UserPatch{Skills: &skills})
		wantField(t, err, "skills")

		av, err := f.agentC.SetAvailability(ctx, 0, "away")
		check(t, err)
		if av.Availability != "away" || av.Automatic || av.UserID != f.agent.ID {
			t.Errorf("set: %+v", av)
		}
		if av, err := f.agentC.GetAvailability(ctx, 0); err != nil || av.Availability != "away" {
			t.Errorf("get: %+v, %v", av, err)
		}
		_, err = f.agentC.SetAvailability(ctx, 0, "sleeping")
		wantField(t, err, "availability")
		other, _ := f.user(t, user.RoleAgent, "")
		_, err = f.agentC.SetAvailability(ctx, other.ID, "off")
		wantStatus(t, err, http.StatusForbidden)
		if av, err := f.admin.SetAvailability(ctx, other.ID, "off"); err != nil || av.Availability != "off" {
			t.Errorf("admin sets another's: %+v, %v", av, err)
		}
		_, err = f.reqC.SetAvailability(ctx, 0, "away")
		wantStatus(t, err, http.StatusForbidden)
		_, err = f.reqC.GetAvailability(ctx, f.agent.ID)
		wantStatus(t, err, http.StatusNotFound)
	})
}
