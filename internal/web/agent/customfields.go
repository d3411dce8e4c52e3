package agent

import (
	"fmt"
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
	for _, d := range defs {
		if !d.Active || d.TicketType != "" && d.TicketType != typ || d.Category != nil && !strings.EqualFold(d.Category.Name, category) {
			continue
		}
		in := fieldInput{Def: d, Error: errs["custom_fields."+d.Key]}
		switch v := values[d.Key].(type) {
		case nil:
		case bool:
			in.Checked = v
		case float64:
			in.Value = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			in.Value = fmt.Sprint(v)
		}
		out = append(out, in)
	}
	return out
}

// formFields reads the custom fields a form posted (inputs named
// cf.<key>; a checkbox also posts cf_present.<key> so unchecking is seen).
// With current set, only values that differ from it are returned.
func formFields(r *http.Request, defs []*ticket.FieldDef, current map[string]any) map[string]any {
	out := map[string]any{}
	for _, d := range defs {
		name := "cf." + d.Key
		var v any
		switch d.Type {
		case ticket.FieldCheckbox:
			if _, ok := r.PostForm["cf_present."+d.Key]; !ok {
				continue
			}
			v = r.PostFormValue(name) == "1"
		default:
			vs, ok := r.PostForm[name]
			if !ok {
				continue
			}
			s := strings.TrimSpace(vs[0])
			switch {
			case s == "":
				v = nil
			case d.Type == ticket.FieldNumber:
				if f, err := strconv.ParseFloat(s, 64); err == nil {
					v = f
				} else {
					v = s // the service reports "must be a number"
				}
			default:
				v = s
			}
		}
		if current != nil {
			if cur, ok := current[d.Key]; ok && cur == v || !ok && v == nil {
				continue
			}
		} else if v == nil {
			continue
		}
		out[d.Key] = v
	}
	return out
}
