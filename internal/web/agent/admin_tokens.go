package agent

import (
	"context"
	"fmt"
	"net/http"

	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// tokenForm is the create-token form. Scope is "write" (everything the
// user may do) or "read" (GET requests only).
type tokenForm struct {
	User, Name, Scope string
}

// createdToken is a token just issued. Its secret exists only in the
// response to the POST that created it: never in a redirect, a cookie, a
// log line or any later page.
type createdToken struct {
	Secret string
	Token  *auth.Token
}

// issueToken creates a token from the form. Validation messages land in
// errs under the form's own names.
func (a *Agent) issueToken(ctx context.Context, actor *user.Actor, f tokenForm, errs map[string]string) (*createdToken, error) {
	scope := auth.ScopeWrite
	if f.Scope == auth.ScopeRead {
		scope = auth.ScopeRead
	}
	secret, t, err := a.Auth.CreateToken(ctx, actor, auth.NewToken{UserEmail: f.User, Name: f.Name, Scopes: []string{scope}})
	if err != nil {
		if !fieldErrors(err, errs) {
			return nil, err
		}
		return nil, nil
	}
	return &createdToken{Secret: secret, Token: t}, nil
}

type adminTokensPage struct {
	adminFrame
	Tokens  []*auth.Token
	NextURL string
	Created *createdToken
	Form    tokenForm
	Agents  []*user.User
	Errors  map[string]string
}

func (a *Agent) renderTokens(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminTokensPage) error {
	ctx := r.Context()
	ts, err := a.Auth.Tokens(ctx, rq.actor, true, afterParam(r), adminPageSize+1)
	if err != nil {
		return err
	}
	if len(ts) > adminPageSize {
		ts = ts[:adminPageSize]
		p.NextURL = nextPage(r, ts[len(ts)-1].ID)
	}
	p.Tokens = ts
	if p.Agents, err = a.agentUsers(ctx); err != nil {
		return err
	}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	if p.Form.Scope == "" {
		p.Form.Scope = auth.ScopeWrite
	}
	p.adminFrame = a.adminFrame(w, r, rq, "API tokens", "tokens")
	return a.tmpl.Render(w, status, "admin_tokens", p)
}

func (a *Agent) adminTokens(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.renderTokens(w, r, rq, http.StatusOK, adminTokensPage{})
}

// adminCreateToken issues a token for any active user and answers with the
// page that shows its secret, once.
func (a *Agent) adminCreateToken(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := tokenForm{User: formValue(r, "user"), Name: formValue(r, "name"), Scope: formValue(r, "scope")}
	errs := map[string]string{}
	if f.User == "" {
		errs["user"] = "Enter the email of the token's user."
		return a.renderTokens(w, r, rq, http.StatusUnprocessableEntity, adminTokensPage{Form: f, Errors: errs})
	}
	c, err := a.issueToken(r.Context(), rq.actor, f, errs)
	if err != nil {
		return err
	}
	if c == nil {
		return a.renderTokens(w, r, rq, http.StatusUnprocessableEntity, adminTokensPage{Form: f, Errors: errs})
	}
	return a.renderTokens(w, r, rq, http.StatusCreated, adminTokensPage{Created: c})
}

func (a *Agent) adminRevokeToken(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.revokeToken(w, r, rq, true, "/admin/tokens")
}

// revokeToken revokes the token of the URL once the agent confirmed: any
// token for an admin's list (all), else only one of the agent's own
// (someone else's is not found, even for an admin on the profile page).
func (a *Agent) revokeToken(w http.ResponseWriter, r *http.Request, rq *request, all bool, back string) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ts, err := a.Auth.Tokens(r.Context(), rq.actor, all, id-1, 1)
	if err != nil {
		return err
	}
	if len(ts) == 0 || ts[0].ID != id {
		return fmt.Errorf("token %d: %w", id, fault.ErrNotFound)
	}
	if ok, err := a.confirmed(w, r, rq, revokeConfirmation(ts[0], back)); !ok {
		return err
	}
	if err := a.Auth.Revoke(r.Context(), rq.actor, id); err != nil {
		return err
	}
	a.site.Flash(w, fmt.Sprintf("Token “%s” revoked; it no longer works.", ts[0].Name))
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// revokeConfirmation asks before revoking token t.
func revokeConfirmation(t *auth.Token, cancel string) confirmation {
	return confirmation{Heading: fmt.Sprintf("Revoke the token “%s” of %s?", t.Name, t.UserEmail),
		Detail: "Every program that uses it is refused from now on; a revoked token cannot be restored, only replaced by a new one.",
		Button: "Revoke token", Cancel: cancel}
}
