package agent_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/password"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// admSubmit posts a form with the browser's CSRF token and the given
// name/value pairs, priming the token from a page when it has none yet.
func admSubmit(b *browser, path string, kv ...string) (int, string, http.Header) {
	b.t.Helper()
	if b.csrf == "" {
		b.get("/profile")
	}
	form := url.Values{"_csrf": {b.csrf}}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Add(kv[i], kv[i+1])
	}
	return b.post(path, form)
}

// admExpect fails unless code is want and, for each of contains, body has it.
func admExpect(t *testing.T, what string, code int, body string, want int, contains ...string) {
	t.Helper()
	if code != want {
		t.Fatalf("%s: status %d, want %d", what, code, want)
	}
	for _, c := range contains {
		if !strings.Contains(body, c) {
			t.Fatalf("%s: the page lacks %q", what, c)
		}
	}
}

var admIDRe = regexp.MustCompile(`/(\d+)(?:#.*)?$`)

// admLocationID is the trailing id of a redirect's Location.
func admLocationID(t *testing.T, h http.Header) int64 {
	t.Helper()
	m := admIDRe.FindStringSubmatch(h.Get("Location"))
	if m == nil {
		t.Fatalf("no id in Location %q", h.Get("Location"))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

func TestAdminPagesAreForAdmins(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	name := "Ops"
	team, err := e.Users.CreateTeam(ctx, e.Admin, user.TeamInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := e.Tickets.CreateCategory(ctx, e.Admin, ticket.CategoryInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	org, err := e.Users.CreateOrganization(ctx, e.Admin, user.OrganizationInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	key, label, typ := "asset_tag", "Asset tag", ticket.FieldText
	fd, err := e.Tickets.CreateFieldDef(ctx, e.Admin, ticket.FieldDefInput{Key: &key, Label: &label, Type: &typ})
	if err != nil {
		t.Fatal(err)
	}
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	pages := []string{"/admin/users", "/admin/users/new", "/admin/users/" + id(e.Admin.ID), "/admin/teams", "/admin/teams/" + id(team.ID),
		"/admin/organizations", "/admin/organizations/" + id(org.ID), "/admin/categories", "/admin/categories/" + id(cat.ID),
		"/admin/fields", "/admin/fields/new", "/admin/fields/" + id(fd.ID), "/admin/tokens"}
	posts := []string{"/admin/users/new", "/admin/users/" + id(e.Admin.ID), "/admin/teams", "/admin/teams/" + id(team.ID),
		"/admin/teams/" + id(team.ID) + "/members", "/admin/teams/" + id(team.ID) + "/members/remove", "/admin/organizations",
		"/admin/organizations/" + id(org.ID), "/admin/categories", "/admin/categories/" + id(cat.ID), "/admin/fields/new",
		"/admin/fields/" + id(fd.ID), "/admin/tokens", "/admin/tokens/1/revoke"}

	agent, _ := signIn(t, e, user.RoleAgent)
	admin, _ := signIn(t, e, user.RoleAdmin)
	anon := newBrowser(t, e.URL)
	_, body, _ := agent.get("/profile")
	if !strings.Contains(body, `id="nav-profile"`) || strings.Contains(body, `id="nav-admin"`) {
		t.Fatal("an agent's header should link the profile and not the administration")
	}
	_, body, _ = admin.get("/tickets?view=open")
	if !strings.Contains(body, `id="nav-profile"`) || !strings.Contains(body, `id="nav-admin"`) {
		t.Fatal("an admin's header should link the profile and the administration")
	}
	for _, p := range pages {
		if code, body, _ := admin.get(p); code != 200 || !strings.Contains(body, `class="subnav"`) {
			t.Errorf("GET %s as admin: %d", p, code)
		}
		if code, _, _ := agent.get(p); code != http.StatusForbidden {
			t.Errorf("GET %s as agent: %d, want 403", p, code)
		}
		if code, _, h := anon.get(p); code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login?next=") {
			t.Errorf("GET %s anonymously: %d %s", p, code, h.Get("Location"))
		}
	}
	// The sub-navigation marks the page's own section, and only that one.
	for p, current := range map[string]string{"/admin/teams/" + id(team.ID): "/admin/teams", "/admin/fields/new": "/admin/fields", "/admin/tokens": "/admin/tokens"} {
		_, body, _ := admin.get(p)
		if !strings.Contains(body, `href="`+current+`" aria-current="page"`) || strings.Count(body, `aria-current="page"`) != 1 {
			t.Errorf("GET %s: the sub-navigation should mark %s as the current section", p, current)
		}
	}
	for _, p := range posts {
		if code, _, _ := admSubmit(agent, p, "name", "Agents rule", "email", "sneaky@example.test", "user", e.Admin.Email); code != http.StatusForbidden {
			t.Errorf("POST %s as agent: %d, want 403", p, code)
		}
		if code, _, _ := admin.post(p, url.Values{"name": {"No token"}}); code != http.StatusForbidden {
			t.Errorf("POST %s as admin without the CSRF token: %d, want 403", p, code)
		}
	}
	if _, err := e.Users.ByEmail(ctx, "sneaky@example.test"); err == nil {
		t.Error("an agent created a user")
	}
	// Nothing the refused requests asked for happened.
	if ts, _ := e.Users.Teams(ctx, 0, 10); len(ts) != 1 || ts[0].Name != "Ops" {
		t.Errorf("teams after refused requests: %+v", ts)
	}
	if cs, _ := e.Tickets.Categories(ctx, 0, 10); len(cs) != 1 || cs[0].Name != "Ops" {
		t.Errorf("categories after refused requests: %+v", cs)
	}
	if code, _, h := admin.get("/admin"); code != http.StatusSeeOther || h.Get("Location") != "/admin/users" {
		t.Errorf("/admin: %d %s", code, h.Get("Location"))
	}
	if code, _, _ := admin.get("/admin/teams/999999"); code != http.StatusNotFound {
		t.Errorf("missing team: %d", code)
	}
	if code, _, _ := admin.get("/admin/users/abc"); code != http.StatusNotFound {
		t.Errorf("bad user id: %d", code)
	}
}

func TestAdminUsers(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		ctx := context.Background()
		orgName := "Acme"
		if _, err := e.Users.CreateOrganization(ctx, e.Admin, user.OrganizationInput{Name: &orgName}); err != nil {
			t.Fatal(err)
		}
		b, me := signIn(t, e, user.RoleAdmin)

		// An agent without a password: the admin is told to set one.
		code, _, h := admSubmit(b, "/admin/users/new", "email", "kim@example.test", "name", "Kim", "role", "agent")
		if code != http.StatusSeeOther || !strings.HasSuffix(h.Get("Location"), "#password") {
			t.Fatalf("create without password: %d %s", code, h.Get("Location"))
		}
		kimID := admLocationID(t, h)
		code, body, _ := b.get(h.Get("Location"))
		admExpect(t, "the new user's page", code, body, 200, "They have no password yet", `id="no-password"`)
		kim, err := e.Users.Get(ctx, kimID)
		if err != nil || kim.Email != "kim@example.test" || kim.Role != user.RoleAgent || kim.PasswordHash != "" || !kim.Active {
			t.Fatalf("created user: %+v %v", kim, err)
		}

		// Requesters get no password: they do not sign in yet.
		code, body, _ = admSubmit(b, "/admin/users/new", "email", "lee@example.test", "name", "Lee", "role", "requester",
			"organization", "Acme", "password", "long enough pass", "password2", "long enough pass")
		admExpect(t, "requester with a password", code, body, 422, "Requesters do not sign in with a password yet")

		// A requester with an organization, straight back to the list.
		code, _, h = admSubmit(b, "/admin/users/new", "email", "lee@example.test", "name", "Lee", "role", "requester",
			"organization", "Acme")
		if code != http.StatusSeeOther || h.Get("Location") != "/admin/users" {
			t.Fatalf("create requester: %d %s", code, h.Get("Location"))
		}
		lee, err := e.Users.ByEmail(ctx, "lee@example.test")
		if err != nil || lee.Organization != "Acme" || lee.Role != user.RoleRequester || lee.PasswordHash != "" {
			t.Fatalf("created requester: %+v %v", lee, err)
		}
		code, body, _ = b.get("/admin/users/" + strconv.FormatInt(lee.ID, 10))
		admExpect(t, "a requester's page", code, body, 200, `id="requester-password"`)
		if strings.Contains(body, `id="u-password"`) {
			t.Error("a requester's page offers a password")
		}

		// Validation errors re-render the form with field messages.
		code, body, _ = admSubmit(b, "/admin/users/new", "email", "not an address", "name", "X", "role", "agent")
		admExpect(t, "bad email", code, body, 422, "Is not a valid email address.", `value="X"`)
		code, body, _ = admSubmit(b, "/admin/users/new", "email", "kim@example.test", "role", "agent")
		admExpect(t, "duplicate email", code, body, 422, "A user with this email already exists.")
		code, body, _ = admSubmit(b, "/admin/users/new", "email", "new@example.test", "role", "agent", "password", "long enough pass", "password2", "different pass!")
		admExpect(t, "mismatched passwords", code, body, 422, "The passwords do not match.")
		code, body, _ = admSubmit(b, "/admin/users/new", "email", "new@example.test", "role", "agent", "password", "short", "password2", "short")
		admExpect(t, "short password", code, body, 422, "Must be at least 10 characters.")
		code, body, _ = admSubmit(b, "/admin/users/new", "email", "new@example.test", "role", "boss")
		admExpect(t, "unknown role", code, body, 422, "Must be one of admin, agent, requester.")
		if _, err := e.Users.ByEmail(ctx, "new@example.test"); err == nil {
			t.Fatal("a user was created from an invalid form")
		}

		// Edit: name, role, organization and a password in one go.
		kimURL := "/admin/users/" + strconv.FormatInt(kimID, 10)
		code, _, _ = admSubmit(b, kimURL, "email", "kim@example.test", "name", "Kim Park", "role", "admin", "organization", "Acme",
			"active", "1", "password", "a brand new secret", "password2", "a brand new secret")
		if code != http.StatusSeeOther {
			t.Fatalf("edit: %d", code)
		}
		kim, _ = e.Users.Get(ctx, kimID)
		if kim.Name != "Kim Park" || kim.Role != user.RoleAdmin || kim.Organization != "Acme" || password.Verify(ctx, kim.PasswordHash, "a brand new secret") != nil {
			t.Fatalf("after edit: %+v", kim)
		}
		code, body, _ = admSubmit(b, kimURL, "email", "kim@example.test", "name", "Kim", "role", "agent", "organization", "Nowhere", "active", "1")
		admExpect(t, "unknown organization", code, body, 422, "No organization named")
		if kim, _ = e.Users.Get(ctx, kimID); kim.Name != "Kim Park" {
			t.Fatal("an invalid edit changed the user")
		}
		// Admins cannot lock themselves out.
		code, body, _ = admSubmit(b, "/admin/users/"+strconv.FormatInt(me.ID, 10), "email", me.Email, "name", me.Name, "role", "admin")
		admExpect(t, "self-deactivation", code, body, http.StatusConflict, "You cannot demote or deactivate yourself.")
		// Nor set their own password here: that takes the current one, on
		// the profile.
		code, body, _ = b.get("/admin/users/" + strconv.FormatInt(me.ID, 10))
		admExpect(t, "own user page", code, body, 200, `id="own-password"`)
		if strings.Contains(body, `id="u-password"`) {
			t.Error("the admin's own page offers to set their password without the current one")
		}
		code, body, _ = admSubmit(b, "/admin/users/"+strconv.FormatInt(me.ID, 10), "email", me.Email, "name", me.Name, "role", "admin",
			"active", "1", "password", "taken over at last", "password2", "taken over at last")
		admExpect(t, "own password on the admin page", code, body, 422, "Change your own password on your profile")
		if u, _ := e.Users.Get(ctx, me.ID); password.Verify(ctx, u.PasswordHash, "taken over at last") == nil {
			t.Error("the admin page changed the admin's own password")
		}

		// The list filters, and shows team memberships.
		team := "Network"
		if _, err := e.Users.CreateTeam(ctx, e.Admin, user.TeamInput{Name: &team, Members: &[]string{"kim@example.test"}}); err != nil {
			t.Fatal(err)
		}
		code, body, _ = b.get("/admin/users?q=kim")
		admExpect(t, "filtered list", code, body, 200, "kim@example.test", "Network")
		if strings.Contains(body, "lee@example.test") {
			t.Error("the filter kept a user that does not match")
		}
		code, body, _ = b.get("/admin/users?role=requester")
		admExpect(t, "list by role", code, body, 200, "lee@example.test")
		if strings.Contains(body, "kim@example.test") {
			t.Error("the role filter kept an admin")
		}

		// Without the CSRF token nothing changes.
		if code, _, _ := b.post(kimURL, url.Values{"email": {"kim@example.test"}, "name": {"Forged"}, "role": {"agent"}}); code != http.StatusForbidden {
			t.Fatalf("edit without CSRF token: %d", code)
		}
		if kim, _ = e.Users.Get(ctx, kimID); kim.Name != "Kim Park" {
			t.Fatal("a forged edit changed the user")
		}
	})
}

func TestAdminDeactivationEndsSessions(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		ctx := context.Background()
		admin, _ := signIn(t, e, user.RoleAdmin)
		agent, who := signIn(t, e, user.RoleAgent)
		if code, _, _ := agent.get("/tickets?view=mine"); code != 200 {
			t.Fatalf("agent before deactivation: %d", code)
		}
		page := "/admin/users/" + strconv.FormatInt(who.ID, 10)
		code, _, h := admSubmit(admin, page, "email", who.Email, "name", who.Name, "role", "agent") // "active" unticked
		if code != http.StatusSeeOther {
			t.Fatalf("deactivate: %d", code)
		}
		if _, body, _ := admin.get(h.Get("Location")); !strings.Contains(body, "signed them out") {
			t.Error("the admin is not told the user was signed out")
		}
		if u, _ := e.Users.Get(ctx, who.ID); u.Active {
			t.Fatal("the user is still active")
		}
		// Reactivating does not bring the old session back: it was ended,
		// not merely refused.
		yes := true
		if _, err := e.Users.Update(ctx, e.Admin, who.ID, user.Patch{Active: &yes}); err != nil {
			t.Fatal(err)
		}
		if code, _, h := agent.get("/tickets?view=mine"); code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
			t.Fatalf("deactivated agent's browser: %d %s, want a redirect to /login", code, h.Get("Location"))
		}
	})
}

