package agent

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

type newTicketPage struct {
	Layout
	Options options
	Form    map[string]string
	Errors  map[string]string
	Phone   bool
	Fields  []fieldInput
}

func (a *Agent) newTicketForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	o, err := a.options(r)
	if err != nil {
		return err
	}
	phone := r.URL.Query().Get("channel") == "phone"
	title := "New ticket"
	if phone {
		title = "Log a phone call"
	}
	form := map[string]string{"type": "incident", "priority": "p3", "requester": r.URL.Query().Get("requester")}
	if phone {
		form["channel"] = "phone"
	}
	defs, err := a.Tickets.FieldDefs(r.Context())
	if err != nil {
		return err
	}
	return a.tmpl.render(w, http.StatusOK, "new", newTicketPage{Layout: a.layout(w, r, rq, title, "new"), Options: o,
		Form: form, Errors: map[string]string{}, Phone: phone, Fields: fieldInputs(defs, ticket.Type(form["type"]), "", nil, nil)})
}

// createTicket opens a ticket on behalf of a requester (an existing
// contact, or a new one made on the spot).
func (a *Agent) createTicket(w http.ResponseWriter, r *http.Request, rq *request) error {
	form := map[string]string{}
	for _, k := range []string{"requester", "requester_name", "subject", "body", "type", "priority", "category", "team", "assignee", "tags", "channel"} {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	ch := ticket.ChannelWeb
	if form["channel"] == "phone" {
		ch = ticket.ChannelPhone
	}
	assignee := form["assignee"]
	if assignee == "me" {
		assignee = rq.actor.Email
	}
	in := ticket.NewTicket{Subject: form["subject"], Body: form["body"], Type: ticket.Type(form["type"]), Priority: form["priority"],
		Category: form["category"], Team: form["team"], Assignee: assignee, Tags: splitTags(form["tags"]), Channel: ch,
		Requester: &ticket.Contact{Email: form["requester"], Name: form["requester_name"]}}
	defs, err := a.Tickets.FieldDefs(r.Context())
	if err != nil {
		return err
	}
	cf := formFields(r, defs, nil)
	in.CustomFields = cf
	ids, err := a.saveUploads(r, rq)
	if err == nil {
		in.Attachments = ids
		var t *ticket.Ticket
		if t, err = a.Tickets.Create(r.Context(), rq.actor, in); err == nil {
			a.flash(w, fmt.Sprintf("Ticket %s created.", t.Reference))
			http.Redirect(w, r, fmt.Sprintf("/tickets/%d", t.Number), http.StatusSeeOther)
			return nil
		}
	}
	errs := map[string]string{}
	if !fieldErrors(err, errs) {
		return err
	}
	// Show requester.email and requester.name under the form's own fields.
	for k, v := range map[string]string{"requester.email": "requester", "requester.name": "requester_name"} {
		if m, ok := errs[k]; ok {
			errs[v] = m
		}
	}
	o, oerr := a.options(r)
	if oerr != nil {
		return oerr
	}
	title := "New ticket"
	if ch == ticket.ChannelPhone {
		title = "Log a phone call"
	}
	return a.tmpl.render(w, http.StatusUnprocessableEntity, "new", newTicketPage{Layout: a.layout(w, r, rq, title, "new"),
		Options: o, Form: form, Errors: errs, Phone: ch == ticket.ChannelPhone,
		Fields: fieldInputs(defs, in.Type, form["category"], cf, errs)})
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
