package agent

import (
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/docket/docket/internal/ticket"
)

// The ticket page has several forms, and the reply and the property panel
// share field names (status, resolution): a refused form's errors show in
// that form only, each once, under its field and tied to it.

// ticketForm is one form of the ticket page that can be refused.
type ticketForm struct {
	id      string            // the form's id on the page
	fields  []string          // the fields it shows errors under
	aliases map[string]string // a service's field name → the form's
	rest    string            // the field that says the errors of fields the form lacks
}

// ticketForms are the refusable forms of the ticket page by the last part
// of the path they post to; the property panel (update) places its own
// errors (see rerenderPanel).
var ticketForms = map[string]ticketForm{
	"reply":     {"reply-form", []string{"body", "files", "status", "resolution"}, map[string]string{"attachments": "files"}, "status"},
	"follow-up": {"followup-form", []string{"body"}, nil, "body"},
	"relate":    {"relate-form", []string{"type", "other"}, relateAliases, "other"},
	"unlink":    {"relate-form", []string{"type", "other"}, relateAliases, "other"},
}

var relateAliases = map[string]string{"ticket": "other", "into": "other", "relate": "other"}

// placeTicketErrors puts the errors of the form r posted on its fields and
// names that form on the page.
func placeTicketErrors(p *ticketPage, r *http.Request, errs map[string]string) {
	key := path.Base(r.URL.Path)
	// The page has one composer: the reply's or, on a closed ticket, the
	// follow-up's. A form posted from a page of before a change of status
	// finds the other one.
	if closed := p.T.Status == ticket.StatusClosed; key == "reply" && closed || key == "follow-up" && !closed {
		key = map[string]string{"reply": "follow-up", "follow-up": "reply"}[key]
	}
	f, ok := ticketForms[key]
	if !ok {
		return
	}
	p.ErrorsIn = f.id
	if key == "relate" {
		// What was typed stays in the form to fix it.
		p.Relate = relateForm{Type: r.PostFormValue("type"), Other: r.PostFormValue("other")}
	}
	other := placeErrors(errs, f.aliases, func(name string) bool { return slices.Contains(f.fields, name) })
	if len(other) > 0 {
		errs[f.rest] = strings.TrimSpace(errs[f.rest] + " " + strings.Join(other, " "))
	}
}

// FormErrors are the field errors of the form with the given id: empty
// unless that form was the one refused.
func (p *ticketPage) FormErrors(id string) map[string]string {
	if p.ErrorsIn != id {
		return nil
	}
	return p.Errors
}

// relateForm is what a refused link or merge form held.
type relateForm struct{ Type, Other string }
