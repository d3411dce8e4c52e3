package api_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/docket/docket/client"
)

func TestAdminOnlyWrites(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		team, err := f.admin.CreateTeam(ctx, client.NewTeam{Name: "Desk", Members: []string{f.agent.Email}})
		check(t, err)
		org, err := f.admin.CreateOrganization(ctx, client.NewOrganization{Name: "Acme"})
		check(t, err)
		cat, err := f.admin.CreateCategory(ctx, client.NewCategory{Name: "Printers"})
		check(t, err)
		cf, err := f.admin.CreateCustomField(ctx, client.NewCustomField{Key: "asset", Label: "Asset", Type: "text"})
		check(t, err)
		other, _ := f.user(t, "agent", "")

		writes := []struct {
			name string
			call func(c *client.Client) error
			// reqStatus is what a requester gets: 404 where the target is
			// not visible to them at all.
			reqStatus int
		}{
			{"create user", func(c *client.Client) error {
				_, err := c.CreateUser(ctx, client.NewUser{Email: uniqueEmail("new"), Name: "New"})
				return err
			}, 0},
			{"change another user", func(c *client.Client) error {
				_, err := c.UpdateUser(ctx, other.ID, client.UserPatch{Name: client.Ptr("Renamed")})
				return err
			}, http.StatusNotFound},
			{"promote self", func(c *client.Client) error {
				me := f.agent.ID
				if c == f.reqC {
					me = f.requester.ID
				}
				_, err := c.UpdateUser(ctx, me, client.UserPatch{Role: client.Ptr("admin")})
				return err
			}, 0},
			{"create team", func(c *client.Client) error { _, err := c.CreateTeam(ctx, client.NewTeam{Name: "Mine"}); return err }, 0},
			{"update team", func(c *client.Client) error {
				_, err := c.UpdateTeam(ctx, team.ID, client.TeamPatch{Restricted: client.Ptr(true)})
				return err
			}, 0},
			{"add member", func(c *client.Client) error { _, err := c.AddTeamMember(ctx, team.ID, other.Email); return err }, 0},
			{"remove member", func(c *client.Client) error { _, err := c.RemoveTeamMember(ctx, team.ID, f.agent.Email); return err }, 0},
			{"create organization", func(c *client.Client) error {
				_, err := c.CreateOrganization(ctx, client.NewOrganization{Name: "Mine"})
				return err
			}, 0},
			{"update organization", func(c *client.Client) error {
				_, err := c.UpdateOrganization(ctx, org.ID, client.OrganizationPatch{SharedTickets: client.Ptr(true)})
				return err
			}, 0},
			{"create category", func(c *client.Client) error {
				_, err := c.CreateCategory(ctx, client.NewCategory{Name: "Mine"})
				return err
			}, 0},
			{"update category", func(c *client.Client) error {
				_, err := c.UpdateCategory(ctx, cat.ID, client.CategoryPatch{Active: client.Ptr(false)})
				return err
			}, 0},
			{"create custom field", func(c *client.Client) error {
				_, err := c.CreateCustomField(ctx, client.NewCustomField{Key: "mine", Label: "Mine", Type: "text"})
				return err
			}, 0},
			{"update custom field", func(c *client.Client) error {
				_, err := c.UpdateCustomField(ctx, cf.ID, client.CustomFieldPatch{Required: client.Ptr(true)})
				return err
			}, 0},
			{"token for someone else", func(c *client.Client) error {
				_, err := c.CreateToken(ctx, client.NewToken{Name: "theirs", User: other.Email})
				return err
			}, 0},
		}
		for _, tt := range writes {
			t.Run(tt.name, func(t *testing.T) {
				wantStatus(t, tt.call(f.agentC), http.StatusForbidden)
				if tt.reqStatus == 0 {
					tt.reqStatus = http.StatusForbidden
				}
				wantStatus(t, tt.call(f.reqC), tt.reqStatus)
			})
		}
		t.Run("nothing changed", func(t *testing.T) {
			tm, err := f.admin.GetTeam(ctx, team.ID)
			check(t, err)
			if tm.Restricted || !slices.Equal(tm.Members, []string{f.agent.Email}) {
				t.Errorf("team %+v", tm)
			}
			o, err := f.admin.GetOrganization(ctx, org.ID)
			check(t, err)
			if o.SharedTickets {
				t.Errorf("organization %+v", o)
			}
			c, err := f.admin.GetCategory(ctx, cat.ID)
			check(t, err)
			if !c.Active {
				t.Errorf("category %+v", c)
			}
			u, err := f.admin.GetUser(ctx, f.agent.ID)
			check(t, err)
			if u.Role != "agent" {
				t.Errorf("agent became %s", u.Role)
			}
			ou, err := f.admin.GetUser(ctx, other.ID)
			check(t, err)
			if ou.Name == "Renamed" {
				t.Errorf("agent renamed another user")
			}
		})
		t.Run("reads for agents", func(t *testing.T) {
			for name, call := range map[string]func() error{
				"users":         func() error { _, err := f.agentC.ListUsers(ctx, client.UserFilter{}); return err },
				"teams":         func() error { _, err := f.agentC.ListTeams(ctx, client.ListOptions{}); return err },
				"team":          func() error { _, err := f.agentC.GetTeam(ctx, team.ID); return err },
				"organizations": func() error { _, err := f.agentC.ListOrganizations(ctx, client.ListOptions{}); return err },
				"organization":  func() error { _, err := f.agentC.GetOrganization(ctx, org.ID); return err },
				"categories":    func() error { _, err := f.agentC.ListCategories(ctx, client.ListOptions{}); return err },
				"category":      func() error { _, err := f.agentC.GetCategory(ctx, cat.ID); return err },
				"custom fields": func() error { _, err := f.agentC.ListCustomFields(ctx); return err },
				"custom field":  func() error { _, err := f.agentC.GetCustomField(ctx, cf.ID); return err },
			} {
				if err := call(); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			}
		})
		t.Run("own profile", func(t *testing.T) {
			u, err := f.agentC.UpdateUser(ctx, f.agent.ID, client.UserPatch{Name: client.Ptr("Agent Smith"), Timezone: client.Ptr("Europe/Berlin")})
			check(t, err)
			if u.Name != "Agent Smith" || u.Timezone != "Europe/Berlin" {
				t.Errorf("profile %+v", u)
			}
			_, err = f.agentC.UpdateUser(ctx, f.agent.ID, client.UserPatch{Timezone: client.Ptr("Mars/Olympus")})
			wantField(t, err, "timezone")
		})
	})
}

