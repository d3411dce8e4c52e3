package api

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/docket/docket/internal/canned"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

// Canned responses are macros with only a reply text; this is their view,
// kept for clients of /api/v1/canned-responses.

type cannedJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Body      string    `json:"body"`
	Shared    bool      `json:"shared"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toCannedJSON(c *canned.Response) cannedJSON {
	return cannedJSON{ID: c.ID, Name: c.Name, Body: c.Body, Shared: c.Shared(), UpdatedAt: c.UpdatedAt}
}

type cannedInput struct {
	Name   *string `json:"name"`
	Body   *string `json:"body"`
	Shared *bool   `json:"shared"`
}

// input is the change in, over what c (nil: nothing yet) holds.
func (in cannedInput) input(c *canned.Response) canned.Input {
	var out canned.Input
	if c != nil {
		out = canned.Input{Name: c.Name, Body: c.Body, Shared: c.Shared()}
	}
	if in.Name != nil {
		out.Name = *in.Name
	}
	if in.Body != nil {
		out.Body = *in.Body
	}
	if in.Shared != nil {
		out.Shared = *in.Shared
	}
	return out
}

// listCanned lists the canned responses the caller may use, by name, a
// page at a time.
func (a *API) listCanned(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if !actor.IsAgent() {
		return fault.Forbidden("only agents use canned responses")
	}
	after, limit, err := page(r, "can")
	if err != nil {
		return err
	}
	cs, err := a.Canned.List(r.Context(), actor)
	if err != nil {
		return err
	}
	if after > 0 {
		i := slices.IndexFunc(cs, func(c *canned.Response) bool { return c.ID == after })
		if i < 0 {
			return fault.Field("cursor", "the canned response this page started after is gone; start again")
		}
		cs = cs[i+1:]
	}
	out := list[cannedJSON]{Items: []cannedJSON{}}
	if len(cs) > limit {
		cs = cs[:limit]
		out.NextCursor = idCursor("can", cs[len(cs)-1].ID)
	}
	for _, c := range cs {
		out.Items = append(out.Items, toCannedJSON(c))
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) getCanned(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := a.Canned.Get(r.Context(), actor, id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toCannedJSON(c))
}

func (a *API) createCanned(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	var in cannedInput
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	c, err := a.Canned.Create(r.Context(), actor, in.input(nil))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/canned-responses/"+strconv.FormatInt(c.ID, 10))
	return web.JSON(w, http.StatusCreated, toCannedJSON(c))
}

func (a *API) patchCanned(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in cannedInput
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	c, err := a.Canned.Get(r.Context(), actor, id)
	if err != nil {
		return err
	}
	if c, err = a.Canned.Update(r.Context(), actor, id, in.input(c)); err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toCannedJSON(c))
}

func (a *API) deleteCanned(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Canned.Delete(r.Context(), actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
