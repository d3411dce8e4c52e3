package agent_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/view"
)

// TestConfirmBeforeWhatCannotBeUndone: merging, deleting a view and
// revoking a token first answer with a page that asks
// (it works without JavaScript: its form posts again with confirm=1), and
// change nothing until confirmed.
func TestConfirmBeforeWhatCannotBeUndone(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	b, admin := signIn(t, e, user.RoleAdmin)
	b.get("/tickets?view=open")

	tokenOf := func(a *user.Actor) *auth.Token {
		t.Helper()
		if _, _, err := e.Auth.CreateToken(ctx, a, auth.NewToken{Name: "ci"}); err != nil {
			t.Fatal(err)
		}
		ts, err := e.Auth.Tokens(ctx, a, false, 0, 100)
		if err != nil || len(ts) == 0 {
			t.Fatal(ts, err)
		}
		return ts[len(ts)-1]
	}
	tokenGone := func(id int64) func() bool {
		return func() bool {
			ts, err := e.Auth.Tokens(ctx, admin, true, id-1, 1)
			return err != nil || len(ts) == 0 || ts[0].RevokedAt != nil
		}
	}
	agent := newAgent(t, e, "tess@example.test", "Tess Token")

	type action struct {
		name, path string
		form       url.Values
		question   string
		done       func() bool
	}
	var cases []action
	{
		v, err := e.Views.Create(ctx, admin, view.Input{Name: "Printers", Query: "printer"})
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, action{"delete a view", "/views/" + itoa(v.ID) + "/delete", url.Values{}, "Delete the view “Printers”?", func() bool {
			_, err := e.Views.Get(ctx, admin, v.ID)
			return errors.Is(err, fault.ErrNotFound)
		}})
	}
	{
		tk := tokenOf(agent)
		cases = append(cases, action{"revoke someone's token", "/admin/tokens/" + itoa(tk.ID) + "/revoke", url.Values{}, "Revoke the token “ci” of tess@example.test?", tokenGone(tk.ID)})
		own := tokenOf(admin)
		cases = append(cases, action{"revoke one's own token", "/profile/tokens/" + itoa(own.ID) + "/revoke", url.Values{}, "Revoke the token “ci” of " + admin.Email + "?", tokenGone(own.ID)})
	}
	{
		from := apptest.Ticket(t, e.Services, admin, func(n *ticket.NewTicket) { n.Subject = "Printer jams again" })
		into := apptest.Ticket(t, e.Services, admin, func(n *ticket.NewTicket) { n.Subject = "Printer jams" })
		cases = append(cases, action{"merge", "/tickets/" + itoa(from.Number) + "/relate", url.Values{"type": {"merge"}, "other": {itoa(into.Number)}},
			"Merge " + from.Reference + " into " + into.Reference + "?", func() bool {
				tk, err := e.Tickets.Get(ctx, admin, from.Number)
				return err == nil && tk.MergedInto == into.Number
			}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			form := url.Values{"_csrf": {b.csrf}}
			for k, v := range c.form {
				form[k] = v
			}
			code, body, _ := b.post(c.path, form)
			if code != http.StatusOK || !strings.Contains(body, `id="confirm"`) || !strings.Contains(body, c.question) {
				t.Fatalf("first POST: %d, want the page that asks %q:\n%.600s", code, c.question, body)
			}
			if c.done() {
				t.Fatal("done before it was confirmed")
			}
			// The page's form carries everything the first one did.
			if !strings.Contains(body, `action="`+c.path+`"`) || !strings.Contains(body, `name="confirm" value="1"`) {
				t.Errorf("the confirmation form does not post confirm=1 to %s", c.path)
			}
			for k, v := range c.form {
				if !strings.Contains(body, `name="`+k+`" value="`+v[0]+`"`) {
					t.Errorf("the confirmation form loses %s=%s", k, v[0])
				}
			}
			form.Set("confirm", "1")
			if code, _, _ := b.post(c.path, form); code != http.StatusSeeOther {
				t.Fatalf("confirmed POST: %d", code)
			}
			if !c.done() {
				t.Error("not done after it was confirmed")
			}
		})
	}

	t.Run("merge into a ticket that does not exist", func(t *testing.T) {
		tk := apptest.Ticket(t, e.Services, admin)
		code, body, _ := b.post("/tickets/"+itoa(tk.Number)+"/relate", url.Values{"_csrf": {b.csrf}, "type": {"merge"}, "other": {"99999"}})
		if code != http.StatusUnprocessableEntity || strings.Contains(body, `id="confirm"`) || !strings.Contains(body, "There is no other ticket #99999") {
			t.Errorf("%d: want the ticket page with the error, not a question:\n%.400s", code, body)
		}
	})
	t.Run("an agent is not asked about someone else's view", func(t *testing.T) {
		v, err := e.Views.Create(ctx, admin, view.Input{Name: "Shared printers", Query: "printer", Shared: true})
		if err != nil {
			t.Fatal(err)
		}
		ab, _ := signIn(t, e, user.RoleAgent)
		ab.get("/tickets?view=open")
		if code, body, _ := ab.post("/views/"+itoa(v.ID)+"/delete", url.Values{"_csrf": {ab.csrf}}); code != http.StatusForbidden || strings.Contains(body, `id="confirm"`) {
			t.Errorf("%d: an agent deleting a shared view", code)
		}
	})
}

