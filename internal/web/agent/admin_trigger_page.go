package agent

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/webhook"
)

// adminTriggerPage is a trigger's page: the form, and for a saved trigger
// the dry run, the run log and the delete box.
type adminTriggerPage struct {
	adminFrame
	T      *automation.Trigger // nil for a new trigger
	Form   triggerForm
	Errors map[string]string
	// Other are errors for nothing on the form, in words.
	Other []string

	Events      []string
	Fields      []automation.FieldOption
	Operators   []string
	ActionTypes []string
	Settable    []settableField
	Resolutions []ticket.Resolution
	Teams       []*user.Team
	Webhooks    []*webhook.Webhook

	TestTicket string
	Test       *automation.TestResult

	Runs      []automation.Run
	NextURL   string
	FirstURL  string
	DeleteBox deleteBox
}

// settableField is a field a set action may change, for the form.
type settableField struct{ Name, Label string }

// EventLabel names an event kind in words.
func (adminTriggerPage) EventLabel(kind string) string { return eventLabel(kind) }

// OpLabel names an operator in words.
func (adminTriggerPage) OpLabel(op string) string { return opLabel(op) }

func opLabel(op string) string {
	switch op {
	case automation.OpIsNot:
		return "is not"
	case automation.OpNotContains:
		return "does not contain"
	case automation.OpStartsWith:
		return "starts with"
	case automation.OpGreater:
		return "greater than"
	case automation.OpLess:
		return "less than"
	case automation.OpWithinHours:
		return "within business hours of calendar"
	case automation.OpOutsideHours:
		return "outside business hours of calendar"
	case automation.OpChangedTo:
		return "changed to"
	case automation.OpChangedFrom:
		return "changed from"
	}
	return op
}

// ActionLabel names an action kind in words.
func (adminTriggerPage) ActionLabel(kind string) string {
	switch kind {
	case automation.ActSet:
		return "Set a field"
	case automation.ActAddTags:
		return "Add tags"
	case automation.ActRemoveTags:
		return "Remove tags"
	case automation.ActNote:
		return "Add an internal note"
	case automation.ActReply:
		return "Reply to the requester"
	case automation.ActEmail:
		return "Email a person or a team"
	case automation.ActWebhook:
		return "Send to a webhook"
	case automation.ActAssign:
		return "Assign by the team's strategy"
	case automation.ActStop:
		return "Stop processing triggers"
	}
	return kind
}

// RunsOn reports whether the form has event kind ticked.
func (p adminTriggerPage) RunsOn(kind string) bool { return slices.Contains(p.Form.Events, kind) }

// actionShows are the parts each action kind uses; the page's script
// reads the same list from data-parts.
var actionShows = map[string][]string{
	automation.ActSet:        {"field", "value", "resolution"},
	automation.ActAddTags:    {"tags"},
	automation.ActRemoveTags: {"tags"},
	automation.ActNote:       {"body"},
	automation.ActReply:      {"body"},
	automation.ActEmail:      {"to", "team", "subject", "body"},
	automation.ActWebhook:    {"webhook"},
	automation.ActAssign:     {},
	automation.ActStop:       {},
}

// Parts lists the parts kind uses, for the page's script.
func (adminTriggerPage) Parts(kind string) string { return strings.Join(actionShows[kind], " ") }

// Groups are the condition groups of the form with their rows.
func (p *adminTriggerPage) Groups() []condGroup {
	g := []condGroup{
		{Key: "all", Label: "All of these conditions", Hint: "Every one must hold. None: always.", rows: p.Form.All},
		{Key: "any", Label: "Any of these conditions", Hint: "At least one must hold, when there are any.", rows: p.Form.Any},
	}
	for i := range g {
		for j, c := range g[i].rows {
			g[i].Rows = append(g[i].Rows, condView{P: p, Group: g[i].Key, Index: j, condRow: c})
		}
		g[i].Blank = condView{P: p, Group: g[i].Key, Index: -1}
	}
	return g
}

// condGroup is a group of condition rows: Key is its posted name and the
// middle of its error names (conditions.all[0].op); Blank is the row the
// page's script adds.
type condGroup struct {
	Key, Label, Hint string
	rows             []condRow
	Rows             []condView
	Blank            condView
}

// condView is a condition row as the page shows it.
type condView struct {
	P     *adminTriggerPage
	Group string
	Index int
	condRow
}

// Key is the start of the row's error names.
func (v condView) Key() string { return fmt.Sprintf("conditions.%s[%d]", v.Group, v.Index) }

// Unknown reports a field the form does not offer (a custom field since
// deleted): it is kept as an option of its own.
func (v condView) Unknown() bool {
	return v.Field != "" && !slices.ContainsFunc(v.P.Fields, func(f automation.FieldOption) bool { return f.Name == v.Field })
}

