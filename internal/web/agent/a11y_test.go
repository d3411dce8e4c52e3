package agent_test

import (
	"net/http"
	"strings"
	"testing"

	nethtml "golang.org/x/net/html"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// undescribedErrors lists the field errors of a page that no form control
// points at: every error inside a form must have an id that an
// aria-invalid control names in its aria-describedby.
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
	for _, n := range errors {
		text := ""
		if n.FirstChild != nil {
			text = n.FirstChild.Data
		}
		switch id := attr(n, "id"); {
		case id == "":
			problems = append(problems, "error without an id: "+text)
		case !described[id]:
			problems = append(problems, "no invalid control is described by #"+id+": "+text)
		}
	}
	return len(errors), problems
}

// TestFieldErrorsTiedToTheirFields: a refused admin or profile form shows
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
