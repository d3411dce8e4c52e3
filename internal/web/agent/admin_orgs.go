package agent

import (
	"fmt"
	"net/http"

	"github.com/docket/docket/internal/user"
)

type adminOrgsPage struct {
	adminFrame
	Orgs    []*user.Organization
	NextURL string
	Form    orgForm
	Errors  map[string]string
}

type orgForm struct {
	Name, Domain string
	Shared       bool
}

func (f orgForm) input() user.OrganizationInput {
	return user.OrganizationInput{Name: &f.Name, Domain: &f.Domain, SharedTickets: &f.Shared}
}

func readOrgForm(r *http.Request) orgForm {
	return orgForm{Name: formValue(r, "name"), Domain: formValue(r, "domain"), Shared: checked(r, "shared_tickets")}
}

func (a *Agent) renderOrgs(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminOrgsPage) error {
	list, err := a.Users.Organizations(r.Context(), afterParam(r), adminPageSize+1)
	if err != nil {
		return err
	}
	if len(list) > adminPageSize {
		list = list[:adminPageSize]
		p.NextURL = nextPage(r, list[len(list)-1].ID)
	}
	p.Orgs = list
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	p.adminFrame = a.adminFrame(w, r, rq, "Organizations", "organizations")
	return a.tmpl.Render(w, status, "admin_orgs", p)
}

func (a *Agent) adminOrgs(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.renderOrgs(w, r, rq, http.StatusOK, adminOrgsPage{})
}

func (a *Agent) adminCreateOrg(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := readOrgForm(r)
	o, err := a.Users.CreateOrganization(r.Context(), rq.actor, f.input())
	if err == nil {
		a.site.Flash(w, fmt.Sprintf("Created organization %s.", o.Name))
		http.Redirect(w, r, "/admin/organizations", http.StatusSeeOther)
		return nil
	}
	errs := map[string]string{}
	status, ok := formFailure(err, errs)
	if !ok {
		return err
	}
	return a.renderOrgs(w, r, rq, status, adminOrgsPage{Form: f, Errors: errs})
}

type adminOrgPage struct {
	adminFrame
	O      *user.Organization
	Form   orgForm
	Errors map[string]string
}

func (a *Agent) renderOrg(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminOrgPage) error {
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	p.adminFrame = a.adminFrame(w, r, rq, "Organization "+p.O.Name, "organizations")
	return a.tmpl.Render(w, status, "admin_org", p)
}

func (a *Agent) org(r *http.Request) (*user.Organization, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return a.Users.Organization(r.Context(), id)
}

func (a *Agent) adminOrgForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	o, err := a.org(r)
	if err != nil {
		return err
	}
	return a.renderOrg(w, r, rq, http.StatusOK, adminOrgPage{O: o, Form: orgForm{Name: o.Name, Domain: o.Domain, Shared: o.SharedTickets}})
}

func (a *Agent) adminUpdateOrg(w http.ResponseWriter, r *http.Request, rq *request) error {
	o, err := a.org(r)
	if err != nil {
		return err
	}
	f := readOrgForm(r)
	u, err := a.Users.UpdateOrganization(r.Context(), rq.actor, o.ID, f.input())
	if err == nil {
		a.site.Flash(w, fmt.Sprintf("Saved organization %s.", u.Name))
		http.Redirect(w, r, "/admin/organizations", http.StatusSeeOther)
		return nil
	}
	errs := map[string]string{}
	status, ok := formFailure(err, errs)
	if !ok {
		return err
	}
	return a.renderOrg(w, r, rq, status, adminOrgPage{O: o, Form: f, Errors: errs})
}
