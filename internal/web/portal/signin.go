package portal

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

// signinPage is the sign-in page: a password form, and a form that emails
// a sign-in link.
type signinPage struct {
	Layout
	Email  string
	Next   string
	Error  string
	SignUp bool // the policy lets visitors sign up
}

// home is the portal's start: the tickets of a signed-in person, the
// sign-in page for anyone else.
func (p *Portal) home(w http.ResponseWriter, r *http.Request) error {
	if _, _, err := p.site.Session(r); err == nil {
		http.Redirect(w, r, "/portal/tickets", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/portal/signin", http.StatusSeeOther)
	return nil
}

func (p *Portal) signinPage(w http.ResponseWriter, r *http.Request, status int, page signinPage) error {
	set, err := p.Auth.PortalSettings(r.Context())
	if err != nil {
		return err
	}
	page.SignUp = set.SignUp != auth.SignUpClosed
	page.Title = "Sign in"
	return p.tmpl.Render(w, status, "signin", page)
}

func (p *Portal) signinForm(w http.ResponseWriter, r *http.Request) error {
	next := portalNext(r.URL.Query().Get("next"))
	if _, _, err := p.site.Session(r); err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	return p.signinPage(w, r, http.StatusOK, signinPage{Layout: Layout{Flash: p.site.TakeFlash(w, r)}, Next: next})
}

func (p *Portal) signin(w http.ResponseWriter, r *http.Request) error {
	page := signinPage{Email: r.PostFormValue("email"), Next: portalNext(r.PostFormValue("next"))}
	if ok, wait := p.signins.Allow(web.ClientIP(r)); !ok {
		page.Error = "Too many sign-in attempts from your network. Try again in " + wait.Round(time.Second).String() + "."
		w.Header().Set("Retry-After", web.Seconds(wait))
		return p.signinPage(w, r, http.StatusTooManyRequests, page)
	}
	done, err := p.Auth.SignIn(r.Context(), auth.SignInRequest{Email: page.Email, Password: r.PostFormValue("password"),
		UserAgent: r.UserAgent(), IP: web.ClientIP(r), Device: web.Device(r), Portal: true})
	if err != nil {
		var locked *auth.LockedError
		switch {
		case errors.As(err, &locked):
			wait := max(time.Until(locked.Until).Round(time.Second), time.Second)
			page.Error = "Too many failed sign-ins: sign-in for this account is slowed down here. Try again in " +
				wait.String() + ", or sign in with a link by email."
			w.Header().Set("Retry-After", web.Seconds(wait))
			return p.signinPage(w, r, http.StatusTooManyRequests, page)
		case errors.Is(err, fault.ErrUnauthorized):
			page.Error = "The email or password is wrong."
			return p.signinPage(w, r, http.StatusUnauthorized, page)
		}
		return err
	}
	p.site.SetSession(w, done.Secret)
	p.site.SetDevice(w, done.Device)
	http.Redirect(w, r, page.Next, http.StatusSeeOther)
	return nil
}

func (p *Portal) signout(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := p.Auth.EndSession(r.Context(), rq.session.ID); err != nil {
		return err
	}
	p.site.ClearSession(w)
	p.site.Flash(w, "You are signed out.")
	http.Redirect(w, r, "/portal/signin", http.StatusSeeOther)
	return nil
}

// sentPage says an email is on its way if the address has an account:
// the same words whether or not it does.
type sentPage struct {
	Layout
	What string
}

// linkSent answers every accepted link request alike.
func (p *Portal) linkSent(w http.ResponseWriter, what string) error {
	return p.tmpl.Render(w, http.StatusOK, "sent", sentPage{Layout: Layout{Title: "Check your email"}, What: what})
}

// tooMany answers a link request over the rate limit.
func tooMany(err error) error {
	var tm *auth.TooManyError
	if errors.As(err, &tm) {
		return &web.StatusError{Status: http.StatusTooManyRequests, RetryAfter: tm.Wait,
			Detail: "Too many emailed links were asked for this address or from your network. Try again in " +
				tm.Wait.String() + "."}
	}
	return err
}

// requestLink emails a magic sign-in link.
func (p *Portal) requestLink(w http.ResponseWriter, r *http.Request) error {
	email := strings.TrimSpace(r.PostFormValue("email"))
	if email == "" {
		return p.signinPage(w, r, http.StatusUnprocessableEntity, signinPage{Error: "Enter your email address to get a sign-in link."})
	}
	if err := p.Auth.RequestLink(r.Context(), auth.LinkRequest{Email: email, IP: web.ClientIP(r), Purpose: auth.LinkSignIn}); err != nil {
		return tooMany(err)
	}
	return p.linkSent(w, "a sign-in link")
}

// linkPage confirms a magic link before using it: mail scanners that
// open every link in a message must not use it up.
type linkPage struct {
	Layout
	Token string
	Valid bool
}

func (p *Portal) linkForm(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	page := linkPage{Layout: Layout{Title: "Sign in"}, Token: token, Valid: p.Auth.LinkValid(r.Context(), token, auth.LinkSignIn)}
	status := http.StatusOK
	if !page.Valid {
		status = http.StatusNotFound
	}
	return p.tmpl.Render(w, status, "link", page)
}

func (p *Portal) useLink(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	done, err := p.Auth.SignInWithLink(r.Context(), token, r.UserAgent(), web.ClientIP(r))
	if errors.Is(err, auth.ErrBadLink) {
		return p.tmpl.Render(w, http.StatusNotFound, "link", linkPage{Layout: Layout{Title: "Sign in"}})
	} else if err != nil {
		return err
	}
	p.site.SetSession(w, done.Secret)
	next := "/portal/tickets"
	if done.TicketID != 0 {
		a, err := p.Users.Actor(r.Context(), done.Session.UserID)
		if err != nil {
			return err
		}
		if t, err := p.Tickets.GetByID(r.Context(), asRequester(a), done.TicketID); err == nil {
			next = "/portal/tickets/" + strconv.FormatInt(t.Number, 10)
		}
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

type forgotPage struct {
	Layout
	Email string
	Error string
}

func (p *Portal) forgotForm(w http.ResponseWriter, r *http.Request) error {
	return p.tmpl.Render(w, http.StatusOK, "forgot", forgotPage{Layout: Layout{Title: "Forgot your password?"}})
}

func (p *Portal) forgot(w http.ResponseWriter, r *http.Request) error {
	email := strings.TrimSpace(r.PostFormValue("email"))
	if email == "" {
		return p.tmpl.Render(w, http.StatusUnprocessableEntity, "forgot", forgotPage{Layout: Layout{Title: "Forgot your password?"},
			Error: "Enter your email address."})
	}
	if err := p.Auth.RequestLink(r.Context(), auth.LinkRequest{Email: email, IP: web.ClientIP(r), Purpose: auth.LinkReset}); err != nil {
		return tooMany(err)
	}
	return p.linkSent(w, "a link to choose a new password")
}

type resetPage struct {
	Layout
	Token  string
	Valid  bool
	Errors map[string]string
}

func (p *Portal) resetForm(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	page := resetPage{Layout: Layout{Title: "Choose a password"}, Token: token, Valid: p.Auth.LinkValid(r.Context(), token, auth.LinkReset)}
	status := http.StatusOK
	if !page.Valid {
		status = http.StatusNotFound
	}
	return p.tmpl.Render(w, status, "reset", page)
}

func (p *Portal) reset(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	page := resetPage{Layout: Layout{Title: "Choose a password"}, Token: token, Valid: true, Errors: map[string]string{}}
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("password2") {
		page.Errors["password2"] = "The passwords do not match."
		return p.tmpl.Render(w, http.StatusUnprocessableEntity, "reset", page)
	}
	done, err := p.Auth.ResetPassword(r.Context(), token, pw, r.UserAgent(), web.ClientIP(r))
	if errors.Is(err, auth.ErrBadLink) {
		page.Valid = false
		return p.tmpl.Render(w, http.StatusNotFound, "reset", page)
	}
	if err != nil {
		if !fieldErrors(err, page.Errors) {
			return err
		}
		return p.tmpl.Render(w, http.StatusUnprocessableEntity, "reset", page)
	}
	p.site.SetSession(w, done.Secret)
	p.site.Flash(w, "Your password is set.")
	http.Redirect(w, r, "/portal/tickets", http.StatusSeeOther)
	return nil
}

type signupPage struct {
	Layout
	Name, Email string
	Domains     []string
	Errors      map[string]string
}

func (p *Portal) signupSettings(r *http.Request) (auth.PortalSettings, error) {
	set, err := p.Auth.PortalSettings(r.Context())
	if err == nil && set.SignUp == auth.SignUpClosed {
		err = &web.StatusError{Status: http.StatusNotFound, Detail: "Sign-up is by invitation."}
	}
	return set, err
}

func (p *Portal) signupForm(w http.ResponseWriter, r *http.Request) error {
	set, err := p.signupSettings(r)
	if err != nil {
		return err
	}
	page := signupPage{Layout: Layout{Title: "Sign up"}}
	if set.SignUp == auth.SignUpDomains {
		page.Domains = set.Domains
	}
	return p.tmpl.Render(w, http.StatusOK, "signup", page)
}

func (p *Portal) signup(w http.ResponseWriter, r *http.Request) error {
	set, err := p.signupSettings(r)
	if err != nil {
		return err
	}
	page := signupPage{Layout: Layout{Title: "Sign up"}, Name: strings.TrimSpace(r.PostFormValue("name")),
		Email: strings.TrimSpace(r.PostFormValue("email")), Errors: map[string]string{}}
	if set.SignUp == auth.SignUpDomains {
		page.Domains = set.Domains
	}
	err = p.Auth.SignUp(r.Context(), auth.SignUpRequest{Email: page.Email, Name: page.Name, IP: web.ClientIP(r)})
	if err == nil {
		return p.linkSent(w, "a link to finish signing up")
	}
	if fieldErrors(err, page.Errors) {
		return p.tmpl.Render(w, http.StatusUnprocessableEntity, "signup", page)
	}
	return tooMany(err)
}

// fieldErrors copies validation messages into m, reporting whether err was
// a validation error at all.
func fieldErrors(err error, m map[string]string) bool {
	var inv *fault.Invalid
	if !errors.As(err, &inv) {
		return false
	}
	for _, f := range inv.Fields {
		name := f.Field
		if k, ok := strings.CutPrefix(name, "custom_fields."); ok {
			name = "cf_" + k // the form's name of a custom field
		} else if i := strings.LastIndexByte(name, '.'); i >= 0 {
			name = name[i+1:]
		}
		if _, ok := m[name]; !ok {
			m[name] = strings.ToUpper(f.Message[:1]) + f.Message[1:] + "."
		}
	}
	return true
}

// portalReader reads a ticket by the unguessable id in a requester's
// email, before anyone signed in: holding the id is the right to ask for
// a sign-in link to it.
var portalReader = user.System(event.ActorSystem, 0, "Portal")

// ticketLinkPage is what the link in a ticket's email opens for a visitor
// who is not signed in: sign in, or get a sign-in link to this ticket.
type ticketLinkPage struct {
	Layout
	UID string
}

// ticketLink follows the link in a ticket's email: to the ticket's page
// for a signed-in person who may see it; otherwise a sign-in page that
// offers a link by email to the ticket's requester.
func (p *Portal) ticketLink(w http.ResponseWriter, r *http.Request) error {
	uid := r.PathValue("uid")
	t, err := p.Tickets.ByUID(r.Context(), portalReader, uid)
	if err != nil {
		return err
	}
	target := "/portal/tickets/" + strconv.FormatInt(t.Number, 10)
	if _, a, err := p.site.Session(r); err == nil {
		if _, err := p.Tickets.Get(r.Context(), asRequester(a), t.Number); err != nil {
			return err
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return nil
	}
	return p.tmpl.Render(w, http.StatusOK, "ticketlink", ticketLinkPage{Layout: Layout{Title: "Sign in to see your request"}, UID: uid})
}

// ticketLinkRequest emails the ticket's requester a sign-in link that
// opens the ticket.
func (p *Portal) ticketLinkRequest(w http.ResponseWriter, r *http.Request) error {
	t, err := p.Tickets.ByUID(r.Context(), portalReader, r.PathValue("uid"))
	if err != nil {
		return err
	}
	if err := p.Auth.RequestLink(r.Context(), auth.LinkRequest{Email: t.Requester.Email, IP: web.ClientIP(r),
		Purpose: auth.LinkSignIn, TicketID: t.ID}); err != nil {
		return tooMany(err)
	}
	return p.linkSent(w, "a sign-in link to this request")
}
