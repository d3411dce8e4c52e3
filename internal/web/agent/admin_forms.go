package agent

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
	"github.com/docket/docket/internal/webform"
)

// adminFormRoutes registers Admin → Web forms.
func (a *Agent) adminFormRoutes(mux web.Router) {
	mux.Handle("GET /admin/forms", a.admin(a.adminForms))
	mux.Handle("POST /admin/forms", a.admin(a.adminCreateForm))
	mux.Handle("GET /admin/forms/{id}", a.admin(a.adminFormEdit))
	mux.Handle("POST /admin/forms/{id}", a.admin(a.adminUpdateForm))
	mux.Handle("POST /admin/forms/{id}/delete", a.admin(a.adminDeleteForm))
}

// webFormForm is a web form's settings as typed.
type webFormForm struct {
	Name, Title, Intro, Type, Category, Team, Origins string
	Enabled                                           bool
}

func (f webFormForm) input() webform.Input {
	typ := ticket.Type(f.Type)
	origins := strings.Fields(strings.NewReplacer(",", " ").Replace(f.Origins))
	if origins == nil {
		origins = []string{}
	}
	return webform.Input{Name: &f.Name, Title: &f.Title, Intro: &f.Intro, Type: &typ, Category: &f.Category,
		Team: &f.Team, Origins: &origins, Enabled: &f.Enabled}
}

func readWebForm(r *http.Request) webFormForm {
	return webFormForm{Name: formValue(r, "name"), Title: formValue(r, "title"), Intro: r.PostFormValue("intro"),
		Type: formValue(r, "type"), Category: formValue(r, "category"), Team: formValue(r, "team"),
		Origins: r.PostFormValue("origins"), Enabled: checked(r, "enabled")}
}

type adminFormsPage struct {
	adminFrame
	Forms      []*webform.Form
	NextURL    string
	Form       webFormForm
	Errors     map[string]string
	Categories []*ticket.Category
	Teams      []*user.Team
	// F is the form being edited (the edit page).
	F *webform.Form
}

// choices fills the category and team lists of the settings form.
func (a *Agent) formChoices(r *http.Request, p *adminFormsPage) error {
	var err error
	if p.Categories, err = a.Tickets.Categories(r.Context(), 0, 500); err != nil {
		return err
	}
	p.Teams, err = a.Users.Teams(r.Context(), 0, 500)
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	return err
}

func (a *Agent) renderForms(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminFormsPage) error {
	fs, err := a.WebForms.List(r.Context(), rq.actor, afterParam(r), adminPageSize+1)
	if err != nil {
		return err
	}
	if len(fs) > adminPageSize {
		fs = fs[:adminPageSize]
		p.NextURL = nextPage(r, fs[len(fs)-1].ID)
	}
	p.Forms = fs
	if err := a.formChoices(r, &p); err != nil {
		return err
	}
	p.adminFrame = a.adminFrame(w, r, rq, "Web forms", "forms")
	return a.tmpl.Render(w, status, "admin_forms", p)
}

func (a *Agent) adminForms(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.renderForms(w, r, rq, http.StatusOK, adminFormsPage{Form: webFormForm{Type: string(ticket.Request), Enabled: true}})
}

func (a *Agent) adminCreateForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := readWebForm(r)
	f.Enabled = true
	created, err := a.WebForms.Create(r.Context(), rq.actor, f.input())
	if err == nil {
		a.site.Flash(w, fmt.Sprintf("Created the web form %s: paste its snippet into your site.", created.Name))
		http.Redirect(w, r, fmt.Sprintf("/admin/forms/%d", created.ID), http.StatusSeeOther)
		return nil
	}
	errs, status, ok := webFormErrors(err)
	if !ok {
		return err
	}
	return a.renderForms(w, r, rq, status, adminFormsPage{Form: f, Errors: errs})
}

func (a *Agent) renderFormEdit(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminFormsPage) error {
	if err := a.formChoices(r, &p); err != nil {
		return err
	}
	p.adminFrame = a.adminFrame(w, r, rq, "Web form "+p.F.Name, "forms")
	return a.tmpl.Render(w, status, "admin_form", p)
}

func (a *Agent) webForm(r *http.Request, rq *request) (*webform.Form, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return a.WebForms.Get(r.Context(), rq.actor, id)
}

func (a *Agent) adminFormEdit(w http.ResponseWriter, r *http.Request, rq *request) error {
	f, err := a.webForm(r, rq)
	if err != nil {
		return err
	}
	form := webFormForm{Name: f.Name, Title: f.Title, Intro: f.Intro, Type: string(f.Type), Origins: strings.Join(f.Origins, "\n"),
		Enabled: f.Enabled}
	if f.Category != nil {
		form.Category = *f.Category
	}
	if f.Team != nil {
		form.Team = *f.Team
	}
	return a.renderFormEdit(w, r, rq, http.StatusOK, adminFormsPage{F: f, Form: form})
}

func (a *Agent) adminUpdateForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	f, err := a.webForm(r, rq)
	if err != nil {
		return err
	}
	form := readWebForm(r)
	u, err := a.WebForms.Update(r.Context(), rq.actor, f.ID, form.input())
	if err == nil {
		a.site.Flash(w, fmt.Sprintf("Saved the web form %s.", u.Name))
		http.Redirect(w, r, fmt.Sprintf("/admin/forms/%d", u.ID), http.StatusSeeOther)
		return nil
	}
	errs, status, ok := webFormErrors(err)
	if !ok {
		return err
	}
	return a.renderFormEdit(w, r, rq, status, adminFormsPage{F: f, Form: form, Errors: errs})
}

func (a *Agent) adminDeleteForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	f, err := a.webForm(r, rq)
	if err != nil {
		return err
	}
	if err := a.WebForms.Delete(r.Context(), rq.actor, f.ID); err != nil {
		return err
	}
	a.site.Flash(w, fmt.Sprintf("Deleted the web form %s; its page answers “not found” from now on.", f.Name))
	http.Redirect(w, r, "/admin/forms", http.StatusSeeOther)
	return nil
}

// webFormErrors places a refusal's messages by the fields of the settings
// form ("origins[1]" by the sites), the rest above it.
func webFormErrors(err error) (map[string]string, int, bool) {
	errs := map[string]string{}
	status, ok := formFailure(err, errs)
	if !ok {
		return nil, 0, false
	}
	fields := []string{"name", "title", "intro", "type", "category", "team", "origins"}
	if other := placeErrors(errs, nil, func(k string) bool { return slices.Contains(fields, k) }); len(other) > 0 {
		errs["form"] = strings.Join(other, " ")
	}
	return errs, status, true
}
