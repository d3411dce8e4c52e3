package webform_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/webform"
)

func ptr[T any](v T) *T { return &v }

func fields(err error) []string {
	var inv *fault.Invalid
	if !errors.As(err, &inv) {
		return nil
	}
	var out []string
	for _, f := range inv.Fields {
		out = append(out, f.Field)
	}
	return out
}

// TestWebForms: admins make forms, every invalid value refused by its
// field with nothing saved; a submission opens a ticket of the form's type,
// category and team on the web channel for the requester it names, filed
// by the form, acknowledged by email with the link that follows it; the
// form's required fields hold; a disabled or deleted form is not found.
func TestWebForms(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		agent := apptest.User(t, s, user.RoleAgent, "")
		requester := apptest.User(t, s, user.RoleRequester, "")
		addr, name, host, port, tls := "help@example.test", "Help desk", "127.0.0.1", 9, "none"
		if _, err := s.Mailboxes.Create(ctx, apptest.Setup, mailbox.Input{Address: &addr, Name: &name,
			SMTP: mailbox.ServerInput{Host: &host, Port: &port, TLS: &tls}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Tickets.CreateCategory(ctx, admin, ticket.CategoryInput{Name: ptr("Hardware"), Active: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Users.CreateTeam(ctx, admin, user.TeamInput{Name: ptr("Desk")}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Tickets.CreateFieldDef(ctx, admin, ticket.FieldDefInput{Key: ptr("asset"), Label: ptr("Asset tag"),
			Type: ptr(ticket.FieldText), Required: ptr(true), RequesterVisible: ptr(true), Category: ptr("Hardware")}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.WebForms.Create(ctx, agent, webform.Input{Name: ptr("x")}); !errors.Is(err, fault.ErrForbidden) {
			t.Fatalf("an agent made a form: %v", err)
		}
		if _, err := s.WebForms.List(ctx, requester, 0, 10); !errors.Is(err, fault.ErrNotFound) {
			t.Fatalf("a requester listed forms: %v", err)
		}
		_, err := s.WebForms.Create(ctx, admin, webform.Input{Name: ptr(" "), Type: ptr(ticket.Type("bug")), Category: ptr("Nope"),
			Team: ptr("Nobody"), Origins: &[]string{"https://ok.example", "javascript:alert(1)", "https://x.example/path"}})
		if got := strings.Join(fields(err), " "); got != "name type category team origins[1] origins[2]" {
			t.Fatalf("refused fields = %q (%v)", got, err)
		}
		if fs, _ := s.WebForms.List(ctx, admin, 0, 10); len(fs) != 0 {
			t.Fatalf("a refused form was saved: %d", len(fs))
		}
		f, err := s.WebForms.Create(ctx, admin, webform.Input{Name: ptr("Hardware requests"), Category: ptr("Hardware"),
			Team: ptr("Desk"), Origins: &[]string{"https://Intranet.example/"}})
		if err != nil || f.Title != "Hardware requests" || f.Type != ticket.Request || *f.Category != "Hardware" ||
			*f.Team != "Desk" || strings.Join(f.Origins, " ") != "https://intranet.example" || !f.Enabled || len(f.UID) < 16 {
			t.Fatalf("created %+v %v", f, err)
		}
		pub, err := s.WebForms.Public(ctx, f.UID)
		if err != nil {
			t.Fatal(err)
		}
		defs, err := s.WebForms.Fields(ctx, pub)
		if err != nil || len(defs) != 1 || defs[0].Key != "asset" {
			t.Fatalf("fields: %v %v", defs, err)
		}
		sub := webform.Submission{Name: "Vera Visitor", Email: "vera@example.org", Subject: "Laptop screen flickers",
			Body: "Since Monday."}
		if _, err := s.WebForms.Submit(ctx, pub, sub); strings.Join(fields(err), " ") != "custom_fields.asset" {
			t.Fatalf("without the required field: %v", err)
		}
		if _, err := s.WebForms.Submit(ctx, pub, webform.Submission{Email: "not an address"}); strings.Join(fields(err), " ") != "name email subject body custom_fields.asset" {
			t.Fatalf("empty submission: %v", err)
		}
		sub.CustomFields = map[string]any{"asset": "LT-0042"}
		tk, err := s.WebForms.Submit(ctx, pub, sub)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Requester.Email != "vera@example.org" || tk.Requester.Name != "Vera Visitor" || tk.Type != ticket.Request ||
			tk.Channel != ticket.ChannelWeb || tk.Category.Name != "Hardware" || tk.Team.Name != "Desk" || tk.CustomFields["asset"] != "LT-0042" {
			t.Fatalf("ticket %+v", tk)
		}
		var actor, kind string
		if err := d.R.QueryRowContext(ctx, d.Rebind(`SELECT actor_name, kind FROM domain_events WHERE ticket_id = $1 ORDER BY id LIMIT 1`), tk.ID).Scan(&actor, &kind); err != nil ||
			actor != "Web form ‘Hardware requests’" {
			t.Fatalf("first event of the ticket: %q %q %v", actor, kind, err)
		}
		var ack int
		if err := d.R.QueryRowContext(ctx, d.Rebind(`SELECT COUNT(*) FROM outbox WHERE ticket_id = $1 AND kind = 'ack' AND body_text LIKE $2`),
			tk.ID, "%/portal/t/"+tk.UID+"%").Scan(&ack); err != nil || ack != 1 {
			t.Fatalf("%d acknowledgements with the ticket's link, %v", ack, err)
		}
		if f, _ = s.WebForms.Get(ctx, agent, f.ID); f.Submissions != 1 {
			t.Fatalf("submissions = %d", f.Submissions)
		}
		// The sealed start time: too fast, fine, too old, another form's.
		tok, err := s.WebForms.StartToken(pub)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.WebForms.CheckStart(pub, tok); !errors.Is(err, webform.ErrTooFast) {
			t.Fatalf("at once: %v", err)
		}
		sealed := func(id int64, at time.Time) string {
			v, err := s.Secrets.Seal(strconv.FormatInt(id, 10) + ":" + strconv.FormatInt(at.UnixMilli(), 10))
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		if err := s.WebForms.CheckStart(pub, sealed(f.ID, time.Now().Add(-10*time.Second))); err != nil {
			t.Fatalf("after 10 s: %v", err)
		}
		for _, bad := range []string{sealed(f.ID, time.Now().Add(-25*time.Hour)), sealed(f.ID+1, time.Now().Add(-time.Minute)), "", "forged"} {
			if err := s.WebForms.CheckStart(pub, bad); !errors.Is(err, webform.ErrTooStale) {
				t.Fatalf("token %q: %v", bad, err)
			}
		}
		if _, err := s.WebForms.Update(ctx, admin, f.ID, webform.Input{Enabled: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.WebForms.Public(ctx, f.UID); !errors.Is(err, fault.ErrNotFound) {
			t.Fatalf("disabled form: %v", err)
		}
		if err := s.WebForms.Delete(ctx, admin, f.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.WebForms.Get(ctx, admin, f.ID); !errors.Is(err, fault.ErrNotFound) {
			t.Fatalf("deleted form: %v", err)
		}
		if _, err := s.Tickets.Get(ctx, admin, tk.Number); err != nil {
			t.Fatalf("the form's ticket went with it: %v", err)
		}
	})
}