func TestUsers(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		_, err := f.admin.CreateOrganization(ctx, client.NewOrganization{Name: "Acme", Domain: "acme.example"})
		check(t, err)
		email := uniqueEmail("carol")
		var u client.User
		r, err := f.admin.Do(ctx, http.MethodPost, "/api/v1/users", client.NewUser{Email: email, Name: "Carol", Role: "agent",
			Organization: "Acme", Phone: "+49 30 1234"}, &u)
		check(t, err)
		if r.Status != http.StatusCreated || r.Header.Get("Location") != "/api/v1/users/"+strconv.FormatInt(u.ID, 10) {
			t.Errorf("status %d Location %q", r.Status, r.Header.Get("Location"))
		}
		if u.Email != email || u.Name != "Carol" || u.Role != "agent" || str(u.Organization) != "Acme" || !u.Active || u.Phone != "+49 30 1234" {
			t.Errorf("created %+v", u)
		}
		var rawUser map[string]any
		_, err = f.admin.Do(ctx, http.MethodGet, "/api/v1/users/"+strconv.FormatInt(u.ID, 10), nil, &rawUser)
		check(t, err)
		for _, secret := range []string{"password", "password_hash", "signature"} {
			if _, ok := rawUser[secret]; ok {
				t.Errorf("user JSON has %q", secret)
			}
		}
		plain, err := f.admin.CreateUser(ctx, client.NewUser{Email: uniqueEmail("dave")})
		check(t, err)
		if plain.Role != "requester" {
			t.Errorf("default role %s, want requester", plain.Role)
		}

		invalid := []struct {
			name  string
			in    client.NewUser
			field string
		}{
			{"missing email", client.NewUser{Name: "X"}, "email"},
			{"bad email", client.NewUser{Email: "carol at example"}, "email"},
			{"duplicate email", client.NewUser{Email: email}, "email"},
			{"duplicate email other case", client.NewUser{Email: strings.ToUpper(email)}, "email"},
			{"bad role", client.NewUser{Email: uniqueEmail("x"), Role: "king"}, "role"},
			{"unknown organization", client.NewUser{Email: uniqueEmail("x"), Organization: "Nope"}, "organization"},
			{"short password", client.NewUser{Email: uniqueEmail("x"), Role: "agent", Password: "abc"}, "password"},
			{"requester password", client.NewUser{Email: uniqueEmail("x"), Password: "long enough password"}, "password"},
			{"bad timezone", client.NewUser{Email: uniqueEmail("x"), Timezone: "Nowhere/City"}, "timezone"},
			{"long name", client.NewUser{Email: uniqueEmail("x"), Name: strings.Repeat("n", 1000)}, "name"},
		}
		for _, tt := range invalid {
			t.Run(tt.name, func(t *testing.T) {
				_, err := f.admin.CreateUser(ctx, tt.in)
				wantField(t, err, tt.field)
			})
		}
		t.Run("inactive on create", func(t *testing.T) {
			_, err := f.admin.Do(ctx, http.MethodPost, "/api/v1/users", map[string]any{"email": uniqueEmail("x"), "active": false}, nil)
			wantField(t, err, "active")
		})

		t.Run("update", func(t *testing.T) {
			up, err := f.admin.UpdateUser(ctx, u.ID, client.UserPatch{Name: client.Ptr("Caroline"), Role: client.Ptr("admin")})
			check(t, err)
			if up.Name != "Caroline" || up.Role != "admin" || str(up.Organization) != "Acme" || up.Email != email {
				t.Errorf("updated %+v", up)
			}
			up, err = f.admin.UpdateUser(ctx, u.ID, client.UserPatch{Clear: []string{"organization"}})
			check(t, err)
			if up.Organization != nil || up.Name != "Caroline" {
				t.Errorf("after clearing the organization: %+v", up)
			}
			_, err = f.admin.UpdateUser(ctx, u.ID, client.UserPatch{Email: client.Ptr(f.agent.Email)})
			wantField(t, err, "email")
			_, err = f.admin.UpdateUser(ctx, u.ID, client.UserPatch{Role: client.Ptr("king")})
			wantField(t, err, "role")
			_, err = f.admin.UpdateUser(ctx, f.Admin.ID, client.UserPatch{Role: client.Ptr("agent")})
			wantStatus(t, err, http.StatusConflict)
			_, err = f.admin.UpdateUser(ctx, 999999, client.UserPatch{Name: client.Ptr("x")})
			wantStatus(t, err, http.StatusNotFound)
		})

		t.Run("list and filter", func(t *testing.T) {
			agents, err := f.admin.ListUsers(ctx, client.UserFilter{Role: "agent"})
			check(t, err)
			for _, a := range agents.Items {
				if a.Role != "agent" {
					t.Errorf("role filter returned %+v", a)
				}
			}
			if !slices.ContainsFunc(agents.Items, func(a client.User) bool { return a.Email == f.agent.Email }) {
				t.Errorf("agents %+v lack %s", agents.Items, f.agent.Email)
			}
			byQ, err := f.admin.ListUsers(ctx, client.UserFilter{Q: "caroline"})
			check(t, err)
			if len(byQ.Items) != 1 || byQ.Items[0].ID != u.ID {
				t.Errorf("q=caroline: %+v", byQ.Items)
			}
			_, err = f.admin.ListUsers(ctx, client.UserFilter{Role: "king"})
			wantField(t, err, "role")
			var all []int64
			cursor := ""
			for {
				p, err := f.admin.ListUsers(ctx, client.UserFilter{ListOptions: client.ListOptions{Limit: 2, Cursor: cursor}})
				check(t, err)
				for _, x := range p.Items {
					all = append(all, x.ID)
				}
				if p.NextCursor == nil {
					break
				}
				cursor = *p.NextCursor
			}
			if !slices.IsSorted(all) || len(all) < 5 || len(slices.Compact(slices.Clone(all))) != len(all) {
				t.Errorf("paged user ids %v", all)
			}
			_, err = f.admin.ListUsers(ctx, client.UserFilter{ListOptions: client.ListOptions{Cursor: "zzz"}})
			wantField(t, err, "cursor")
		})

		t.Run("requester sees only themselves", func(t *testing.T) {
			p, err := f.reqC.ListUsers(ctx, client.UserFilter{})
			check(t, err)
			if len(p.Items) != 1 || p.Items[0].ID != f.requester.ID {
				t.Errorf("requester lists %+v", p.Items)
			}
			_, err = f.reqC.GetUser(ctx, f.agent.ID)
			wantStatus(t, err, http.StatusNotFound)
			me, err := f.reqC.GetUser(ctx, f.requester.ID)
			check(t, err)
			if me.Email != f.requester.Email {
				t.Errorf("me %+v", me)
			}
			_, err = f.reqC.UpdateUser(ctx, f.requester.ID, client.UserPatch{Role: client.Ptr("admin")})
			wantStatus(t, err, http.StatusForbidden)
			_, err = f.reqC.UpdateUser(ctx, f.agent.ID, client.UserPatch{Name: client.Ptr("x")})
			wantStatus(t, err, http.StatusNotFound)
		})
	})
}