func TestAdminTeams(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		ctx := context.Background()
		b, _ := signIn(t, e, user.RoleAdmin)
		member := apptest.User(t, e.Services, user.RoleAgent, "")
		requester := apptest.User(t, e.Services, user.RoleRequester, "")

		code, _, h := admSubmit(b, "/admin/teams", "name", "Payroll", "restricted", "1")
		if code != http.StatusSeeOther {
			t.Fatalf("create team: %d", code)
		}
		id := admLocationID(t, h)
		tm, err := e.Users.Team(ctx, id)
		if err != nil || tm.Name != "Payroll" || !tm.Restricted {
			t.Fatalf("created team: %+v %v", tm, err)
		}
		code, body, _ := admSubmit(b, "/admin/teams", "name", "payroll")
		admExpect(t, "duplicate team", code, body, 422, "A team with this name already exists.")
		code, body, _ = admSubmit(b, "/admin/teams", "name", "  ")
		admExpect(t, "nameless team", code, body, 422, "Is required.")

		base := "/admin/teams/" + strconv.FormatInt(id, 10)
		if code, _, _ := admSubmit(b, base, "name", "Payroll & HR"); code != http.StatusSeeOther {
			t.Fatalf("rename: %d", code)
		}
		if tm, _ = e.Users.Team(ctx, id); tm.Name != "Payroll & HR" || tm.Restricted {
			t.Fatalf("after rename and unticking restricted: %+v", tm)
		}
		if code, _, _ := admSubmit(b, base+"/members", "email", member.Email); code != http.StatusSeeOther {
			t.Fatalf("add member: %d", code)
		}
		code, body, _ = admSubmit(b, base+"/members", "email", requester.Email)
		admExpect(t, "requester as member", code, body, 422, "only agents and admins join teams")
		code, body, _ = admSubmit(b, base+"/members", "email", "ghost@example.test")
		admExpect(t, "unknown member", code, body, 422, "No user with email")
		code, body, _ = b.get("/admin/teams")
		admExpect(t, "team list", code, body, 200, "Payroll &amp; HR", member.Email)
		if tm, _ = e.Users.Team(ctx, id); len(tm.Members) != 1 || tm.Members[0] != member.Email {
			t.Fatalf("members: %v", tm.Members)
		}
		// A member can be made a lead (told of SLA breaches) and back.
		if code, _, _ := admSubmit(b, base+"/members/lead", "email", member.Email, "lead", "1"); code != http.StatusSeeOther {
			t.Fatalf("make lead: %d", code)
		}
		code, body, _ = b.get(base)
		admExpect(t, "team page with a lead", code, body, 200, `id="lead-`+member.Email+`"`, "Not lead")
		if tm, _ = e.Users.Team(ctx, id); len(tm.Leads) != 1 || tm.Leads[0] != member.Email {
			t.Fatalf("leads: %v", tm.Leads)
		}
		if code, _, _ := admSubmit(b, base+"/members/lead", "email", member.Email, "lead", "0"); code != http.StatusSeeOther {
			t.Fatalf("unset lead: %d", code)
		}
		if tm, _ = e.Users.Team(ctx, id); len(tm.Leads) != 0 {
			t.Fatalf("leads after unsetting: %v", tm.Leads)
		}
		if code, _, _ := admSubmit(b, base+"/members/remove", "email", member.Email); code != http.StatusSeeOther {
			t.Fatalf("remove member: %d", code)
		}
		if tm, _ = e.Users.Team(ctx, id); len(tm.Members) != 0 {
			t.Fatalf("members after removal: %v", tm.Members)
		}
	})
}

