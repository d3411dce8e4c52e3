package agent

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/calendar"
	"github.com/docket/docket/internal/sla"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

// adminSLARoutes registers Admin → SLA policies.
func (a *Agent) adminSLARoutes(mux web.Router) {
	mux.Handle("GET /admin/sla-policies", a.admin(a.adminPolicies))
	mux.Handle("GET /admin/sla-policies/new", a.admin(a.adminNewPolicyForm))
	mux.Handle("POST /admin/sla-policies/new", a.admin(a.adminSavePolicy))
	mux.Handle("GET /admin/sla-policies/{id}", a.admin(a.adminPolicyForm))
	mux.Handle("POST /admin/sla-policies/{id}", a.admin(a.adminSavePolicy))
	mux.Handle("POST /admin/sla-policies/{id}/delete", a.admin(a.adminDeletePolicy))
}

type adminPoliciesPage struct {
	adminFrame
	Policies []*sla.Policy
}

func (a *Agent) adminPolicies(w http.ResponseWriter, r *http.Request, rq *request) error {
	ps, err := a.SLA.List(r.Context(), rq.actor, 0, 1000)
	if err != nil {
		return err
	}
	p := adminPoliciesPage{Policies: ps}
	p.adminFrame = a.adminFrame(w, r, rq, "SLA policies", "sla-policies")
	return a.tmpl.Render(w, http.StatusOK, "admin_sla_policies", p)
}

// policyForm is the editor's state as typed.
type policyForm struct {
	Name, Position, CalendarID, WarnPercent string
	Enabled, Notify, RaisePriority          bool
	Team                                    string
	Conditions                              []conditionRow
	Targets                                 []targetRow
}

type conditionRow struct {
	Key, Field, Op, Value string
}

type targetRow struct {
	Priority, Label string
	Goals           []goalCell
}

type goalCell struct {
	Key, Label, Value string
}

// extraConditionRows are the empty rows offered to add conditions.
const extraConditionRows = 2

func policyFormOf(p *sla.Policy) policyForm {
	f := policyForm{Name: p.Name, Enabled: p.Enabled, WarnPercent: strconv.Itoa(p.WarnPercent),
		Notify: p.Escalation.Notify, RaisePriority: p.Escalation.RaisePriority, Team: p.Escalation.TeamName}
	if p.ID != 0 {
		f.Position = strconv.Itoa(p.Position)
	}
	if p.CalendarID != 0 {
		f.CalendarID = strconv.FormatInt(p.CalendarID, 10)
	}
	for _, c := range p.Conditions {
		f.Conditions = append(f.Conditions, conditionRow{Field: c.Field, Op: c.Op, Value: c.Value})
	}
	goals := map[string]string{}
	for _, t := range p.Targets {
		for _, name := range sla.Targets {
			if g := t.Goal(name); g > 0 {
				goals[ticket.Priority(t.Priority).String()+"-"+name] = strconv.Itoa(g)
			}
		}
	}
	f.layout(goals)
	return f
}

// layout numbers the condition rows, adds the empty ones, and lays the
// goals out by priority.
func (f *policyForm) layout(goals map[string]string) {
	for range extraConditionRows {
		f.Conditions = append(f.Conditions, conditionRow{Op: sla.OpIs})
	}
	for i := range f.Conditions {
		f.Conditions[i].Key = fmt.Sprintf("cond-%d", i)
	}
	f.Targets = nil
	for _, prio := range []ticket.Priority{ticket.P1, ticket.P2, ticket.P3, ticket.P4} {
		row := targetRow{Priority: prio.String(), Label: strings.ToUpper(prio.String()) + " " + prio.Label()}
		for _, name := range sla.Targets {
			key := prio.String() + "-" + name
			row.Goals = append(row.Goals, goalCell{Key: "t-" + key, Label: row.Label + " " + sla.TargetLabel(name), Value: goals[key]})
		}
		f.Targets = append(f.Targets, row)
	}
}

