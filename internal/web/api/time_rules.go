package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

type timeRuleJSON struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Position int    `json:"position"`
	Enabled  bool   `json:"enabled"`
	Since    string `json:"since"`
	Minutes  int    `json:"minutes"`
	// CalendarID is the calendar whose business time the minutes count;
	// null: calendar time.
	CalendarID *int64                `json:"calendar_id"`
	Conditions automation.Conditions `json:"conditions"`
	Actions    automation.Actions    `json:"actions"`
	Builtin    *string               `json:"builtin"`
	Author     *string               `json:"author"`
	CreatedAt  time.Time             `json:"created_at"`
	UpdatedAt  time.Time             `json:"updated_at"`
}

func toTimeRuleJSON(r *automation.TimeRule) timeRuleJSON {
	j := timeRuleJSON{ID: r.ID, Name: r.Name, Position: r.Position, Enabled: r.Enabled, Since: r.Since, Minutes: r.Minutes,
		Conditions: r.Conditions, Actions: r.Actions, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.CalendarID != 0 {
		j.CalendarID = &r.CalendarID
	}
	if r.Builtin != "" {
		j.Builtin = &r.Builtin
	}
	if r.AuthorEmail != "" {
		j.Author = &r.AuthorEmail
	}
	return j
}

type timeRuleInput struct {
	Name       *string                `json:"name"`
	Position   *int                   `json:"position"`
	Enabled    *bool                  `json:"enabled"`
	Since      *string                `json:"since"`
	Minutes    *int                   `json:"minutes"`
	CalendarID *int64                 `json:"calendar_id"`
	Conditions *automation.Conditions `json:"conditions"`
	Actions    *automation.Actions    `json:"actions"`
}

// input turns the body into the service's input; nulls says which keys
// were sent as null (calendar_id: null is calendar time).
func (in timeRuleInput) input(nulls map[string]bool) automation.TimeRuleInput {
	out := automation.TimeRuleInput{Name: in.Name, Position: in.Position, Enabled: in.Enabled, Since: in.Since,
		Minutes: in.Minutes, CalendarID: in.CalendarID, Conditions: in.Conditions, Actions: in.Actions}
	if nulls["calendar_id"] {
		var none int64
		out.CalendarID = &none
	}
	return out
}

func (a *API) timeRules() *automation.TimeRules { return a.Automation.TimeRules() }

func (a *API) listTimeRules(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	after, limit, err := page(r, "trl")
	if err != nil {
		return err
	}
	rs, err := a.timeRules().List(r.Context(), actor, after, limit+1)
	if err != nil {
		return err
	}
	out := list[timeRuleJSON]{Items: []timeRuleJSON{}}
	if len(rs) > limit {
		rs = rs[:limit]
		out.NextCursor = idCursor("trl", rs[len(rs)-1].ID)
	}
	for _, tr := range rs {
		out.Items = append(out.Items, toTimeRuleJSON(tr))
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) getTimeRule(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	tr, err := a.timeRules().Get(r.Context(), actor, id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toTimeRuleJSON(tr))
}

func (a *API) createTimeRule(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	var in timeRuleInput
	body, err := a.decode(w, r, &in)
	if err != nil {
		return err
	}
	if in.Actions == nil {
		in.Actions = &automation.Actions{}
	}
	tr, err := a.timeRules().Create(r.Context(), actor, in.input(present(body)))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/time-rules/"+strconv.FormatInt(tr.ID, 10))
	return web.JSON(w, http.StatusCreated, toTimeRuleJSON(tr))
}

func (a *API) patchTimeRule(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in timeRuleInput
	body, err := a.decode(w, r, &in)
	if err != nil {
		return err
	}
	tr, err := a.timeRules().Update(r.Context(), actor, id, in.input(present(body)))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toTimeRuleJSON(tr))
}

func (a *API) deleteTimeRule(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.timeRules().Delete(r.Context(), actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type dueJSON struct {
	Ticket  int64     `json:"ticket"`
	Subject string    `json:"subject"`
	Status  string    `json:"status"`
	Since   time.Time `json:"since"`
}

// timeRuleDue answers which tickets a time rule would act on if it ran
// now, writing nothing: GET /api/v1/time-rules/{id}/due?limit=50.
func (a *API) timeRuleDue(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	limit := 50
	if s := r.URL.Query().Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 200 {
			return fault.Field("limit", "must be a number from 1 to 200")
		}
	}
	due, more, err := a.timeRules().DueNow(r.Context(), actor, id, limit)
	if err != nil {
		return err
	}
	out := struct {
		Items []dueJSON `json:"items"`
		More  bool      `json:"more"`
	}{Items: []dueJSON{}, More: more}
	for _, d := range due {
		out.Items = append(out.Items, dueJSON{Ticket: d.Number, Subject: d.Subject, Status: d.Status, Since: d.Since})
	}
	return web.JSON(w, http.StatusOK, out)
}

// timeRuleRoutes registers /api/v1/time-rules with h.
func (a *API) timeRuleRoutes(h func(string, func(http.ResponseWriter, *http.Request, *user.Actor) error)) {
	h("GET /api/v1/time-rules", a.listTimeRules)
	h("POST /api/v1/time-rules", a.createTimeRule)
	h("GET /api/v1/time-rules/{id}", a.getTimeRule)
	h("PATCH /api/v1/time-rules/{id}", a.patchTimeRule)
	h("DELETE /api/v1/time-rules/{id}", a.deleteTimeRule)
	h("GET /api/v1/time-rules/{id}/due", a.timeRuleDue)
}
