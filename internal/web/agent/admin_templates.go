package agent

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/web"
)

// adminTemplateRoutes registers the notification template pages.
func (a *Agent) adminTemplateRoutes(mux web.Router) {
	mux.Handle("GET /admin/templates", a.admin(a.adminTemplates))
	mux.Handle("GET /admin/templates/{key}", a.admin(a.adminTemplateForm))
	mux.Handle("POST /admin/templates/{key}", a.admin(a.adminSaveTemplate))
	mux.Handle("POST /admin/templates/{key}/reset", a.admin(a.adminResetTemplate))
}

// templateLabels name the notification kinds for people.
var templateLabels = map[string]string{
	outbox.KindAck:             "New ticket acknowledged to the requester",
	outbox.KindReply:           "An agent's public reply",
	outbox.KindRequesterNotice: "The requester wrote: notice to the assignee and the agents who follow",
	outbox.KindAssignment:      "The ticket was assigned: notice to the assignee",
	outbox.KindTeamTicket:      "An unassigned ticket arrived in a team: notice to its members",
	outbox.KindResolution:      "The ticket was resolved: notice to the requester",
	outbox.KindMention:         "An agent was mentioned in an internal note: notice to them",
	outbox.KindSLAWarning:      "An SLA target is due soon: notice to the assignee (unassigned: the team's leads)",
	outbox.KindSLABreach:       "An SLA target was breached: notice to the assignee and the team's leads",
}

// templateFields are the fields a template can use, for the help.
var templateFields = []struct{ Name, Help string }{
	{"{{.Ticket.Number}}", "the ticket number, e.g. 1042"},
	{"{{.Ticket.Reference}}", "the ticket reference, e.g. #1042"},
	{"{{.Ticket.Subject}}", "the ticket's subject"},
	{"{{.Ticket.Status}}", "the ticket's status"},
	{"{{.Ticket.Solution}}", "the solution, when resolved"},
	{"{{.Ticket.URL}}", "a link to the ticket in the workspace, for agents (empty for requesters, who have no page of their own yet, and without a base URL)"},
	{"{{.Recipient.Name}}, {{.Recipient.Email}}", "who receives the email"},
	{"{{.Actor.Name}}, {{.Actor.Email}}", "who made the change"},
	{"{{.Message}}", "the message the email is about, if any (as plain text in the text part, as HTML in the HTML part)"},
	{"{{.Signature}}", "in replies, the agent's signature from their profile, if any (added at the end after \"-- \" when the template leaves it out)"},
	{"{{.SLA.Target}}, {{.SLA.Policy}}", "in SLA breach notices, the target breached (e.g. first response) and the policy"},
	{"{{.SatisfactionURL}}", "in resolution notices, the page where the requester rates the help (empty while ratings are off)"},
	{"{{range .Satisfaction}}{{.Label}}: {{.URL}}{{end}}", "in resolution notices, one link per score (Score, Label, URL), each rating with one click"},
}

type templateRow struct {
	*outbox.Template
	Label string
}

type adminTemplatesPage struct {
	adminFrame
	Templates []templateRow
}

func (a *Agent) adminTemplates(w http.ResponseWriter, r *http.Request, rq *request) error {
	p := adminTemplatesPage{}
	for _, k := range outbox.Kinds {
		t, err := a.Outbox.Templates().Get(r.Context(), rq.actor, k)
		if err != nil {
			return err
		}
		p.Templates = append(p.Templates, templateRow{Template: t, Label: templateLabels[k]})
	}
	p.adminFrame = a.adminFrame(w, r, rq, "Notification templates", "templates")
	return a.tmpl.Render(w, http.StatusOK, "admin_templates", p)
}

type adminTemplatePage struct {
	adminFrame
	T       *outbox.Template // as stored
	Label   string
	Subject string
	Body    string
	Errors  map[string]string
	Fields  []struct{ Name, Help string }
}

// templateKey reads the {key} of the path; an unknown key is a page that
// does not exist.
func templateKey(r *http.Request) (string, error) {
	k := r.PathValue("key")
	if !slices.Contains(outbox.Kinds, k) {
		return "", fault.ErrNotFound
	}
	return k, nil
}

func (a *Agent) renderTemplate(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminTemplatePage) error {
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	p.Label, p.Fields = templateLabels[p.T.Key], templateFields
	p.adminFrame = a.adminFrame(w, r, rq, "Template "+p.T.Key, "templates")
	return a.tmpl.Render(w, status, "admin_template", p)
}

func (a *Agent) adminTemplateForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	k, err := templateKey(r)
	if err != nil {
		return err
	}
	t, err := a.Outbox.Templates().Get(r.Context(), rq.actor, k)
	if err != nil {
		return err
	}
	return a.renderTemplate(w, r, rq, http.StatusOK, adminTemplatePage{T: t, Subject: t.Subject, Body: t.Body})
}

func (a *Agent) adminSaveTemplate(w http.ResponseWriter, r *http.Request, rq *request) error {
	k, err := templateKey(r)
	if err != nil {
		return err
	}
	t, err := a.Outbox.Templates().Get(r.Context(), rq.actor, k)
	if err != nil {
		return err
	}
	// The body is taken as typed: whitespace matters in a plain-text email.
	subject, body := formValue(r, "subject"), r.PostFormValue("body")
	err = a.Outbox.Templates().Put(r.Context(), rq.actor, outbox.Template{Key: k, Subject: subject, Body: body})
	if err == nil {
		a.site.Flash(w, fmt.Sprintf("Saved template %s.", k))
		http.Redirect(w, r, "/admin/templates/"+k, http.StatusSeeOther)
		return nil
	}
	errs := map[string]string{}
	status, ok := formFailure(err, errs)
	if !ok {
		return err
	}
	return a.renderTemplate(w, r, rq, status, adminTemplatePage{T: t, Subject: subject, Body: body, Errors: errs})
}

func (a *Agent) adminResetTemplate(w http.ResponseWriter, r *http.Request, rq *request) error {
	k, err := templateKey(r)
	if err != nil {
		return err
	}
	if err := a.Outbox.Templates().Reset(r.Context(), rq.actor, k); err != nil {
		return err
	}
	a.site.Flash(w, fmt.Sprintf("Restored the default template %s.", k))
	http.Redirect(w, r, "/admin/templates/"+k, http.StatusSeeOther)
	return nil
}
