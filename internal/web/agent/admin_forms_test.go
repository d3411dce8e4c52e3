package agent_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// Admins make, change and delete web forms on Admin → Web forms; refused
// values show by their fields; the edit page gives the snippet to embed.
func TestAdminWebForms(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	admin, _ := signIn(t, e, user.RoleAdmin)
	if code, body, _ := admin.get("/admin/forms"); code != 200 || !strings.Contains(body, `id="no-forms"`) {
		t.Fatalf("forms page: %d", code)
	}
	form := url.Values{"_csrf": {admin.csrf}, "name": {""}, "type": {"request"}, "origins": {"https://ok.example\nftp://no.example"}}
	code, body, _ := admin.post("/admin/forms", form)
	if code != 422 || !strings.Contains(body, `id="err-name"`) || !strings.Contains(body, `id="err-origins"`) {
		t.Fatalf("refused form: %d", code)
	}
	form.Set("name", "Contact us")
	form.Set("origins", "https://www.example.com")
	code, _, h := admin.post("/admin/forms", form)
	if code != 303 || !strings.HasPrefix(h.Get("Location"), "/admin/forms/") {
		t.Fatalf("create: %d", code)
	}
	edit := h.Get("Location")
	code, body, _ = admin.get(edit)
	if code != 200 || !strings.Contains(body, `id="f-snippet"`) || !strings.Contains(body, "/form/") || !strings.Contains(body, "?embed=1") {
		t.Fatalf("edit page: %d", code)
	}
	form.Set("title", "Write to IT")
	if code, _, _ := admin.post(edit, form); code != 303 {
		t.Fatalf("save: %d", code)
	}
	fs, err := e.WebForms.List(t.Context(), e.Admin, 0, 10)
	if err != nil || len(fs) != 1 || fs[0].Title != "Write to IT" || fs[0].Enabled {
		// The checkbox was not sent: the save turned the form off.
		t.Fatalf("forms: %+v %v", fs, err)
	}
	if code, _, _ := admin.post(edit+"/delete", url.Values{"_csrf": {admin.csrf}}); code != 303 {
		t.Fatalf("delete: %d", code)
	}
	if code, _, _ := admin.get(edit); code != 404 {
		t.Fatalf("deleted form's page: %d", code)
	}
	agent, _ := signIn(t, e, user.RoleAgent)
	if code, _, _ := agent.get("/admin/forms"); code == 200 {
		t.Fatal("an agent opened Admin → Web forms")
	}
}
