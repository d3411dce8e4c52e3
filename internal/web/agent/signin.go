package agent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

type signinPage struct {
	Layout
	Email string
	Next  string
	Error string
}

func (a *Agent) signinForm(w http.ResponseWriter, r *http.Request) error {
	// Already signed in? Go straight on.
	if _, actor, err := a.site.Session(r); err == nil && actor.IsAgent() {
		http.Redirect(w, r, web.SafeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	return a.tmpl.Render(w, http.StatusOK, "signin", signinPage{Layout: Layout{Title: "Sign in", Flash: a.site.TakeFlash(w, r)},
		Next: web.SafeNext(r.URL.Query().Get("next"))})
}

func (a *Agent) signin(w http.ResponseWriter, r *http.Request) error {
	if err := a.site.CheckOrigin(r); err != nil {
		return err
	}
	email, pw, next := r.PostFormValue("email"), r.PostFormValue("password"), web.SafeNext(r.PostFormValue("next"))
	page := signinPage{Layout: Layout{Title: "Sign in"}, Email: email, Next: next}
	if ok, wait := a.signins.Allow(web.ClientIP(r)); !ok {
		page.Error = "Too many sign-in attempts from your network. Try again in " + wait.Round(time.Second).String() + "."
		w.Header().Set("Retry-After", web.Seconds(wait))
		return a.tmpl.Render(w, http.StatusTooManyRequests, "signin", page)
	}
	in := auth.SignInRequest{Email: email, Password: pw, UserAgent: r.UserAgent(), IP: web.ClientIP(r), Device: web.Device(r)}
	done, err := a.Auth.SignIn(r.Context(), in)
	if err != nil {
		var locked *auth.LockedError
		switch {
		case errors.As(err, &locked):
			wait := max(time.Until(locked.Until).Round(time.Second), time.Second)
			page.Error = "Too many failed sign-ins: sign-in for this account is slowed down here. Try again in " + wait.String() + "."
			w.Header().Set("Retry-After", web.Seconds(wait))
			return a.tmpl.Render(w, http.StatusTooManyRequests, "signin", page)
		case errors.Is(err, auth.ErrRequester):
			page.Error = "This sign-in is for agents and admins. Requesters sign in to the help portal at /portal."
			return a.tmpl.Render(w, http.StatusForbidden, "signin", page)
		case errors.Is(err, fault.ErrUnauthorized):
			// One message whether or not the account exists.
			page.Error = "The email or password is wrong."
			return a.tmpl.Render(w, http.StatusUnauthorized, "signin", page)
		}
		return err
	}
	a.site.SetSession(w, done.Secret)
	a.site.SetDevice(w, done.Device)
	if done.Slowed != nil {
		a.site.Flash(w, a.slowedMessage(r.Context(), done.Session.UserID, done.Slowed))
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// slowedMessage tells a person who just signed in that sign-ins to their
// account were slowed down meanwhile, in their time zone.
func (a *Agent) slowedMessage(ctx context.Context, userID int64, n *auth.SlowedNotice) string {
	loc := time.UTC
	if u, err := a.Users.Get(ctx, userID); err == nil && u.Timezone != "" {
		if l, err := time.LoadLocation(u.Timezone); err == nil {
			loc = l
		}
	}
	return fmt.Sprintf("Since you last signed in, %d wrong passwords were tried for your account, so sign-ins were "+
		"slowed down; the last try came from %s on %s. If that was not you, nobody got in; consider a stronger password.",
		n.Failures, n.LastAddress, n.Last.In(loc).Format("2 Jan 15:04 MST"))
}

func (a *Agent) signout(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := a.Auth.EndSession(r.Context(), rq.session.ID); err != nil {
		return err
	}
	a.site.ClearSession(w)
	a.site.Flash(w, "You are signed out.")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

type setupPage struct {
	Layout
	Token  string
	Name   string
	Email  string
	Errors map[string]string
}

func (a *Agent) setupForm(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	if !a.Auth.SetupValid(r.Context(), token) {
		n, err := a.Users.Count(r.Context())
		if err != nil {
			return err
		}
		if n > 0 {
			return a.setupUsed(w)
		}
		return &web.StatusError{Status: http.StatusNotFound, Detail: "This setup link is not valid."}
	}
	return a.tmpl.Render(w, http.StatusOK, "setup", setupPage{Layout: Layout{Title: "Welcome to Docket"}, Token: token})
}

// setupUsed answers a setup link once Docket has users: it worked once,
// and whoever follows it now wants to sign in.
func (a *Agent) setupUsed(w http.ResponseWriter) error {
	return a.tmpl.Render(w, http.StatusGone, "setup_used", Layout{Title: "Docket is set up"})
}

func (a *Agent) setup(w http.ResponseWriter, r *http.Request) error {
	if err := a.site.CheckOrigin(r); err != nil {
		return err
	}
	token := r.PathValue("token")
	page := setupPage{Layout: Layout{Title: "Welcome to Docket"}, Token: token, Name: strings.TrimSpace(r.PostFormValue("name")),
		Email: strings.TrimSpace(r.PostFormValue("email")), Errors: map[string]string{}}
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("password2") {
		page.Errors["password2"] = "The passwords do not match."
	}
	if page.Name == "" {
		page.Errors["name"] = "Enter your name."
	}
	if len(page.Errors) == 0 {
		u, err := a.Auth.CompleteSetup(r.Context(), token, user.NewUser{Email: page.Email, Name: page.Name, Password: pw})
		if err == nil {
			secret, _, err := a.Auth.StartSession(r.Context(), u.ID, r.UserAgent(), web.ClientIP(r))
			if err != nil {
				return err
			}
			device, err := a.Auth.DeviceToken(u.ID)
			if err != nil {
				return err
			}
			a.site.SetSession(w, secret)
			a.site.SetDevice(w, device)
			a.site.Flash(w, "Welcome! You are the first admin of this Docket.")
			http.Redirect(w, r, "/welcome", http.StatusSeeOther)
			return nil
		}
		if errors.Is(err, fault.ErrConflict) {
			return a.setupUsed(w)
		}
		if !fieldErrors(err, page.Errors) {
			return err
		}
	}
	return a.tmpl.Render(w, http.StatusUnprocessableEntity, "setup", page)
}

// fieldErrors copies validation messages into m, reporting whether err was
// a validation error at all.
func fieldErrors(err error, m map[string]string) bool {
	var inv *fault.Invalid
	if !errors.As(err, &inv) {
		return false
	}
	for _, f := range inv.Fields {
		if _, ok := m[f.Field]; !ok {
			m[f.Field] = strings.ToUpper(f.Message[:1]) + f.Message[1:] + "."
		}
	}
	return true
}
