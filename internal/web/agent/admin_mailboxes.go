package agent

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/docket/docket/internal/mail"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/web"
)

// adminMailboxRoutes registers the mailbox administration pages.
func (a *Agent) adminMailboxRoutes(mux web.Router) {
	mux.Handle("GET /admin/mailboxes", a.admin(a.adminMailboxes))
	mux.Handle("GET /admin/mailboxes/new", a.admin(a.adminNewMailboxForm))
	mux.Handle("POST /admin/mailboxes/new", a.admin(a.adminCreateMailbox))
	mux.Handle("GET /admin/mailboxes/{id}", a.admin(a.adminMailboxForm))
	mux.Handle("POST /admin/mailboxes/{id}", a.admin(a.adminUpdateMailbox))
	mux.Handle("POST /admin/mailboxes/{id}/delete", a.admin(a.adminDeleteMailbox))
	mux.Handle("POST /admin/mailboxes/{id}/test", a.admin(a.adminTestMailbox))
}

type adminMailboxesPage struct {
	adminFrame
	Mailboxes []*mailbox.Mailbox
}

func (a *Agent) adminMailboxes(w http.ResponseWriter, r *http.Request, rq *request) error {
	ms, err := a.Mailboxes.List(r.Context())
	if err != nil {
		return err
	}
	p := adminMailboxesPage{Mailboxes: ms}
	p.adminFrame = a.adminFrame(w, r, rq, "Mailboxes", "mailboxes")
	return a.tmpl.Render(w, http.StatusOK, "admin_mailboxes", p)
}

// serverForm is one connection's settings as the form shows them. It never
// holds a password: passwords are write-only and read from the request.
type serverForm struct {
	Host, Port, TLS, Username string
	HasPassword               bool
}

func serverFormOf(sv mailbox.Server) serverForm {
	return serverForm{Host: sv.Host, Port: strconv.Itoa(sv.Port), TLS: sv.TLS, Username: sv.Username, HasPassword: sv.HasPassword}
}

// mailboxForm is the mailbox form's state.
type mailboxForm struct {
	Address, Name, Team, Category, Priority string
	Inbound                                 string
	IMAP                                    serverForm
	Folder, AfterImport, MoveTo             string
	// CreateFolder asks to create MoveTo on the server at save.
	CreateFolder bool
	SMTP         serverForm
	// CAPEM is the mailbox's private certificate authority (PEM).
	CAPEM  string
	Active bool
	// IMAP sign-in: Auth is password or xoauth2. The OAuth secrets are
	// write-only like passwords; the form only knows whether one is stored.
	Auth, TokenURL, ClientID string
	HasSecret, HasRefresh    bool
}

func mailboxFormOf(m *mailbox.Mailbox) mailboxForm {
	return mailboxForm{Address: m.Address, Name: m.Name, Team: m.Team, Category: m.Category, Priority: m.Priority,
		Inbound: m.Inbound, IMAP: serverFormOf(m.IMAP), Folder: m.Folder, AfterImport: m.AfterImport, MoveTo: m.MoveTo,
		SMTP: serverFormOf(m.SMTP), CAPEM: m.CAPEM, Active: m.Active, Auth: m.IMAPAuth, TokenURL: m.OAuth.TokenURL, ClientID: m.OAuth.ClientID,
		HasSecret: m.OAuth.HasSecret, HasRefresh: m.OAuth.HasRefresh}
}

// readServer reads one side's fields (prefix inbound or outbound) into the
// form and the service input. A bad port becomes a field error.
func readServer(r *http.Request, prefix string, f *serverForm, in *mailbox.ServerInput, errs map[string]string) {
	f.Host, f.Port = formValue(r, prefix+".host"), formValue(r, prefix+".port")
	f.TLS, f.Username = formValue(r, prefix+".tls"), formValue(r, prefix+".username")
	in.Host, in.TLS, in.Username = &f.Host, &f.TLS, &f.Username
	if f.Port != "" {
		port, err := strconv.Atoi(f.Port)
		if err != nil {
			errs[prefix+".port"] = "Must be a number from 1 to 65535."
		} else {
			in.Port = &port
		}
	}
	// Passwords are taken as typed, spaces included.
	if pw := r.PostFormValue(prefix + ".password"); pw != "" {
		in.Password = &pw
	}
	in.ClearPassword = checked(r, prefix+".clear_password")
}

