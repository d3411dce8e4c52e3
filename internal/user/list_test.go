package user_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// TestListOfRoleReadsItsRange: the agents and admins the workspace lists on
// every page come from their role's range of users_role (migration 0056),
// page by page in id order, not from a scan of every requester (15 ms a
// role among 51,000 users); a text to match still filters every user.
func TestListOfRoleReadsItsRange(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		var agents []int64
		for i := 0; i < 5; i++ {
			apptest.User(t, s, user.RoleRequester, "")
			agents = append(agents, apptest.User(t, s, user.RoleAgent, "").ID)
		}
		var got []int64
		for after := int64(0); ; {
			us, err := s.Users.List(ctx, user.ListFilter{Role: user.RoleAgent, After: after, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			if len(us) == 0 {
				break
			}
			for _, u := range us {
				if u.Role != user.RoleAgent {
					t.Fatalf("listed %s, a %s, among agents", u.Email, u.Role)
				}
				got = append(got, u.ID)
			}
			after = us[len(us)-1].ID
		}
		if !slices.Equal(got, agents) {
			t.Errorf("agents %v, want %v", got, agents)
		}
		if us, err := s.Users.List(ctx, user.ListFilter{Role: user.RoleAgent, Query: "nobody", Limit: 10}); err != nil || len(us) != 0 {
			t.Errorf("agents matching nobody: %d, %v", len(us), err)
		}
		if d.Dialect != db.SQLite {
			return
		}
		plan := apptest.SQLitePlan(t, d.R, s.Users.Queries().Get("list-users-of-role"), 0, "agent", 10)
		if !strings.Contains(plan, "USING INDEX users_role") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("agents are not read in order from users_role:\n%s", plan)
		}
	})
}

// TestAssigneesAndTeamNamesForTheMenus: the workspace's menus list the
// active agents then the active admins, each in id order, and the teams'
// names in Teams' order; requesters and deactivated people are left out,
// and the people come from users_role's two ranges, not every user.
func TestAssigneesAndTeamNamesForTheMenus(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		var want []string
		var gone *user.Actor
		for i := 0; i < 4; i++ {
			apptest.User(t, s, user.RoleRequester, "")
			a := apptest.User(t, s, user.RoleAgent, "")
			if i == 2 {
				gone = a
				continue
			}
			want = append(want, a.Email)
		}
		off := false
		if _, err := s.Users.Update(ctx, admin, gone.ID, user.Patch{Active: &off}); err != nil {
			t.Fatal(err)
		}
		second := apptest.User(t, s, user.RoleAdmin, "")
		want = append(want, admin.Email, second.Email)
		cs, err := s.Users.Assignees(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range cs {
			got = append(got, c.Email)
		}
		if !slices.Equal(got, want) {
			t.Errorf("assignees %v, want %v", got, want)
		}
		for _, n := range []string{"Zeta", "Alpha"} {
			if _, err := s.Users.CreateTeam(ctx, admin, user.TeamInput{Name: &n}); err != nil {
				t.Fatal(err)
			}
		}
		names, err := s.Users.TeamNames(ctx)
		if err != nil || !slices.Equal(names, []string{"Zeta", "Alpha"}) {
			t.Errorf("team names %v (%v), want Zeta, Alpha (Teams' order)", names, err)
		}
		if d.Dialect != db.SQLite {
			return
		}
		if plan := apptest.SQLitePlan(t, d.R, s.Users.Queries().Get("assignee-choices")); !strings.Contains(plan, "USING INDEX users_role") {
			t.Errorf("assignees are not read from users_role:\n%s", plan)
		}
		// At most 500 of each role: a desk of more agents still offers its
		// admins.
		for range 501 - (len(want) - 2) {
			apptest.User(t, s, user.RoleAgent, "")
		}
		if cs, err = s.Users.Assignees(ctx); err != nil || len(cs) != 502 || cs[499].Email == admin.Email ||
			cs[500].Email != admin.Email || cs[501].Email != second.Email {
			t.Errorf("with 501 active agents: %d assignees (%v), want the first 500 agents, then both admins", len(cs), err)
		}
	})
}

// TestTeamsWithMembersInTwoStatements: listing teams reads their members
// and leads in one statement for the page (it was one a team: every queue
// and ticket page lists the teams), each team's in email order.
func TestTeamsWithMembersInTwoStatements(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		b := apptest.User(t, s, user.RoleAgent, "b-agent@example.test")
		a := apptest.User(t, s, user.RoleAgent, "a-agent@example.test")
		var ids []int64
		for _, c := range []struct {
			name    string
			members []string
		}{{"One", []string{b.Email, a.Email}}, {"Empty", nil}, {"Three", []string{b.Email}}, {"Four", []string{a.Email}}} {
			in := user.TeamInput{Name: &c.name}
			if c.members != nil {
				in.Members = &c.members
			}
			tm, err := s.Users.CreateTeam(ctx, admin, in)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tm.ID)
		}
		if _, err := s.Users.SetLead(ctx, admin, ids[0], b.Email, true); err != nil {
			t.Fatal(err)
		}
		counted, n := db.CountStatements(ctx)
		ts, err := s.Users.Teams(counted, ids[0], 2) // the two after the first
		if err != nil {
			t.Fatal(err)
		}
		if n() != 2 {
			t.Errorf("listing 2 teams ran %d statements, want 2", n())
		}
		var got []string
		for _, tm := range ts {
			got = append(got, tm.Name+":"+strings.Join(tm.Members, ",")+":"+strings.Join(tm.Leads, ","))
		}
		if want := []string{"Empty::", "Three:b-agent@example.test:"}; !slices.Equal(got, want) {
			t.Errorf("teams %q, want %q", got, want)
		}
		all, err := s.Users.Teams(ctx, 0, 10)
		if err != nil || len(all) != 4 {
			t.Fatalf("%d teams, %v", len(all), err)
		}
		if tm := all[0]; strings.Join(tm.Members, ",") != "a-agent@example.test,b-agent@example.test" || !slices.Equal(tm.Leads, []string{b.Email}) {
			t.Errorf("team One: members %v, leads %v", tm.Members, tm.Leads)
		}
	})
}
