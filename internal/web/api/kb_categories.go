package api

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/docket/docket/internal/kb"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

// kbCategoryJSON is a knowledge-base category; parent is the parent's slug.
type kbCategoryJSON struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Slug        string    `json:"slug"`
	Parent      *string   `json:"parent"`
	Description string    `json:"description"`
	Position    int       `json:"position"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toKBCategoryJSON(c *kb.Category, slugs map[int64]string) kbCategoryJSON {
	return kbCategoryJSON{ID: c.ID, Name: c.Name, Slug: c.Slug, Parent: strPtr(slugs[c.ParentID]), Description: c.Description,
		Position: c.Position, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

type kbCategoryInput struct {
	Name        *string `json:"name"`
	Slug        *string `json:"slug"`
	Parent      *string `json:"parent"`
	Description *string `json:"description"`
	Position    *int    `json:"position"`
}

func (a *API) readKBCategory(w http.ResponseWriter, r *http.Request) (kb.CategoryInput, error) {
	var in kbCategoryInput
	body, err := a.decode(w, r, &in)
	if err != nil {
		return kb.CategoryInput{}, err
	}
	if isNull, ok := present(body)["parent"]; ok && isNull {
		empty := ""
		in.Parent = &empty
	}
	return kb.CategoryInput{Name: in.Name, Slug: in.Slug, Parent: in.Parent, Description: in.Description, Position: in.Position}, nil
}

// listKBCategories pages the category tree in id order.
func (a *API) listKBCategories(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	after, limit, err := page(r, "kbc")
	if err != nil {
		return err
	}
	cs, err := a.KB.Categories(r.Context())
	if err != nil {
		return err
	}
	slugs, err := a.categorySlugs(r)
	if err != nil {
		return err
	}
	out := list[kbCategoryJSON]{Items: []kbCategoryJSON{}}
	var ids []int64
	byID := map[int64]*kb.Category{}
	for _, c := range cs {
		if c.ID > after {
			ids = append(ids, c.ID)
			byID[c.ID] = c
		}
	}
	slices.Sort(ids)
	if len(ids) > limit {
		ids = ids[:limit]
		out.NextCursor = idCursor("kbc", ids[limit-1])
	}
	for _, id := range ids {
		out.Items = append(out.Items, toKBCategoryJSON(byID[id], slugs))
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) writeKBCategory(w http.ResponseWriter, r *http.Request, c *kb.Category, status int) error {
	slugs, err := a.categorySlugs(r)
	if err != nil {
		return err
	}
	return web.JSON(w, status, toKBCategoryJSON(c, slugs))
}

func (a *API) getKBCategory(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := a.KB.Category(r.Context(), id)
	if err != nil {
		return err
	}
	return a.writeKBCategory(w, r, c, http.StatusOK)
}

func (a *API) createKBCategory(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	in, err := a.readKBCategory(w, r)
	if err != nil {
		return err
	}
	c, err := a.KB.CreateCategory(r.Context(), actor, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/kb/categories/"+strconv.FormatInt(c.ID, 10))
	return a.writeKBCategory(w, r, c, http.StatusCreated)
}

func (a *API) patchKBCategory(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := a.readKBCategory(w, r)
	if err != nil {
		return err
	}
	c, err := a.KB.UpdateCategory(r.Context(), actor, id, in)
	if err != nil {
		return err
	}
	return a.writeKBCategory(w, r, c, http.StatusOK)
}

func (a *API) deleteKBCategory(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.KB.DeleteCategory(r.Context(), actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
