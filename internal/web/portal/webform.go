package portal

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/web"
	"github.com/docket/docket/internal/webform"
)

// Limits of submissions through web forms, counted in the database.
const (
	formsPerAddress = 5
	formsPerClient  = 20
	formWindow      = time.Hour
)

// formPage is a web form as a visitor sees it.
type formPage struct {
	Layout
	Form    *webform.Form
	Embed   bool
	Start   string // the sealed time the page was shown
	Fields  []*ticket.FieldDef
	Values  map[string]string
	Name    string
	Email   string
	Subject string
	Body    string
	Errors  map[string]string
}

// embedding lets the sites a form names (or any site, when it names none)
// show the form's pages in a frame; every other page keeps refusing.
func embedding(w http.ResponseWriter, f *webform.Form) {
	ancestors := "*"
	if len(f.Origins) > 0 {
		ancestors = strings.Join(f.Origins, " ")
	}
	h := w.Header()
	h.Del("X-Frame-Options")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors "+
		ancestors+"; form-action 'self'")
}

// publicForm finds the enabled form the path names, or answers 404.
func (p *Portal) publicForm(w http.ResponseWriter, r *http.Request) (*webform.Form, error) {
	f, err := p.WebForms.Public(r.Context(), r.PathValue("uid"))
	if err != nil {
		return nil, err
	}
	embedding(w, f)
	return f, nil
}

func (p *Portal) renderForm(w http.ResponseWriter, r *http.Request, status int, page formPage) error {
	var err error
	if page.Start, err = p.WebForms.StartToken(page.Form); err != nil {
		return err
	}
	if page.Fields, err = p.WebForms.Fields(r.Context(), page.Form); err != nil {
		return err
	}
	if page.Errors == nil {
		page.Errors = map[string]string{}
	}
	page.Layout = Layout{Title: page.Form.Title, Bare: page.Embed}
	return p.tmpl.Render(w, status, "form", page)
}

func embedded(r *http.Request) bool { return r.FormValue("embed") == "1" }

func (p *Portal) formShow(w http.ResponseWriter, r *http.Request) error {
	f, err := p.publicForm(w, r)
	if err != nil {
		return err
	}
	return p.renderForm(w, r, http.StatusOK, formPage{Form: f, Embed: embedded(r)})
}

// formSubmit opens a ticket from a web form: a bot that filled the
// honeypot is thanked and counted as spam; a page sent faster than a
// person types, or too old, is shown again to send once more; addresses
// and clients are limited; field errors show next to their fields.
func (p *Portal) formSubmit(w http.ResponseWriter, r *http.Request) error {
	f, err := p.publicForm(w, r)
	if err != nil {
		return err
	}
	page := formPage{Form: f, Embed: embedded(r), Name: strings.TrimSpace(r.PostFormValue("name")),
		Email: strings.TrimSpace(r.PostFormValue("email")), Subject: strings.TrimSpace(r.PostFormValue("subject")),
		Body: r.PostFormValue("body"), Errors: map[string]string{}}
	thanks := "/form/" + f.UID + "/thanks"
	if page.Embed {
		thanks += "?embed=1"
	}
	if r.PostFormValue(webform.HoneypotField) != "" {
		if err := p.WebForms.CountSpam(r.Context(), f); err != nil {
			return err
		}
		http.Redirect(w, r, thanks, http.StatusSeeOther)
		return nil
	}
	defs, err := p.WebForms.Fields(r.Context(), f)
	if err != nil {
		return err
	}
	var values map[string]any
	page.Values, values = fieldValues(r, defs)
	switch err := p.WebForms.CheckStart(f, r.PostFormValue("start")); {
	case errors.Is(err, webform.ErrTooFast):
		page.Errors["form"] = "That was quicker than we expected: please check your request and send it again."
		return p.renderForm(w, r, http.StatusUnprocessableEntity, page)
	case err != nil:
		page.Errors["form"] = "This page was open for a long time: please check your request and send it again."
		return p.renderForm(w, r, http.StatusUnprocessableEntity, page)
	}
	if err := p.Auth.LimitRequests(r.Context(), formWindow,
		auth.RequestLimit{Key: "form:a:" + strings.ToLower(page.Email), Limit: formsPerAddress},
		auth.RequestLimit{Key: "form:c:" + auth.ClientNetwork(web.ClientIP(r)), Limit: formsPerClient}); err != nil {
		var tm *auth.TooManyError
		if errors.As(err, &tm) {
			return &web.StatusError{Status: http.StatusTooManyRequests, RetryAfter: tm.Wait,
				Detail: "Too many requests were sent from this address or network. Try again in an hour, or write to us by email."}
		}
		return err
	}
	_, err = p.WebForms.Submit(r.Context(), f, webform.Submission{Name: page.Name, Email: page.Email, Subject: page.Subject,
		Body: page.Body, CustomFields: values})
	if err == nil {
		http.Redirect(w, r, thanks, http.StatusSeeOther)
		return nil
	}
	if !fieldErrors(err, page.Errors) {
		return err
	}
	return p.renderForm(w, r, http.StatusUnprocessableEntity, page)
}

type formThanksPage struct {
	Layout
	Form *webform.Form
}

func (p *Portal) formThanks(w http.ResponseWriter, r *http.Request) error {
	f, err := p.publicForm(w, r)
	if err != nil {
		return err
	}
	return p.tmpl.Render(w, http.StatusOK, "formthanks", formThanksPage{Layout: Layout{Title: "Thank you", Bare: embedded(r)}, Form: f})
}
