package agent

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/web"
)

// triggerRunsSize is how many run log entries a trigger's page shows at
// once.
const triggerRunsSize = 25

// adminTriggerRoutes registers the trigger administration pages. They are
// hidden from everyone but admins: another agent gets "not found", as
// the API answers for what a caller may not see.
func (a *Agent) adminTriggerRoutes(mux web.Router) {
	mux.Handle("GET /admin/triggers", a.adminHidden(a.adminTriggers))
	mux.Handle("GET /admin/triggers/new", a.adminHidden(a.adminNewTriggerForm))
	mux.Handle("POST /admin/triggers/new", a.adminHidden(a.adminCreateTrigger))
	mux.Handle("GET /admin/triggers/{id}", a.adminHidden(a.adminTriggerForm))
	mux.Handle("POST /admin/triggers/{id}", a.adminHidden(a.adminUpdateTrigger))
	mux.Handle("POST /admin/triggers/{id}/enabled", a.adminHidden(a.adminToggleTrigger))
	mux.Handle("POST /admin/triggers/{id}/move", a.adminHidden(a.adminMoveTrigger))
	mux.Handle("POST /admin/triggers/{id}/test", a.adminHidden(a.adminTestTrigger))
	mux.Handle("POST /admin/triggers/{id}/delete", a.adminHidden(a.adminDeleteTrigger))
}

// adminHidden wraps a handler for admins only, answering "not found" to
// anyone else.
func (a *Agent) adminHidden(h handler) http.Handler {
	return a.page(func(w http.ResponseWriter, r *http.Request, rq *request) error {
		if !rq.actor.IsAdmin() {
			return fault.ErrNotFound
		}
		return h(w, r, rq)
	})
}

// triggerRow is a trigger in the list, with its latest run. Place is its
// place in the run order, on the first page (0 on later ones: positions
// have gaps where triggers were deleted).
type triggerRow struct {
	*automation.Trigger
	Place       int
	First, Last bool
	LastRun     *automation.Run
}

type adminTriggersPage struct {
	adminFrame
	Triggers []triggerRow
	NextURL  string
	FirstURL string
}

// EventLabel names an event kind in words.
func (adminTriggersPage) EventLabel(kind string) string { return eventLabel(kind) }

func eventLabel(kind string) string {
	switch kind {
	case "ticket.created":
		return "Ticket created"
	case "ticket.updated":
		return "Ticket updated"
	case "message.created":
		return "Message received"
	case automation.SLAWarning:
		return "SLA warning"
	case automation.SLABreached:
		return "SLA breached"
	case event.SatisfactionReceived:
		return "Satisfaction rating received"
	}
	return kind
}

func (a *Agent) adminTriggers(w http.ResponseWriter, r *http.Request, rq *request) error {
	after := afterParam(r)
	ts, err := a.Automation.List(r.Context(), rq.actor, after, adminPageSize+1)
	if err != nil {
		return err
	}
	p := adminTriggersPage{}
	if len(ts) > adminPageSize {
		ts = ts[:adminPageSize]
		p.NextURL = nextPage(r, ts[len(ts)-1].ID)
	}
	if after > 0 {
		p.FirstURL = r.URL.Path
	}
	for i, t := range ts {
		row := triggerRow{Trigger: t, First: i == 0 && after == 0, Last: i == len(ts)-1 && p.NextURL == ""}
		if after == 0 {
			row.Place = i + 1
		}
		runs, err := a.Automation.Runs(r.Context(), rq.actor, t.ID, 0, 1)
		if err != nil {
			return err
		}
		if len(runs) > 0 {
			row.LastRun = &runs[0]
		}
		p.Triggers = append(p.Triggers, row)
	}
	p.adminFrame = a.adminFrame(w, r, rq, "Triggers", "triggers")
	return a.tmpl.Render(w, http.StatusOK, "admin_triggers", p)
}

func (a *Agent) trigger(r *http.Request, rq *request) (*automation.Trigger, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return a.Automation.Get(r.Context(), rq.actor, id)
}