// readPolicyForm reads the editor and returns the service input, the form
// keys of the conditions and targets it sent (to put the service's errors
// beside their rows), and the errors of values that are not numbers.
func readPolicyForm(r *http.Request) (policyForm, sla.Input, []string, []string, map[string]string) {
	errs := map[string]string{}
	f := policyForm{Name: formValue(r, "name"), Position: formValue(r, "position"), CalendarID: formValue(r, "calendar_id"),
		WarnPercent: formValue(r, "warn_percent"), Enabled: checked(r, "enabled"), Notify: checked(r, "notify"),
		RaisePriority: checked(r, "raise_priority"), Team: formValue(r, "team")}
	in := sla.Input{Name: &f.Name, Enabled: &f.Enabled,
		Escalation: &sla.EscalationInput{Notify: f.Notify, RaisePriority: f.RaisePriority, Team: f.Team}}
	number := func(key, v string) *int {
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			errs[key] = "Must be a whole number."
			return nil
		}
		return &n
	}
	in.Position = number("position", f.Position)
	if wp := number("warn_percent", f.WarnPercent); wp != nil {
		in.WarnPercent = wp
	}
	if f.CalendarID != "" {
		id, err := strconv.ParseInt(f.CalendarID, 10, 64)
		if err != nil {
			errs["calendar_id"] = "Choose a calendar."
		}
		in.CalendarID = &id
	}
	conds := []sla.ConditionInput{}
	var condKeys []string
	for i := 0; i < sla.MaxConditions+extraConditionRows; i++ {
		key := fmt.Sprintf("cond-%d", i)
		if _, ok := r.PostForm[key+"-field"]; !ok {
			break
		}
		row := conditionRow{Field: formValue(r, key+"-field"), Op: formValue(r, key+"-op"), Value: formValue(r, key+"-value")}
		if row.Field == "" && row.Value == "" {
			continue
		}
		f.Conditions = append(f.Conditions, row)
		conds = append(conds, sla.ConditionInput{Field: row.Field, Op: row.Op, Value: row.Value})
		condKeys = append(condKeys, fmt.Sprintf("cond-%d", len(f.Conditions)-1))
	}
	in.Conditions = &conds
	goals := map[string]string{}
	targets := []sla.TargetInput{}
	var targetKeys []string
	for _, prio := range []string{"p1", "p2", "p3", "p4"} {
		ti := sla.TargetInput{Priority: prio}
		typed := false
		for _, name := range sla.Targets {
			key := prio + "-" + name
			goals[key] = formValue(r, "t-"+key)
			n := number("t-"+key, goals[key])
			switch name {
			case sla.FirstResponse:
				ti.FirstResponse = n
			case sla.NextResponse:
				ti.NextResponse = n
			case sla.Resolution:
				ti.Resolution = n
			}
			typed = typed || goals[key] != ""
		}
		if typed {
			targets = append(targets, ti)
			targetKeys = append(targetKeys, "t-"+prio)
		}
	}
	in.Targets = &targets
	f.layout(goals)
	return f, in, condKeys, targetKeys, errs
}

var listErrorRe = regexp.MustCompile(`^(conditions|targets)\[(\d+)\]\.(\w+)$`)

// policyErrors puts the service's field errors on the form: a condition's
// on its row (cond-0-value), a goal in its cell (t-p1-resolution).
func policyErrors(err error, condKeys, targetKeys []string, errs map[string]string) (int, bool) {
	status, ok := formFailure(err, errs)
	if !ok {
		return 0, false
	}
	for field, msg := range errs {
		m := listErrorRe.FindStringSubmatch(field)
		if m == nil {
			continue
		}
		i, _ := strconv.Atoi(m[2])
		keys := condKeys
		if m[1] == "targets" {
			keys = targetKeys
		}
		if i >= len(keys) {
			continue
		}
		delete(errs, field)
		errs[keys[i]+"-"+m[3]] = msg
	}
	if msg, ok := errs["escalation.team"]; ok {
		delete(errs, "escalation.team")
		errs["team"] = msg
	}
	return status, true
}

type adminPolicyPage struct {
	adminFrame
	P         *sla.Policy // nil for a new policy
	Form      policyForm
	Errors    map[string]string
	Calendars []*calendar.Calendar
	Teams     []*user.Team
	Fields    []string // what a condition may test
}

