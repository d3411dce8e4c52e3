// Package agent is the agent workspace: server-rendered HTML pages where
// agents and admins work their queues and tickets all day. Every action is
// a plain form POST; the embedded JavaScript only adds shortcuts, previews
// and live updates.
package agent

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/docket/docket/internal/attachment"
	"github.com/docket/docket/internal/audit"
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/calendar"
	"github.com/docket/docket/internal/canned"
	stored "github.com/docket/docket/internal/draft"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/mail"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/notify"
	"github.com/docket/docket/internal/report"
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
	Canned    *canned.Service
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

	Webhooks       *webhook.Service
	Automation     *automation.Service
	BaseURL        string // decides whether cookies are Secure
	MaxUploadBytes int64
	// Stopping closes when the server shuts down, ending live streams so
	// shutdown does not wait for them.
	Stopping <-chan struct{}
}

// Agent serves the workspace.
type Agent struct {
	Deps
	tmpl      *templates
	assets    *assets
	signins   *web.Limiter // per client address
	csrfGuard *http.CrossOriginProtection
	presence  *presence
	access    *accessWatch
	counts    *counts
}

// New parses the templates and loads the assets.
func New(d Deps) (*Agent, error) {
	as, err := loadAssets()
	if err != nil {
		return nil, err
	}
	t, err := loadTemplates(funcs(as.url))
	if err != nil {
		return nil, err
	}
	a := &Agent{Deps: d, tmpl: t, assets: as, signins: web.NewLimiter(0.2, 10), csrfGuard: http.NewCrossOriginProtection(),
		presence: newPresence(), access: newAccessWatch(), counts: newCounts()}
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

const sessionCookie = "docket_session"

func (a *Agent) secure() bool { return strings.HasPrefix(a.BaseURL, "https://") }

// request is what a signed-in handler gets besides w and r.
type request struct {
	actor   *user.Actor
	session *auth.Session
}

type handler func(w http.ResponseWriter, r *http.Request, rq *request) error

// page wraps a handler for signed-in agents: it loads the session, checks
// CSRF on every state-changing request, and turns errors into pages.
func (a *Agent) page(h handler) http.Handler {
	return a.errors(func(w http.ResponseWriter, r *http.Request) error {
		c, _ := r.Cookie(sessionCookie)
		var secret string
		if c != nil {
			secret = c.Value
		}
		sess, actor, err := a.Auth.SessionActor(r.Context(), secret)
		if err != nil {
			if !errors.Is(err, fault.ErrUnauthorized) {
				return err
			}
			if r.Method == http.MethodGet && r.Header.Get("Accept") != "text/event-stream" {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return nil
			}
			return a.signInAgain(w, r)
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// Replies carry attachments: allow a few files at the upload
			// limit, and nothing larger.
			r.Body = http.MaxBytesReader(w, r.Body, 5*a.MaxUploadBytes+1<<20)
			if err := parseForm(r); err != nil {
				return err
			}
			if err := a.csrfGuard.Check(r); err != nil {
				return &web.StatusError{Status: http.StatusForbidden, Detail: "Cross-site request refused."}
			}
			token := r.Header.Get("X-CSRF-Token")
			if token == "" {
				token = r.PostFormValue("_csrf")
			}
			if !sess.CheckCSRF(token) {
				return &web.StatusError{Status: http.StatusForbidden, Detail: "The form expired or did not come from this page; reload and try again."}
			}
		}
		return h(w, r, &request{actor: actor, session: sess})
	})
}

// parseForm reads a urlencoded or multipart body, answering 413 when it is
// over the limit rather than pretending the form was empty.
func parseForm(r *http.Request) error {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(8 << 20)
	} else {
		err = r.ParseForm()
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &web.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: "The upload is too large."}
	}
	if err != nil {
		return &web.StatusError{Status: http.StatusBadRequest, Detail: "The form could not be read."}
	}
	return nil
}

// errorPage is the data of the error page.
type errorPage struct {
	Layout
	Status int
	Title  string
	Detail string
}

// errors turns a handler's error into an HTML error page (or JSON for
// script requests). Internal errors are logged once and never shown.
func (a *Agent) errors(h web.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		p := web.ProblemFor(err)
		if p.Status >= 500 && !errors.Is(err, context.Canceled) {
			a.Log.ErrorContext(r.Context(), "page failed", "request_id", web.RequestID(r.Context()), "method", r.Method,
				"path", r.URL.Path, "err", err)
		}
		if wantsJSON(r) {
			web.WriteProblem(w, err)
			return
		}
		title := p.Title
		if p.Status == http.StatusNotFound {
			p.Detail = "This page does not exist, or you are not allowed to see it."
		}
		if rerr := a.tmpl.render(w, p.Status, "error", errorPage{Layout: Layout{Title: title}, Status: p.Status, Title: title, Detail: p.Detail}); rerr != nil {
			http.Error(w, title, p.Status)
		}
	})
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json") || r.Header.Get("X-Requested-With") == "fetch"
}

func (a *Agent) setSessionCookie(w http.ResponseWriter, secret string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: a.secure(),
		SameSite: http.SameSiteLaxMode, MaxAge: int(auth.MaxAge / time.Second)})
}

func (a *Agent) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: a.secure(),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// Flash messages survive one redirect in a short-lived cookie.
const flashCookie = "docket_flash"

func (a *Agent) flash(w http.ResponseWriter, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(msg), Path: "/", HttpOnly: true,
		Secure: a.secure(), SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

func (a *Agent) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: a.secure()})
	msg, _ := url.QueryUnescape(c.Value)
	if len(msg) > 400 {
		msg = msg[:400]
	}
	return msg
}

// safeNext keeps redirects (after sign-in, after a bulk action) on this
// site: it returns next as a path on this server, with its query, or "/"
// when next is anything else. Browsers drop tabs and newlines from a URL
// and read "\" as "/", so "/\t/evil.test" or "/\evil.test" would leave the
// site although they start with one slash: a next with a control
// character, a space or a backslash is refused outright, and what is
// returned is rebuilt from the parsed URL, so the browser reads what was
// checked.
func safeNext(next string) string {
	if next == "" || len(next) > 2048 {
		return "/"
	}
	for _, r := range next {
		if r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) || r == utf8.RuneError {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	out := u.EscapedPath()
	if strings.HasPrefix(out, "//") || !strings.HasPrefix(out, "/") {
		return "/"
	}
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}
