package agent

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/docket/docket/internal/user"
)

type adminTeamsPage struct {
	adminFrame
	Teams   []*user.Team
	NextURL string
	Form    teamForm
	Errors  map[string]string
}

type teamForm struct {
	Name       string
	Restricted bool
}

func (a *Agent) renderTeams(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminTeamsPage) error {
	ts, err := a.Users.Teams(r.Context(), afterParam(r), adminPageSize+1)
	if err != nil {
		return err
	}
	if len(ts) > adminPageSize {
		ts = ts[:adminPageSize]
		p.NextURL = nextPage(r, ts[len(ts)-1].ID)
	}
	p.Teams = ts
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	p.adminFrame = a.adminFrame(w, r, rq, "Teams", "teams")
	return a.tmpl.Render(w, status, "admin_teams", p)
}

func (a *Agent) adminTeams(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.renderTeams(w, r, rq, http.StatusOK, adminTeamsPage{})
}

func (a *Agent) adminCreateTeam(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := teamForm{Name: formValue(r, "name"), Restricted: checked(r, "restricted")}
	t, err := a.Users.CreateTeam(r.Context(), rq.actor, user.TeamInput{Name: &f.Name, Restricted: &f.Restricted})
	if err == nil {
		a.site.Flash(w, fmt.Sprintf("Created team %s; add its members below.", t.Name))
		http.Redirect(w, r, fmt.Sprintf("/admin/teams/%d", t.ID), http.StatusSeeOther)
		return nil
	}
	errs := map[string]string{}
	status, ok := formFailure(err, errs)
	if !ok {
		return err
	}
	return a.renderTeams(w, r, rq, status, adminTeamsPage{Form: f, Errors: errs})
}

type adminTeamPage struct {
	adminFrame
	T      *user.Team
	Form   teamForm
	Member string // the address in the add-member box
	Agents []*user.User
	Errors map[string]string
	// Assignment is the automatic assignment section.
	Assignment teamAssignment
}

// IsLead reports whether the member with email leads the team.
func (p adminTeamPage) IsLead(email string) bool { return slices.Contains(p.T.Leads, email) }

func (a *Agent) renderTeam(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminTeamPage) error {
	agents, err := a.agentUsers(r.Context())
	if err != nil {
		return err
	}
	p.Agents = agents
	if err := a.loadTeamAssignment(r, rq, &p); err != nil {
		return err
	}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	p.adminFrame = a.adminFrame(w, r, rq, "Team "+p.T.Name, "teams")
	return a.tmpl.Render(w, status, "admin_team", p)
}

// team loads the team of the path.
func (a *Agent) team(r *http.Request) (*user.Team, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return a.Users.Team(r.Context(), id)
}

func (a *Agent) adminTeamForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	t, err := a.team(r)
	if err != nil {
		return err
	}
	return a.renderTeam(w, r, rq, http.StatusOK, adminTeamPage{T: t, Form: teamForm{Name: t.Name, Restricted: t.Restricted}})
}

// adminUpdateTeam renames a team or changes whether it is restricted.
func (a *Agent) adminUpdateTeam(w http.ResponseWriter, r *http.Request, rq *request) error {
	t, err := a.team(r)
	if err != nil {
		return err
	}
	f := teamForm{Name: formValue(r, "name"), Restricted: checked(r, "restricted")}
	u, err := a.Users.UpdateTeam(r.Context(), rq.actor, t.ID, user.TeamInput{Name: &f.Name, Restricted: &f.Restricted})
	if err == nil {
		a.site.Flash(w, fmt.Sprintf("Saved team %s.", u.Name))
		http.Redirect(w, r, fmt.Sprintf("/admin/teams/%d", t.ID), http.StatusSeeOther)
		return nil
	}
	errs := map[string]string{}
	status, ok := formFailure(err, errs)
	if !ok {
		return err
	}
	return a.renderTeam(w, r, rq, status, adminTeamPage{T: t, Form: f, Errors: errs})
}

func (a *Agent) adminAddMember(w http.ResponseWriter, r *http.Request, rq *request) error {
	t, err := a.team(r)
	if err != nil {
		return err
	}
	email := formValue(r, "email")
	errs := map[string]string{}
	if email == "" {
		errs["member"] = "Enter the email of an agent or admin."
	} else if _, err = a.Users.AddMember(r.Context(), rq.actor, t.ID, email); err == nil {
		a.site.Flash(w, fmt.Sprintf("Added %s to %s.", email, t.Name))
		http.Redirect(w, r, fmt.Sprintf("/admin/teams/%d", t.ID), http.StatusSeeOther)
		return nil
	} else if !fieldErrors(err, errs) {
		return err
	}
	// The service names the field members[0]; show it under the box.
	for k, v := range errs {
		if strings.HasPrefix(k, "members") {
			errs["member"] = v
		}
	}
	return a.renderTeam(w, r, rq, http.StatusUnprocessableEntity, adminTeamPage{T: t,
		Form: teamForm{Name: t.Name, Restricted: t.Restricted}, Member: email, Errors: errs})
}

// adminSetLead makes a member a lead of the team, or no longer one.
func (a *Agent) adminSetLead(w http.ResponseWriter, r *http.Request, rq *request) error {
	t, err := a.team(r)
	if err != nil {
		return err
	}
	email, lead := formValue(r, "email"), formValue(r, "lead") == "1"
	if _, err := a.Users.SetLead(r.Context(), rq.actor, t.ID, email, lead); err != nil {
		return err
	}
	msg := "%s leads %s now."
	if !lead {
		msg = "%s no longer leads %s."
	}
	a.site.Flash(w, fmt.Sprintf(msg, email, t.Name))
	http.Redirect(w, r, fmt.Sprintf("/admin/teams/%d", t.ID), http.StatusSeeOther)
	return nil
}

func (a *Agent) adminRemoveMember(w http.ResponseWriter, r *http.Request, rq *request) error {
	t, err := a.team(r)
	if err != nil {
		return err
	}
	email := formValue(r, "email")
	if _, err := a.Users.RemoveMember(r.Context(), rq.actor, t.ID, email); err != nil {
		return err
	}
	a.site.Flash(w, fmt.Sprintf("Removed %s from %s.", email, t.Name))
	http.Redirect(w, r, fmt.Sprintf("/admin/teams/%d", t.ID), http.StatusSeeOther)
	return nil
}
