package agent

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/assign"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

// availabilityLabels word an agent's availability in the header menu.
var availabilityLabels = map[string]string{assign.Available: "Available", assign.Away: "Away", assign.Unavailable: "Off"}

// availabilityChoice is one entry of the header's availability menu.
type availabilityChoice struct {
	Value, Label, Hint string
}

// availabilityChoices are the header menu's entries, in order.
var availabilityChoices = []availabilityChoice{
	{assign.Available, "Available", "Gets tickets by your teams' strategies"},
	{assign.Away, "Away", "No new tickets for now (also set after a while idle)"},
	{assign.Unavailable, "Off", "No new tickets until you switch back"},
}

// AvailabilityLabel words the signed-in agent's availability.
func (l Layout) AvailabilityLabel() string { return availabilityLabels[l.Availability] }

// AvailabilityChoices lists the header menu's entries.
func (Layout) AvailabilityChoices() []availabilityChoice { return availabilityChoices }

// setAvailability is the header menu's form: the agent sets their own
// availability and goes back to the page they were on.
func (a *Agent) setAvailability(w http.ResponseWriter, r *http.Request, rq *request) error {
	back := web.SafeNext(r.PostFormValue("back"))
	v := r.PostFormValue("availability")
	if _, err := a.Assign.SetAvailability(r.Context(), rq.actor, rq.actor.ID, v); err != nil {
		errs := map[string]string{}
		if !fieldErrors(err, errs) {
			return err
		}
		a.site.Flash(w, "Availability not changed: "+errs["availability"])
	} else {
		a.site.Flash(w, "You are "+strings.ToLower(availabilityLabels[v])+" now.")
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// teamAssignment is the team page's "Automatic assignment" section.
type teamAssignment struct {
	Settings   *assign.Settings
	Strategy   string
	Cap        string
	MemberCaps map[string]string // email → own cap as typed ("" for the team's)
}

// Strategies lists the strategies with their labels, for the select.
func (teamAssignment) Strategies() []availabilityChoice {
	var out []availabilityChoice
	for _, s := range assign.Strategies {
		out = append(out, availabilityChoice{Value: s, Label: assign.StrategyLabels[s]})
	}
	return out
}

// AvailabilityLabel words a member's availability.
func (teamAssignment) AvailabilityLabel(v string) string { return availabilityLabels[v] }

func (a *Agent) loadTeamAssignment(r *http.Request, rq *request, p *adminTeamPage) error {
	st, err := a.Assign.Settings(r.Context(), rq.actor, p.T.ID)
	if err != nil {
		return err
	}
	if p.Assignment.MemberCaps == nil {
		p.Assignment = teamAssignment{Strategy: st.Strategy, Cap: strconv.Itoa(st.Cap), MemberCaps: map[string]string{}}
		for _, m := range st.Members {
			if m.OwnCap != nil {
				p.Assignment.MemberCaps[m.Email] = strconv.Itoa(*m.OwnCap)
			}
		}
	}
	p.Assignment.Settings = st
	return nil
}

// adminTeamAssignment saves a team's strategy, cap and members' own caps;
// a refused value comes back as typed, next to its field.
func (a *Agent) adminTeamAssignment(w http.ResponseWriter, r *http.Request, rq *request) error {
	t, err := a.team(r)
	if err != nil {
		return err
	}
	f := teamAssignment{Strategy: formValue(r, "strategy"), Cap: formValue(r, "cap"), MemberCaps: map[string]string{}}
	errs := map[string]string{}
	in := assign.Input{Strategy: &f.Strategy}
	number := func(key, v string) *int {
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			errs[key] = "Enter a whole number, or leave it empty."
			return nil
		}
		return &n
	}
	if c := number("assignment.cap", f.Cap); c != nil {
		in.Cap = c
	} else if f.Cap == "" {
		zero := 0
		in.Cap = &zero
	}
	emails := r.PostForm["member"]
	caps := r.PostForm["member_cap"]
	for i, email := range emails {
		v := ""
		if i < len(caps) {
			v = strings.TrimSpace(caps[i])
		}
		f.MemberCaps[email] = v
		in.MemberCaps = append(in.MemberCaps, assign.MemberCap{Email: email, Cap: number(fmt.Sprintf("assignment.members[%d].cap", i), v)})
	}
	if len(errs) == 0 {
		_, err := a.Assign.Update(r.Context(), rq.actor, t.ID, in)
		if err == nil {
			a.site.Flash(w, fmt.Sprintf("Saved the automatic assignment of %s.", t.Name))
			http.Redirect(w, r, fmt.Sprintf("/admin/teams/%d#assignment", t.ID), http.StatusSeeOther)
			return nil
		}
		if !fieldErrors(err, errs) {
			return err
		}
	}
	return a.renderTeam(w, r, rq, http.StatusUnprocessableEntity, adminTeamPage{T: t,
		Form: teamForm{Name: t.Name, Restricted: t.Restricted}, Assignment: f, Errors: errs})
}

// userSkills is the user page's "Skills" section (agents and admins).
type userSkills struct {
	Text string
}

// adminUserSkills replaces a user's skills, typed comma-separated.
func (a *Agent) adminUserSkills(w http.ResponseWriter, r *http.Request, rq *request) error {
	u, err := a.pathUser(r)
	if err != nil {
		return err
	}
	id := u.ID
	text := formValue(r, "skills")
	var skills []string
	for _, s := range strings.Split(text, ",") {
		if s = strings.TrimSpace(s); s != "" {
			skills = append(skills, s)
		}
	}
	errs := map[string]string{}
	if u.Role == user.RoleRequester {
		errs["skills"] = "Requesters have no skills; only agents and admins do."
	} else if _, err := a.Assign.SetSkills(r.Context(), rq.actor, id, skills); err == nil {
		a.site.Flash(w, "Saved the skills of "+u.Email+".")
		http.Redirect(w, r, fmt.Sprintf("/admin/users/%d#skills", id), http.StatusSeeOther)
		return nil
	} else if !fieldErrors(err, errs) {
		return err
	}
	for k, v := range errs {
		if strings.HasPrefix(k, "skills[") {
			errs["skills"] = v
		}
	}
	p := userPage(u)
	p.Skills, p.Errors = &userSkills{Text: text}, errs
	return a.renderUserForm(w, r, rq, http.StatusUnprocessableEntity, p)
}
