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

// Admins brand the portal on the same page: each refused value shows its
// error by its field and saves nothing; an SVG logo is refused.
func TestAdminBranding(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	admin, _ := signIn(t, e, user.RoleAdmin)
	code, body, _ := admin.get("/admin/portal")
	if code != 200 || !strings.Contains(body, `id="brand-form"`) || !strings.Contains(body, `value="Help"`) {
		t.Fatalf("branding form: %d", code)
	}
	form := url.Values{"_csrf": {admin.csrf}, "name": {"Acme IT"}, "color": {"#fafafa"}, "welcome": {"Hi"}}
	if code, body, _ := admin.post("/admin/portal/brand", form); code != 422 || !strings.Contains(body, `id="err-color"`) ||
		!strings.Contains(body, `value="Acme IT"`) {
		t.Fatalf("too light a colour: %d", code)
	}
	if b, _ := e.Brand.Current(context.Background()); b.Name != "Help" {
		t.Fatalf("a refused form saved: %+v", b)
	}
	form.Set("color", "#0b5a2a")
	if code, _, h := admin.post("/admin/portal/brand", form); code != 303 || h.Get("Location") != "/admin/portal#branding" {
		t.Fatalf("save branding: %d", code)
	}
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	code, body, _ = admin.postFiles("/admin/portal/logo", map[string]string{"_csrf": admin.csrf}, "logo", map[string][]byte{"logo.png": svg}, "image/png")
	if code != 422 || !strings.Contains(body, `id="err-logo"`) || !strings.Contains(body, "SVG") {
		t.Fatalf("SVG logo: %d", code)
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
	if code, _, _ := admin.postFiles("/admin/portal/logo", map[string]string{"_csrf": admin.csrf}, "logo", map[string][]byte{"logo.png": png}, "image/png"); code != 303 {
		t.Fatalf("PNG logo: %d", code)
	}
	if code, body, _ := admin.get("/admin/portal"); code != 200 || !strings.Contains(body, `id="b-logo-now"`) {
		t.Fatalf("page after the logo: %d", code)
	}
	agent, _ := signIn(t, e, user.RoleAgent)
	if code, _, _ := agent.post("/admin/portal/brand", url.Values{"_csrf": {agent.csrf}, "name": {"Mine"}}); code != 403 {
		t.Fatalf("an agent branded the portal: %d", code)
	}
}