// readMailboxForm reads the submitted form.
func readMailboxForm(r *http.Request, errs map[string]string) (mailboxForm, mailbox.Input) {
	f := mailboxForm{Address: formValue(r, "address"), Name: formValue(r, "name"), Team: formValue(r, "team"),
		Category: formValue(r, "category"), Priority: formValue(r, "priority"), Inbound: formValue(r, "inbound.type"),
		Folder: formValue(r, "inbound.folder"), AfterImport: formValue(r, "inbound.after_import"),
		MoveTo: formValue(r, "inbound.move_to"), CreateFolder: checked(r, "inbound.create_folder"), Active: checked(r, "active")}
	in := mailbox.Input{Address: &f.Address, Name: &f.Name, Team: &f.Team, Category: &f.Category, Priority: &f.Priority,
		Inbound: &f.Inbound, Folder: &f.Folder, AfterImport: &f.AfterImport, MoveTo: &f.MoveTo, CreateFolder: f.CreateFolder,
		Active: &f.Active}
	if _, ok := r.PostForm["ca_pem"]; ok {
		f.CAPEM = r.PostFormValue("ca_pem")
		in.CAPEM = &f.CAPEM
	}
	readServer(r, "inbound", &f.IMAP, &in.IMAP, errs)
	readServer(r, "outbound", &f.SMTP, &in.SMTP, errs)
	readOAuth(r, &f, &in)
	return f, in
}

// readOAuth reads the IMAP sign-in method and the OAuth settings. A form
// without the method keeps the stored one; empty secret fields keep the
// stored secrets.
func readOAuth(r *http.Request, f *mailboxForm, in *mailbox.Input) {
	f.Auth = formValue(r, "inbound.auth")
	if f.Auth != "" {
		in.IMAPAuth = &f.Auth
	}
	if _, ok := r.PostForm["inbound.oauth.token_url"]; ok {
		f.TokenURL = formValue(r, "inbound.oauth.token_url")
		in.OAuth.TokenURL = &f.TokenURL
	}
	if _, ok := r.PostForm["inbound.oauth.client_id"]; ok {
		f.ClientID = formValue(r, "inbound.oauth.client_id")
		in.OAuth.ClientID = &f.ClientID
	}
	// Secrets are taken as typed, like passwords.
	if v := r.PostFormValue("inbound.oauth.client_secret"); v != "" {
		in.OAuth.ClientSecret = &v
	}
	if v := r.PostFormValue("inbound.oauth.refresh_token"); v != "" {
		in.OAuth.RefreshToken = &v
	}
}

type adminMailboxPage struct {
	adminFrame
	M          *mailbox.Mailbox // nil for a new mailbox
	Form       mailboxForm
	Errors     map[string]string
	Teams      []string
	Categories []string
	Priorities []string
	Steps      []mail.Step
	Tested     bool
}

func (a *Agent) renderMailbox(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminMailboxPage) error {
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	o, err := a.options(r)
	if err != nil {
		return err
	}
	p.Teams = withCurrent(o.Teams, p.Form.Team)
	p.Categories = withCurrent(o.Categories, p.Form.Category)
	for _, pr := range o.Priorities {
		p.Priorities = append(p.Priorities, pr.String())
	}
	title := "New mailbox"
	if p.M != nil {
		title = "Mailbox " + p.M.Address
	}
	p.adminFrame = a.adminFrame(w, r, rq, title, "mailboxes")
	return a.tmpl.Render(w, status, "admin_mailbox", p)
}

// withCurrent adds cur to the choices when it is set and missing, so an
// inactive category stays selectable for the mailbox that uses it.
func withCurrent(choices []string, cur string) []string {
	if cur == "" {
		return choices
	}
	for _, c := range choices {
		if c == cur {
			return choices
		}
	}
	return append(choices, cur)
}

func (a *Agent) adminNewMailboxForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := mailboxForm{Inbound: "smtp", IMAP: serverForm{Port: "993", TLS: "tls"}, Auth: "password", Folder: "INBOX", AfterImport: "flag",
		SMTP: serverForm{Port: "587", TLS: "starttls"}, Active: true}
	return a.renderMailbox(w, r, rq, http.StatusOK, adminMailboxPage{Form: f})
}

func (a *Agent) adminCreateMailbox(w http.ResponseWriter, r *http.Request, rq *request) error {
	errs := map[string]string{}
	f, in := readMailboxForm(r, errs)
	if len(errs) > 0 {
		return a.renderMailbox(w, r, rq, http.StatusUnprocessableEntity, adminMailboxPage{Form: f, Errors: errs})
	}
	m, err := a.Mailboxes.Create(r.Context(), rq.actor, in)
	if err == nil {
		a.site.Flash(w, fmt.Sprintf("Created mailbox %s.", m.Address))
		http.Redirect(w, r, fmt.Sprintf("/admin/mailboxes/%d", m.ID), http.StatusSeeOther)
		return nil
	}
	status, ok := formFailure(err, errs)
	if !ok {
		return err
	}
	return a.renderMailbox(w, r, rq, status, adminMailboxPage{Form: f, Errors: errs})
}

