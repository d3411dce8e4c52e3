package agent

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/ticket"
)

// The trigger form posts its conditions and actions as rows: one value of
// each of a group's names per row, in order (all.field, all.op, all.value
// for the "all" group…), so rows can be added and removed without
// renumbering. Without JavaScript the "Add" and "Remove" buttons post the
// form with edit=add-all, edit=remove-act-2… and it comes back with the
// row added or removed, nothing saved; with it, the page's script does the
// same in place.

// condRow is one condition row of the form, as typed.
type condRow struct {
	Field, Op, Value string
}

// actionRow is one action row of the form, as typed: every part any
// action kind has; the kind decides which count.
type actionRow struct {
	Type, Field, Value, Resolution, Tags, Subject, Body, To, Team, Webhook string
}

// triggerForm is the trigger form's state.
type triggerForm struct {
	Name     string
	Enabled  bool
	Events   []string
	All, Any []condRow
	Actions  []actionRow
}

// actionParts are the posted names of an action row's parts.
var actionParts = []string{"type", "field", "value", "resolution", "tags", "subject", "body", "to", "team", "webhook"}

func (r *actionRow) parts() []*string {
	return []*string{&r.Type, &r.Field, &r.Value, &r.Resolution, &r.Tags, &r.Subject, &r.Body, &r.To, &r.Team, &r.Webhook}
}

// blank reports a row with nothing chosen or typed: one a row's kind was
// not chosen for but a part was typed in stays, to be refused.
func (r *actionRow) blank() bool {
	for _, p := range r.parts() {
		if *p != "" {
			return false
		}
	}
	return true
}

func triggerFormOf(t *automation.Trigger) triggerForm {
	f := triggerForm{Name: t.Name, Enabled: t.Enabled, Events: t.Events}
	rows := func(cs []automation.Condition) []condRow {
		var out []condRow
		for _, c := range cs {
			out = append(out, condRow{Field: c.Field, Op: c.Op, Value: automation.ValueString(c.Value)})
		}
		return out
	}
	f.All, f.Any = rows(t.Conditions.All), rows(t.Conditions.Any)
	for _, a := range t.Actions {
		row := actionRow{Type: a.Type, Field: a.Field, Value: automation.ValueString(a.Value), Resolution: a.Resolution,
			Tags: strings.Join(a.Tags, ", "), Subject: a.Subject, Body: a.Body, To: a.To, Team: a.Team}
		if a.WebhookID != 0 {
			row.Webhook = strconv.FormatInt(a.WebhookID, 10)
		}
		f.Actions = append(f.Actions, row)
	}
	return f
}

// editRe is an "add" or "remove" button's value.
var editRe = regexp.MustCompile(`^(add|remove)-(all|any|act)(?:-(\d+))?$`)

// readTriggerForm reads the posted form. edit is true when the admin
// pressed an "Add" or "Remove" button rather than saving: the row is then
// added or removed, and the form only shown again. Rows left empty are
// dropped.
func readTriggerForm(r *http.Request) (f triggerForm, edit bool) {
	_ = r.ParseForm()
	pf := r.PostForm
	f = triggerForm{Name: formValue(r, "name"), Enabled: checked(r, "enabled"), Events: pf["events"]}
	at := func(name string, i int) string {
		if vs := pf[name]; i < len(vs) {
			return strings.TrimSpace(vs[i])
		}
		return ""
	}
	m := editRe.FindStringSubmatch(r.PostFormValue("edit"))
	removed := func(group string, i int) bool {
		return m != nil && m[1] == "remove" && m[2] == group && m[3] == strconv.Itoa(i)
	}
	conds := func(group string) []condRow {
		var out []condRow
		for i := range pf[group+".field"] {
			c := condRow{Field: at(group+".field", i), Op: at(group+".op", i), Value: at(group+".value", i)}
			if removed(group, i) || c.Field == "" && c.Value == "" {
				continue
			}
			out = append(out, c)
		}
		if m != nil && m[1] == "add" && m[2] == group {
			out = append(out, condRow{})
		}
		return out
	}
	f.All, f.Any = conds("all"), conds("any")
	for i := range pf["act.type"] {
		var a actionRow
		for j, p := range a.parts() {
			*p = at("act."+actionParts[j], i)
		}
		if a.Body != "" {
			a.Body = strings.ReplaceAll(pf["act.body"][i], "\r\n", "\n")
		}
		if removed("act", i) || a.blank() {
			continue
		}
		f.Actions = append(f.Actions, a)
	}
	if m != nil && m[1] == "add" && m[2] == "act" {
		f.Actions = append(f.Actions, actionRow{})
	}
	return f, m != nil
}

