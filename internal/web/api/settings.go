package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

type categoryJSON struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toCategoryJSON(c *ticket.Category) categoryJSON {
	return categoryJSON{c.ID, c.Name, c.Description, c.Active, c.CreatedAt, c.UpdatedAt}
}

func (a *API) listCategories(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	after, limit, err := page(r, "c")
	if err != nil {
		return err
	}
	cs, err := a.Tickets.Categories(r.Context(), after, limit+1)
	if err != nil {
		return err
	}
	out := list[categoryJSON]{Items: []categoryJSON{}}
	if len(cs) > limit {
		cs = cs[:limit]
		out.NextCursor = idCursor("c", cs[len(cs)-1].ID)
	}
	for _, c := range cs {
		if c.Active || actor.IsAgent() {
			out.Items = append(out.Items, toCategoryJSON(c))
		}
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) getCategory(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := a.Tickets.Category(r.Context(), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toCategoryJSON(c))
}

type categoryInput struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Active      *bool   `json:"active"`
}

func (a *API) createCategory(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	var in categoryInput
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	c, err := a.Tickets.CreateCategory(r.Context(), actor, ticket.CategoryInput{Name: in.Name, Description: in.Description, Active: in.Active})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/categories/"+strconv.FormatInt(c.ID, 10))
	return web.JSON(w, http.StatusCreated, toCategoryJSON(c))
}

func (a *API) patchCategory(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in categoryInput
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	c, err := a.Tickets.UpdateCategory(r.Context(), actor, id, ticket.CategoryInput{Name: in.Name, Description: in.Description, Active: in.Active})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toCategoryJSON(c))
}

type customFieldJSON struct {
	ID       int64            `json:"id"`
	Key      string           `json:"key"`
	Label    string           `json:"label"`
	Type     ticket.FieldType `json:"type"`
	Options  []string         `json:"options"`
	Required bool             `json:"required"`
	// RequesterVisible shows the field to requesters in the portal.
	RequesterVisible bool      `json:"requester_visible"`
	TicketType       *string   `json:"ticket_type"`
	Category         *string   `json:"category"`
	Position         int       `json:"position"`
	Active           bool      `json:"active"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

func toCustomFieldJSON(d *ticket.FieldDef) customFieldJSON {
	j := customFieldJSON{ID: d.ID, Key: d.Key, Label: d.Label, Type: d.Type, Options: d.Options, Required: d.Required,
		RequesterVisible: d.RequesterVisible, TicketType: strPtr(string(d.TicketType)), Position: d.Position, Active: d.Active, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	if d.Category != nil {
		j.Category = &d.Category.Name
	}
	return j
}

func (a *API) listCustomFields(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	after, limit, err := page(r, "f")
	if err != nil {
		return err
	}
	defs, err := a.Tickets.FieldDefs(r.Context())
	if err != nil {
		return err
	}
	// Definitions are few and ordered by position, not id: page by index.
	out := list[customFieldJSON]{Items: []customFieldJSON{}}
	var visible []*ticket.FieldDef
	for _, d := range defs {
		if d.Active || actor.IsAgent() {
			visible = append(visible, d)
		}
	}
	for i := int(after); i < len(visible) && len(out.Items) < limit; i++ {
		out.Items = append(out.Items, toCustomFieldJSON(visible[i]))
		if len(out.Items) == limit && i+1 < len(visible) {
			out.NextCursor = idCursor("f", int64(i+1))
		}
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) getCustomField(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := a.Tickets.FieldDef(r.Context(), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toCustomFieldJSON(d))
}

type customFieldInput struct {
	Key      *string   `json:"key"`
	Label    *string   `json:"label"`
	Type     *string   `json:"type"`
	Options  *[]string `json:"options"`
	Required *bool     `json:"required"`
	// RequesterVisible: see customFieldJSON.
	RequesterVisible *bool   `json:"requester_visible"`
	TicketType       *string `json:"ticket_type"`
	Category         *string `json:"category"`
	Position         *int    `json:"position"`
	Active           *bool   `json:"active"`
}

func (in customFieldInput) toInput(body []byte) ticket.FieldDefInput {
	out := ticket.FieldDefInput{Key: in.Key, Label: in.Label, Options: in.Options, Required: in.Required,
		RequesterVisible: in.RequesterVisible, Category: in.Category, Position: in.Position, Active: in.Active}
	if in.Type != nil {
		t := ticket.FieldType(*in.Type)
		out.Type = &t
	}
	p := present(body)
	empty := ""
	if isNull, ok := p["category"]; ok && isNull {
		out.Category = &empty
	}
	if in.TicketType != nil {
		t := ticket.Type(*in.TicketType)
		out.TicketType = &t
	} else if isNull, ok := p["ticket_type"]; ok && isNull {
		t := ticket.Type("")
		out.TicketType = &t
	}
	return out
}

func (a *API) createCustomField(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	var in customFieldInput
	body, err := a.decode(w, r, &in)
	if err != nil {
		return err
	}
	d, err := a.Tickets.CreateFieldDef(r.Context(), actor, in.toInput(body))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/custom-fields/"+strconv.FormatInt(d.ID, 10))
	return web.JSON(w, http.StatusCreated, toCustomFieldJSON(d))
}

func (a *API) patchCustomField(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in customFieldInput
	body, err := a.decode(w, r, &in)
	if err != nil {
		return err
	}
	d, err := a.Tickets.UpdateFieldDef(r.Context(), actor, id, in.toInput(body))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toCustomFieldJSON(d))
}
