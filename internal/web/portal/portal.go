// Package portal is the requester portal: server-rendered pages where
// requesters sign in (password, or a link by email), follow and reply to
// their tickets and open new ones. It shares the workspace's session,
// CSRF, flash and error plumbing (web.Site) and admits everyone signed in,
// but always acts as a requester: an agent who opens the portal sees their
// own tickets as their requester, never internal notes.
package portal

import (
	"context"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/attachment"
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/brand"
	"github.com/docket/docket/internal/kb"
	"github.com/docket/docket/internal/markup"
	"github.com/docket/docket/internal/satisfaction"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
	"github.com/docket/docket/internal/webform"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// Deps are what the portal needs.
type Deps struct {
	Log            *slog.Logger
	Users          *user.Service
	Tickets        *ticket.Service
	Attachments    *attachment.Service
	Auth           *auth.Service
	Brand          *brand.Service
	WebForms       *webform.Service
	KB             *kb.Service
	Satisfaction   *satisfaction.Service
	BaseURL        string
	MaxUploadBytes int64
}

// Portal serves the requester portal.
type Portal struct {
	Deps
	site    *web.Site
	tmpl    *web.Templates
	assets  *web.Assets
	signins *web.Limiter // password sign-ins per client address
	// votes and suggests limit the knowledge base's unauthenticated
	// endpoints per client address.
	votes, suggests *web.Limiter
}

// New parses the templates and loads the assets.
func New(d Deps) (*Portal, error) {
	as, err := web.LoadAssets(assetFiles, "assets", "/portal/assets/")
	if err != nil {
		return nil, err
	}
	p := &Portal{Deps: d, site: web.NewSite(d.Auth, d.Log, d.BaseURL), assets: as, signins: web.NewLimiter(0.2, 10),
		votes: web.NewLimiter(0.1, 10), suggests: web.NewLimiter(10, 60)}
	if p.tmpl, err = web.LoadTemplates(templateFiles, "templates", []string{"layout.html", "fields.html", "kb_partials.html", "rating.html"}, p.funcs(as.URL)); err != nil {
		return nil, err
	}
	return p, nil
}

// Branding is the help desk's presentation for the pages: the current
// settings, or the defaults when they cannot be read (logged).
func (p *Portal) Branding() brand.Brand {
	b, err := p.Brand.Current(context.Background())
	if err != nil {
		p.Log.Error("read the branding", "err", err)
	}
	return b
}

func (p *Portal) funcs(assetURL map[string]string) func(loc *time.Location) template.FuncMap {
	return func(loc *time.Location) template.FuncMap {
		return template.FuncMap{
			"asset": func(name string) string { return assetURL[name] },
			"brand": p.Branding,
			// An admin's Markdown (the welcome text, a web form's introduction), sanitized.
			"markdown": func(s string) template.HTML { return template.HTML(markup.Markdown(s)) },
			"when":     func(t time.Time) string { return t.In(loc).Format("2 Jan 2006 15:04 MST") },
			"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
			"label": func(s ticket.Status) string {
				return strings.ReplaceAll(strings.ToUpper(string(s[:1]))+string(s[1:]), "_", " ")
			},
			"size": func(n int64) string {
				switch {
				case n < 1024:
					return itoa(n) + " B"
				case n < 1<<20:
					return itoa(n/1024) + " KB"
				}
				return itoa(n/(1<<20)) + " MB"
			},
			// Only for HTML that markup already sanitized (message bodies).
			"safeHTML": func(s string) template.HTML { return template.HTML(s) },
		}
	}
}

// Layout is what every portal page's frame needs.
type Layout struct {
	Title string
	// Bare leaves out the header: a web form embedded in another site.
	Bare  bool
	Actor *user.Actor
	CSRF  string
	Flash string
	// NoIndex asks search engines to keep the page out of their index
	// (every page that is not for the public).
	NoIndex bool
	// KB marks the knowledge base's pages, for the navigation.
	KB bool
}

// Location shows times in the person's time zone.
func (l Layout) Location() *time.Location {
	if l.Actor != nil && l.Actor.Timezone != "" {
		if loc, err := time.LoadLocation(l.Actor.Timezone); err == nil {
			return loc
		}
	}
	return time.UTC
}

// request is what a signed-in portal handler gets: the person, acting as a
// requester whatever their role.
type request struct {
	actor   *user.Actor
	session *auth.Session
}

type handler func(w http.ResponseWriter, r *http.Request, rq *request) error

// page wraps a handler for signed-in people (see web.Site.Page).
func (p *Portal) page(h handler) http.Handler {
	o := web.PageOptions{Audience: web.People, MaxBody: 5*p.MaxUploadBytes + 1<<20, SignedOut: p.signedOut}
	return p.errors(p.site.Page(o, func(w http.ResponseWriter, r *http.Request, rq *web.Request) error {
		return h(w, r, &request{actor: asRequester(rq.Actor), session: rq.Session})
	}))
}

// asRequester is a person as the portal lets them act: as a requester,
// with their own tickets (and their organization's where it shares them).
func asRequester(a *user.Actor) *user.Actor {
	return &user.Actor{ID: a.ID, Email: a.Email, Name: a.Name, Role: user.RoleRequester,
		OrganizationID: a.OrganizationID, Timezone: a.Timezone}
}

// signedOut sends a visitor without a session to sign in and back.
func (p *Portal) signedOut(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodGet {
		http.Redirect(w, r, "/portal/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return nil
	}
	p.site.Flash(w, "Your session has ended; sign in again to continue.")
	http.Redirect(w, r, "/portal/signin", http.StatusSeeOther)
	return nil
}

type errorPage struct {
	Layout
	Status int
	Detail string
}

func (p *Portal) errors(h web.HandlerFunc) http.Handler {
	return p.site.Errors(func(w http.ResponseWriter, r *http.Request, pr web.Problem) error {
		return p.tmpl.Render(w, pr.Status, "error", errorPage{Layout: Layout{Title: pr.Title}, Status: pr.Status, Detail: pr.Detail})
	}, h)
}

// layout builds a signed-in page's frame.
func (p *Portal) layout(w http.ResponseWriter, r *http.Request, rq *request, title string) Layout {
	return Layout{Title: title, Actor: rq.actor, CSRF: rq.session.CSRFToken, Flash: p.site.TakeFlash(w, r)}
}

// public wraps a page for visitors who are not signed in: its forms are
// bounded in size and refused from other sites (they carry no session to
// hold a CSRF token; the origin check and SameSite cookies guard them).
func (p *Portal) public(h web.HandlerFunc) http.Handler {
	return p.errors(func(w http.ResponseWriter, r *http.Request) error {
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			if err := web.ParseForm(r); err != nil {
				return err
			}
			if err := p.site.CheckOrigin(r); err != nil {
				return err
			}
		}
		return h(w, r)
	})
}

// portalNext keeps a redirect inside the portal.
func portalNext(next string) string {
	n := web.SafeNext(next)
	if !strings.HasPrefix(n, "/portal/") {
		return "/portal/tickets"
	}
	return n
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