func (a *Agent) renderPolicy(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminPolicyPage) error {
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	var err error
	if p.Calendars, err = a.Calendars.List(r.Context(), rq.actor, 0, 1000); err != nil {
		return err
	}
	if p.Teams, err = a.Users.Teams(r.Context(), 0, 1000); err != nil {
		return err
	}
	p.Fields = append([]string{}, sla.ConditionFields...)
	defs, err := a.Tickets.FieldDefs(r.Context())
	if err != nil {
		return err
	}
	for _, d := range defs {
		p.Fields = append(p.Fields, sla.CustomFieldPrefix+d.Key)
	}
	title := "New SLA policy"
	if p.P != nil {
		title = "SLA policy: " + p.P.Name
	}
	p.adminFrame = a.adminFrame(w, r, rq, title, "sla-policies")
	return a.tmpl.Render(w, status, "admin_sla_policy", p)
}

func (a *Agent) adminNewPolicyForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := policyFormOf(&sla.Policy{Enabled: true, WarnPercent: sla.DefaultWarnPercent})
	return a.renderPolicy(w, r, rq, http.StatusOK, adminPolicyPage{Form: f})
}

func (a *Agent) policy(r *http.Request, rq *request) (*sla.Policy, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return a.SLA.Get(r.Context(), rq.actor, id)
}

func (a *Agent) adminPolicyForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	p, err := a.policy(r, rq)
	if err != nil {
		return err
	}
	return a.renderPolicy(w, r, rq, http.StatusOK, adminPolicyPage{P: p, Form: policyFormOf(p)})
}

// adminSavePolicy creates a policy (at /new) or saves one, or shows the
// form again with what was typed and the errors.
func (a *Agent) adminSavePolicy(w http.ResponseWriter, r *http.Request, rq *request) error {
	var p *sla.Policy
	if r.PathValue("id") != "" {
		var err error
		if p, err = a.policy(r, rq); err != nil {
			return err
		}
	}
	f, in, condKeys, targetKeys, errs := readPolicyForm(r)
	if len(errs) > 0 {
		return a.renderPolicy(w, r, rq, http.StatusUnprocessableEntity, adminPolicyPage{P: p, Form: f, Errors: errs})
	}
	var saved *sla.Policy
	var err error
	verb := "Saved"
	if p == nil {
		saved, err = a.SLA.Create(r.Context(), rq.actor, in)
		verb = "Created"
	} else {
		saved, err = a.SLA.Update(r.Context(), rq.actor, p.ID, in)
	}
	if err == nil {
		a.site.Flash(w, fmt.Sprintf("%s SLA policy %s.", verb, saved.Name))
		http.Redirect(w, r, fmt.Sprintf("/admin/sla-policies/%d", saved.ID), http.StatusSeeOther)
		return nil
	}
	status, ok := policyErrors(err, condKeys, targetKeys, errs)
	if !ok {
		return err
	}
	return a.renderPolicy(w, r, rq, status, adminPolicyPage{P: p, Form: f, Errors: errs})
}

func (a *Agent) adminDeletePolicy(w http.ResponseWriter, r *http.Request, rq *request) error {
	p, err := a.policy(r, rq)
	if err != nil {
		return err
	}
	page := adminPolicyPage{P: p, Form: policyFormOf(p), Errors: map[string]string{}}
	return a.confirmedDelete(w, r, page.Errors, func() error { return a.SLA.Delete(r.Context(), rq.actor, p.ID) },
		fmt.Sprintf("Deleted SLA policy %s.", p.Name), "/admin/sla-policies",
		func(status int) error { return a.renderPolicy(w, r, rq, status, page) })
}

// DeleteBox feeds the delete section.
func (p adminPolicyPage) DeleteBox() deleteBox {
	return deleteBox{Section: "policy-delete", Action: fmt.Sprintf("/admin/sla-policies/%d/delete", p.P.ID), What: p.P.Name,
		Button: "Delete policy", CSRF: p.CSRF, Error: p.Errors["delete"]}
}

// TargetLabel names a target for the table's head.
func (adminPolicyPage) TargetLabel(name string) string {
	l := sla.TargetLabel(name)
	return strings.ToUpper(l[:1]) + l[1:]
}

// HasField reports whether a condition's field is one the form offers.
func (p adminPolicyPage) HasField(f string) bool { return slices.Contains(p.Fields, f) }

// TargetNames are the targets in order, for the table's head.
func (adminPolicyPage) TargetNames() []string { return sla.Targets }