func TestAdminOrganizations(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	b, _ := signIn(t, e, user.RoleAdmin)
	code, _, _ := admSubmit(b, "/admin/organizations", "name", "Globex", "domain", "Globex.example", "shared_tickets", "1")
	if code != http.StatusSeeOther {
		t.Fatalf("create organization: %d", code)
	}
	orgs, _ := e.Users.Organizations(ctx, 0, 10)
	if len(orgs) != 1 || orgs[0].Name != "Globex" || orgs[0].Domain != "globex.example" || !orgs[0].SharedTickets {
		t.Fatalf("organizations: %+v", orgs)
	}
	code, body, _ := admSubmit(b, "/admin/organizations", "name", "Initech", "domain", "not a domain")
	admExpect(t, "bad domain", code, body, 422, "Is not a valid domain name.", `value="Initech"`)
	code, body, _ = admSubmit(b, "/admin/organizations", "name", "globex")
	admExpect(t, "duplicate organization", code, body, 422, "An organization with this name already exists.")

	page := "/admin/organizations/" + strconv.FormatInt(orgs[0].ID, 10)
	if code, _, _ := admSubmit(b, page, "name", "Globex Corp", "domain", ""); code != http.StatusSeeOther {
		t.Fatalf("edit organization: %d", code)
	}
	o, _ := e.Users.Organization(ctx, orgs[0].ID)
	if o.Name != "Globex Corp" || o.Domain != "" || o.SharedTickets {
		t.Fatalf("after edit: %+v", o)
	}
	code, body, _ = admSubmit(b, page, "name", "")
	admExpect(t, "nameless organization", code, body, 422, "Is required.")
}

