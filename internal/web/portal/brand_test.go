package portal_test

import (
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/brand"
	"github.com/docket/docket/internal/db"
)

// TestPortalShowsTheBranding: the name titles every page, the colour
// comes in its own stylesheet, the welcome text is sanitized Markdown,
// and the logo is served as the image it is, sandboxed.
func TestPortalShowsTheBranding(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	v := newVisitor(t, e)
	code, body, _ := v.get("/portal/signin")
	if code != 200 || !strings.Contains(body, "<title>Sign in · Help</title>") || strings.Contains(body, `id="welcome"`) {
		t.Fatalf("default branding: %d", code)
	}
	name, color := "Acme <IT> help", "#0b5a2a"
	welcome := "**Hello** from IT.\n\n<script>alert(1)</script><img src=x onerror=alert(2)>"
	if _, err := e.Brand.Set(ctx, e.Admin, brand.Input{Name: &name, Color: &color, Welcome: &welcome}); err != nil {
		t.Fatal(err)
	}
	logo := []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
	b, err := e.Brand.SetLogo(ctx, e.Admin, logo)
	if err != nil {
		t.Fatal(err)
	}
	// This instance forgot its cache when it saved.
	code, body, _ = v.get("/portal/signin")
	if code != 200 || !strings.Contains(body, "<title>Sign in · Acme &lt;IT&gt; help</title>") ||
		!strings.Contains(body, "<strong>Hello</strong> from IT.") {
		t.Fatalf("branded sign-in page: %d\n%s", code, body)
	}
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "onerror") {
		t.Fatal("the welcome text was not sanitized")
	}
	if !strings.Contains(body, `/portal/brand.css?v=`+b.Version()) || !strings.Contains(body, `/portal/brand/logo?v=`+b.Version()) {
		t.Fatal("the page does not link the brand's stylesheet and logo")
	}
	code, css, h := v.get("/portal/brand.css?v=" + b.Version())
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/css") || !strings.Contains(css, "--accent: #0b5a2a;") {
		t.Fatalf("brand.css: %d %q", code, css)
	}
	code, img, h := v.get("/portal/brand/logo?v=" + b.Version())
	if code != 200 || h.Get("Content-Type") != "image/gif" || img != string(logo) ||
		!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("logo: %d %s %s", code, h.Get("Content-Type"), h.Get("Content-Security-Policy"))
	}
	if _, err := e.Brand.RemoveLogo(ctx, e.Admin); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := v.get("/portal/brand/logo"); code != 404 {
		t.Fatalf("removed logo: %d", code)
	}
}
