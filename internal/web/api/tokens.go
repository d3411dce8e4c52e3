package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

type tokenJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	User       string     `json:"user"`
	Prefix     string     `json:"prefix"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	// Token is the secret, present only in the response that created it.
	Token string `json:"token,omitempty"`
}

func toTokenJSON(t *auth.Token) tokenJSON {
	return tokenJSON{ID: t.ID, Name: t.Name, User: t.UserEmail, Prefix: t.Prefix, Scopes: t.Scopes, CreatedAt: t.CreatedAt,
		LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
}

func (a *API) listTokens(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	after, limit, err := page(r, "k")
	if err != nil {
		return err
	}
	all := r.URL.Query().Get("all") == "true"
	ts, err := a.Auth.Tokens(r.Context(), actor, all, after, limit+1)
	if err != nil {
		return err
	}
	out := list[tokenJSON]{Items: []tokenJSON{}}
	if len(ts) > limit {
		ts = ts[:limit]
		out.NextCursor = idCursor("k", ts[len(ts)-1].ID)
	}
	for _, t := range ts {
		out.Items = append(out.Items, toTokenJSON(t))
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	var in struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
		User   string   `json:"user"`
	}
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	secret, t, err := a.Auth.CreateToken(r.Context(), actor, auth.NewToken{UserEmail: in.User, Name: in.Name, Scopes: in.Scopes})
	if err != nil {
		return err
	}
	j := toTokenJSON(t)
	j.Token = secret
	w.Header().Set("Location", "/api/v1/tokens/"+strconv.FormatInt(t.ID, 10))
	return web.JSON(w, http.StatusCreated, j)
}

func (a *API) deleteToken(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Auth.Revoke(r.Context(), actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