func TestAdminCategories(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	b, _ := signIn(t, e, user.RoleAdmin)
	evil := `<script>alert(1)</script>`
	code, _, _ := admSubmit(b, "/admin/categories", "name", "Printers "+evil, "description", "Paper jams")
	if code != http.StatusSeeOther {
		t.Fatalf("create category: %d", code)
	}
	cs, _ := e.Tickets.Categories(ctx, 0, 10)
	if len(cs) != 1 || cs[0].Description != "Paper jams" || !cs[0].Active {
		t.Fatalf("categories: %+v", cs)
	}
	code, body, _ := b.get("/admin/categories")
	if code != 200 || strings.Contains(body, evil) || !strings.Contains(body, "&lt;script&gt;") {
		t.Fatalf("category list escapes names: %d", code)
	}
	code, body, _ = admSubmit(b, "/admin/categories", "name", "")
	admExpect(t, "nameless category", code, body, 422, "Is required.")

	page := "/admin/categories/" + strconv.FormatInt(cs[0].ID, 10)
	if code, _, _ := admSubmit(b, page, "name", "Printers", "description", ""); code != http.StatusSeeOther { // "active" unticked
		t.Fatalf("edit category: %d", code)
	}
	c, _ := e.Tickets.Category(ctx, cs[0].ID)
	if c.Name != "Printers" || c.Description != "" || c.Active {
		t.Fatalf("after edit: %+v", c)
	}
	code, body, _ = admSubmit(b, page, "name", strings.Repeat("x", 201), "active", "1")
	admExpect(t, "long name", code, body, 422, "Must be at most 200 characters")
}

