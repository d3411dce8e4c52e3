package agent

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/macro"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// macroForm is the macro form's state: its action rows are posted as a
// trigger's are (act.type, act.field… one of each per row).
type macroForm struct {
	Name, Body, Visibility, Team string
	Actions                      []actionRow
}

func macroFormOf(m *macro.Macro) macroForm {
	f := triggerFormOf(&automation.Trigger{Actions: m.Actions})
	return macroForm{Name: m.Name, Body: m.Body, Visibility: m.Visibility, Team: m.TeamName, Actions: f.Actions}
}

// readMacroForm reads the posted form; edit is true when an "Add" or
// "Remove" button was pressed rather than "Save".
func readMacroForm(r *http.Request) (macroForm, bool) {
	tf, edit := readTriggerForm(r)
	return macroForm{Name: tf.Name, Body: strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n"),
		Visibility: formValue(r, "visibility"), Team: formValue(r, "team"), Actions: tf.Actions}, edit
}

// input turns the form into the service's input, with the errors the form
// itself can tell.
func (f macroForm) input(defs []*ticket.FieldDef) (macro.Input, map[string]string) {
	tin, errs := triggerForm{Actions: f.Actions}.input(defs)
	name, body, vis, team := f.Name, f.Body, f.Visibility, f.Team
	in := macro.Input{Name: &name, Body: &body, Actions: tin.Actions, Visibility: &vis}
	if vis == macro.Team {
		in.Team = &team
	}
	return in, errs
}

// adminMacroPage is a macro's form page.
type adminMacroPage struct {
	adminFrame
	M      *macro.Macro // nil for a new macro
	Form   macroForm
	Errors map[string]string
	Other  []string
	// Acts gives the action rows what the trigger form's rows have: the
	// kinds, fields, resolutions and teams to choose from.
	Acts      *adminTriggerPage
	Teams     []*user.Team
	DeleteBox deleteBox
}

// VisibilityLabel words a visibility.
func (adminMacroPage) VisibilityLabel(v string) string {
	switch v {
	case macro.Everyone:
		return "Every agent"
	case macro.Team:
		return "The members of a team"
	}
	return "Only me"
}

// Visibilities are the choices the agent has: admins every one, agents
// their own macros only.
func (p adminMacroPage) Visibilities() []string {
	if p.Actor.IsAdmin() {
		return macro.Visibilities
	}
	return []string{macro.Personal}
}

// placeMacroErrors keeps the errors the form shows next to a field or an
// action row and returns the rest, in words, for the form's summary.
func placeMacroErrors(errs map[string]string, f macroForm) []string {
	return placeErrors(errs, nil, func(k string) bool {
		switch k {
		case "form", "name", "body", "visibility", "team", "actions", "delete":
			return true
		}
		m := rowErrRe.FindStringSubmatch(k)
		if m == nil || m[1] != "actions" {
			return false
		}
		i, _ := strconv.Atoi(m[2])
		return i < len(f.Actions) && slices.Contains(actionErrParts, m[3])
	})
}

func (a *Agent) renderMacro(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminMacroPage) error {
	ctx := r.Context()
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	p.Other = append(p.Other, placeMacroErrors(p.Errors, p.Form)...)
	defs, err := a.Tickets.FieldDefs(ctx)
	if err != nil {
		return err
	}
	acts := &adminTriggerPage{Form: triggerForm{Actions: p.Form.Actions}, Errors: p.Errors, ActionTypes: macro.ActionTypes,
		Resolutions: ticket.Resolutions}
	for _, f := range automation.Settable {
		acts.Settable = append(acts.Settable, settableField{f, humanLabel(f)})
	}
	for _, d := range defs {
		acts.Settable = append(acts.Settable, settableField{"custom_fields." + d.Key, d.Label})
	}
	if p.Teams, err = a.Users.Teams(ctx, 0, 500); err != nil {
		return err
	}
	acts.Teams = p.Teams
	p.Acts = acts
	title := "New macro"
	if p.M != nil {
		title = "Macro " + p.M.Name
		p.DeleteBox = deleteBox{Section: "macro-delete", Action: fmt.Sprintf("/admin/macros/%d/delete", p.M.ID),
			What: "this macro", Button: "Delete macro", Error: p.Errors["delete"]}
	}
	p.adminFrame = a.macrosFrame(w, r, rq, title)
	p.DeleteBox.CSRF = p.CSRF
	return a.tmpl.Render(w, status, "admin_macro", &p)
}
