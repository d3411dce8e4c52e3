package brand_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/brand"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

func pngLogo(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func field(err error) string {
	var inv *fault.Invalid
	if errors.As(err, &inv) && len(inv.Fields) > 0 {
		return inv.Fields[0].Field
	}
	return ""
}

// TestBranding: admins set the name, colour, welcome text and logo, each
// checked; the change is an audited event; nothing invalid is saved; and
// every instance sees a change within brand.CacheFor.
func TestBranding(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := apptest.Services(t, d)
		other := brand.New(d, s.Events) // a second instance
		admin := apptest.User(t, s, user.RoleAdmin, "")
		agent := apptest.User(t, s, user.RoleAgent, "")
		if b, err := s.Brand.Current(ctx); err != nil || b.Name != brand.Defaults.Name || b.Logo != nil {
			t.Fatalf("defaults: %+v %v", b, err)
		}
		if _, err := other.Current(ctx); err != nil { // caches the defaults
			t.Fatal(err)
		}
		name, light, bad, welcome := "Acme IT help", "#ffee00", "red; } body { display:none", "**Welcome**"
		if _, err := s.Brand.Set(ctx, agent, brand.Input{Name: &name}); !errors.Is(err, fault.ErrForbidden) {
			t.Fatalf("agent set the branding: %v", err)
		}
		for _, c := range []string{light, bad, "#12345"} {
			_, err := s.Brand.Set(ctx, admin, brand.Input{Name: &name, Color: &c})
			if field(err) != "color" {
				t.Fatalf("colour %q: %v", c, err)
			}
		}
		if b, _ := s.Brand.Current(ctx); b.Name != brand.Defaults.Name {
			t.Fatalf("a refused change saved the name: %+v", b)
		}
		empty, ctl := "  ", "Acme\x07"
		for _, n := range []*string{&empty, &ctl} {
			if _, err := s.Brand.Set(ctx, admin, brand.Input{Name: n}); field(err) != "name" {
				t.Fatalf("name %q: %v", *n, err)
			}
		}
		dark := "#0B5A2A"
		b, err := s.Brand.Set(ctx, admin, brand.Input{Name: &name, Color: &dark, Welcome: &welcome})
		if err != nil || b.Name != name || b.Color != "#0b5a2a" || b.Welcome != welcome {
			t.Fatalf("set: %+v %v", b, err)
		}
		if !strings.Contains(b.Stylesheet(), "--accent: #0b5a2a;") {
			t.Fatalf("stylesheet: %q", b.Stylesheet())
		}
		// The logo: sniffed, size-limited, SVG refused.
		svg := []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
		if _, err := s.Brand.SetLogo(ctx, admin, svg); field(err) != "logo" || !strings.Contains(err.Error(), "SVG") {
			t.Fatalf("SVG logo: %v", err)
		}
		if _, err := s.Brand.SetLogo(ctx, admin, []byte("<html><script>alert(1)</script></html>")); field(err) != "logo" {
			t.Fatalf("HTML logo: %v", err)
		}
		if _, err := s.Brand.SetLogo(ctx, admin, append(pngLogo(t), make([]byte, brand.MaxLogo)...)); field(err) != "logo" {
			t.Fatalf("oversized logo: %v", err)
		}
		logo := pngLogo(t)
		b, err = s.Brand.SetLogo(ctx, admin, logo)
		if err != nil || b.Logo == nil || b.Logo.Type != "image/png" {
			t.Fatalf("logo: %+v %v", b, err)
		}
		data, ct, err := s.Brand.LogoData(ctx)
		if err != nil || ct != "image/png" || !bytes.Equal(data, logo) {
			t.Fatalf("logo data: %s %v", ct, err)
		}
		// Another instance sees the change once its cache ran out.
		deadline := brand.CacheFor + time.Second
		start := time.Now()
		for {
			ob, err := other.Current(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ob.Name == name && ob.Logo != nil {
				break
			}
			if time.Since(start) > deadline {
				t.Fatalf("the other instance still shows %+v", ob)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if b, err = s.Brand.RemoveLogo(ctx, admin); err != nil || b.Logo != nil {
			t.Fatalf("remove: %+v %v", b, err)
		}
		if _, _, err := s.Brand.LogoData(ctx); !errors.Is(err, fault.ErrNotFound) {
			t.Fatalf("removed logo: %v", err)
		}
		var n int
		if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM domain_events WHERE kind = 'settings.brand_updated'`).Scan(&n); err != nil || n != 3 {
			t.Fatalf("%d brand events, %v", n, err)
		}
	})
}
