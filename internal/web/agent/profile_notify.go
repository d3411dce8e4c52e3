package agent

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/notify"
)

// prefRow is one kind's line in the profile's notification preferences.
type prefRow struct {
	notify.Preference
	Label string
}

// EmailChoices are the choices of the email menu, with their labels.
func (prefRow) EmailChoices() [][2]string {
	return [][2]string{{notify.EmailImmediately, "Immediately"}, {notify.EmailDigest, "In the daily digest"},
		{notify.EmailNever, "Never"}}
}

func prefRows(ps []notify.Preference) []prefRow {
	out := make([]prefRow, len(ps))
	for i, p := range ps {
		out[i] = prefRow{Preference: p, Label: notify.KindLabels[p.Kind]}
	}
	return out
}

// setPreferences saves the agent's notification preferences from the
// profile's form: per kind, in_app_<kind> (a checkbox) and email_<kind>.
// An invalid choice is shown at its menu and nothing is saved.
func (a *Agent) setPreferences(w http.ResponseWriter, r *http.Request, rq *request) error {
	in := make([]notify.PreferenceInput, len(notify.Kinds))
	rows := make([]prefRow, len(notify.Kinds))
	for i, k := range notify.Kinds {
		on := r.PostFormValue("in_app_"+k) == "1"
		email := r.PostFormValue("email_" + k)
		in[i] = notify.PreferenceInput{Kind: k, InApp: &on, Email: &email}
		rows[i] = prefRow{Preference: notify.Preference{Kind: k, InApp: on, Email: email}, Label: notify.KindLabels[k]}
	}
	_, err := a.Notify.SetPreferences(r.Context(), rq.actor, in)
	if err == nil {
		a.site.Flash(w, "Notification preferences saved.")
		http.Redirect(w, r, "/profile#notify", http.StatusSeeOther)
		return nil
	}
	var inv *fault.Invalid
	if !errors.As(err, &inv) {
		return err
	}
	errs := map[string]string{}
	for _, f := range inv.Fields {
		// "preferences[2].email" is the email menu of the third kind.
		idx, field, _ := strings.Cut(strings.TrimPrefix(f.Field, "preferences["), "].")
		i, convErr := strconv.Atoi(idx)
		if convErr != nil || i < 0 || i >= len(notify.Kinds) {
			errs["notify"] = f.Message
			continue
		}
		if field == "email" {
			errs["email_"+notify.Kinds[i]] = "Choose immediately, in the daily digest, or never."
		} else {
			errs["notify"] = f.Message
		}
	}
	return a.renderProfile(w, r, rq, http.StatusUnprocessableEntity, profilePage{Errors: errs, Prefs: rows})
}
