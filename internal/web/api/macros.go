package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/macro"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

type macroJSON struct {
	ID      int64              `json:"id"`
	Name    string             `json:"name"`
	Body    string             `json:"body"`
	Actions automation.Actions `json:"actions"`
	// Visibility is everyone, team (Team names it) or personal (Owner is
	// the agent's email).
	Visibility string    `json:"visibility"`
	Team       *string   `json:"team"`
	Owner      *string   `json:"owner"`
	UsageCount int64     `json:"usage_count"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func toMacroJSON(m *macro.Macro) macroJSON {
	j := macroJSON{ID: m.ID, Name: m.Name, Body: m.Body, Actions: m.Actions, Visibility: m.Visibility,
		UsageCount: m.UsageCount, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
	if m.TeamName != "" {
		j.Team = &m.TeamName
	}
	if m.OwnerEmail != "" {
		j.Owner = &m.OwnerEmail
	}
	return j
}

type macroInput struct {
	Name       *string             `json:"name"`
	Body       *string             `json:"body"`
	Actions    *automation.Actions `json:"actions"`
	Visibility *string             `json:"visibility"`
	Team       *string             `json:"team"`
}

func (in macroInput) input() macro.Input {
	return macro.Input{Name: in.Name, Body: in.Body, Actions: in.Actions, Visibility: in.Visibility, Team: in.Team}
}

// listMacros lists the macros the caller may see, by name: agents every
// agent's, their teams' and their own; admins every one.
func (a *API) listMacros(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	after, limit, err := page(r, "mac")
	if err != nil {
		return err
	}
	ms, err := a.Macros.List(r.Context(), actor, after, limit+1)
	if err != nil {
		return err
	}
	out := list[macroJSON]{Items: []macroJSON{}}
	if len(ms) > limit {
		ms = ms[:limit]
		out.NextCursor = idCursor("mac", ms[len(ms)-1].ID)
	}
	for _, m := range ms {
		out.Items = append(out.Items, toMacroJSON(m))
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) getMacro(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := a.Macros.Get(r.Context(), actor, id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toMacroJSON(m))
}

func (a *API) createMacro(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	var in macroInput
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	m, err := a.Macros.Create(r.Context(), actor, in.input())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/macros/"+strconv.FormatInt(m.ID, 10))
	return web.JSON(w, http.StatusCreated, toMacroJSON(m))
}

func (a *API) patchMacro(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in macroInput
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	m, err := a.Macros.Update(r.Context(), actor, id, in.input())
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toMacroJSON(m))
}

func (a *API) deleteMacro(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Macros.Delete(r.Context(), actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type appliedJSON struct {
	Macro struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"macro"`
	// Reply is the macro's reply text filled for the ticket: never sent by
	// applying; post it as a message to send it.
	Reply  string     `json:"reply"`
	Ticket ticketJSON `json:"ticket"`
}

// applyMacro applies a macro's actions to a ticket in one transaction:
// POST /api/v1/tickets/{number}/macros/{id}, with If-Match honoured.
func (a *API) applyMacro(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ifVersion, err := ifMatch(r)
	if err != nil {
		return err
	}
	applied, err := a.Macros.Apply(r.Context(), actor, n, id, ifVersion, nil)
	if err != nil {
		return err
	}
	t, err := a.Tickets.Get(r.Context(), actor, n)
	if err != nil {
		return err
	}
	out := appliedJSON{Reply: applied.Reply, Ticket: toTicketJSON(t)}
	out.Macro.ID, out.Macro.Name = applied.Macro.ID, applied.Macro.Name
	if err := a.withSLA(r, actor, []*ticket.Ticket{t}, []*ticketJSON{&out.Ticket}); err != nil {
		return err
	}
	w.Header().Set("ETag", t.ETag())
	return web.JSON(w, http.StatusOK, out)
}

// ifMatch reads the ticket version an If-Match header requires (0: none).
func ifMatch(r *http.Request) (int64, error) {
	m := r.Header.Get("If-Match")
	if m == "" || m == "*" {
		return 0, nil
	}
	v, ok := ticket.ParseETag(m)
	if !ok {
		return 0, &web.StatusError{Status: http.StatusPreconditionFailed, Detail: "If-Match does not hold an ETag of this ticket."}
	}
	return v, nil
}
