package agent

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/docket/docket/internal/automation"
)

// timeRuleForm is the time rule form's state: the trigger form's name,
// conditions and actions, and when the rule acts.
type timeRuleForm struct {
	triggerForm
	Since, Amount, Unit, Calendar string
}

func timeRuleFormOf(r *automation.TimeRule) timeRuleForm {
	f := timeRuleForm{triggerForm: triggerFormOf(&automation.Trigger{Name: r.Name, Enabled: r.Enabled,
		Conditions: r.Conditions, Actions: r.Actions}), Since: r.Since}
	amount, unit := splitMinutes(r.Minutes)
	f.Amount, f.Unit = strconv.Itoa(amount), unit
	if r.CalendarID != 0 {
		f.Calendar = strconv.FormatInt(r.CalendarID, 10)
	}
	return f
}

// readTimeRuleForm reads the posted form; edit as readTriggerForm says.
func readTimeRuleForm(r *http.Request) (timeRuleForm, bool) {
	tf, edit := readTriggerForm(r)
	return timeRuleForm{triggerForm: tf, Since: formValue(r, "since"), Amount: formValue(r, "amount"),
		Unit: formValue(r, "unit"), Calendar: formValue(r, "calendar")}, edit
}

// input turns the form into the service's input, with the errors the form
// itself can tell under the service's names.
func (f timeRuleForm) input(a *Agent, r *http.Request) (automation.TimeRuleInput, map[string]string, error) {
	defs, err := a.Tickets.FieldDefs(r.Context())
	if err != nil {
		return automation.TimeRuleInput{}, nil, err
	}
	in, errs := f.triggerForm.input(defs)
	out := automation.TimeRuleInput{Name: in.Name, Enabled: in.Enabled, Conditions: in.Conditions, Actions: in.Actions}
	since := f.Since
	out.Since = &since
	unit := slices.IndexFunc(timeUnits, func(u struct {
		Name    string
		Minutes int
	}) bool {
		return u.Name == f.Unit
	})
	// What the form cannot read goes to the service as a value it refuses,
	// so the page shows its errors together with every other.
	minutes := 0
	if amount, err := strconv.Atoi(f.Amount); err == nil && amount > 0 && unit >= 0 {
		minutes = min(min(amount, automation.MaxMinutes+1)*timeUnits[unit].Minutes, automation.MaxMinutes+1)
	}
	out.Minutes = &minutes
	var cal int64
	if f.Calendar != "" {
		if cal, err = strconv.ParseInt(f.Calendar, 10, 64); err != nil || cal <= 0 {
			cal = -1
		}
	}
	out.CalendarID = &cal
	return out, errs, nil
}

// adminTimeRulePage is a time rule's page: the rule form (the trigger
// form's rows, with when the rule acts), and for a saved rule the tickets
// it would act on now, what it did and the delete box.
type adminTimeRulePage struct {
	adminTriggerPage
	R    *automation.TimeRule // nil for a new rule
	Form timeRuleForm
	errs map[string]string

	Sinces    []string
	Units     []string
	Calendars []calendarChoice

	// ShowDue says the dry run was asked for; Due are its tickets.
	ShowDue bool
	Due     []automation.Due
	MoreDue bool
	Fires   []automation.Fire
}

// SinceLabel names a moment for the form.
func (adminTimeRulePage) SinceLabel(s string) string { return sinceLabel(s, false) }

// CalendarAttr ties the clock's select to its error.
func (p *adminTimeRulePage) CalendarAttr() template.HTMLAttr {
	return errAttrs("calendar_id", p.Errors)
}

// timeRuleOps are the operators a time rule's conditions may use: those
// of triggers but the change operators (a time rule has no event).
func timeRuleOps(ops []string) []string {
	return slices.DeleteFunc(slices.Clone(ops), func(op string) bool {
		return op == automation.OpChanged || op == automation.OpChangedTo || op == automation.OpChangedFrom
	})
}

