package agent

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/ticket"
)

// fieldInput is one custom field as a form shows it.
type fieldInput struct {
	Def     *ticket.FieldDef
	Value   string // as text, "" when unset
	Checked bool
	Error   string
	// Missing marks a required field still empty on the ticket (mail and
	// the portal file tickets without it).
	Missing bool
	ErrID   string // the id of the error's element
	// Toggled: the form's script shows and hides the field as the type and
	// category change; Hidden: it does not apply to them at first.
	Toggled, Hidden bool
}

// RequiredAttr tells the browser that the field is required. A toggled
// field is required only while shown: the script sets required on those
// marked data-required; one for every type and category is required
// without the script too. A select is never required by the browser in
// the property panel, whose saves send only the fields that changed.
func (f fieldInput) RequiredAttr() template.HTMLAttr {
	d := f.Def
	switch {
	case !d.Required || d.Type == ticket.FieldCheckbox:
		return ""
	case f.Toggled && (d.TicketType != "" || d.Category != nil || d.Type == ticket.FieldSelect):
		return " data-required"
	case f.Toggled:
		return " required data-required"
	case d.Type == ticket.FieldSelect:
		return ""
	}
	return " required"
}

// markMissing flags the fields whose keys are in missing.
func markMissing(fields []fieldInput, missing []string) {
	for i := range fields {
		fields[i].Missing = slices.Contains(missing, fields[i].Def.Key)
	}
}

// missingLabels names the fields still missing, for the notice.
func missingLabels(fields []fieldInput) []string {
	var out []string
	for _, f := range fields {
		if f.Missing {
			out = append(out, f.Def.Label)
		}
	}
	return out
}

// fieldInputs lists the active custom fields that apply to a ticket of
// type typ in category (by name; "" for none), with their current values.
func fieldInputs(defs []*ticket.FieldDef, typ ticket.Type, category string, values map[string]any, errs map[string]string) []fieldInput {
	var out []fieldInput
	for _, d := range applicableFields(defs, typ, category) {
		out = append(out, newFieldInput(d, values, errs))
	}
	return out
}

// allFieldInputs lists every active custom field for a form that changes
// type and category as it is filled in: those that do not apply to typ and
// category are Hidden.
func allFieldInputs(defs []*ticket.FieldDef, typ ticket.Type, category string, values map[string]any, errs map[string]string) []fieldInput {
	var out []fieldInput
	for _, d := range defs {
		if !d.Active {
			continue
		}
		in := newFieldInput(d, values, errs)
		in.Toggled, in.Hidden = true, !fieldApplies(d, typ, category)
		out = append(out, in)
	}
	return out
}

func newFieldInput(d *ticket.FieldDef, values map[string]any, errs map[string]string) fieldInput {
	field := "custom_fields." + d.Key
	in := fieldInput{Def: d, Error: errs[field], ErrID: errID(field), Value: fieldText(values[d.Key])}
	if d.Type == ticket.FieldCheckbox {
		in.Checked, in.Value = in.Value == "1", ""
	}
	return in
}

// fieldApplies reports whether d is a field of tickets of type typ in the
// category named category ("" for none).
func fieldApplies(d *ticket.FieldDef, typ ticket.Type, category string) bool {
	return d.Active && (d.TicketType == "" || d.TicketType == typ) && (d.Category == nil || strings.EqualFold(d.Category.Name, category))
}

// applicableFields are the definitions that fieldApplies to.
func applicableFields(defs []*ticket.FieldDef, typ ticket.Type, category string) []*ticket.FieldDef {
	var out []*ticket.FieldDef
	for _, d := range defs {
		if fieldApplies(d, typ, category) {
			out = append(out, d)
		}
	}
	return out
}

// fieldText is a custom field's value as a form holds it: "" when unset,
// "1" or "" for a checkbox.
func fieldText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case bool:
		return map[bool]string{true: "1"}[v]
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

// fieldValue is the value of a custom field's form text: a checkbox is
// true for "1", empty text is unset (nil), a number field holds a number
// (text that is not one is left for the service to refuse).
func fieldValue(d *ticket.FieldDef, s string) any {
	if d.Type == ticket.FieldCheckbox {
		return s == "1"
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if d.Type == ticket.FieldNumber {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	}
	return s
}

// formFields reads the custom fields a form posted (inputs named
// cf.<key>; a checkbox also posts cf_present.<key> so unchecking is seen),
// leaving out the empty ones. The ticket page's panel reads its own (see
// panel.go), comparing with what the page showed.
func formFields(r *http.Request, defs []*ticket.FieldDef) map[string]any {
	out := map[string]any{}
	for _, d := range defs {
		name := "cf." + d.Key
		var v any
		if d.Type == ticket.FieldCheckbox {
			if _, ok := r.PostForm["cf_present."+d.Key]; !ok {
				continue
			}
			v = fieldValue(d, r.PostFormValue(name))
		} else {
			vs, ok := r.PostForm[name]
			if !ok {
				continue
			}
			v = fieldValue(d, vs[0])
		}
		if v != nil {
			out[d.Key] = v
		}
	}
	return out
}
