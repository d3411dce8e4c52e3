// Package agent is the agent workspace: server-rendered HTML pages where
// agents and admins work their queues and tickets all day. Every action is
// a plain form POST; the embedded JavaScript only adds shortcuts, previews
// and live updates.
package agent

import (
	"github.com/docket/docket/internal/brand"
	"github.com/docket/docket/internal/webform"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/docket/docket/internal/assign"
	"github.com/docket/docket/internal/attachment"
	"github.com/docket/docket/internal/audit"
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/calendar"
	stored "github.com/docket/docket/internal/draft"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/kb"
	"github.com/docket/docket/internal/macro"
	"github.com/docket/docket/internal/mail"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/notify"
	"github.com/docket/docket/internal/report"
	"github.com/docket/docket/internal/satisfaction"
	"github.com/docket/docket/internal/sla"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/view"
	"github.com/docket/docket/internal/web"
	"github.com/docket/docket/internal/webhook"
)

// Deps are what the workspace needs.
type Deps struct {
	Log         *slog.Logger
	Users       *user.Service
	Tickets     *ticket.Service
	Attachments *attachment.Service
	Auth        *auth.Service
	Bus         *event.Bus
	// Pump relays presence between instances (nil: this process only).
	Pump      *event.Pump
	Views     *view.Service
	Macros    *macro.Service
	KB        *kb.Service
	Mailboxes *mailbox.Service
	Outbox    *outbox.Store
	Importer  *mail.Importer
	Jobs      *job.Queue
	Runner    *job.Runner
	Audit     *audit.Service
	Notify    *notify.Service
	Calendars *calendar.Service
	Reports   *report.Service
	SLA       *sla.Service
	Drafts    *stored.Service
	// Satisfaction shows ratings (ticket page, profile) and their settings.
	Satisfaction *satisfaction.Service

	Webhooks       *webhook.Service
	Automation     *automation.Service
	Assign         *assign.Service
	BaseURL        string // decides whether cookies are Secure
	MaxUploadBytes int64
	// Brand is how the help desk presents itself to requesters.
	Brand *brand.Service
	// WebForms are the embeddable forms (Admin → Web forms).
	WebForms *webform.Service
	// Stopping closes when the server shuts down, ending live streams so
	// shutdown does not wait for them.
	Stopping <-chan struct{}
}

// Agent serves the workspace.
type Agent struct {
	Deps
	site     *web.Site
	tmpl     *web.Templates
	assets   *web.Assets
	signins  *web.Limiter // per client address
	presence *presence
	access   *accessWatch
	// bells wakes the live streams of people whose notifications changed.
	bells  *accessWatch
	counts *counts
}

// New parses the templates and loads the assets.
func New(d Deps) (*Agent, error) {
	as, err := web.LoadAssets(assetFiles, "assets", "/assets/")
	if err != nil {
		return nil, err
	}
	t, err := web.LoadTemplates(templateFiles, "templates", []string{"layout.html", "partials.html", "rule_rows.html"}, funcs(as.URL))
	if err != nil {
		return nil, err
	}
	a := &Agent{Deps: d, site: web.NewSite(d.Auth, d.Log, d.BaseURL), tmpl: t, assets: as, signins: web.NewLimiter(0.2, 10),
		presence: newPresence(), access: newAccessWatch(), bells: newAccessWatch(), counts: newCounts()}
	if d.Bus != nil {
		a.watchCounts()
	}
	if d.Pump != nil {
		d.Pump.OnBroadcast(a.broadcast)
	}
	if d.Auth != nil {
		d.Auth.OnSessionsEnded(a.sessionsEnded)
	}
	return a, nil
}

// request is what a signed-in handler gets besides w and r.
type request struct {
	actor   *user.Actor
	session *auth.Session
}

type handler func(w http.ResponseWriter, r *http.Request, rq *request) error

// page wraps a handler for signed-in agents and admins (see web.Site.Page):
// anyone else's session is answered 404, as if the page did not exist.
func (a *Agent) page(h handler) http.Handler {
	// Replies carry attachments: allow a few files at the upload limit,
	// and nothing larger.
	o := web.PageOptions{Audience: web.Agents, MaxBody: 5*a.MaxUploadBytes + 1<<20, SignedOut: a.signedOut}
	return a.errors(a.site.Page(o, func(w http.ResponseWriter, r *http.Request, rq *web.Request) error {
		return h(w, r, &request{actor: rq.Actor, session: rq.Session})
	}))
}

// signedOut answers a workspace request without a session: pages send
// the browser to sign in and back; posts keep what they can (signInAgain).
func (a *Agent) signedOut(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodGet && r.Header.Get("Accept") != "text/event-stream" {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return nil
	}
	return a.signInAgain(w, r)
}

// errorPage is the data of the error page.
type errorPage struct {
	Layout
	Status int
	Title  string
	Detail string
}

// errors turns a handler's error into the workspace's error page.
func (a *Agent) errors(h web.HandlerFunc) http.Handler {
	return a.site.Errors(func(w http.ResponseWriter, r *http.Request, p web.Problem) error {
		return a.tmpl.Render(w, p.Status, "error", errorPage{Layout: Layout{Title: p.Title}, Status: p.Status, Title: p.Title, Detail: p.Detail})
	}, h)
}
