package portal

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/web"
)

// newPage is the form that opens a request.
type newPage struct {
	Layout
	Categories []*ticket.Category
	Category   string
	Fields     []*ticket.FieldDef // the chosen category's fields shown to requesters
	Values     map[string]string  // the fields as typed, by key
	Subject    string
	Body       string
	Errors     map[string]string
}

// requesterFields are the fields a requester fills for a ticket in
// category cat (0: none): active, shown to requesters, and applying to
// the type portal tickets get.
func (p *Portal) requesterFields(r *http.Request, cat string, cs []*ticket.Category) ([]*ticket.FieldDef, error) {
	var catID int64
	for _, c := range cs {
		if c.Name == cat {
			catID = c.ID
		}
	}
	defs, err := p.Tickets.FieldDefs(r.Context())
	if err != nil {
		return nil, err
	}
	var out []*ticket.FieldDef
	for _, d := range defs {
		if d.RequesterVisible && d.Applies(ticket.Incident, catID) {
			out = append(out, d)
		}
	}
	return out, nil
}

// fieldValues reads the fields' inputs ("cf_<key>") into the values the
// ticket service takes: empty ones are left out, so a required one is
// reported missing; numbers and checkboxes get their types.
func fieldValues(r *http.Request, defs []*ticket.FieldDef) (map[string]string, map[string]any) {
	typed, values := map[string]string{}, map[string]any{}
	for _, d := range defs {
		v := strings.TrimSpace(r.PostFormValue("cf_" + d.Key))
		typed[d.Key] = v
		switch {
		case d.Type == ticket.FieldCheckbox:
			if v != "" {
				values[d.Key] = true
			}
		case v == "":
		case d.Type == ticket.FieldNumber:
			if n, err := strconv.ParseFloat(v, 64); err == nil {
				values[d.Key] = n
			} else {
				values[d.Key] = v // refused with a field error
			}
		default:
			values[d.Key] = v
		}
	}
	return typed, values
}

// categories are the active categories (help topics) a requester picks.
func (p *Portal) categories(r *http.Request) ([]*ticket.Category, error) {
	cs, err := p.Tickets.Categories(r.Context(), 0, 500)
	if err != nil {
		return nil, err
	}
	out := cs[:0]
	for _, c := range cs {
		if c.Active {
			out = append(out, c)
		}
	}
	return out, nil
}

func (p *Portal) renderNew(w http.ResponseWriter, r *http.Request, rq *request, status int, page newPage) error {
	cs, err := p.categories(r)
	if err != nil {
		return err
	}
	page.Categories = cs
	if page.Fields, err = p.requesterFields(r, page.Category, cs); err != nil {
		return err
	}
	if page.Errors == nil {
		page.Errors = map[string]string{}
	}
	page.Layout = p.layout(w, r, rq, "New request")
	return p.tmpl.Render(w, status, "new", page)
}

func (p *Portal) newForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	return p.renderNew(w, r, rq, http.StatusOK, newPage{Category: r.URL.Query().Get("category")})
}

// create opens a request in the person's name, with its files.
func (p *Portal) create(w http.ResponseWriter, r *http.Request, rq *request) error {
	page := newPage{Category: r.PostFormValue("category"), Subject: strings.TrimSpace(r.PostFormValue("subject")),
		Body: r.PostFormValue("body"), Errors: map[string]string{}}
	cs, err := p.categories(r)
	if err != nil {
		return err
	}
	defs, err := p.requesterFields(r, page.Category, cs)
	if err != nil {
		return err
	}
	var values map[string]any
	page.Values, values = fieldValues(r, defs)
	ids, err := web.SaveUploads(r, p.Attachments, rq.actor, p.MaxUploadBytes)
	if err == nil {
		var t *ticket.Ticket
		t, err = p.Tickets.Create(r.Context(), rq.actor, ticket.NewTicket{Subject: page.Subject, Body: page.Body,
			Category: page.Category, Channel: ticket.ChannelPortal, Attachments: ids, CustomFields: values})
		if err == nil {
			p.site.Flash(w, "We received your request "+t.Reference+". We will reply by email and here.")
			http.Redirect(w, r, "/portal/tickets/"+strconv.FormatInt(t.Number, 10), http.StatusSeeOther)
			return nil
		}
	}
	if !fieldErrors(err, page.Errors) {
		return err
	}
	return p.renderNew(w, r, rq, http.StatusUnprocessableEntity, page)
}