// TestSavedViewRenameUnique: views can be renamed; a name is unique per
// owner (whatever its case), refused next to the field, on saving and on
// renaming alike.
func TestSavedViewRenameUnique(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) { testSavedViewRenameUnique(t, apptest.Server(t, d)) })
}

func testSavedViewRenameUnique(t *testing.T, e *apptest.Env) {
	ctx := context.Background()
	b, me := signIn(t, e, user.RoleAgent)
	b.get("/tickets?view=open")
	first, err := e.Views.Create(ctx, me, view.Input{Name: "My printers", Query: "printer"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.Views.Create(ctx, me, view.Input{Name: "VPN", Query: "vpn"})
	if err != nil {
		t.Fatal(err)
	}
	// Someone else may have a view of the same name, and so may the shared views.
	other := newAgent(t, e, "olga@example.test", "Olga Other")
	if _, err := e.Views.Create(ctx, other, view.Input{Name: "My printers", Query: "printer"}); err != nil {
		t.Errorf("another agent's view of the same name: %v", err)
	}
	if _, err := e.Views.Create(ctx, e.Admin, view.Input{Name: "My printers", Query: "printer", Shared: true}); err != nil {
		t.Errorf("a shared view of the same name: %v", err)
	}

	fieldError := func(t *testing.T, code int, body string) {
		t.Helper()
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Is already the name of one of your views.") {
			t.Fatalf("%d, want the name refused:\n%.500s", code, body)
		}
		if !strings.Contains(body, `id="err-name"`) || !strings.Contains(body, `aria-describedby="err-name"`) {
			t.Error("the error is not tied to the name field")
		}
	}
	t.Run("rename to a name in use", func(t *testing.T) {
		if code, body, _ := b.get("/views/" + itoa(second.ID) + "/rename"); code != http.StatusOK || !strings.Contains(body, `value="VPN"`) {
			t.Fatalf("rename form: %d", code)
		}
		code, body, _ := b.post("/views/"+itoa(second.ID)+"/rename", url.Values{"_csrf": {b.csrf}, "name": {"my PRINTERS"}})
		fieldError(t, code, body)
		if !strings.Contains(body, `value="my PRINTERS"`) {
			t.Error("the refused name is not kept in the field")
		}
	})
	t.Run("save under a name in use", func(t *testing.T) {
		code, body, _ := b.post("/views", url.Values{"_csrf": {b.csrf}, "name": {"VPN"}, "query": {"vpn status:open"}})
		fieldError(t, code, body)
		if !strings.Contains(body, `name="query" value="vpn status:open"`) {
			t.Error("the search being saved is lost")
		}
	})
	t.Run("rename", func(t *testing.T) {
		code, _, h := b.post("/views/"+itoa(second.ID)+"/rename", url.Values{"_csrf": {b.csrf}, "name": {"Remote access"}})
		if code != http.StatusSeeOther || h.Get("Location") != "/tickets?view=v"+itoa(second.ID) {
			t.Fatalf("rename: %d %s", code, h.Get("Location"))
		}
		v, err := e.Views.Get(ctx, me, second.ID)
		if err != nil || v.Name != "Remote access" {
			t.Errorf("after renaming: %+v %v", v, err)
		}
		_, page, _ := b.get("/tickets?view=v" + itoa(second.ID))
		if !strings.Contains(page, `href="/views/`+itoa(second.ID)+`/rename"`) {
			t.Error("the view's page offers no rename")
		}
	})
	t.Run("not someone else's view", func(t *testing.T) {
		if code, _, _ := b.get("/views/" + itoa(first.ID+2) + "/rename"); code != http.StatusNotFound {
			t.Errorf("another agent's view: %d", code)
		}
	})
}