// ActionRows are the form's action rows; an empty row when the list is
// refused for having none, to choose one in.
func (p *adminTriggerPage) ActionRows() []actView {
	var out []actView
	for i, a := range p.Form.Actions {
		out = append(out, actView{P: p, Index: i, actionRow: a})
	}
	if len(out) == 0 && p.Errors["actions"] != "" {
		out = append(out, actView{P: p})
	}
	return out
}

// TypeAttr ties the row's kind to its error, and the first row's to the
// list's (add at least one action).
func (v actView) TypeAttr() template.HTMLAttr {
	if v.Index == 0 && v.P.Errors[v.Key()+".type"] == "" {
		return errAttrs("actions", v.P.Errors)
	}
	return errAttrs(v.Key()+".type", v.P.Errors)
}

// FieldAttr ties the row's field to its error, and the first row's to the
// conditions' (too many).
func (v condView) FieldAttr() template.HTMLAttr {
	first := v.Index == 0 && (v.Group == "all" || len(v.P.Form.All) == 0)
	if first && v.P.Errors[v.Key()+".field"] == "" {
		return errAttrs("conditions", v.P.Errors)
	}
	return errAttrs(v.Key()+".field", v.P.Errors)
}

// EventsAttr ties the first event's box to the events' error.
func (p *adminTriggerPage) EventsAttr(i int) template.HTMLAttr {
	if i > 0 {
		return ""
	}
	return errAttrs("events", p.Errors)
}

// BlankAction is the row the page's script adds.
func (p *adminTriggerPage) BlankAction() actView { return actView{P: p, Index: -1} }

// actView is an action row as the page shows it.
type actView struct {
	P     *adminTriggerPage
	Index int
	actionRow
}

// Key is the start of the row's error names.
func (v actView) Key() string { return fmt.Sprintf("actions[%d]", v.Index) }

// Shows reports whether the row shows a part: every part while no kind
// is chosen (the form works without JavaScript), else the kind's own
// (a resolution only for a status) and any with an error.
func (v actView) Shows(part string) bool {
	if v.Type == "" || v.P.Errors[v.Err(part)] != "" {
		return true
	}
	if part == "resolution" && v.Field != "status" {
		return false // only a status takes one
	}
	return slices.Contains(actionShows[v.Type], part)
}

// Err is the error name of one of the row's parts.
func (v actView) Err(part string) string {
	if part == "webhook" {
		part = "webhook_id"
	}
	return v.Key() + "." + part
}

// Stray names the row's chosen value of a select part that the select
// does not offer (a field a rule cannot change, a team or webhook since
// deleted), so the form keeps it as an option of its own; "" when it
// offers it.
func (v actView) Stray(part string) string {
	var have string
	var offered []string
	switch part {
	case "field":
		have = v.Field
		for _, f := range v.P.Settable {
			offered = append(offered, f.Name)
		}
	case "team":
		have = v.Team
		for _, t := range v.P.Teams {
			offered = append(offered, t.Name)
		}
	case "webhook":
		have = v.Webhook
		for _, w := range v.P.Webhooks {
			offered = append(offered, strconv.FormatInt(w.ID, 10))
		}
	}
	if have == "" || slices.Contains(offered, have) {
		return ""
	}
	return have
}

// ValueText writes a condition's value as the dry run shows it.
func (*adminTriggerPage) ValueText(v any) string { return automation.ValueString(v) }

// fieldGroup is a heading of condition fields in the form's list.
type fieldGroup struct {
	Label  string
	Fields []automation.FieldOption
}

// FieldGroups are the condition fields under their headings.
func (p *adminTriggerPage) FieldGroups() []fieldGroup {
	var out []fieldGroup
	for _, f := range p.Fields {
		if len(out) == 0 || out[len(out)-1].Label != f.Group {
			out = append(out, fieldGroup{Label: f.Group})
		}
		out[len(out)-1].Fields = append(out[len(out)-1].Fields, f)
	}
	return out
}

func (a *Agent) renderTrigger(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminTriggerPage) error {
	ctx := r.Context()
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	p.Other = append(p.Other, placeTriggerErrors(p.Errors, p.Form)...)
	if err := a.ruleChoices(ctx, rq, &p); err != nil {
		return err
	}
	p.Events = automation.Events
	title := "New trigger"
	if p.T != nil {
		title = "Trigger " + p.T.Name
		after := afterParam(r)
		runs, err := a.Automation.Runs(ctx, rq.actor, p.T.ID, after, triggerRunsSize+1)
		if err != nil {
			return err
		}
		if len(runs) > triggerRunsSize {
			runs = runs[:triggerRunsSize]
			p.NextURL = nextPage(r, runs[len(runs)-1].ID) + "#runs"
		}
		if after > 0 {
			p.FirstURL = r.URL.Path + "#runs"
		}
		p.Runs = runs
		p.DeleteBox = deleteBox{Section: "trigger-delete", Action: fmt.Sprintf("/admin/triggers/%d/delete", p.T.ID),
			What: "this trigger and its run log", Button: "Delete trigger", Error: p.Errors["delete"]}
	}
	p.adminFrame = a.adminFrame(w, r, rq, title, "triggers")
	p.DeleteBox.CSRF = p.CSRF
	return a.tmpl.Render(w, status, "admin_trigger", &p)
}

