package agent

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/ticket"
)

var fieldTypes = []ticket.FieldType{ticket.FieldText, ticket.FieldNumber, ticket.FieldDate, ticket.FieldSelect, ticket.FieldCheckbox}

type adminFieldsPage struct {
	adminFrame
	Fields []*ticket.FieldDef
}

func (a *Agent) adminFields(w http.ResponseWriter, r *http.Request, rq *request) error {
	defs, err := a.Tickets.FieldDefs(r.Context())
	if err != nil {
		return err
	}
	return a.tmpl.Render(w, http.StatusOK, "admin_fields", adminFieldsPage{adminFrame: a.adminFrame(w, r, rq, "Custom fields", "fields"),
		Fields: defs})
}

type adminFieldPage struct {
	adminFrame
	D           *ticket.FieldDef // nil on the new-field form
	Form        fieldForm
	Types       []ticket.FieldType
	TicketTypes []ticket.Type
	Categories  []string
	Errors      map[string]string
}

// fieldForm is the definition form as typed; Options is one per line.
type fieldForm struct {
	Key, Label, Type, Options, TicketType, Category, Position string
	Required, Active, RequesterVisible                        bool
}

func readFieldForm(r *http.Request) fieldForm {
	return fieldForm{Key: formValue(r, "key"), Label: formValue(r, "label"), Type: formValue(r, "type"),
		Options: r.PostFormValue("options"), TicketType: formValue(r, "ticket_type"), Category: formValue(r, "category"),
		Position: formValue(r, "position"), Required: checked(r, "required"), Active: checked(r, "active"),
		RequesterVisible: checked(r, "requester_visible")}
}

// input converts the form to the service's input; a position that is not
// a whole number is reported in errs.
func (f fieldForm) input(errs map[string]string) ticket.FieldDefInput {
	opts := []string{}
	for _, line := range strings.Split(f.Options, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			opts = append(opts, line)
		}
	}
	pos := 0
	if f.Position != "" {
		n, err := strconv.Atoi(f.Position)
		if err != nil {
			errs["position"] = "Enter a whole number."
		}
		pos = n
	}
	tt := ticket.Type(f.TicketType)
	return ticket.FieldDefInput{Label: &f.Label, Options: &opts, Required: &f.Required, RequesterVisible: &f.RequesterVisible, TicketType: &tt,
		Category: &f.Category, Position: &pos, Active: &f.Active}
}

func (a *Agent) renderField(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminFieldPage) error {
	cats, err := a.Tickets.Categories(r.Context(), 0, 500)
	if err != nil {
		return err
	}
	for _, c := range cats {
		p.Categories = append(p.Categories, c.Name)
	}
	if p.Form.Category != "" && !slices.Contains(p.Categories, p.Form.Category) {
		p.Categories = append(p.Categories, p.Form.Category)
	}
	p.Types, p.TicketTypes = fieldTypes, ticket.Types
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	// The service names bad lines options[i]; show them under the box.
	if _, ok := p.Errors["options"]; !ok {
		for k, v := range p.Errors {
			if strings.HasPrefix(k, "options[") {
				p.Errors["options"] = v
				break
			}
		}
	}
	title := "New custom field"
	if p.D != nil {
		title = "Custom field " + p.D.Key
	}
	p.adminFrame = a.adminFrame(w, r, rq, title, "fields")
	return a.tmpl.Render(w, status, "admin_field", p)
}

func (a *Agent) adminNewFieldForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.renderField(w, r, rq, http.StatusOK, adminFieldPage{Form: fieldForm{Type: string(ticket.FieldText), Active: true}})
}

func (a *Agent) adminCreateField(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := readFieldForm(r)
	errs := map[string]string{}
	in := f.input(errs)
	status := http.StatusUnprocessableEntity
	if len(errs) == 0 {
		typ := ticket.FieldType(f.Type)
		in.Key, in.Type = &f.Key, &typ
		d, err := a.Tickets.CreateFieldDef(r.Context(), rq.actor, in)
		if err == nil {
			a.site.Flash(w, fmt.Sprintf("Created custom field %s.", d.Key))
			http.Redirect(w, r, "/admin/fields", http.StatusSeeOther)
			return nil
		}
		var ok bool
		if status, ok = formFailure(err, errs); !ok {
			return err
		}
	}
	return a.renderField(w, r, rq, status, adminFieldPage{Form: f, Errors: errs})
}

func (a *Agent) fieldDef(r *http.Request) (*ticket.FieldDef, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return a.Tickets.FieldDef(r.Context(), id)
}

func (a *Agent) adminFieldForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := a.fieldDef(r)
	if err != nil {
		return err
	}
	f := fieldForm{Key: d.Key, Label: d.Label, Type: string(d.Type), Options: strings.Join(d.Options, "\n"),
		TicketType: string(d.TicketType), Position: strconv.Itoa(d.Position), Required: d.Required, Active: d.Active,
		RequesterVisible: d.RequesterVisible}
	if d.Category != nil {
		f.Category = d.Category.Name
	}
	return a.renderField(w, r, rq, http.StatusOK, adminFieldPage{D: d, Form: f})
}

// adminUpdateField changes a definition; its key and type are fixed.
func (a *Agent) adminUpdateField(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := a.fieldDef(r)
	if err != nil {
		return err
	}
	f := readFieldForm(r)
	f.Key, f.Type = d.Key, string(d.Type)
	errs := map[string]string{}
	in := f.input(errs)
	status := http.StatusUnprocessableEntity
	if len(errs) == 0 {
		if _, err = a.Tickets.UpdateFieldDef(r.Context(), rq.actor, d.ID, in); err == nil {
			a.site.Flash(w, fmt.Sprintf("Saved custom field %s.", d.Key))
			http.Redirect(w, r, "/admin/fields", http.StatusSeeOther)
			return nil
		}
		var ok bool
		if status, ok = formFailure(err, errs); !ok {
			return err
		}
	}
	return a.renderField(w, r, rq, status, adminFieldPage{D: d, Form: f, Errors: errs})
}
