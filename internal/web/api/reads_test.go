package api_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestReadStatements pins the statements of the API's two reads, for an
// agent on a desk without SLA policies: what every request pays besides
// its tickets. A get reads the token with its person and their teams (one
// statement) and the ticket with its followers and whether it was rated
// (one), and the rating only if it was; the custom field definitions (for
// missing_fields) come from their cache, and the SLA clocks are not read:
// the policy cache knows there are none. It was 7: the token, the person,
// the followers, the definitions and the clocks one each; then 3, the
// rating read for every ticket, rated or not.
func TestReadStatements(t *testing.T) {
	t.Parallel()
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		tk := f.ticket(t, client.NewTicket{})
		rated := apptest.RatedTicket(t, f.Services, f.agent, f.agent.Email, "", "good", time.Now()) // resolved: not listed below
		required, key := true, "asset_tag"
		typ := ticket.FieldText
		if _, err := f.Tickets.CreateFieldDef(t.Context(), apptest.Setup, ticket.FieldDefInput{Key: &key, Label: &key,
			Type: &typ, Required: &required}); err != nil {
			t.Fatal(err)
		}
		token := apptest.Token(t, f.Services, f.agent)
		read := func(path string) int {
			t.Helper()
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			rec, n := f.Statements(t, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
			}
			return n
		}
		get := "/api/v1/tickets/" + strconv.FormatInt(tk.Number, 10)
		apptest.Pumped(t, f.Services)
		read(get) // the token's and the agent's first use of the minute are recorded
		if n := read(get); n != 2 {
			t.Errorf("a get runs %d statements, want 2: the token with its person, the ticket with its followers", n)
		}
		if n := read("/api/v1/tickets/" + strconv.FormatInt(rated.Number, 10)); n != 3 {
			t.Errorf("a rated ticket's get runs %d statements, want 3: the token with its person, the ticket, its rating", n)
		}
		// A list costs what the ticket service's page costs (its walk,
		// which depends on the engine) and one more, the token with its
		// person: none of its tickets is rated.
		list := "/api/v1/tickets?status=open,new&limit=50"
		read(list)
		ctx, page := db.CountStatements(t.Context())
		var filter ticket.Filter
		if err := filter.ApplyParam("status", []string{"open", "new"}, time.Now()); err != nil {
			t.Fatal(err)
		}
		filter.Limit = 50
		if _, _, err := f.Tickets.List(ctx, f.agent, filter); err != nil {
			t.Fatal(err)
		}
		if n := read(list); n != page()+1 {
			t.Errorf("a list runs %d statements, the service's page %d: want 1 more (the token with its person)", n, page())
		}
		// What the cache serves is what is stored.
		req := httptest.NewRequest(http.MethodGet, get, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec, _ := f.Statements(t, req)
		var got struct {
			MissingFields []string `json:"missing_fields"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if len(got.MissingFields) != 1 || got.MissingFields[0] != key {
			t.Errorf("missing_fields %v, want [%s]", got.MissingFields, key)
		}
	})
}

// TestReadsSeeEdits: what a read no longer asks the database for each time
// is still what is stored. The instance that made an edit serves it on the
// next request; another instance on the same database serves an edit of
// the custom fields or the SLA policies once its event pump has read it
// (a second at most), and a revoked token, a deactivated person or a
// changed team membership on its very next request (they are read with
// the token, every time).
func TestReadsSeeEdits(t *testing.T) {
	t.Parallel()
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := t.Context()
		f := newFixture(t, d)
		other := apptest.ServerFor(t, d, apptest.Services(t, d))
		both := []*apptest.Env{f.Env, other}
		admin := f.Admin
		tk := f.ticket(t, client.NewTicket{})
		path := "/api/v1/tickets/" + strconv.FormatInt(tk.Number, 10)
		token := apptest.Token(t, f.Services, f.agent)
		type ticketJSON struct {
			MissingFields []string `json:"missing_fields"`
			SLA           struct {
				Policy *string `json:"policy"`
			} `json:"sla"`
		}
		get := func(e *apptest.Env, token, path string, out any) int {
			t.Helper()
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			rec := httptest.NewRecorder()
			e.Handler.ServeHTTP(rec, req)
			if rec.Code == http.StatusOK && out != nil {
				if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
					t.Fatal(err)
				}
			}
			return rec.Code
		}
		missing := func(e *apptest.Env, want string) {
			t.Helper()
			var j ticketJSON
			if code := get(e, token, path, &j); code != http.StatusOK {
				t.Fatalf("GET %s: %d", path, code)
			}
			if got := strings.Join(j.MissingFields, ","); got != want {
				t.Errorf("missing_fields %q, want %q", got, want)
			}
		}
		for _, e := range both { // both have read the fields and the policies
			missing(e, "")
		}

		// A custom field created on one instance, changed on the other.
		key, typ, required := "asset_tag", ticket.FieldText, true
		def, err := f.Tickets.CreateFieldDef(ctx, admin, ticket.FieldDefInput{Key: &key, Label: &key, Type: &typ, Required: &required})
		if err != nil {
			t.Fatal(err)
		}
		missing(f.Env, key)
		apptest.Pumped(t, other.Services)
		missing(other, key)
		required = false
		if _, err := other.Tickets.UpdateFieldDef(ctx, admin, def.ID, ticket.FieldDefInput{Required: &required}); err != nil {
			t.Fatal(err)
		}
		missing(other, "")
		apptest.Pumped(t, f.Services)
		missing(f.Env, "")

		// A field names its category: renamed on the other instance.
		name := "Hardware"
		cat, err := f.Tickets.CreateCategory(ctx, admin, ticket.CategoryInput{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		key2 := "serial"
		if _, err := f.Tickets.CreateFieldDef(ctx, admin, ticket.FieldDefInput{Key: &key2, Label: &key2, Type: &typ, Category: &name}); err != nil {
			t.Fatal(err)
		}
		adminToken := apptest.Token(t, f.Services, admin)
		category := func(e *apptest.Env, want string) {
			t.Helper()
			var fields struct {
				Items []struct {
					Key      string `json:"key"`
					Category string `json:"category"`
				} `json:"items"`
			}
			if code := get(e, adminToken, "/api/v1/custom-fields", &fields); code != http.StatusOK {
				t.Fatalf("GET custom fields: %d", code)
			}
			for _, it := range fields.Items {
				if it.Key == key2 && it.Category != want {
					t.Errorf("field %s in category %q, want %q", key2, it.Category, want)
				}
			}
		}
		apptest.Pumped(t, other.Services)
		category(other, name)
		name = "Devices"
		if _, err := other.Tickets.UpdateCategory(ctx, admin, cat.ID, ticket.CategoryInput{Name: &name}); err != nil {
			t.Fatal(err)
		}
		category(other, name)
		apptest.Pumped(t, f.Services)
		category(f.Env, name)

		// An SLA policy: a desk had none, so neither instance read clocks.
		cal := roundTheClockCal(t, f)
		goals := []client.SLAGoals{{Priority: "p3", FirstResponse: client.Ptr(120), Resolution: client.Ptr(960)}}
		if _, err := f.admin.CreateSLAPolicy(ctx, client.SLAPolicyInput{Name: client.Ptr("Standard"), CalendarID: &cal.ID,
			Targets: &goals}); err != nil {
			t.Fatal(err)
		}
		measured := f.ticket(t, client.NewTicket{Priority: "p3"})
		policy := func(e *apptest.Env) {
			t.Helper()
			var j ticketJSON
			if code := get(e, token, "/api/v1/tickets/"+strconv.FormatInt(measured.Number, 10), &j); code != http.StatusOK {
				t.Fatalf("GET ticket: %d", code)
			}
			if j.SLA.Policy == nil || *j.SLA.Policy != "Standard" {
				t.Errorf("sla.policy %v, want Standard", j.SLA.Policy)
			}
		}
		policy(f.Env)
		apptest.Pumped(t, other.Services)
		policy(other)

		// A team restricted to its members: the agent leaves it on one
		// instance and is refused its ticket on the other at once.
		team, err := f.Users.CreateTeam(ctx, admin, user.TeamInput{Name: client.Ptr("Security"), Restricted: client.Ptr(true),
			Members: &[]string{f.agent.Email}})
		if err != nil {
			t.Fatal(err)
		}
		secret := f.ticket(t, client.NewTicket{Team: "Security"})
		secretPath := "/api/v1/tickets/" + strconv.FormatInt(secret.Number, 10)
		sees := func(want int) {
			t.Helper()
			for i, e := range both {
				if code := get(e, token, secretPath, nil); code != want {
					t.Errorf("instance %d: GET the team's ticket: %d, want %d", i+1, code, want)
				}
			}
		}
		sees(http.StatusOK)
		if _, err := other.Users.RemoveMember(ctx, admin, team.ID, f.agent.Email); err != nil {
			t.Fatal(err)
		}
		sees(http.StatusNotFound)
		if _, err := f.Users.AddMember(ctx, admin, team.ID, f.agent.Email); err != nil {
			t.Fatal(err)
		}
		sees(http.StatusOK)

		// A token revoked on one instance, and a person deactivated on the
		// other: refused at once by both, sessions too.
		revoked, tok, err := f.Auth.CreateToken(ctx, admin, auth.NewToken{Name: "to revoke"})
		if err != nil {
			t.Fatal(err)
		}
		session, _, err := f.Auth.StartSession(ctx, f.agent.ID, "", "")
		if err != nil {
			t.Fatal(err)
		}
		answers := func(token string, want int) {
			t.Helper()
			for i, e := range both {
				if code := get(e, token, path, nil); code != want {
					t.Errorf("instance %d: GET with the token: %d, want %d", i+1, code, want)
				}
			}
		}
		answers(revoked, http.StatusOK)
		if err := f.Auth.Revoke(ctx, admin, tok.ID); err != nil {
			t.Fatal(err)
		}
		answers(revoked, http.StatusUnauthorized)
		answers(token, http.StatusOK)
		for _, e := range both {
			if _, _, err := e.Auth.SessionActor(ctx, session); err != nil {
				t.Fatalf("session before the deactivation: %v", err)
			}
		}
		if _, err := other.Users.Update(ctx, admin, f.agent.ID, user.Patch{Active: client.Ptr(false)}); err != nil {
			t.Fatal(err)
		}
		answers(token, http.StatusUnauthorized)
		for i, e := range both {
			if _, _, err := e.Auth.SessionActor(ctx, session); !errors.Is(err, auth.ErrNoSession) {
				t.Errorf("instance %d: session of a deactivated agent: %v, want none", i+1, err)
			}
		}
	})
}