// input turns the form into the service's input. Values the form itself
// can tell are wrong (a custom field's number that is not one) are
// returned as field errors under the service's names.
func (f triggerForm) input(defs []*ticket.FieldDef) (automation.Input, map[string]string) {
	errs := map[string]string{}
	events := append([]string{}, f.Events...)
	conds := automation.Conditions{All: []automation.Condition{}, Any: []automation.Condition{}}
	for _, g := range []struct {
		rows []condRow
		to   *[]automation.Condition
	}{{f.All, &conds.All}, {f.Any, &conds.Any}} {
		for _, c := range g.rows {
			var v any = c.Value
			if c.Op == automation.OpChanged {
				v = nil
			}
			*g.to = append(*g.to, automation.Condition{Field: c.Field, Op: c.Op, Value: v})
		}
	}
	acts := automation.Actions{}
	for i, row := range f.Actions {
		a := automation.Action{Type: row.Type}
		at := fmt.Sprintf("actions[%d]", i)
		switch row.Type {
		case automation.ActSet:
			a.Field = row.Field
			v, msg := setValue(row.Field, row.Value, defs)
			if msg != "" {
				errs[at+".value"] = msg
			}
			a.Value = v
			if row.Field == "status" {
				a.Resolution = row.Resolution
			}
		case automation.ActAddTags, automation.ActRemoveTags:
			for _, tag := range strings.Split(row.Tags, ",") {
				if tag = strings.TrimSpace(tag); tag != "" {
					a.Tags = append(a.Tags, tag)
				}
			}
		case automation.ActNote, automation.ActReply:
			a.Body = row.Body
		case automation.ActEmail:
			a.Subject, a.Body, a.To, a.Team = row.Subject, row.Body, row.To, row.Team
		case automation.ActWebhook:
			if row.Webhook != "" {
				id, err := strconv.ParseInt(row.Webhook, 10, 64)
				if err != nil || id <= 0 {
					errs[at+".webhook_id"] = "Choose a webhook."
				}
				a.WebhookID = id
			}
		}
		acts = append(acts, a)
	}
	name, enabled := f.Name, f.Enabled
	return automation.Input{Name: &name, Enabled: &enabled, Events: &events, Conditions: &conds, Actions: &acts}, errs
}

// setValue is the value a set action stores: for a custom number or
// checkbox field the number or true/false it names, else the text; an
// empty value clears a custom field.
func setValue(field, v string, defs []*ticket.FieldDef) (any, string) {
	key, custom := strings.CutPrefix(field, "custom_fields.")
	if !custom {
		return v, ""
	}
	if v == "" {
		return nil, ""
	}
	for _, d := range defs {
		if d.Key != key {
			continue
		}
		switch d.Type {
		case ticket.FieldNumber:
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return v, "Must be a number."
			}
			return n, ""
		case ticket.FieldCheckbox:
			b, err := strconv.ParseBool(v)
			if err != nil {
				return v, "Must be true or false."
			}
			return b, ""
		}
	}
	return v, ""
}

// placeTriggerErrors keeps the errors the form shows next to a field or a
// row's part (name, events, conditions.all[0].op, actions[1].field…)
// and returns the rest, in words, for the form's summary. A list's errors
// (events[2]) go to the list.
func placeTriggerErrors(errs map[string]string, f triggerForm) []string {
	rows := map[string]int{"conditions.all": len(f.All), "conditions.any": len(f.Any), "actions": len(f.Actions)}
	onForm := func(k string) bool {
		switch k {
		case "form", "name", "events", "conditions", "actions":
			return true
		}
		m := rowErrRe.FindStringSubmatch(k)
		if m == nil {
			return false
		}
		i, _ := strconv.Atoi(m[2])
		if i >= rows[m[1]] {
			return false
		}
		if m[1] == "actions" {
			return slices.Contains(actionErrParts, m[3])
		}
		return m[3] == "field" || m[3] == "op" || m[3] == "value"
	}
	return placeErrors(errs, nil, onForm)
}

var (
	rowErrRe       = regexp.MustCompile(`^(conditions\.all|conditions\.any|actions)\[(\d+)\]\.([a-z_]+)$`)
	actionErrParts = []string{"type", "field", "value", "resolution", "tags", "subject", "body", "to", "team", "webhook_id"}
)
