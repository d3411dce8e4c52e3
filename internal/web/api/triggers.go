package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

type triggerJSON struct {
	ID         int64                 `json:"id"`
	Name       string                `json:"name"`
	Position   int                   `json:"position"`
	Enabled    bool                  `json:"enabled"`
	Events     []string              `json:"events"`
	Conditions automation.Conditions `json:"conditions"`
	Actions    automation.Actions    `json:"actions"`
	// Author is the admin whose name the trigger's notes and replies
	// carry: who saved it last.
	Author    *string   `json:"author"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toTriggerJSON(t *automation.Trigger) triggerJSON {
	j := triggerJSON{ID: t.ID, Name: t.Name, Position: t.Position, Enabled: t.Enabled, Events: t.Events,
		Conditions: t.Conditions, Actions: t.Actions, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	if t.AuthorEmail != "" {
		j.Author = &t.AuthorEmail
	}
	return j
}

type triggerInput struct {
	Name       *string                `json:"name"`
	Position   *int                   `json:"position"`
	Enabled    *bool                  `json:"enabled"`
	Events     *[]string              `json:"events"`
	Conditions *automation.Conditions `json:"conditions"`
	Actions    *automation.Actions    `json:"actions"`
}

func (in triggerInput) input() automation.Input {
	return automation.Input{Name: in.Name, Position: in.Position, Enabled: in.Enabled, Events: in.Events,
		Conditions: in.Conditions, Actions: in.Actions}
}

func (a *API) listTriggers(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	after, limit, err := page(r, "trg")
	if err != nil {
		return err
	}
	ts, err := a.Automation.List(r.Context(), actor, after, limit+1)
	if err != nil {
		return err
	}
	out := list[triggerJSON]{Items: []triggerJSON{}}
	if len(ts) > limit {
		ts = ts[:limit]
		out.NextCursor = idCursor("trg", ts[len(ts)-1].ID)
	}
	for _, t := range ts {
		out.Items = append(out.Items, toTriggerJSON(t))
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) getTrigger(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := a.Automation.Get(r.Context(), actor, id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toTriggerJSON(t))
}

func (a *API) createTrigger(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	var in triggerInput
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Actions == nil {
		in.Actions = &automation.Actions{}
	}
	t, err := a.Automation.Create(r.Context(), actor, in.input())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/triggers/"+strconv.FormatInt(t.ID, 10))
	return web.JSON(w, http.StatusCreated, toTriggerJSON(t))
}

func (a *API) patchTrigger(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in triggerInput
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	t, err := a.Automation.Update(r.Context(), actor, id, in.input())
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toTriggerJSON(t))
}

func (a *API) deleteTrigger(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Automation.Delete(r.Context(), actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type triggerTestJSON struct {
	Ticket     int64                 `json:"ticket"`
	Matched    bool                  `json:"matched"`
	Conditions []conditionResultJSON `json:"conditions"`
	Actions    []string              `json:"actions"`
	Changes    []event.Change        `json:"changes"`
	Error      *string               `json:"error"`
}

type conditionResultJSON struct {
	Group string `json:"group"`
	automation.Condition
	Holds bool   `json:"holds"`
	Note  string `json:"note,omitempty"`
}

// testTrigger answers what a trigger would do to a ticket now, writing
// nothing: POST /api/v1/triggers/{id}/test with {"ticket": number}.
func (a *API) testTrigger(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Ticket *int64 `json:"ticket"`
	}
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Ticket == nil || *in.Ticket <= 0 {
		return fault.Field("ticket", "is required: the number of a ticket")
	}
	res, err := a.Automation.Test(r.Context(), actor, id, *in.Ticket)
	if err != nil {
		return err
	}
	out := triggerTestJSON{Ticket: res.Ticket, Matched: res.Matched, Conditions: []conditionResultJSON{},
		Actions: res.Actions, Changes: res.Changes}
	if out.Actions == nil {
		out.Actions = []string{}
	}
	if out.Changes == nil {
		out.Changes = []event.Change{}
	}
	for _, c := range res.Conditions {
		out.Conditions = append(out.Conditions, conditionResultJSON{c.Group, c.Condition, c.Holds, c.Note})
	}
	if res.Error != "" {
		out.Error = &res.Error
	}
	return web.JSON(w, http.StatusOK, out)
}
