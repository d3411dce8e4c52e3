package api

import (
	"net/http"
	"strconv"

	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
	"github.com/docket/docket/internal/webform"
)

// The web forms (/api/v1/web-forms): agents read them, admins change them.

func (a *API) listWebForms(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	after, limit, err := page(r, "wf")
	if err != nil {
		return err
	}
	fs, err := a.WebForms.List(r.Context(), actor, after, limit+1)
	if err != nil {
		return err
	}
	out := list[*webform.Form]{Items: []*webform.Form{}}
	if len(fs) > limit {
		fs = fs[:limit]
		out.NextCursor = idCursor("wf", fs[len(fs)-1].ID)
	}
	out.Items = append(out.Items, fs...)
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) getWebForm(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := a.WebForms.Get(r.Context(), actor, id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, f)
}

func (a *API) createWebForm(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	var in webform.Input
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	f, err := a.WebForms.Create(r.Context(), actor, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/web-forms/"+strconv.FormatInt(f.ID, 10))
	return web.JSON(w, http.StatusCreated, f)
}

func (a *API) patchWebForm(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in webform.Input
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	f, err := a.WebForms.Update(r.Context(), actor, id, in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, f)
}

func (a *API) deleteWebForm(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.WebForms.Delete(r.Context(), actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