func TestAdminCustomFields(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	b, _ := signIn(t, e, user.RoleAdmin)
	cat := "Hardware"
	if _, err := e.Tickets.CreateCategory(ctx, e.Admin, ticket.CategoryInput{Name: &cat}); err != nil {
		t.Fatal(err)
	}
	code, _, _ := admSubmit(b, "/admin/fields/new", "key", "os", "label", "Operating system", "type", "select",
		"options", "Linux\r\n\r\n macOS \r\nWindows\r\n", "required", "1", "ticket_type", "incident", "category", "Hardware",
		"position", "3", "active", "1")
	if code != http.StatusSeeOther {
		t.Fatalf("create field: %d", code)
	}
	defs, _ := e.Tickets.FieldDefs(ctx)
	if len(defs) != 1 {
		t.Fatalf("field defs: %d", len(defs))
	}
	f := defs[0]
	if f.Key != "os" || f.Type != ticket.FieldSelect || strings.Join(f.Options, "|") != "Linux|macOS|Windows" || !f.Required ||
		f.TicketType != ticket.Incident || f.Category == nil || f.Category.Name != "Hardware" || f.Position != 3 || !f.Active {
		t.Fatalf("created field: %+v", f)
	}
	for _, c := range []struct {
		name string
		kv   []string
		msg  string
	}{
		{"bad key", []string{"key", "Bad Key", "label", "L", "type", "text"}, "Must be 1-63 lowercase letters"},
		{"duplicate key", []string{"key", "os", "label", "L", "type", "text"}, "A custom field with this key already exists."},
		{"select without options", []string{"key", "size", "label", "Size", "type", "select"}, "A select field needs at least one option."},
		{"options on text", []string{"key", "note", "label", "Note", "type", "text", "options", "a"}, "Only select fields have options."},
		{"bad position", []string{"key", "note", "label", "Note", "type", "text", "position", "first"}, "Enter a whole number."},
		{"unknown category", []string{"key", "note", "label", "Note", "type", "text", "category", "Nope"}, "No category named"},
	} {
		code, body, _ := admSubmit(b, "/admin/fields/new", c.kv...)
		admExpect(t, c.name, code, body, 422, c.msg)
	}
	page := "/admin/fields/" + strconv.FormatInt(f.ID, 10)
	code, body, _ := b.get(page)
	admExpect(t, "edit page", code, body, 200, "cannot be changed", "Linux\nmacOS\nWindows")
	if code, _, _ := admSubmit(b, page, "key", "hacked", "type", "text", "label", "OS", "options", "Linux\nBSD", "position", "1"); code != http.StatusSeeOther {
		t.Fatalf("edit field: %d", code)
	}
	f, _ = e.Tickets.FieldDef(ctx, f.ID)
	if f.Key != "os" || f.Type != ticket.FieldSelect || f.Label != "OS" || strings.Join(f.Options, "|") != "Linux|BSD" ||
		f.Required || f.TicketType != "" || f.Category != nil || f.Position != 1 || f.Active {
		t.Fatalf("after edit: %+v", f)
	}
	code, body, _ = admSubmit(b, page, "label", "", "options", "Linux")
	admExpect(t, "edit without label", code, body, 422, "Is required.")
}

