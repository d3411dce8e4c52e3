package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/user"
)

// auditSince returns the admin changes after id, oldest first.
func auditSince(t *testing.T, c *client.Client, id int64) []client.AuditEntry {
	t.Helper()
	p, err := c.ListAudit(t.Context(), client.AuditFilter{ListOptions: client.ListOptions{Limit: 200}})
	if err != nil {
		t.Fatalf("list audit: %v", err)
	}
	var out []client.AuditEntry
	for i := len(p.Items) - 1; i >= 0; i-- {
		if p.Items[i].ID > id {
			out = append(out, p.Items[i])
		}
	}
	return out
}

func newestAudit(t *testing.T, c *client.Client) int64 {
	t.Helper()
	p, err := c.ListAudit(t.Context(), client.AuditFilter{ListOptions: client.ListOptions{Limit: 1}})
	if err != nil {
		t.Fatalf("list audit: %v", err)
	}
	if len(p.Items) == 0 {
		return 0
	}
	return p.Items[0].ID
}

// TestAdminChangesAreAudited makes every kind of admin change through the
// API as a second admin and checks each writes exactly its events, with
// that admin as the actor, the right subject, the changed values, and no
// secret anywhere in the audit log.
func TestAdminChangesAreAudited(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		ann, c := f.user(t, user.RoleAdmin, "")
		agent2, _ := f.user(t, user.RoleAgent, "")
		const userPassword, newPassword = "first-password-123", "second-password-456"
		const imapSecret, smtpSecret, smtpSecret2 = "imap-secret-aaa", "smtp-secret-bbb", "smtp-secret-ccc"
		var (
			u        *client.User
			team     *client.Team
			org      *client.Organization
			cat      *client.Category
			field    *client.CustomField
			mailbox  struct{ ID int64 }
			sealed   []string // the mailbox's passwords as stored
			tok      *client.Token
			tokenIDs []string // secrets issued during the test
		)
		s := func(v string) *string { return &v }
		b := func(v bool) *bool { return &v }
		steps := []struct {
			name    string
			do      func() error
			kinds   []string
			subject func() (string, int64)
			payload []string // JSON fragments the first event's payload has
		}{
			{"create user", func() (err error) {
				u, err = c.CreateUser(ctx, client.NewUser{Email: uniqueEmail("audited"), Name: "Bea", Role: "agent", Password: userPassword})
				return err
			}, []string{"user.created"}, func() (string, int64) { return "user", u.ID }, []string{`"role":"agent"`, `"password_set":true`, `"name":"Bea"`}},
			{"promote user", func() (err error) {
				_, err = c.UpdateUser(ctx, u.ID, client.UserPatch{Role: s("admin"), Name: s("Bea B")})
				return err
			}, []string{"user.updated"}, func() (string, int64) { return "user", u.ID },
				[]string{`"role":{"old":"agent","new":"admin"}`, `"name":{"old":"Bea","new":"Bea B"}`}},
			{"set password", func() (err error) {
				_, err = c.UpdateUser(ctx, u.ID, client.UserPatch{Password: s(newPassword)})
				return err
			}, []string{"user.updated"}, func() (string, int64) { return "user", u.ID }, []string{`"password_set":true`, `"changes":{}`}},
			{"deactivate user", func() (err error) {
				_, err = c.UpdateUser(ctx, u.ID, client.UserPatch{Active: b(false)})
				return err
			}, []string{"user.deactivated"}, func() (string, int64) { return "user", u.ID }, []string{`"active":{"old":true,"new":false}`}},
			{"unchanged user", func() (err error) {
				_, err = c.UpdateUser(ctx, u.ID, client.UserPatch{Name: s("Bea B")})
				return err
			}, nil, nil, nil},
			{"create team", func() (err error) {
				team, err = c.CreateTeam(ctx, client.NewTeam{Name: "Network", Members: []string{f.agent.Email}})
				return err
			}, []string{"team.created"}, func() (string, int64) { return "team", team.ID }, []string{`"name":"Network"`, `"members":["` + f.agent.Email + `"]`}},
			{"rename team", func() (err error) {
				_, err = c.UpdateTeam(ctx, team.ID, client.TeamPatch{Name: s("Networks"), Restricted: b(true)})
				return err
			}, []string{"team.updated"}, func() (string, int64) { return "team", team.ID },
				[]string{`"name":{"old":"Network","new":"Networks"}`, `"restricted":{"old":false,"new":true}`}},
			{"add member", func() (err error) {
				_, err = c.AddTeamMember(ctx, team.ID, agent2.Email)
				return err
			}, []string{"team.member_added"}, func() (string, int64) { return "team", team.ID }, []string{`"email":"` + agent2.Email + `"`, `"user_id":` + strconv.FormatInt(agent2.ID, 10)}},
			{"add member again", func() (err error) {
				_, err = c.AddTeamMember(ctx, team.ID, agent2.Email)
				return err
			}, nil, nil, nil},
			{"remove member", func() (err error) {
				_, err = c.RemoveTeamMember(ctx, team.ID, agent2.Email)
				return err
			}, []string{"team.member_removed"}, func() (string, int64) { return "team", team.ID }, []string{`"email":"` + agent2.Email + `"`}},
			{"replace members", func() (err error) {
				_, err = c.UpdateTeam(ctx, team.ID, client.TeamPatch{Members: &[]string{agent2.Email}})
				return err
			}, []string{"team.member_added", "team.member_removed"}, func() (string, int64) { return "team", team.ID }, []string{`"email":"` + agent2.Email + `"`}},
			{"create organization", func() (err error) {
				org, err = c.CreateOrganization(ctx, client.NewOrganization{Name: "Acme", Domain: "acme.example"})
				return err
			}, []string{"organization.created"}, func() (string, int64) { return "organization", org.ID }, []string{`"domain":"acme.example"`}},
			{"update organization", func() (err error) {
				_, err = c.UpdateOrganization(ctx, org.ID, client.OrganizationPatch{SharedTickets: b(true)})
				return err
			}, []string{"organization.updated"}, func() (string, int64) { return "organization", org.ID }, []string{`"shared_tickets":{"old":false,"new":true}`}},
			{"create category", func() (err error) {
				cat, err = c.CreateCategory(ctx, client.NewCategory{Name: "Printers"})
				return err
			}, []string{"category.created"}, func() (string, int64) { return "category", cat.ID }, []string{`"name":"Printers"`}},
			{"update category", func() (err error) {
				_, err = c.UpdateCategory(ctx, cat.ID, client.CategoryPatch{Active: b(false)})
				return err
			}, []string{"category.updated"}, func() (string, int64) { return "category", cat.ID }, []string{`"active":{"old":true,"new":false}`}},
			{"create custom field", func() (err error) {
				field, err = c.CreateCustomField(ctx, client.NewCustomField{Key: "site", Label: "Site", Type: "select", Options: []string{"HQ"}})
				return err
			}, []string{"custom_field.created"}, func() (string, int64) { return "custom_field", field.ID }, []string{`"key":"site"`, `"options":["HQ"]`}},
			{"update custom field", func() (err error) {
				_, err = c.UpdateCustomField(ctx, field.ID, client.CustomFieldPatch{Options: &[]string{"HQ", "Lab"}})
				return err
			}, []string{"custom_field.updated"}, func() (string, int64) { return "custom_field", field.ID }, []string{`"options":{"old":["HQ"],"new":["HQ","Lab"]}`}},
			{"create mailbox", func() (err error) {
				_, err = c.Do(ctx, "POST", "/api/v1/mailboxes", map[string]any{"address": "help@example.test", "name": "Help",
					"inbound":  map[string]any{"type": "imap", "host": "127.0.0.1", "port": 1, "tls": "none", "username": "u", "password": imapSecret, "folder": "INBOX", "after_import": "flag"},
					"outbound": mbServer{Host: "127.0.0.1", Port: 1, TLS: "none", Username: "u", Password: smtpSecret}}, &mailbox)
				return err
			}, []string{"mailbox.created"}, func() (string, int64) { return "mailbox", mailbox.ID },
				[]string{`"password_changed":true`, `"changed_secrets":["inbound.password","outbound.password"]`, `"address":"help@example.test"`}},
			{"update mailbox", func() (err error) {
				_, err = c.Do(ctx, "PATCH", "/api/v1/mailboxes/"+strconv.FormatInt(mailbox.ID, 10),
					map[string]any{"name": "Helpdesk", "outbound": map[string]any{"password": smtpSecret2}}, nil)
				if err == nil {
					var in, out string
					err = f.DB.R.QueryRowContext(ctx, f.DB.Rebind(`SELECT imap_password, smtp_password FROM mailboxes WHERE id = $1`), mailbox.ID).Scan(&in, &out)
					sealed = append(sealed, in, out)
				}
				return err
			}, []string{"mailbox.updated"}, func() (string, int64) { return "mailbox", mailbox.ID },
				[]string{`"name":{"old":"Help","new":"Helpdesk"}`, `"password_changed":true`, `"changed_secrets":["outbound.password"]`}},
			{"delete mailbox", func() (err error) {
				_, err = c.Do(ctx, "DELETE", "/api/v1/mailboxes/"+strconv.FormatInt(mailbox.ID, 10), nil, nil)
				return err
			}, []string{"mailbox.deleted"}, func() (string, int64) { return "mailbox", mailbox.ID }, []string{`"address":"help@example.test"`}},
			{"edit template", func() (err error) {
				_, err = c.Do(ctx, "PUT", "/api/v1/mail/templates/reply", map[string]string{"subject": "Re: {{.Ticket.Subject}}", "body": "Hi {{.Recipient.Name}}"}, nil)
				return err
			}, []string{"template.updated"}, func() (string, int64) { return "template", 0 }, []string{`"key":"reply"`, `"new":"Hi {{.Recipient.Name}}"`}},
			{"reset template", func() (err error) {
				_, err = c.Do(ctx, "DELETE", "/api/v1/mail/templates/reply", nil, nil)
				return err
			}, []string{"template.reset"}, func() (string, int64) { return "template", 0 }, []string{`"key":"reply"`, `"old":"Hi {{.Recipient.Name}}"`}},
			{"reset template again", func() (err error) {
				_, err = c.Do(ctx, "DELETE", "/api/v1/mail/templates/reply", nil, nil)
				return err
			}, nil, nil, nil},
			{"create token", func() (err error) {
				tok, err = c.CreateToken(ctx, client.NewToken{Name: "monitoring", User: f.agent.Email, Scopes: []string{"read"}})
				if err == nil {
					tokenIDs = append(tokenIDs, tok.Token)
				}
				return err
			}, []string{"token.created"}, func() (string, int64) { return "token", tok.ID },
				[]string{`"prefix":"dkt_`, `"user":"` + f.agent.Email + `"`, `"scopes":["read"]`}},
			{"revoke token", func() error { return c.RevokeToken(ctx, tok.ID) }, []string{"token.revoked"}, func() (string, int64) { return "token", tok.ID }, []string{`"name":"monitoring"`}},
			{"revoke token again", func() error { return c.RevokeToken(ctx, tok.ID) }, nil, nil, nil},
		}
		last := newestAudit(t, f.admin)
		for _, st := range steps {
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			got := auditSince(t, f.admin, last)
			var kinds []string
			for _, e := range got {
				kinds = append(kinds, e.Kind)
				last = max(last, e.ID)
			}
			if fmt.Sprint(kinds) != fmt.Sprint(st.kinds) {
				t.Fatalf("%s: events %v, want %v", st.name, kinds, st.kinds)
			}
			for i, e := range got {
				if e.Actor.Type != "user" || e.Actor.ID != ann.ID || e.Actor.Email != ann.Email || e.Actor.Name == "" {
					t.Errorf("%s: actor %+v, want %s", st.name, e.Actor, ann.Email)
				}
				typ, id := st.subject()
				if e.Subject.Type != typ || e.Subject.ID != id || e.Ticket != nil {
					t.Errorf("%s: subject %+v ticket %v, want %s %d", st.name, e.Subject, e.Ticket, typ, id)
				}
				if time.Since(e.At) > time.Minute || time.Until(e.At) > time.Minute {
					t.Errorf("%s: at %v", st.name, e.At)
				}
				if i > 0 {
					continue
				}
				for _, want := range st.payload {
					if !strings.Contains(string(e.Payload), want) {
						t.Errorf("%s: payload %s lacks %s", st.name, e.Payload, want)
					}
				}
			}
		}

		// The token is named by its prefix (and nothing more of it).
		p, err := f.admin.ListAudit(ctx, client.AuditFilter{Kind: "token.created", Subject: "token:" + strconv.FormatInt(tok.ID, 10)})
		if err != nil || len(p.Items) != 1 || !strings.Contains(string(p.Items[0].Payload), `"prefix":"`+tok.Prefix+`"`) {
			t.Fatalf("token.created for %s: %+v %v", tok.Prefix, p, err)
		}

		// No secret, hashed, sealed or in the clear, is anywhere in the log.
		var hash string
		if err := f.DB.R.QueryRowContext(ctx, f.DB.Rebind(`SELECT password_hash FROM users WHERE id = $1`), u.ID).Scan(&hash); err != nil || hash == "" {
			t.Fatalf("password hash %q: %v", hash, err)
		}
		secrets := append([]string{userPassword, newPassword, hash, imapSecret, smtpSecret, smtpSecret2, "argon2"}, sealed...)
		for _, tk := range tokenIDs {
			sum := sha256.Sum256([]byte(tk))
			secrets = append(secrets, tk, tk[len(tok.Prefix):], hex.EncodeToString(sum[:]))
		}
		p, err = f.admin.ListAudit(ctx, client.AuditFilter{IncludeTickets: true, ListOptions: client.ListOptions{Limit: 200}})
		if err != nil {
			t.Fatal(err)
		}
		all := toJSON(t, p)
		for _, secret := range secrets {
			if secret == "" || strings.Contains(all, secret) {
				t.Errorf("the audit log holds a secret (%q)", secret[:min(len(secret), 12)])
			}
		}
	})
}

