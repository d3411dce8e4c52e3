package agent

import (
	"errors"
	"net/http"
	"time"

	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/satisfaction"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

type profilePage struct {
	Layout
	Form      profileForm
	Zones     []string // suggestions; any IANA name is accepted
	Tokens    []*auth.Token
	TokenForm tokenForm
	Created   *createdToken
	Errors    map[string]string
	// Prefs are the agent's notification preferences, one row per kind.
	Prefs []prefRow
	// CSAT is how requesters rated the help on the agent's tickets (those
	// assigned to them when rated), over recent periods; nil for requesters.
	CSAT []csatPeriod
}

// csatPeriod is the agent's CSAT over a recent period.
type csatPeriod struct {
	Label string
	satisfaction.CSAT
}

type profileForm struct {
	Email, Name, Timezone, Signature string
}

var commonZones = []string{"UTC", "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Warsaw",
	"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo",
	"Africa/Johannesburg", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland"}

func (a *Agent) renderProfile(w http.ResponseWriter, r *http.Request, rq *request, status int, p profilePage) error {
	ctx := r.Context()
	if p.Form == (profileForm{}) {
		u, err := a.Users.Get(ctx, rq.actor.ID)
		if err != nil {
			return err
		}
		p.Form = profileForm{Email: u.Email, Name: u.Name, Timezone: u.Timezone, Signature: u.Signature}
	}
	var err error
	if p.Tokens, err = a.Auth.Tokens(ctx, rq.actor, false, 0, 200); err != nil {
		return err
	}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	if p.TokenForm.Scope == "" {
		p.TokenForm.Scope = auth.ScopeWrite
	}
	p.Zones = commonZones
	if a.Notify != nil && rq.actor.IsAgent() && p.Prefs == nil {
		ps, err := a.Notify.Preferences(ctx, rq.actor)
		if err != nil {
			return err
		}
		p.Prefs = prefRows(ps)
	}
	if a.Satisfaction != nil && rq.actor.IsAgent() {
		for _, d := range []struct {
			label string
			days  int
		}{{"Last 30 days", 30}, {"Last 12 months", 365}} {
			c, err := a.Satisfaction.AgentCSAT(ctx, rq.actor.ID, time.Now().AddDate(0, 0, -d.days))
			if err != nil {
				return err
			}
			p.CSAT = append(p.CSAT, csatPeriod{Label: d.label, CSAT: c})
		}
	}
	p.Layout = a.layout(w, r, rq, "Your profile", "profile")
	return a.tmpl.Render(w, status, "profile", p)
}

func (a *Agent) profile(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.renderProfile(w, r, rq, http.StatusOK, profilePage{})
}

// updateProfile saves the agent's own name, time zone and signature; the
// user service validates the time zone against the IANA database.
func (a *Agent) updateProfile(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := profileForm{Email: rq.actor.Email, Name: formValue(r, "name"), Timezone: formValue(r, "timezone"),
		Signature: r.PostFormValue("signature")}
	_, err := a.Users.Update(r.Context(), rq.actor, rq.actor.ID, user.Patch{Name: &f.Name, Timezone: &f.Timezone, Signature: &f.Signature})
	if err == nil {
		a.site.Flash(w, "Profile saved.")
		http.Redirect(w, r, "/profile", http.StatusSeeOther)
		return nil
	}
	errs := map[string]string{}
	status, ok := formFailure(err, errs)
	if !ok {
		return err
	}
	return a.renderProfile(w, r, rq, status, profilePage{Form: f, Errors: errs})
}

// changePassword sets a new password after checking the current one, then
// signs the agent out everywhere except here.
func (a *Agent) changePassword(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	errs := map[string]string{}
	cur, pw := r.PostFormValue("current"), r.PostFormValue("password")
	if pw != r.PostFormValue("password2") {
		errs["password2"] = "The new passwords do not match."
	}
	if cur == "" {
		errs["current"] = "Enter your current password."
	}
	if len(errs) == 0 {
		// Each try hashes twice: bound them per address as at sign-in.
		if ok, wait := a.signins.Allow(web.ClientIP(r)); !ok {
			w.Header().Set("Retry-After", web.Seconds(wait))
			return &web.StatusError{Status: http.StatusTooManyRequests,
				Detail: "Too many attempts. Try again in " + wait.Round(time.Second).String() + "."}
		}
		// Guessing the current password from a stolen session is as
		// throttled as guessing it at sign-in.
		gerr := a.Auth.GuardPassword(ctx, rq.actor.Email, web.ClientIP(r), web.Device(r), func() error {
			_, err := a.Users.Update(ctx, rq.actor, rq.actor.ID, user.Patch{Password: &pw, CurrentPassword: &cur})
			return err
		})
		var locked *auth.LockedError
		if errors.As(gerr, &locked) {
			wait := max(time.Until(locked.Until).Round(time.Second), time.Second)
			w.Header().Set("Retry-After", web.Seconds(wait))
			return &web.StatusError{Status: http.StatusTooManyRequests,
				Detail: "Too many wrong passwords. Try again in " + wait.String() + "."}
		}
		if gerr == nil {
			if err := a.Auth.EndUserSessions(ctx, rq.actor.ID, rq.session.ID); err != nil {
				return err
			}
			a.site.Flash(w, "Password changed. You are signed out on every other device.")
			http.Redirect(w, r, "/profile", http.StatusSeeOther)
			return nil
		}
		if errors.Is(gerr, user.ErrWrongPassword) {
			errs["current"] = "This is not your current password."
		} else if !fieldErrors(gerr, errs) {
			return gerr
		}
	}
	return a.renderProfile(w, r, rq, http.StatusUnprocessableEntity, profilePage{Errors: errs})
}

// createOwnToken issues an API token for the agent and answers with the
// page that shows its secret, once.
func (a *Agent) createOwnToken(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := tokenForm{Name: formValue(r, "name"), Scope: formValue(r, "scope")}
	errs := map[string]string{}
	c, err := a.issueToken(r.Context(), rq.actor, f, errs)
	if err != nil {
		return err
	}
	if c == nil {
		// Keep the token's messages apart from the profile form's.
		for from, to := range map[string]string{"name": "token_name", "scopes[0]": "token_scope"} {
			if m, ok := errs[from]; ok {
				errs[to] = m
				delete(errs, from)
			}
		}
		return a.renderProfile(w, r, rq, http.StatusUnprocessableEntity, profilePage{TokenForm: f, Errors: errs})
	}
	return a.renderProfile(w, r, rq, http.StatusCreated, profilePage{Created: c})
}

func (a *Agent) revokeOwnToken(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.revokeToken(w, r, rq, false, "/profile#tokens")
}