var tokenRe = regexp.MustCompile(regexp.QuoteMeta(auth.TokenPrefix) + `[A-Za-z0-9_-]{20,}`)

func TestAdminTokens(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		ctx := context.Background()
		b, _ := signIn(t, e, user.RoleAdmin)
		owner := apptest.User(t, e.Services, user.RoleAgent, "")

		code, body, h := admSubmit(b, "/admin/tokens", "user", owner.Email, "name", "Monitoring", "scope", "read")
		admExpect(t, "create token", code, body, http.StatusCreated, `id="token-created"`, "will not be shown again")
		secret := tokenRe.FindString(body)
		if secret == "" {
			t.Fatal("the secret is not on the result page")
		}
		if h.Get("Location") != "" || strings.Contains(strings.Join(h.Values("Set-Cookie"), "\n"), secret) {
			t.Fatal("the secret left the page in a header")
		}
		a, tok, err := e.Auth.Authenticate(ctx, secret)
		if err != nil || a.ID != owner.ID || !tok.ReadOnly() || tok.Name != "Monitoring" {
			t.Fatalf("the shown secret: %+v %+v %v", a, tok, err)
		}
		code, body, _ = b.get("/admin/tokens")
		admExpect(t, "token list", code, body, 200, owner.Email, "Monitoring", tok.Prefix, e.Admin.Email)
		if strings.Contains(body, secret) || strings.Contains(body, `id="token-created"`) {
			t.Fatal("the secret is shown again on the list")
		}

		code, body, _ = admSubmit(b, "/admin/tokens", "user", "ghost@example.test", "name", "X")
		admExpect(t, "unknown user", code, body, 422, "No user with email")
		code, body, _ = admSubmit(b, "/admin/tokens", "user", owner.Email, "name", "")
		admExpect(t, "nameless token", code, body, 422, "Is required.")
		code, body, _ = admSubmit(b, "/admin/tokens", "name", "Nobody's")
		admExpect(t, "token without user", code, body, 422, "Enter the email of the token&#39;s user.")
		if tokenRe.MatchString(body) {
			t.Fatal("a refused request shows a secret")
		}

		if code, _, _ := b.post("/admin/tokens/"+strconv.FormatInt(tok.ID, 10)+"/revoke", url.Values{}); code != http.StatusForbidden {
			t.Fatalf("revoke without CSRF token: %d", code)
		}
		if code, _, _ := admSubmit(b, "/admin/tokens/"+strconv.FormatInt(tok.ID, 10)+"/revoke", "confirm", "1"); code != http.StatusSeeOther {
			t.Fatalf("revoke: %d", code)
		}
		if _, _, err := e.Auth.Authenticate(ctx, secret); err == nil {
			t.Fatal("a revoked token still works")
		}
		if _, body, _ = b.get("/admin/tokens"); !strings.Contains(body, "Revoked") {
			t.Error("the list does not show the revocation")
		}
		if code, _, _ := admSubmit(b, "/admin/tokens/999999/revoke"); code != http.StatusNotFound {
			t.Errorf("revoke a missing token: %d", code)
		}
		all, _ := e.Auth.Tokens(ctx, e.Admin, true, 0, 100)
		for _, tk := range all {
			if tk.UserID == owner.ID && tk.ID != tok.ID {
				t.Errorf("a refused request created token %d", tk.ID)
			}
		}
	})
}