// TestAuditFiltersAndPages filters the audit log by actor, kind, subject,
// time and ticket events, and pages through it newest first.
func TestAuditFiltersAndPages(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		// Setup (the builders' system actor) created the fixture's users;
		// the admin makes some teams and a ticket.
		var teams []*client.Team
		for i := range 5 {
			tm, err := f.admin.CreateTeam(ctx, client.NewTeam{Name: fmt.Sprintf("Team %d", i)})
			if err != nil {
				t.Fatal(err)
			}
			teams = append(teams, tm)
		}
		if _, err := f.admin.UpdateTeam(ctx, teams[0].ID, client.TeamPatch{Members: &[]string{f.agent.Email}}); err != nil {
			t.Fatal(err)
		}
		tk := f.ticket(t, client.NewTicket{Subject: "Audited ticket"})
		list := func(fl client.AuditFilter) []client.AuditEntry {
			t.Helper()
			fl.Limit = 200
			p, err := f.admin.ListAudit(ctx, fl)
			if err != nil {
				t.Fatalf("list %+v: %v", fl, err)
			}
			for i := 1; i < len(p.Items); i++ {
				if p.Items[i].ID >= p.Items[i-1].ID {
					t.Fatalf("not newest first: %d after %d", p.Items[i].ID, p.Items[i-1].ID)
				}
			}
			return p.Items
		}
		kinds := func(es []client.AuditEntry) map[string]int {
			m := map[string]int{}
			for _, e := range es {
				m[e.Kind]++
			}
			return m
		}

		everything := list(client.AuditFilter{})
		for _, e := range everything {
			if e.Subject.Type == "ticket" {
				t.Fatalf("a ticket event without include=tickets: %+v", e)
			}
		}
		withTickets := list(client.AuditFilter{IncludeTickets: true})
		var ticketEvent *client.AuditEntry
		for i, e := range withTickets {
			if e.Kind == "ticket.created" {
				ticketEvent = &withTickets[i]
			}
		}
		if ticketEvent == nil || ticketEvent.Ticket == nil || *ticketEvent.Ticket != tk.Number || ticketEvent.Actor.Email != f.Admin.Email {
			t.Fatalf("include=tickets: ticket.created = %+v", ticketEvent)
		}

		byEmail := list(client.AuditFilter{Actor: f.Admin.Email})
		byID := list(client.AuditFilter{Actor: strconv.FormatInt(f.Admin.ID, 10)})
		if k := kinds(byEmail); k["team.created"] != 5 || k["team.member_added"] != 1 || k["user.created"] != 0 || len(byEmail) != len(byID) {
			t.Fatalf("actor=%s: %v (by id: %d entries)", f.Admin.Email, k, len(byID))
		}
		bySystem := list(client.AuditFilter{Actor: "system"})
		if k := kinds(bySystem); k["user.created"] != 3 || k["team.created"] != 0 || bySystem[0].Actor.Name != "Test setup" || bySystem[0].Actor.Email != "" {
			t.Fatalf("actor=system: %v %+v", k, bySystem)
		}
		if k := kinds(list(client.AuditFilter{Kind: "team.created"})); len(k) != 1 || k["team.created"] != 5 {
			t.Fatalf("kind=team.created: %v", k)
		}
		for _, prefix := range []string{"team.", "team", "team.*"} {
			if k := kinds(list(client.AuditFilter{Kind: prefix})); len(k) != 2 || k["team.created"] != 5 || k["team.member_added"] != 1 {
				t.Fatalf("kind=%s: %v", prefix, k)
			}
		}
		if k := kinds(list(client.AuditFilter{Kind: "team.member_*"})); len(k) != 1 || k["team.member_added"] != 1 {
			t.Fatalf("kind=team.member_*: %v", k)
		}
		if got := list(client.AuditFilter{Subject: "team:" + strconv.FormatInt(teams[0].ID, 10)}); len(got) != 2 || got[0].Kind != "team.member_added" {
			t.Fatalf("subject=team:%d: %+v", teams[0].ID, got)
		}
		if k := kinds(list(client.AuditFilter{Subject: "team"})); k["team.created"] != 5 || len(k) != 2 {
			t.Fatalf("subject=team: %v", k)
		}
		if got := list(client.AuditFilter{Subject: "ticket:" + strconv.FormatInt(ticketEvent.Subject.ID, 10)}); len(got) == 0 || got[len(got)-1].Kind != "ticket.created" {
			t.Fatalf("subject=ticket: %+v", got)
		}
		// since <= at < until: the counts are worked out from everything's
		// times, so entries written in the same microsecond do not matter.
		oldest, newest := everything[len(everything)-1], everything[0]
		within := func(since, until time.Time) (n int) {
			for _, e := range everything {
				if !e.At.Before(since) && (until.IsZero() || e.At.Before(until)) {
					n++
				}
			}
			return n
		}
		for _, w := range []struct{ since, until time.Time }{
			{oldest.At, newest.At.Add(time.Microsecond)},
			{oldest.At.Add(time.Microsecond), time.Time{}},
			{time.Time{}, newest.At},
			{oldest.At.Add(time.Microsecond), newest.At},
		} {
			want := within(w.since, w.until)
			if got := list(client.AuditFilter{Since: w.since, Until: w.until}); len(got) != want {
				t.Fatalf("since %v until %v: %d entries, want %d", w.since, w.until, len(got), want)
			}
		}
		if within(oldest.At.Add(time.Microsecond), newest.At) >= len(everything) {
			t.Fatal("the time filters were not tested: every entry has the same time")
		}
		if got := list(client.AuditFilter{Since: newest.At.Add(time.Minute)}); len(got) != 0 {
			t.Fatalf("since the future: %+v", got)
		}

		// Pages of 2 walk the same entries, newest first, each once.
		var paged []int64
		cursor := ""
		for range 50 {
			p, err := f.admin.ListAudit(ctx, client.AuditFilter{ListOptions: client.ListOptions{Limit: 2, Cursor: cursor}})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) > 2 {
				t.Fatalf("page of %d", len(p.Items))
			}
			for _, e := range p.Items {
				paged = append(paged, e.ID)
			}
			if p.NextCursor == nil {
				break
			}
			cursor = *p.NextCursor
		}
		var want []int64
		for _, e := range everything {
			want = append(want, e.ID)
		}
		if fmt.Sprint(paged) != fmt.Sprint(want) {
			t.Fatalf("paged %v, want %v", paged, want)
		}

		// Bad filter values are refused with the field at fault.
		for field, query := range map[string]string{
			"actor":   "actor=robot",
			"kind":    "kind=Team+Updated",
			"subject": "subject=mailbox:x",
			"since":   "since=yesterday",
			"until":   "until=2026-13-01",
			"include": "include=everything",
			"limit":   "limit=500",
			"cursor":  "cursor=nope",
		} {
			_, err := f.admin.Do(ctx, "GET", "/api/v1/audit?"+query, nil, nil)
			if client.StatusOf(err) != 422 || client.FieldErrorFor(err, field) == "" {
				t.Errorf("%s: %v, want 422 naming %s", query, err, field)
			}
		}
		if _, err := f.admin.ListAudit(ctx, client.AuditFilter{Actor: "nobody@example.test"}); client.FieldErrorFor(err, "actor") == "" {
			t.Errorf("an unknown email: %v", err)
		}
		if _, err := f.admin.ListAudit(ctx, client.AuditFilter{Since: newest.At, Until: oldest.At}); client.FieldErrorFor(err, "until") == "" {
			t.Errorf("until before since: %v", err)
		}
		_, err := f.admin.Do(ctx, "GET", "/api/v1/audit?"+url.Values{"actor": {"rule:4"}, "kind": {"ticket.updated"}}.Encode(), nil, nil)
		if err != nil {
			t.Errorf("actor=rule:4: %v", err)
		}
	})
}

// TestAuditIsForAdmins: agents and requesters are refused, as on every
// other admin endpoint, whatever they ask for.
func TestAuditIsForAdmins(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		for who, c := range map[string]*client.Client{"agent": f.agentC, "requester": f.reqC} {
			for _, fl := range []client.AuditFilter{{}, {Actor: "bad value"}, {IncludeTickets: true}} {
				if _, err := c.ListAudit(t.Context(), fl); client.StatusOf(err) != 403 {
					t.Errorf("%s lists the audit log (%+v): %v", who, fl, err)
				}
			}
		}
		if _, err := f.ClientWith("").ListAudit(t.Context(), client.AuditFilter{}); client.StatusOf(err) != 401 {
			t.Errorf("anonymous: %v", err)
		}
	})
}