// ruleChoices fills in what a rule form offers: the condition fields and
// operators, the actions and the fields they set, resolutions, teams and
// webhooks.
func (a *Agent) ruleChoices(ctx context.Context, rq *request, p *adminTriggerPage) error {
	defs, err := a.Tickets.FieldDefs(ctx)
	if err != nil {
		return err
	}
	p.Fields = automation.ConditionFields(defs)
	p.Operators, p.ActionTypes = automation.Operators, automation.ActionTypes
	p.Resolutions = ticket.Resolutions
	for _, f := range automation.Settable {
		p.Settable = append(p.Settable, settableField{f, humanLabel(f)})
	}
	for _, d := range defs {
		p.Settable = append(p.Settable, settableField{"custom_fields." + d.Key, d.Label})
	}
	if p.Teams, err = a.Users.Teams(ctx, 0, 500); err != nil {
		return err
	}
	if a.Webhooks != nil {
		if p.Webhooks, err = a.Webhooks.List(ctx, rq.actor); err != nil {
			return err
		}
	}
	return nil
}

// newTriggerForm is the form of a new trigger: on, on ticket creation,
// with one empty action row.
func newTriggerForm() triggerForm {
	return triggerForm{Enabled: true, Events: []string{"ticket.created"}, Actions: []actionRow{{}}}
}

func (a *Agent) adminNewTriggerForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.renderTrigger(w, r, rq, http.StatusOK, adminTriggerPage{Form: newTriggerForm()})
}

func (a *Agent) adminTriggerForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	t, err := a.trigger(r, rq)
	if err != nil {
		return err
	}
	return a.renderTrigger(w, r, rq, http.StatusOK, adminTriggerPage{T: t, Form: triggerFormOf(t)})
}

func (a *Agent) adminCreateTrigger(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.saveTrigger(w, r, rq, nil)
}

func (a *Agent) adminUpdateTrigger(w http.ResponseWriter, r *http.Request, rq *request) error {
	t, err := a.trigger(r, rq)
	if err != nil {
		return err
	}
	return a.saveTrigger(w, r, rq, t)
}

// saveTrigger creates (t nil) or changes a trigger from the posted form,
// or shows the form again with a row added or removed. A refused form
// comes back as it was typed, each error next to its field or row.
func (a *Agent) saveTrigger(w http.ResponseWriter, r *http.Request, rq *request, t *automation.Trigger) error {
	f, edit := readTriggerForm(r)
	if edit {
		return a.renderTrigger(w, r, rq, http.StatusOK, adminTriggerPage{T: t, Form: f})
	}
	defs, err := a.Tickets.FieldDefs(r.Context())
	if err != nil {
		return err
	}
	in, errs := f.input(defs)
	if len(errs) > 0 {
		return a.renderTrigger(w, r, rq, http.StatusUnprocessableEntity, adminTriggerPage{T: t, Form: f, Errors: errs})
	}
	var saved *automation.Trigger
	if t == nil {
		saved, err = a.Automation.Create(r.Context(), rq.actor, in)
	} else {
		saved, err = a.Automation.Update(r.Context(), rq.actor, t.ID, in)
	}
	if err != nil {
		return refusedForm(err, errs, func(status int) error {
			return a.renderTrigger(w, r, rq, status, adminTriggerPage{T: t, Form: f, Errors: errs})
		})
	}
	return a.savedRule(w, r, t == nil, "trigger", saved.Name, fmt.Sprintf("/admin/triggers/%d", saved.ID))
}

// savedRule answers a rule form that was saved: what was done, and the
// rule's page.
func (a *Agent) savedRule(w http.ResponseWriter, r *http.Request, created bool, what, name, page string) error {
	verb := "Saved"
	if created {
		verb = "Created"
	}
	a.site.Flash(w, fmt.Sprintf("%s the %s “%s”.", verb, what, name))
	http.Redirect(w, r, page, http.StatusSeeOther)
	return nil
}

// refusedForm shows a form the service refused again (again, with the
// status to answer), its errors in errs; other errors are returned as
// they are.
func refusedForm(err error, errs map[string]string, again func(status int) error) error {
	status, ok := formFailure(err, errs)
	if !ok {
		return err
	}
	return again(status)
}
