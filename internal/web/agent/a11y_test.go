package agent_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	nethtml "golang.org/x/net/html"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// undescribedErrors lists the field errors of a page that no form control
// points at: every error inside a form must have an id that an
// aria-invalid control names in its aria-describedby, and no error may be
// shown twice.
func undescribedErrors(t *testing.T, page string) (errs int, problems []string) {
	t.Helper()
	doc, err := nethtml.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	described := map[string]bool{}
	var errors []*nethtml.Node
	var walk func(n *nethtml.Node, inForm bool)
	walk = func(n *nethtml.Node, inForm bool) {
		if n.Type == nethtml.ElementNode {
			if n.Data == "form" {
				inForm = true
			}
			switch n.Data {
			case "input", "select", "textarea":
				if attr(n, "aria-invalid") == "true" {
					for _, id := range strings.Fields(attr(n, "aria-describedby")) {
						described[id] = true
					}
				}
			case "p":
				if inForm && strings.Contains(" "+attr(n, "class")+" ", " err ") {
					errors = append(errors, n)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inForm)
		}
	}
	walk(doc, false)
	seen := map[string]bool{}
	for _, n := range errors {
		text := ""
		if n.FirstChild != nil {
			text = n.FirstChild.Data
		}
		if id := attr(n, "id"); id != "" && seen[id] {
			problems = append(problems, "the same error twice: #"+id+": "+text)
		}
		seen[attr(n, "id")] = true
		switch id := attr(n, "id"); {
		case id == "":
			problems = append(problems, "error without an id: "+text)
		case !described[id]:
			problems = append(problems, "no invalid control is described by #"+id+": "+text)
		}
	}
	return len(errors), problems
}

// TestFieldErrorsTiedToTheirFields: a refused admin, profile, new-ticket
// or saved-view form shows
// each error next to its field and tied to it, so a screen reader reads
// the error with the field (aria-describedby, aria-invalid).
func TestFieldErrorsTiedToTheirFields(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	b, _ := signIn(t, e, user.RoleAdmin)
	b.get("/profile")
	for _, c := range []struct {
		path string
		kv   []string
	}{
		{"/admin/users/new", []string{"email", "not an address", "name", "", "role", "agent", "password", "short", "password2", "other"}},
		{"/admin/teams", []string{"name", ""}},
		{"/admin/organizations", []string{"name", "", "domain", "not a domain!"}},
		{"/admin/categories", []string{"name", ""}},
		{"/admin/fields/new", []string{"key", "Not A Key!", "label", "", "type", "nonsense"}},
		{"/admin/tokens", []string{"user", "", "name", ""}},
		{"/admin/mailboxes/new", mbFields("address", "not an address", "inbound.type", "imap", "inbound.port", "0")},
		{"/profile/password", []string{"current", "wrong", "password", "short", "password2", "different"}},
		{"/admin/macros/new", []string{"name", "", "body", ""}},
		{"/tickets/new", []string{"requester", "not an address", "subject", "", "body", "", "type", "incident", "tags", "<x>"}},
		{"/tickets/new?channel=phone", []string{"requester", "", "subject", "", "body", "", "status", "resolved"}},
		{"/views", []string{"name", "", "query", "priority:p9"}},
		{"/views", []string{"name", "Sorted", "query", "status:open", "sort", "colour"}},
		{"/admin/triggers/new", []string{"name", "", "all.field", "status", "all.op", "greater", "all.value", "open",
			"any.field", "colour", "any.op", "is", "any.value", "red", "act.type", ""}},
	} {
		code, body, _ := admSubmit(b, c.path, c.kv...)
		if code < 400 {
			t.Errorf("%s: %d, want the form refused", c.path, code)
			continue
		}
		n, problems := undescribedErrors(t, body)
		if n == 0 {
			t.Errorf("%s: %d with no field error", c.path, code)
		}
		for _, p := range problems {
			t.Errorf("%s: %s", c.path, p)
		}
	}
	if code, _, _ := b.get("/admin/users"); code != http.StatusOK {
		t.Fatal(code)
	}
}

// TestTicketPageErrorsOnceAndTied: a refused form of the ticket page (the
// reply, the property panel, link and merge) shows each error once, in the
// form that was sent, next to its field and tied to it. The reply and the
// panel both have a status and a resolution: an error of one form must not
// show up in the other.
func TestTicketPageErrorsOnceAndTied(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	b, me := signIn(t, e, user.RoleAgent)
	tk := apptest.Ticket(t, e.Services, me)
	path := "/tickets/" + itoa(tk.Number)
	b.get(path)
	panel := func(kv ...string) url.Values {
		_, body, _ := b.get(path)
		f := pageForm(t, body, "props")
		for i := 0; i+1 < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return f
	}
	for _, c := range []struct {
		name, action string
		form         url.Values
		want         string // the error, inside this form
		in           string // the id of the form it belongs in
	}{
		{"empty reply", "/reply", url.Values{"body": {" "}}, "Write a message before sending.", "reply-form"},
		{"reply resolving without a resolution", "/reply", url.Values{"body": {"Done."}, "status": {"resolved"}}, "Is required to resolve or close a ticket.", "reply-form"},
		{"panel resolving without a resolution", "/update", panel("status", "resolved"), "Is required to resolve or close a ticket.", "props"},
		{"panel solution on an open ticket", "/update", panel("solution", "Rebooted"), "Can only be set when the status is resolved or closed.", "props"},
		{"link to no number", "/relate", url.Values{"type": {"related"}, "other": {"abc"}}, "Enter a ticket number, like 1042.", "relate-form"},
		{"unlink a ticket not linked", "/unlink", url.Values{"other": {"99999"}}, "is not linked to #99999", "relate-form"},
	} {
		t.Run(c.name, func(t *testing.T) {
			form := url.Values{"_csrf": {b.csrf}}
			for k, v := range c.form {
				form[k] = v
			}
			code, body, _ := b.post(path+c.action, form)
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("%d, want 422:\n%.400s", code, body)
			}
			n, problems := undescribedErrors(t, body)
			if n == 0 {
				t.Fatal("no field error on the page")
			}
			for _, p := range problems {
				t.Error(p)
			}
			errs := errorsByForm(t, body)
			for id, texts := range errs {
				if id != c.in {
					t.Errorf("form #%s shows errors of #%s: %q", id, c.in, texts)
				}
			}
			if !strings.Contains(strings.Join(errs[c.in], "\n"), c.want) {
				t.Errorf("form #%s shows %q, want %q", c.in, errs[c.in], c.want)
			}
			if c.action == "/relate" && (!strings.Contains(body, `value="abc"`) || !strings.Contains(body, `<option value="related" selected>`)) {
				t.Error("the refused link form lost what was typed")
			}
		})
	}
}

// errorsByForm lists the field errors of a page by the id of the form
// holding them.
func errorsByForm(t *testing.T, page string) map[string][]string {
	t.Helper()
	doc, err := nethtml.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	var walk func(n *nethtml.Node, form string)
	walk = func(n *nethtml.Node, form string) {
		if n.Type == nethtml.ElementNode {
			if n.Data == "form" {
				form = attr(n, "id")
			}
			if form != "" && strings.Contains(" "+attr(n, "class")+" ", " err ") && n.FirstChild != nil {
				out[form] = append(out[form], n.FirstChild.Data)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, form)
		}
	}
	walk(doc, "")
	return out
}
