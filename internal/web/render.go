package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// Assets serves embedded CSS and JavaScript under content-hashed names,
// cached forever: a new build changes the name.
type Assets struct {
	byName map[string]asset // hashed name → content
	// URL maps a file's plain name to its hashed URL.
	URL map[string]string
}

type asset struct {
	body []byte
	ct   string
}

// LoadAssets reads every file under dir of fsys, to be served under prefix
// (which ends in "/").
func LoadAssets(fsys fs.FS, dir, prefix string) (*Assets, error) {
	a := &Assets{byName: map[string]asset{}, URL: map[string]string{}}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
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
		a.URL[name] = prefix + hashed
		return nil
	})
	return a, err
}

// Serve answers GET {prefix}{name}.
func (a *Assets) Serve(w http.ResponseWriter, r *http.Request) {
	as, ok := a.byName[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", as.ct)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(as.body)
}

// Templates holds one parsed template set per page (the shared files, the
// first of which is the layout, plus the page's own file) for each time
// zone pages are shown in: the time helpers of a set format in its zone.
// Every page is parsed once at start, so a broken template stops Docket
// there, and let go; a zone's set of a page is parsed when that page is
// first shown in that zone and kept. A full set of parse trees is
// megabytes, so a server holds the pages its agents open in the zones they
// work in, not every page in every zone.
type Templates struct {
	fsys   fs.FS
	dir    string
	shared []string
	funcs  func(loc *time.Location) template.FuncMap
	names  map[string]bool // the pages, by name without .html
	mu     sync.Mutex
	zones  map[string]*zoneSets // zone name → its sets
}

type zoneSets struct {
	base  *template.Template // the shared files; only cloned, never executed
	pages map[string]*template.Template
}

// LoadTemplates parses the pages under dir of fsys; shared names the files
// every page includes, the layout first.
func LoadTemplates(fsys fs.FS, dir string, shared []string, funcs func(loc *time.Location) template.FuncMap) (*Templates, error) {
	t := &Templates{fsys: fsys, dir: dir, shared: shared, funcs: funcs, names: map[string]bool{}}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !slices.Contains(shared, e.Name()) {
			t.names[strings.TrimSuffix(e.Name(), ".html")] = true
		}
	}
	// Parse them all once, in a scratch cache that is dropped: an error
	// stops the start.
	t.zones = map[string]*zoneSets{}
	for name := range t.names {
		if _, err := t.page(time.UTC, name); err != nil {
			return nil, err
		}
	}
	t.zones = map[string]*zoneSets{}
	return t, nil
}

// page returns page's template set in zone loc, parsing it the first time.
func (t *Templates) page(loc *time.Location, name string) (*template.Template, error) {
	if !t.names[name] {
		return nil, fmt.Errorf("web: no template %q", name)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	z := t.zones[loc.String()]
	if z == nil {
		var paths []string
		for _, s := range t.shared {
			paths = append(paths, t.dir+"/"+s)
		}
		base, err := template.New(t.shared[0]).Funcs(t.funcs(loc)).ParseFS(t.fsys, paths...)
		if err != nil {
			return nil, fmt.Errorf("web: parse layout: %w", err)
		}
		z = &zoneSets{base: base, pages: map[string]*template.Template{}}
		t.zones[loc.String()] = z
	}
	if p := z.pages[name]; p != nil {
		return p, nil
	}
	c, err := z.base.Clone()
	if err != nil {
		return nil, err
	}
	if _, err := c.ParseFS(t.fsys, t.dir+"/"+name+".html"); err != nil {
		return nil, fmt.Errorf("web: parse %s.html: %w", name, err)
	}
	z.pages[name] = c
	return c, nil
}

// Zoned is page data that says which time zone to show times in.
type Zoned interface{ Location() *time.Location }

// Render executes a page into a buffer first, so a template error becomes
// a clean 500 instead of half a page.
func (t *Templates) Render(w http.ResponseWriter, status int, page string, data any) error {
	loc := time.UTC
	if z, ok := data.(Zoned); ok {
		loc = z.Location()
	}
	tp, err := t.page(loc, page)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := tp.ExecuteTemplate(&buf, t.shared[0], data); err != nil {
		return fmt.Errorf("web: render %s: %w", page, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err = w.Write(buf.Bytes())
	return err
}