// adminToggleTrigger turns a trigger on or off from the list.
func (a *Agent) adminToggleTrigger(w http.ResponseWriter, r *http.Request, rq *request) error {
	t, err := a.trigger(r, rq)
	if err != nil {
		return err
	}
	on := checked(r, "enabled")
	if _, err := a.Automation.Update(r.Context(), rq.actor, t.ID, automation.Input{Enabled: &on}); err != nil {
		return err
	}
	state := "off"
	if on {
		state = "on"
	}
	return a.backToTriggers(w, r, t, fmt.Sprintf("Turned the trigger “%s” %s.", t.Name, state))
}

// backToTriggers says what was done and shows the list at trigger t.
func (a *Agent) backToTriggers(w http.ResponseWriter, r *http.Request, t *automation.Trigger, msg string) error {
	a.site.Flash(w, msg)
	http.Redirect(w, r, fmt.Sprintf("/admin/triggers#trigger-%d", t.ID), http.StatusSeeOther)
	return nil
}

// adminMoveTrigger moves a trigger one place up or down in the order.
func (a *Agent) adminMoveTrigger(w http.ResponseWriter, r *http.Request, rq *request) error {
	t, err := a.trigger(r, rq)
	if err != nil {
		return err
	}
	dir := r.PostFormValue("dir")
	if dir != "up" && dir != "down" {
		return fault.Field("dir", "must be up or down")
	}
	if err := a.Automation.Move(r.Context(), rq.actor, t.ID, dir == "up"); err != nil {
		return err
	}
	return a.backToTriggers(w, r, t, fmt.Sprintf("Moved the trigger “%s” %s.", t.Name, dir))
}

func (a *Agent) adminDeleteTrigger(w http.ResponseWriter, r *http.Request, rq *request) error {
	t, err := a.trigger(r, rq)
	if err != nil {
		return err
	}
	if !checked(r, "confirm") {
		return a.renderTrigger(w, r, rq, http.StatusUnprocessableEntity, adminTriggerPage{T: t, Form: triggerFormOf(t),
			Errors: map[string]string{"delete": "Tick the box to confirm the deletion."}})
	}
	if err := a.Automation.Delete(r.Context(), rq.actor, t.ID); err != nil {
		return err
	}
	a.site.Flash(w, fmt.Sprintf("Deleted the trigger “%s” and its run log.", t.Name))
	http.Redirect(w, r, "/admin/triggers", http.StatusSeeOther)
	return nil
}

// adminTestTrigger answers what the saved trigger would do to a ticket
// now, writing nothing (the dry run).
func (a *Agent) adminTestTrigger(w http.ResponseWriter, r *http.Request, rq *request) error {
	t, err := a.trigger(r, rq)
	if err != nil {
		return err
	}
	p := adminTriggerPage{T: t, Form: triggerFormOf(t), Errors: map[string]string{}}
	p.TestTicket = formValue(r, "ticket")
	n, ok := ticketNumber(p.TestTicket)
	if !ok {
		p.Errors["ticket"] = "Enter the number of a ticket, such as 1042."
		return a.renderTrigger(w, r, rq, http.StatusUnprocessableEntity, p)
	}
	res, err := a.Automation.Test(r.Context(), rq.actor, t.ID, n)
	if err != nil {
		if !errors.Is(err, fault.ErrNotFound) {
			return err
		}
		p.Errors["ticket"] = fmt.Sprintf("There is no ticket %d.", n)
		return a.renderTrigger(w, r, rq, http.StatusUnprocessableEntity, p)
	}
	p.Test = res
	return a.renderTrigger(w, r, rq, http.StatusOK, p)
}

// ticketNumber reads a ticket number as people write it: "1042" or
// "#1042".
func ticketNumber(s string) (int64, bool) {
	var n int64
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	if _, err := fmt.Sscan(s, &n); err != nil || n <= 0 || fmt.Sprint(n) != s {
		return 0, false
	}
	return n, true
}