func (a *Agent) renderTimeRule(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminTimeRulePage) error {
	ctx := r.Context()
	tp := &p.adminTriggerPage
	tp.Form, tp.Errors = p.Form.triggerForm, p.errs
	if tp.Errors == nil {
		tp.Errors = map[string]string{}
	}
	// The clock's errors sit next to it; the rest as the trigger form
	// places them.
	mine := map[string]string{}
	for _, k := range []string{"since", "minutes", "calendar_id", "delete"} {
		if m, ok := tp.Errors[k]; ok {
			mine[k] = m
			delete(tp.Errors, k)
		}
	}
	tp.Other = placeTriggerErrors(tp.Errors, tp.Form)
	for k, m := range mine {
		tp.Errors[k] = m
	}
	if err := a.ruleChoices(ctx, rq, tp); err != nil {
		return err
	}
	tp.Fields = slices.DeleteFunc(tp.Fields, func(f automation.FieldOption) bool { return f.Group == "Message and event" })
	for i := range tp.Fields {
		tp.Fields[i].Ops = timeRuleOps(tp.Fields[i].Ops)
	}
	tp.Operators = timeRuleOps(tp.Operators)
	p.Sinces = automation.Sinces
	for _, u := range timeUnits {
		p.Units = append(p.Units, u.Name)
	}
	cals, err := a.Calendars.List(ctx, rq.actor, 0, 500)
	if err != nil {
		return err
	}
	p.Calendars = calendarChoices(cals)
	title := "New time rule"
	if p.R != nil {
		title = "Time rule " + p.R.Name
		if p.Fires, err = a.Automation.TimeRules().Fires(ctx, rq.actor, p.R.ID, time.Time{}, timeRuleFiresSize); err != nil {
			return err
		}
		if p.R.Builtin == "" {
			tp.DeleteBox = deleteBox{Section: "time-rule-delete", Action: fmt.Sprintf("/admin/time-rules/%d/delete", p.R.ID),
				What: "this time rule and what it recorded", Button: "Delete time rule", Error: tp.Errors["delete"]}
		}
	}
	tp.adminFrame = a.adminFrame(w, r, rq, title, "time-rules")
	tp.DeleteBox.CSRF = tp.CSRF
	return a.tmpl.Render(w, status, "admin_time_rule", &p)
}

// newTimeRuleForm is the form of a new rule: on, an hour after creation,
// in calendar time, with one empty action row.
func newTimeRuleForm() timeRuleForm {
	return timeRuleForm{triggerForm: triggerForm{Enabled: true, Actions: []actionRow{{}}},
		Since: automation.SinceCreated, Amount: "1", Unit: "hours"}
}

func (a *Agent) adminNewTimeRuleForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.renderTimeRule(w, r, rq, http.StatusOK, adminTimeRulePage{Form: newTimeRuleForm()})
}

// adminTimeRuleForm shows a rule's page; with ?due=1 it lists the tickets
// the rule would act on now (the dry run, which writes nothing).
func (a *Agent) adminTimeRuleForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	rule, err := a.timeRule(r, rq)
	if err != nil {
		return err
	}
	p := adminTimeRulePage{R: rule, Form: timeRuleFormOf(rule), ShowDue: r.URL.Query().Get("due") != ""}
	if p.ShowDue {
		if p.Due, p.MoreDue, err = a.Automation.TimeRules().DueNow(r.Context(), rq.actor, rule.ID, timeRuleDueSize); err != nil {
			p.errs = map[string]string{}
			status, ok := formFailure(err, p.errs)
			if !ok {
				return err
			}
			return a.renderTimeRule(w, r, rq, status, p)
		}
	}
	return a.renderTimeRule(w, r, rq, http.StatusOK, p)
}

// saveTimeRule creates a time rule (POST /admin/time-rules/new) or
// changes the one of the path from the posted form, or shows the form
// again with a row added or removed. A refused form comes back as typed,
// each error next to its field or row.
func (a *Agent) saveTimeRule(w http.ResponseWriter, r *http.Request, rq *request) error {
	var rule *automation.TimeRule
	if r.PathValue("id") != "" {
		var err error
		if rule, err = a.timeRule(r, rq); err != nil {
			return err
		}
	}
	f, edit := readTimeRuleForm(r)
	if edit {
		return a.renderTimeRule(w, r, rq, http.StatusOK, adminTimeRulePage{R: rule, Form: f})
	}
	in, errs, err := f.input(a, r)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return a.renderTimeRule(w, r, rq, http.StatusUnprocessableEntity, adminTimeRulePage{R: rule, Form: f, errs: errs})
	}
	var saved *automation.TimeRule
	if rule == nil {
		saved, err = a.Automation.TimeRules().Create(r.Context(), rq.actor, in)
	} else {
		saved, err = a.Automation.TimeRules().Update(r.Context(), rq.actor, rule.ID, in)
	}
	if err != nil {
		return refusedForm(err, errs, func(status int) error {
			return a.renderTimeRule(w, r, rq, status, adminTimeRulePage{R: rule, Form: f, errs: errs})
		})
	}
	return a.savedRule(w, r, rule == nil, "time rule", saved.Name, fmt.Sprintf("/admin/time-rules/%d", saved.ID))
}