func TestTeams(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		second, _ := f.user(t, "agent", "")
		var team client.Team
		r, err := f.admin.Do(ctx, http.MethodPost, "/api/v1/teams", client.NewTeam{Name: "Network", Restricted: true,
			Members: []string{f.agent.Email}}, &team)
		check(t, err)
		if r.Status != http.StatusCreated || team.Name != "Network" || !team.Restricted || !slices.Equal(team.Members, []string{f.agent.Email}) {
			t.Errorf("created %d %+v", r.Status, team)
		}
		tm, err := f.admin.AddTeamMember(ctx, team.ID, second.Email)
		check(t, err)
		if len(tm.Members) != 2 {
			t.Errorf("members %v", tm.Members)
		}
		tm, err = f.admin.RemoveTeamMember(ctx, team.ID, f.agent.Email)
		check(t, err)
		if !slices.Equal(tm.Members, []string{second.Email}) {
			t.Errorf("members after removal %v", tm.Members)
		}
		_, err = f.admin.RemoveTeamMember(ctx, team.ID, f.agent.Email)
		wantStatus(t, err, http.StatusNotFound)
		tm, err = f.admin.UpdateTeam(ctx, team.ID, client.TeamPatch{Name: client.Ptr("Networking"), Members: &[]string{f.agent.Email}})
		check(t, err)
		if tm.Name != "Networking" || !tm.Restricted || !slices.Equal(tm.Members, []string{f.agent.Email}) {
			t.Errorf("updated %+v", tm)
		}
		got, err := f.agentC.GetTeam(ctx, team.ID)
		check(t, err)
		if got.Name != "Networking" {
			t.Errorf("get %+v", got)
		}
		_, err = f.admin.CreateTeam(ctx, client.NewTeam{Name: "Other"})
		check(t, err)

		invalid := []struct {
			name  string
			call  func() error
			field string
		}{
			{"empty name", func() error { _, err := f.admin.CreateTeam(ctx, client.NewTeam{Name: " "}); return err }, "name"},
			{"duplicate name", func() error { _, err := f.admin.CreateTeam(ctx, client.NewTeam{Name: "Networking"}); return err }, "name"},
			{"duplicate name other case", func() error { _, err := f.admin.CreateTeam(ctx, client.NewTeam{Name: "networking"}); return err }, "name"},
			{"rename to a taken name", func() error {
				_, err := f.admin.UpdateTeam(ctx, team.ID, client.TeamPatch{Name: client.Ptr("Other")})
				return err
			}, "name"},
			{"requester as member", func() error {
				_, err := f.admin.CreateTeam(ctx, client.NewTeam{Name: "Mixed", Members: []string{f.agent.Email, f.requester.Email}})
				return err
			}, "members[1]"},
			{"unknown member", func() error {
				_, err := f.admin.CreateTeam(ctx, client.NewTeam{Name: "Ghosts", Members: []string{"nobody@example.test"}})
				return err
			}, "members[0]"},
			{"add requester", func() error { _, err := f.admin.AddTeamMember(ctx, team.ID, f.requester.Email); return err }, "members[0]"},
			{"add without email", func() error { _, err := f.admin.AddTeamMember(ctx, team.ID, ""); return err }, "email"},
		}
		for _, tt := range invalid {
			t.Run(tt.name, func(t *testing.T) {
				wantField(t, tt.call(), tt.field)
			})
		}
		t.Run("refused creates leave no team", func(t *testing.T) {
			p, err := f.admin.ListTeams(ctx, client.ListOptions{})
			check(t, err)
			var names []string
			for _, x := range p.Items {
				names = append(names, x.Name)
			}
			if !slices.Equal(names, []string{"Networking", "Other"}) {
				t.Errorf("teams %v", names)
			}
		})
		_, err = f.admin.GetTeam(ctx, 999999)
		wantStatus(t, err, http.StatusNotFound)
		_, err = f.admin.AddTeamMember(ctx, 999999, f.agent.Email)
		wantStatus(t, err, http.StatusNotFound)
	})
}