func (a *Agent) mailbox(r *http.Request) (*mailbox.Mailbox, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return a.Mailboxes.Get(r.Context(), id)
}

func (a *Agent) adminMailboxForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	m, err := a.mailbox(r)
	if err != nil {
		return err
	}
	return a.renderMailbox(w, r, rq, http.StatusOK, adminMailboxPage{M: m, Form: mailboxFormOf(m)})
}

func (a *Agent) adminUpdateMailbox(w http.ResponseWriter, r *http.Request, rq *request) error {
	m, err := a.mailbox(r)
	if err != nil {
		return err
	}
	errs := map[string]string{}
	f, in := readMailboxForm(r, errs)
	// The stored passwords stay unless replaced or removed.
	f.IMAP.HasPassword, f.SMTP.HasPassword = m.IMAP.HasPassword, m.SMTP.HasPassword
	f.HasSecret, f.HasRefresh = m.OAuth.HasSecret, m.OAuth.HasRefresh
	if f.Auth == "" {
		f.Auth = m.IMAPAuth
	}
	if len(errs) > 0 {
		return a.renderMailbox(w, r, rq, http.StatusUnprocessableEntity, adminMailboxPage{M: m, Form: f, Errors: errs})
	}
	u, err := a.Mailboxes.Update(r.Context(), rq.actor, m.ID, in)
	if err == nil {
		a.site.Flash(w, fmt.Sprintf("Saved mailbox %s.", u.Address))
		http.Redirect(w, r, fmt.Sprintf("/admin/mailboxes/%d", u.ID), http.StatusSeeOther)
		return nil
	}
	status, ok := formFailure(err, errs)
	if !ok {
		return err
	}
	return a.renderMailbox(w, r, rq, status, adminMailboxPage{M: m, Form: f, Errors: errs})
}

func (a *Agent) adminDeleteMailbox(w http.ResponseWriter, r *http.Request, rq *request) error {
	m, err := a.mailbox(r)
	if err != nil {
		return err
	}
	if !checked(r, "confirm") {
		return a.renderMailbox(w, r, rq, http.StatusUnprocessableEntity, adminMailboxPage{M: m, Form: mailboxFormOf(m),
			Errors: map[string]string{"delete": "Tick the box to confirm the deletion."}})
	}
	if err := a.Mailboxes.Delete(r.Context(), rq.actor, m.ID); err != nil {
		return err
	}
	a.site.Flash(w, fmt.Sprintf("Deleted mailbox %s.", m.Address))
	http.Redirect(w, r, "/admin/mailboxes", http.StatusSeeOther)
	return nil
}

// adminTestMailbox checks the stored settings' connections and shows each
// step on the mailbox page.
func (a *Agent) adminTestMailbox(w http.ResponseWriter, r *http.Request, rq *request) error {
	m, err := a.mailbox(r)
	if err != nil {
		return err
	}
	creds, err := a.Mailboxes.Credentials(r.Context(), m.ID)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), 45*time.Second)
	defer cancel()
	steps := mail.Check(ctx, creds, a.Mailboxes)
	return a.renderMailbox(w, r, rq, http.StatusOK, adminMailboxPage{M: m, Form: mailboxFormOf(m), Steps: steps, Tested: true})
}

// serverBlock is what the template of one side's connection fields needs.
type serverBlock struct {
	P string // field name prefix: inbound or outbound
	S serverForm
	E map[string]string
}

// InboundBlock feeds the IMAP fields.
func (p adminMailboxPage) InboundBlock() serverBlock {
	return serverBlock{P: "inbound", S: p.Form.IMAP, E: p.Errors}
}

// OutboundBlock feeds the outbound SMTP fields.
func (p adminMailboxPage) OutboundBlock() serverBlock {
	return serverBlock{P: "outbound", S: p.Form.SMTP, E: p.Errors}
}

// DeleteBox feeds the delete section.
func (p adminMailboxPage) DeleteBox() deleteBox {
	return deleteBox{Section: "mailbox-delete", Action: fmt.Sprintf("/admin/mailboxes/%d/delete", p.M.ID), What: p.M.Address,
		Button: "Delete mailbox", CSRF: p.CSRF, Error: p.Errors["delete"]}
}
