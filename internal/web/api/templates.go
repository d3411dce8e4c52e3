package api

import (
	"net/http"
	"slices"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

type templateJSON struct {
	Key       string     `json:"key"`
	Subject   string     `json:"subject"`
	Body      string     `json:"body"`
	Default   bool       `json:"default"`
	UpdatedAt *time.Time `json:"updated_at"`
}

func toTemplateJSON(t *outbox.Template) templateJSON {
	j := templateJSON{Key: t.Key, Subject: t.Subject, Body: t.Body, Default: t.Default}
	if !t.Default {
		u := t.UpdatedAt
		j.UpdatedAt = &u
	}
	return j
}

func requireAdmin(actor *user.Actor) error {
	if !actor.IsAdmin() {
		return fault.Forbidden("only admins edit notification templates")
	}
	return nil
}

func templateKey(r *http.Request) (string, error) {
	key := r.PathValue("key")
	if !slices.Contains(outbox.Kinds, key) {
		return "", fault.ErrNotFound
	}
	return key, nil
}

// listTemplates shows every notification template as it is used now.
func (a *API) listTemplates(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	out := list[templateJSON]{Items: []templateJSON{}}
	for _, k := range outbox.Kinds {
		t, err := a.Outbox.Templates().Get(r.Context(), actor, k)
		if err != nil {
			return err
		}
		out.Items = append(out.Items, toTemplateJSON(t))
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) getTemplate(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	key, err := templateKey(r)
	if err != nil {
		return err
	}
	t, err := a.Outbox.Templates().Get(r.Context(), actor, key)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toTemplateJSON(t))
}

// putTemplate stores an override; a template that does not render against
// sample data is refused with the field at fault.
func (a *API) putTemplate(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	key, err := templateKey(r)
	if err != nil {
		return err
	}
	var in struct {
		Subject string `json:"subject"`
		Body    string `json:"body"`
	}
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	if err := a.Outbox.Templates().Put(r.Context(), actor, outbox.Template{Key: key, Subject: in.Subject, Body: in.Body}); err != nil {
		return err
	}
	return a.getTemplate(w, r, actor)
}

// resetTemplate drops the override, restoring the default.
func (a *API) resetTemplate(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	key, err := templateKey(r)
	if err != nil {
		return err
	}
	if err := a.Outbox.Templates().Reset(r.Context(), actor, key); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
