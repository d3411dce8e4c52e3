package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/mail"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

type serverJSON struct {
	Host        string `json:"host"`
	Port        int    `json:"port"`
	TLS         string `json:"tls"`
	Username    string `json:"username"`
	HasPassword bool   `json:"has_password"`
}

type oauthJSON struct {
	TokenURL        string `json:"token_url"`
	ClientID        string `json:"client_id"`
	HasClientSecret bool   `json:"has_client_secret"`
	HasRefreshToken bool   `json:"has_refresh_token"`
}

type inboundJSON struct {
	Type string `json:"type"`
	serverJSON
	Auth        string     `json:"auth"`
	OAuth       *oauthJSON `json:"oauth"`
	Folder      string     `json:"folder"`
	AfterImport string     `json:"after_import"`
	MoveTo      string     `json:"move_to"`
}

type mailboxJSON struct {
	ID       int64       `json:"id"`
	Address  string      `json:"address"`
	Name     string      `json:"name"`
	Team     *string     `json:"team"`
	Category *string     `json:"category"`
	Priority *string     `json:"priority"`
	Inbound  inboundJSON `json:"inbound"`
	Outbound serverJSON  `json:"outbound"`
	CAPEM    string      `json:"ca_pem"`
	Active   bool        `json:"active"`
	Status   string      `json:"status"`
	StatusAt *time.Time  `json:"status_at"`
	// LastError is the last failure of fetching, kept after reconnecting.
	LastError   string     `json:"last_error"`
	LastErrorAt *time.Time `json:"last_error_at"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

func toMailboxJSON(m *mailbox.Mailbox) mailboxJSON {
	sv := func(s mailbox.Server) serverJSON { return serverJSON{s.Host, s.Port, s.TLS, s.Username, s.HasPassword} }
	out := mailboxJSON{ID: m.ID, Address: m.Address, Name: m.Name, Team: strPtr(m.Team), Category: strPtr(m.Category),
		Priority: strPtr(m.Priority), Inbound: inboundJSON{Type: m.Inbound, serverJSON: sv(m.IMAP), Auth: m.IMAPAuth,
			Folder: m.Folder, AfterImport: m.AfterImport, MoveTo: m.MoveTo}, Outbound: sv(m.SMTP), CAPEM: m.CAPEM,
		Active: m.Active, Status: m.Status, StatusAt: m.StatusAt, LastError: m.LastError, LastErrorAt: m.LastErrorAt,
		CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
	if m.IMAPAuth == "xoauth2" {
		out.Inbound.OAuth = &oauthJSON{m.OAuth.TokenURL, m.OAuth.ClientID, m.OAuth.HasSecret, m.OAuth.HasRefresh}
	}
	return out
}

// Secrets are write-only: password fields are accepted, never answered.
type serverInput struct {
	Host     *string `json:"host"`
	Port     *int    `json:"port"`
	TLS      *string `json:"tls"`
	Username *string `json:"username"`
	Password *string `json:"password"`
}

type mailboxInput struct {
	Address  *string `json:"address"`
	Name     *string `json:"name"`
	Team     *string `json:"team"`
	Category *string `json:"category"`
	Priority *string `json:"priority"`
	Active   *bool   `json:"active"`
	// CAPEM is a private CA trusted for both servers ("" removes it).
	CAPEM   *string `json:"ca_pem"`
	Inbound *struct {
		Type *string `json:"type"`
		serverInput
		Auth  *string `json:"auth"`
		OAuth *struct {
			TokenURL     *string `json:"token_url"`
			ClientID     *string `json:"client_id"`
			ClientSecret *string `json:"client_secret"`
			RefreshToken *string `json:"refresh_token"`
		} `json:"oauth"`
		Folder      *string `json:"folder"`
		AfterImport *string `json:"after_import"`
		MoveTo      *string `json:"move_to"`
		// CreateFolder creates move_to on the server at save if missing.
		CreateFolder bool `json:"create_folder"`
	} `json:"inbound"`
	Outbound *serverInput `json:"outbound"`
}

func (in mailboxInput) toInput(body []byte) mailbox.Input {
	out := mailbox.Input{Address: in.Address, Name: in.Name, Team: in.Team, Category: in.Category, Priority: in.Priority,
		Active: in.Active, CAPEM: in.CAPEM}
	nulls := present(body)
	empty := ""
	for key, dst := range map[string]**string{"team": &out.Team, "category": &out.Category, "priority": &out.Priority} {
		if isNull, ok := nulls[key]; ok && isNull {
			*dst = &empty
		}
	}
	srv := func(s serverInput) mailbox.ServerInput {
		return mailbox.ServerInput{Host: s.Host, Port: s.Port, TLS: s.TLS, Username: s.Username, Password: s.Password}
	}
	if in.Inbound != nil {
		out.Inbound = in.Inbound.Type
		out.IMAP = srv(in.Inbound.serverInput)
		out.Folder, out.AfterImport, out.MoveTo = in.Inbound.Folder, in.Inbound.AfterImport, in.Inbound.MoveTo
		out.IMAPAuth = in.Inbound.Auth
		out.CreateFolder = in.Inbound.CreateFolder
		if o := in.Inbound.OAuth; o != nil {
			out.OAuth = mailbox.OAuthInput{TokenURL: o.TokenURL, ClientID: o.ClientID, ClientSecret: o.ClientSecret, RefreshToken: o.RefreshToken}
		}
	}
	if in.Outbound != nil {
		out.SMTP = srv(*in.Outbound)
	}
	return out
}

func (a *API) listMailboxes(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if !actor.IsAdmin() {
		return fault.Forbidden("only admins manage mailboxes")
	}
	ms, err := a.Mailboxes.List(r.Context())
	if err != nil {
		return err
	}
	out := list[mailboxJSON]{Items: []mailboxJSON{}}
	for _, m := range ms {
		out.Items = append(out.Items, toMailboxJSON(m))
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) getMailbox(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if !actor.IsAdmin() {
		return fault.Forbidden("only admins manage mailboxes")
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := a.Mailboxes.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toMailboxJSON(m))
}

func (a *API) createMailbox(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	var in mailboxInput
	body, err := a.decode(w, r, &in)
	if err != nil {
		return err
	}
	m, err := a.Mailboxes.Create(r.Context(), actor, in.toInput(body))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/mailboxes/"+strconv.FormatInt(m.ID, 10))
	return web.JSON(w, http.StatusCreated, toMailboxJSON(m))
}

func (a *API) patchMailbox(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in mailboxInput
	body, err := a.decode(w, r, &in)
	if err != nil {
		return err
	}
	m, err := a.Mailboxes.Update(r.Context(), actor, id, in.toInput(body))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toMailboxJSON(m))
}

func (a *API) deleteMailbox(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Mailboxes.Delete(r.Context(), actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// testMailbox checks the connections and says, stage by stage, what works
// and what failed (DNS, TCP, TLS, auth, folder).
func (a *API) testMailbox(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if !actor.IsAdmin() {
		return fault.Forbidden("only admins manage mailboxes")
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := a.Mailboxes.Credentials(r.Context(), id)
	if err != nil {
		return err
	}
	steps := mail.Check(r.Context(), m, a.Mailboxes)
	ok := true
	for _, s := range steps {
		ok = ok && s.OK
	}
	if steps == nil {
		steps = []mail.Step{}
	}
	return web.JSON(w, http.StatusOK, map[string]any{"ok": ok, "steps": steps})
}
