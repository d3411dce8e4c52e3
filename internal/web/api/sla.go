package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/docket/docket/internal/sla"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

// slaJSON is a ticket's `sla`: the fields API.md pins, and each target's
// clock (an extension, documented in the README).
type slaJSON struct {
	Policy             *string      `json:"policy"`
	FirstResponseDueAt *time.Time   `json:"first_response_due_at"`
	ResolutionDueAt    *time.Time   `json:"resolution_due_at"`
	Breached           bool         `json:"breached"`
	Targets            []targetJSON `json:"targets"`
}

type targetJSON struct {
	Target           string     `json:"target"`
	Policy           string     `json:"policy"`
	GoalMinutes      int        `json:"goal_minutes"`
	State            string     `json:"state"`
	StartedAt        time.Time  `json:"started_at"`
	DueAt            *time.Time `json:"due_at"`
	RemainingMinutes *int       `json:"remaining_minutes,omitempty"`
	OverdueMinutes   *int       `json:"overdue_minutes,omitempty"`
	PausedMinutes    int        `json:"paused_minutes"`
	MetAt            *time.Time `json:"met_at,omitempty"`
	BreachedAt       *time.Time `json:"breached_at,omitempty"`
}

func toSLAJSON(ts *sla.TicketSLA) slaJSON {
	out := slaJSON{Targets: []targetJSON{}}
	if ts == nil {
		return out
	}
	out.Policy, out.Breached = strPtr(ts.Policy), ts.Breached
	if fr := ts.Target(sla.FirstResponse); fr != nil {
		out.FirstResponseDueAt = fr.DueAt
	}
	if res := ts.Target(sla.Resolution); res != nil {
		out.ResolutionDueAt = res.DueAt
	}
	for _, st := range ts.Targets {
		j := targetJSON{Target: st.Target, Policy: st.Policy, GoalMinutes: st.Goal, State: st.State, StartedAt: st.StartedAt,
			DueAt: st.DueAt, PausedMinutes: st.Paused, MetAt: st.MetAt, BreachedAt: st.BreachedAt}
		if st.Overdue > 0 {
			j.OverdueMinutes = &st.Overdue
		} else {
			j.RemainingMinutes = &st.Remaining
		}
		out.Targets = append(out.Targets, j)
	}
	return out
}

// withSLA fills in the `sla` of the tickets' JSON, in one read for all.
func (a *API) withSLA(r *http.Request, actor *user.Actor, ts []*ticket.Ticket, js []*ticketJSON) error {
	if a.SLA == nil || len(ts) == 0 {
		return nil
	}
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	m, err := a.SLA.Of(r.Context(), actor, ids, time.Now())
	if err != nil {
		return err
	}
	for i, t := range ts {
		js[i].SLA = toSLAJSON(m[t.ID])
	}
	return nil
}

type policyJSON struct {
	ID          int64           `json:"id"`
	Name        string          `json:"name"`
	Position    int             `json:"position"`
	Enabled     bool            `json:"enabled"`
	CalendarID  int64           `json:"calendar_id"`
	Calendar    string          `json:"calendar"`
	Conditions  []conditionJSON `json:"conditions"`
	Targets     []goalsJSON     `json:"targets"`
	WarnPercent int             `json:"warn_percent"`
	Escalation  escalationJSON  `json:"escalation"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

type conditionJSON struct {
	Field string `json:"field"`
	Op    string `json:"op"`
	Value any    `json:"value"`
}

type goalsJSON struct {
	Priority      string `json:"priority"`
	FirstResponse *int   `json:"first_response"`
	NextResponse  *int   `json:"next_response"`
	Resolution    *int   `json:"resolution"`
}

type escalationJSON struct {
	Notify        bool    `json:"notify"`
	RaisePriority bool    `json:"raise_priority"`
	Team          *string `json:"team"`
}

func toPolicyJSON(p *sla.Policy) policyJSON {
	out := policyJSON{ID: p.ID, Name: p.Name, Position: p.Position, Enabled: p.Enabled, CalendarID: p.CalendarID,
		Calendar: p.CalendarName, Conditions: []conditionJSON{}, Targets: []goalsJSON{}, WarnPercent: p.WarnPercent,
		Escalation: escalationJSON{Notify: p.Escalation.Notify, RaisePriority: p.Escalation.RaisePriority, Team: strPtr(p.Escalation.TeamName)},
		CreatedAt:  p.CreatedAt, UpdatedAt: p.UpdatedAt}
	for _, c := range p.Conditions {
		out.Conditions = append(out.Conditions, conditionJSON{c.Field, c.Op, c.Value})
	}
	for _, t := range p.Targets {
		out.Targets = append(out.Targets, goalsJSON{ticket.Priority(t.Priority).String(), t.FirstResponse, t.NextResponse, t.Resolution})
	}
	return out
}

type policyInput struct {
	Name        *string          `json:"name"`
	Position    *int             `json:"position"`
	Enabled     *bool            `json:"enabled"`
	CalendarID  *int64           `json:"calendar_id"`
	Conditions  *[]conditionJSON `json:"conditions"`
	Targets     *[]goalsJSON     `json:"targets"`
	WarnPercent *int             `json:"warn_percent"`
	Escalation  *struct {
		Notify        bool    `json:"notify"`
		RaisePriority bool    `json:"raise_priority"`
		Team          *string `json:"team"`
	} `json:"escalation"`
}

func (in policyInput) input() sla.Input {
	out := sla.Input{Name: in.Name, Position: in.Position, Enabled: in.Enabled, CalendarID: in.CalendarID, WarnPercent: in.WarnPercent}
	if in.Conditions != nil {
		cs := []sla.ConditionInput{}
		for _, c := range *in.Conditions {
			cs = append(cs, sla.ConditionInput{Field: c.Field, Op: c.Op, Value: c.Value})
		}
		out.Conditions = &cs
	}
	if in.Targets != nil {
		ts := []sla.TargetInput{}
		for _, t := range *in.Targets {
			ts = append(ts, sla.TargetInput{Priority: t.Priority, FirstResponse: t.FirstResponse, NextResponse: t.NextResponse, Resolution: t.Resolution})
		}
		out.Targets = &ts
	}
	if e := in.Escalation; e != nil {
		out.Escalation = &sla.EscalationInput{Notify: e.Notify, RaisePriority: e.RaisePriority}
		if e.Team != nil {
			out.Escalation.Team = *e.Team
		}
	}
	return out
}

func (a *API) listPolicies(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	after, limit, err := page(r, "slap")
	if err != nil {
		return err
	}
	ps, err := a.SLA.List(r.Context(), actor, int(after), limit+1)
	if err != nil {
		return err
	}
	out := list[policyJSON]{Items: []policyJSON{}}
	if len(ps) > limit {
		ps = ps[:limit]
		out.NextCursor = idCursor("slap", int64(ps[len(ps)-1].Position))
	}
	for _, p := range ps {
		out.Items = append(out.Items, toPolicyJSON(p))
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) getPolicy(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := a.SLA.Get(r.Context(), actor, id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toPolicyJSON(p))
}

func (a *API) createPolicy(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	var in policyInput
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	p, err := a.SLA.Create(r.Context(), actor, in.input())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/sla-policies/"+strconv.FormatInt(p.ID, 10))
	return web.JSON(w, http.StatusCreated, toPolicyJSON(p))
}

func (a *API) patchPolicy(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in policyInput
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	p, err := a.SLA.Update(r.Context(), actor, id, in.input())
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toPolicyJSON(p))
}

func (a *API) deletePolicy(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.SLA.Delete(r.Context(), actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
