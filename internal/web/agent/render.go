package agent

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/docket/docket/internal/report"
	"github.com/docket/docket/internal/ticket"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// assets serves the embedded CSS and JavaScript under content-hashed names,
// cached forever: a new build changes the name.
type assets struct {
	byName map[string]asset // hashed name → content
	url    map[string]string
}

type asset struct {
	body []byte
	ct   string
}

func loadAssets() (*assets, error) {
	a := &assets{byName: map[string]asset{}, url: map[string]string{}}
	err := fs.WalkDir(assetFiles, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assetFiles.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := path.Base(p)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		ct := "application/octet-stream"
		switch ext {
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".svg":
			ct = "image/svg+xml"
		}
		a.byName[hashed] = asset{body: b, ct: ct}
		a.url[name] = "/assets/" + hashed
		return nil
	})
	return a, err
}

func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	as, ok := a.byName[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", as.ct)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(as.body)
}

// templates holds one parsed template set per page (the layout plus the
// page's own file) for each time zone pages are shown in: the time helpers
// of a set format in its zone. The UTC sets are parsed at start, so a
// broken template stops Docket there; the others when first needed.
type templates struct {
	funcs func(loc *time.Location) template.FuncMap
	mu    sync.Mutex
	zones map[string]map[string]*template.Template // zone name → page → set
}

func loadTemplates(funcs func(loc *time.Location) template.FuncMap) (*templates, error) {
	t := &templates{funcs: funcs, zones: map[string]map[string]*template.Template{}}
	_, err := t.pages(time.UTC)
	return t, err
}

// pages returns the template sets of zone loc, parsing them the first time.
func (t *templates) pages(loc *time.Location) (map[string]*template.Template, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p, ok := t.zones[loc.String()]; ok {
		return p, nil
	}
	base, err := template.New("layout.html").Funcs(t.funcs(loc)).ParseFS(templateFiles, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("agent: parse layout: %w", err)
	}
	entries, err := fs.ReadDir(templateFiles, "templates")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, e := range entries {
		name := e.Name()
		if name == "layout.html" || name == "partials.html" {
			continue
		}
		c, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := c.ParseFS(templateFiles, "templates/"+name); err != nil {
			return nil, fmt.Errorf("agent: parse %s: %w", name, err)
		}
		pages[strings.TrimSuffix(name, ".html")] = c
	}
	t.zones[loc.String()] = pages
	return pages, nil
}

// zoned is page data that says which time zone to show times in: every
// page with a Layout does, in the signed-in person's zone.
type zoned interface{ location() *time.Location }

// render executes a page into a buffer first, so a template error becomes
// a clean 500 instead of half a page.
func (t *templates) render(w http.ResponseWriter, status int, page string, data any) error {
	loc := time.UTC
	if z, ok := data.(zoned); ok {
		loc = z.location()
	}
	pages, err := t.pages(loc)
	if err != nil {
		return err
	}
	tp, ok := pages[page]
	if !ok {
		return fmt.Errorf("agent: no template %q", page)
	}
	var buf bytes.Buffer
	if err := tp.ExecuteTemplate(&buf, "layout.html", data); err != nil {
		return fmt.Errorf("agent: render %s: %w", page, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err = w.Write(buf.Bytes())
	return err
}

// funcs are the helpers templates may call; times are shown in loc, with
// the zone's abbreviation wherever a full time is.
func funcs(assetURL map[string]string) func(loc *time.Location) template.FuncMap {
	return func(loc *time.Location) template.FuncMap {
		return funcMap(assetURL, loc)
	}
}

func funcMap(assetURL map[string]string, loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"asset": func(name string) string { return assetURL[name] },
		"ago":   func(t time.Time) string { return ago(t, loc) },
		"when": func(t time.Time) string {
			return t.In(loc).Format("2006-01-02 15:04 MST")
		},
		"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"size":     humanSize,
		"hours":    hoursMinutes,
		"prioName": func(p ticket.Priority) string { return p.Label() },
		"label":    humanLabel,
		"reportRow": func(g *report.SLAGroup, targets []string) reportRow {
			row := reportRow{Key: g.Key, Name: g.Name}
			for _, t := range targets {
				row.Cells = append(row.Cells, g.Targets[t])
			}
			return row
		},
		"safeHTML": func(s string) template.HTML {
			// Only for HTML that markup already sanitized (message bodies).
			return template.HTML(s)
		},
		"deref": func(t *time.Time) time.Time {
			if t == nil {
				return time.Time{}
			}
			return *t
		},
		"initials":  initials,
		"hasPrefix": strings.HasPrefix,
		"firstLine": func(s string) string {
			line, _, _ := strings.Cut(s, "\n")
			return line
		},
		"eq":      func(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) },
		"errattr": errAttrs,
		"errmsg":  errMsg,
	}
}

func ago(t time.Time, loc *time.Location) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	case d < 30*24*time.Hour:
		return fmt.Sprintf("%dd ago", int(d.Hours()/24))
	}
	return t.In(loc).Format("2 Jan 2006")
}

func humanSize(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
}

func initials(name string) string {
	var out []rune
	for _, f := range strings.Fields(name) {
		for _, r := range f {
			out = append(out, r)
			break
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return strings.ToUpper(string(out))
}

// humanLabel turns a code into words: "on_hold" → "On hold".
func humanLabel(s string) string {
	return strings.ReplaceAll(strings.ToUpper(s[:min(1, len(s))])+s[min(1, len(s)):], "_", " ")
}

// hoursMinutes writes a number of minutes as hours: "40 h", "37 h 30 min".
func hoursMinutes(m int) string {
	if m%60 == 0 {
		return fmt.Sprintf("%d h", m/60)
	}
	return fmt.Sprintf("%d h %d min", m/60, m%60)
}

// reportRow is a row of a report table: a group's measures in target order.
type reportRow struct {
	Key, Name string
	Cells     []*report.Measure
}
