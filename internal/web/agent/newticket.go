package agent

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

type newTicketPage struct {
	Layout
	Options options
	Form    map[string]string
	Errors  map[string]string // by form field, each shown under it
	Other   []string          // errors of no field on the form
	Phone   bool
	Fields  []fieldInput // every active custom field; those not for the chosen type and category hidden
	Kept    []keptFile   // files a refused submission uploaded, sent again with the next
}

// DetailsShown reports whether a custom field applies to the chosen type
// and category.
func (p newTicketPage) DetailsShown() bool {
	return slices.ContainsFunc(p.Fields, func(f fieldInput) bool { return !f.Hidden })
}

// keptFile is an upload of a refused submission.
type keptFile struct {
	ID, Filename string
	Size         int64
}

// newTicketKeys are the form's own fields.
var newTicketKeys = []string{"requester", "requester_name", "subject", "body", "type", "priority", "impact", "urgency",
	"category", "team", "assignee", "tags", "channel", "status", "resolution", "solution"}

func (a *Agent) newTicketForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	phone := r.URL.Query().Get("channel") == "phone"
	form := map[string]string{"type": string(ticket.Incident), "requester": r.URL.Query().Get("requester")}
	if phone {
		form["channel"] = "phone"
	}
	return a.renderNewTicket(w, r, rq, http.StatusOK, form, nil, map[string]string{}, nil)
}

// renderNewTicket shows the New-ticket or phone-call form with what was
// entered, its errors next to their fields and the files kept.
func (a *Agent) renderNewTicket(w http.ResponseWriter, r *http.Request, rq *request, status int, form map[string]string,
	cf map[string]any, errs map[string]string, kept []string) error {
	o, err := a.options(r)
	if err != nil {
		return err
	}
	defs, err := a.Tickets.FieldDefs(r.Context())
	if err != nil {
		return err
	}
	phone := form["channel"] == "phone"
	p := newTicketPage{Options: o, Form: form, Errors: errs, Phone: phone}
	for _, id := range kept {
		att, rc, err := a.Attachments.Open(r.Context(), rq.actor, id)
		if err != nil {
			continue // not theirs, or gone: the error says so
		}
		rc.Close()
		p.Kept = append(p.Kept, keptFile{att.ID, att.Filename, att.Size})
	}
	typ := ticket.Type(form["type"])
	shown := applicableFields(defs, typ, form["category"])
	p.Other = placeErrors(errs, map[string]string{"requester.email": "requester", "requester.name": "requester_name",
		"attachments": "files"}, func(k string) bool {
		switch k {
		case "files":
			return true
		case "channel":
			return false
		case "status", "resolution", "solution":
			return phone
		}
		if key, ok := strings.CutPrefix(k, "custom_fields."); ok {
			return slices.ContainsFunc(shown, func(d *ticket.FieldDef) bool { return d.Key == key })
		}
		return slices.Contains(newTicketKeys, k)
	})
	p.Fields = allFieldInputs(defs, typ, form["category"], cf, errs)
	title := "New ticket"
	if phone {
		title = "Log a phone call"
	}
	p.Layout = a.layout(w, r, rq, title, "new")
	return a.tmpl.Render(w, status, "new", p)
}

// createTicket opens a ticket on behalf of a requester (an existing
// contact, or a new one made on the spot). The requester's words are the
// first message, theirs. Only the custom fields of the chosen type and
// category are read: a field for incidents never blocks a request.
func (a *Agent) createTicket(w http.ResponseWriter, r *http.Request, rq *request) error {
	form := map[string]string{}
	for _, k := range newTicketKeys {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	form["body"], form["solution"] = r.PostFormValue("body"), r.PostFormValue("solution")
	ch := ticket.ChannelWeb
	if form["channel"] == "phone" {
		ch = ticket.ChannelPhone
	} else {
		form["channel"] = ""
	}
	assignee := form["assignee"]
	if assignee == "me" {
		assignee = rq.actor.Email
	}
	in := ticket.NewTicket{Subject: form["subject"], Body: form["body"], Type: ticket.Type(form["type"]), Priority: form["priority"],
		Impact: ticket.Level(form["impact"]), Urgency: ticket.Level(form["urgency"]), Category: form["category"], Team: form["team"],
		Assignee: assignee, Tags: splitTags(form["tags"]), Channel: ch, Status: ticket.Status(form["status"]),
		Resolution: ticket.Resolution(form["resolution"]), Solution: strings.TrimSpace(form["solution"]),
		Requester: &ticket.Contact{Email: form["requester"], Name: form["requester_name"]}}
	defs, err := a.Tickets.FieldDefs(r.Context())
	if err != nil {
		return err
	}
	typ := in.Type
	if typ == "" {
		typ = ticket.Incident
	}
	in.CustomFields = formFields(r, applicableFields(defs, typ, in.Category))
	kept := r.PostForm["attachments"]
	ids, err := a.saveUploads(r, rq)
	if err == nil {
		kept = append(kept, ids...)
		in.Attachments = kept
		var t *ticket.Ticket
		if t, err = a.Tickets.Create(r.Context(), rq.actor, in); err == nil {
			a.site.Flash(w, fmt.Sprintf("Ticket %s created.", t.Reference))
			http.Redirect(w, r, fmt.Sprintf("/tickets/%d", t.Number), http.StatusSeeOther)
			return nil
		}
	}
	errs := map[string]string{}
	if !fieldErrors(err, errs) {
		return err
	}
	return a.renderNewTicket(w, r, rq, http.StatusUnprocessableEntity, form, in.CustomFields, errs, kept)
}

type contactJSON struct {
	Email        string `json:"email"`
	Name         string `json:"name"`
	Organization string `json:"organization,omitempty"`
}

// contacts answers the requester autocomplete.
func (a *Agent) contacts(w http.ResponseWriter, r *http.Request, rq *request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	out := []contactJSON{}
	if len(q) >= 2 {
		us, err := a.Users.List(r.Context(), user.ListFilter{Query: q, Limit: 10})
		if err != nil {
			return err
		}
		for _, u := range us {
			if u.Active {
				out = append(out, contactJSON{u.Email, u.Name, u.Organization})
			}
		}
	}
	return web.JSON(w, http.StatusOK, out)
}
