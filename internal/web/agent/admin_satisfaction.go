package agent

import (
	"net/http"

	"github.com/docket/docket/internal/satisfaction"
	"github.com/docket/docket/internal/web"
)

// Admin → Satisfaction: whether requesters are asked to rate the help and
// on which scale.

func (a *Agent) adminSatisfactionRoutes(mux web.Router) {
	mux.Handle("GET /admin/satisfaction", a.admin(a.adminSatisfaction))
	mux.Handle("POST /admin/satisfaction", a.admin(a.adminSaveSatisfaction))
}

type adminSatisfactionPage struct {
	adminFrame
	Form   satisfaction.Settings
	Scales []satisfaction.Scale
	Errors map[string]string
}

func (a *Agent) renderSatisfaction(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminSatisfactionPage) error {
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	p.Scales = satisfaction.Scales
	p.adminFrame = a.adminFrame(w, r, rq, "Satisfaction", "satisfaction")
	return a.tmpl.Render(w, status, "admin_satisfaction", p)
}

func (a *Agent) adminSatisfaction(w http.ResponseWriter, r *http.Request, rq *request) error {
	s, err := a.Satisfaction.Settings(r.Context())
	if err != nil {
		return err
	}
	return a.renderSatisfaction(w, r, rq, http.StatusOK, adminSatisfactionPage{Form: s})
}

func (a *Agent) adminSaveSatisfaction(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := satisfaction.Settings{Enabled: checked(r, "enabled"), Scale: satisfaction.Scale(formValue(r, "scale"))}
	_, err := a.Satisfaction.SetSettings(r.Context(), rq.actor, f)
	if err == nil {
		a.site.Flash(w, "Satisfaction settings saved.")
		http.Redirect(w, r, "/admin/satisfaction", http.StatusSeeOther)
		return nil
	}
	errs := map[string]string{}
	status, ok := formFailure(err, errs)
	if !ok {
		return err
	}
	return a.renderSatisfaction(w, r, rq, status, adminSatisfactionPage{Form: f, Errors: errs})
}
