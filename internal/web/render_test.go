package web

import (
	"html/template"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

type zoned struct {
	loc  *time.Location
	When time.Time
}

func (z zoned) Location() *time.Location { return z.loc }

func testFuncs(loc *time.Location) template.FuncMap {
	return template.FuncMap{"clock": func(t time.Time) string { return t.In(loc).Format("15:04 MST") }}
}

// TestTemplatesParsePerZoneWhenShown: a broken page stops the start; a
// page renders in the zone its data names, each zone's set parsed when
// first shown and kept, and nothing else is held after the start.
func TestTemplatesParsePerZoneWhenShown(t *testing.T) {
	fsys := fstest.MapFS{
		"t/layout.html": {Data: []byte(`{{define "layout.html"}}<p>{{template "content" .}}</p>{{end}}`)},
		"t/one.html":    {Data: []byte(`{{define "content"}}one at {{clock .When}}{{end}}`)},
		"t/two.html":    {Data: []byte(`{{define "content"}}two{{end}}`)},
	}
	ts, err := LoadTemplates(fsys, "t", []string{"layout.html"}, testFuncs)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts.zones) != 0 {
		t.Fatalf("%d zones held after the start, want none", len(ts.zones))
	}
	when := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	tokyo := time.FixedZone("JST", 9*60*60)
	for _, c := range []struct {
		loc  *time.Location
		want string
	}{{time.UTC, "<p>one at 12:00 UTC</p>"}, {tokyo, "<p>one at 21:00 JST</p>"}, {time.UTC, "<p>one at 12:00 UTC</p>"}} {
		w := httptest.NewRecorder()
		if err := ts.Render(w, 200, "one", zoned{c.loc, when}); err != nil {
			t.Fatal(err)
		}
		if got := w.Body.String(); got != c.want {
			t.Errorf("in %s: %q, want %q", c.loc, got, c.want)
		}
	}
	if len(ts.zones) != 2 || len(ts.zones["UTC"].pages) != 1 {
		t.Errorf("held: %d zones, %d UTC pages; want 2 zones, only the page shown", len(ts.zones), len(ts.zones["UTC"].pages))
	}
	if err := ts.Render(httptest.NewRecorder(), 200, "three", zoned{time.UTC, when}); err == nil || !strings.Contains(err.Error(), `no template "three"`) {
		t.Errorf("unknown page: %v", err)
	}

	fsys["t/broken.html"] = &fstest.MapFile{Data: []byte(`{{define "content"}}{{if}}{{end}}`)}
	if _, err := LoadTemplates(fsys, "t", []string{"layout.html"}, testFuncs); err == nil || !strings.Contains(err.Error(), "broken.html") {
		t.Errorf("a broken page: %v, want the start refused", err)
	}
}
