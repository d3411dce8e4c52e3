package agent_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// Admins set the portal's sign-up policy, root and reopen window; a
// policy limited to domains needs a domain, and the change is audited.
func TestAdminPortalSettings(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	admin, _ := signIn(t, e, user.RoleAdmin)
	code, body, _ := admin.get("/admin/portal")
	if code != 200 || !strings.Contains(body, `id="portal-form"`) || !strings.Contains(body, `id="p-closed" checked`) {
		t.Fatalf("portal settings page: %d", code)
	}
	form := url.Values{"_csrf": {admin.csrf}, "signup": {"domains"}, "domains": {""}, "reopen_days": {"7"}}
	if code, body, _ := admin.post("/admin/portal", form); code != 422 || !strings.Contains(body, `id="err-domains"`) {
		t.Fatalf("domains policy without domains: %d", code)
	}
	form.Set("domains", "acme.example\nbeta.example")
	form.Set("root", "1")
	if code, _, h := admin.post("/admin/portal", form); code != 303 || h.Get("Location") != "/admin/portal" {
		t.Fatalf("save: %d", code)
	}
	s, err := e.Auth.PortalSettings(context.Background())
	if err != nil || !s.Root || s.SignUp != auth.SignUpDomains || strings.Join(s.Domains, ",") != "acme.example,beta.example" {
		t.Fatalf("settings = %+v %v", s, err)
	}
	var n int
	if err := e.DB.R.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM domain_events WHERE kind = 'settings.portal_updated'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d audit events, %v", n, err)
	}
	if code, body, _ := admin.get("/admin/audit"); code != 200 || !strings.Contains(body, "Settings portal updated") {
		t.Fatalf("audit log: %d", code)
	}
	agent, _ := signIn(t, e, user.RoleAgent)
	if code, _, _ := agent.get("/admin/portal"); code == 200 {
		t.Fatal("an agent opened the portal settings")
	}
}
