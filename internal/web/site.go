package web

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

	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// Site is the browser plumbing the agent workspace and the requester portal
// share: one session cookie, CSRF checks, flash messages and error pages.
// Which pages a session may open is decided per page by its Audience.
type Site struct {
	Auth *auth.Service
	Log  *slog.Logger
	// BaseURL decides whether cookies are Secure.
	BaseURL string
	csrf    *http.CrossOriginProtection
}

// NewSite returns the shared plumbing.
func NewSite(a *auth.Service, log *slog.Logger, baseURL string) *Site {
	return &Site{Auth: a, Log: log, BaseURL: baseURL, csrf: http.NewCrossOriginProtection()}
}

// SessionCookie holds a browser's session secret.
const SessionCookie = "docket_session"

// flashCookie carries a message across one redirect.
const flashCookie = "docket_flash"

func (s *Site) secure() bool { return strings.HasPrefix(s.BaseURL, "https://") }

// Audience says who may open a page.
type Audience int

// The audiences.
const (
	// Agents are agents and admins: the workspace.
	Agents Audience = iota
	// People are everyone signed in, requesters included: the portal.
	People
)

// Admits reports whether a may open pages for the audience.
func (au Audience) Admits(a *user.Actor) bool {
	if au == Agents {
		return a.IsAgent()
	}
	return a.IsPerson()
}

// Request is what a signed-in page handler gets besides w and r.
type Request struct {
	Actor   *user.Actor
	Session *auth.Session
}

// PageFunc is a handler for signed-in pages.
type PageFunc func(w http.ResponseWriter, r *http.Request, rq *Request) error

// PageOptions configure Page.
type PageOptions struct {
	Audience Audience
	// MaxBody bounds a state-changing request's body.
	MaxBody int64
	// SignedOut answers a request without a live session (redirect to the
	// audience's sign-in page, or keep what was posted).
	SignedOut HandlerFunc
}

// Page wraps a signed-in handler: it loads the session, refuses a person
// outside the audience as if the page did not exist (404), and checks the
// origin and the session's CSRF token on every state-changing request.
func (s *Site) Page(o PageOptions, h PageFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		sess, actor, err := s.Session(r)
		if err != nil {
			if !errors.Is(err, fault.ErrUnauthorized) {
				return err
			}
			return o.SignedOut(w, r)
		}
		if !o.Audience.Admits(actor) {
			return fault.ErrNotFound
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, o.MaxBody)
			if err := ParseForm(r); err != nil {
				return err
			}
			if err := s.CheckOrigin(r); err != nil {
				return err
			}
			token := r.Header.Get("X-CSRF-Token")
			if token == "" {
				token = r.PostFormValue("_csrf")
			}
			if !sess.CheckCSRF(token) {
				return &StatusError{Status: http.StatusForbidden, Detail: "The form expired or did not come from this page; reload and try again."}
			}
		}
		return h(w, r, &Request{Actor: actor, Session: sess})
	}
}

// Session returns the browser's live session and its person, whatever
// their role; fault.ErrUnauthorized when there is none.
func (s *Site) Session(r *http.Request) (*auth.Session, *user.Actor, error) {
	var secret string
	if c, err := r.Cookie(SessionCookie); err == nil {
		secret = c.Value
	}
	return s.Auth.SessionActor(r.Context(), secret)
}

// CheckOrigin refuses a cross-site state-changing request.
func (s *Site) CheckOrigin(r *http.Request) error {
	if err := s.csrf.Check(r); err != nil {
		return &StatusError{Status: http.StatusForbidden, Detail: "Cross-site request refused."}
	}
	return nil
}

// ParseForm reads a urlencoded or multipart body, answering 413 when it is
// over the limit rather than pretending the form was empty.
func ParseForm(r *http.Request) error {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(8 << 20)
	} else {
		err = r.ParseForm()
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &StatusError{Status: http.StatusRequestEntityTooLarge, Detail: "The upload is too large."}
	}
	if err != nil {
		return &StatusError{Status: http.StatusBadRequest, Detail: "The form could not be read."}
	}
	return nil
}

// ErrorPage renders the HTML page of a problem.
type ErrorPage func(w http.ResponseWriter, r *http.Request, p Problem) error

// Errors turns a handler's error into an HTML error page (or problem+json
// for script requests). Internal errors are logged once and never shown;
// a 404 never says whether the thing exists.
func (s *Site) Errors(page ErrorPage, h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		err = whenGone(r, err)
		p := ProblemFor(err)
		if p.Status >= 500 && !errors.Is(err, context.Canceled) {
			s.Log.ErrorContext(r.Context(), "page failed", "request_id", RequestID(r.Context()), "method", r.Method,
				"path", r.URL.Path, "err", err)
		}
		if WantsJSON(r) {
			WriteProblem(w, err)
			return
		}
		if p.Status == http.StatusNotFound {
			p.Detail = "This page does not exist, or you are not allowed to see it."
		}
		var se *StatusError
		if errors.As(err, &se) && se.RetryAfter > 0 {
			w.Header().Set("Retry-After", Seconds(se.RetryAfter))
		}
		if rerr := page(w, r, p); rerr != nil {
			http.Error(w, p.Title, p.Status)
		}
	})
}

// WantsJSON reports whether a script, not a page, asked.
func WantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json") || r.Header.Get("X-Requested-With") == "fetch"
}

// SetSession gives the browser its session cookie.
func (s *Site) SetSession(w http.ResponseWriter, secret string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: s.secure(),
		SameSite: http.SameSiteLaxMode, MaxAge: int(auth.MaxAge / time.Second)})
}

// ClearSession removes the session cookie.
func (s *Site) ClearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.secure(),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// SetDevice keeps a browser's device token (see auth.DeviceToken).
func (s *Site) SetDevice(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: auth.DeviceCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.secure(),
		SameSite: http.SameSiteLaxMode, MaxAge: int(auth.DeviceMaxAge / time.Second)})
}

// Device is the browser's device token from an earlier sign-in: with it,
// failed sign-ins elsewhere do not slow this browser down.
func Device(r *http.Request) string {
	if c, err := r.Cookie(auth.DeviceCookie); err == nil {
		return c.Value
	}
	return ""
}

// Flash keeps msg for the next page, across one redirect.
func (s *Site) Flash(w http.ResponseWriter, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(msg), Path: "/", HttpOnly: true,
		Secure: s.secure(), SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

// TakeFlash returns the kept message, once.
func (s *Site) TakeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure()})
	msg, _ := url.QueryUnescape(c.Value)
	if len(msg) > 400 {
		msg = msg[:400]
	}
	return msg
}

// SafeNext keeps redirects (after sign-in, after a bulk action) on this
// site: it returns next as a path on this server, with its query, or "/"
// when next is anything else. Browsers drop tabs and newlines from a URL
// and read "\" as "/", so "/\t/evil.test" or "/\evil.test" would leave the
// site although they start with one slash: a next with a control
// character, a space or a backslash is refused outright, and what is
// returned is rebuilt from the parsed URL, so the browser reads what was
// checked.
func SafeNext(next string) string {
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

// Router is where a surface registers its routes: an *http.ServeMux, or a
// recorder in tests that lists them.
type Router interface {
	Handle(pattern string, h http.Handler)
	HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request))
}
