package agent

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/calendar"
	"github.com/docket/docket/internal/web"
)

// timeRuleFiresSize is how many entries of what a time rule did its page
// shows; timeRuleDueSize how many tickets its dry run lists.
const (
	timeRuleFiresSize = 25
	timeRuleDueSize   = 50
)

// adminTimeRuleRoutes registers the time rule pages, hidden from everyone
// but admins as the trigger pages are.
func (a *Agent) adminTimeRuleRoutes(mux web.Router) {
	mux.Handle("GET /admin/time-rules", a.adminHidden(a.adminTimeRules))
	mux.Handle("GET /admin/time-rules/new", a.adminHidden(a.adminNewTimeRuleForm))
	mux.Handle("POST /admin/time-rules/new", a.adminHidden(a.saveTimeRule))
	mux.Handle("GET /admin/time-rules/{id}", a.adminHidden(a.adminTimeRuleForm))
	mux.Handle("POST /admin/time-rules/{id}", a.adminHidden(a.saveTimeRule))
	mux.Handle("POST /admin/time-rules/{id}/enabled", a.adminHidden(a.adminToggleTimeRule))
	mux.Handle("POST /admin/time-rules/{id}/delete", a.adminHidden(a.adminDeleteTimeRule))
}

// timeRuleRow is a time rule in the list, with what it did last.
type timeRuleRow struct {
	*automation.TimeRule
	When     string
	LastFire *automation.Fire
}

type adminTimeRulesPage struct {
	adminFrame
	Rules    []timeRuleRow
	NextURL  string
	FirstURL string
}

func (a *Agent) adminTimeRules(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	after := afterParam(r)
	tr := a.Automation.TimeRules()
	rules, err := tr.List(ctx, rq.actor, after, adminPageSize+1)
	if err != nil {
		return err
	}
	p := adminTimeRulesPage{}
	if len(rules) > adminPageSize {
		rules = rules[:adminPageSize]
		p.NextURL = nextPage(r, rules[len(rules)-1].ID)
	}
	if after > 0 {
		p.FirstURL = r.URL.Path
	}
	cals, err := a.calendarNames(r, rq)
	if err != nil {
		return err
	}
	for _, rule := range rules {
		row := timeRuleRow{TimeRule: rule, When: whenWords(rule, cals)}
		fires, err := tr.Fires(ctx, rq.actor, rule.ID, time.Time{}, 1)
		if err != nil {
			return err
		}
		if len(fires) > 0 {
			row.LastFire = &fires[0]
		}
		p.Rules = append(p.Rules, row)
	}
	p.adminFrame = a.adminFrame(w, r, rq, "Time rules", "time-rules")
	return a.tmpl.Render(w, http.StatusOK, "admin_time_rules", p)
}

// calendarNames are the business-hours calendars by id.
func (a *Agent) calendarNames(r *http.Request, rq *request) (map[int64]string, error) {
	cals, err := a.Calendars.List(r.Context(), rq.actor, 0, 500)
	if err != nil {
		return nil, err
	}
	out := map[int64]string{}
	for _, c := range cals {
		out[c.ID] = c.Name
	}
	return out, nil
}

// whenWords says when a rule acts: "3 days after resolved, in calendar
// time".
func whenWords(r *automation.TimeRule, cals map[int64]string) string {
	amount, unit := splitMinutes(r.Minutes)
	if amount == 1 {
		unit = unit[:len(unit)-1]
	}
	clock := "in calendar time"
	if r.CalendarID != 0 {
		name, ok := cals[r.CalendarID]
		if !ok {
			name = fmt.Sprintf("calendar %d (deleted)", r.CalendarID)
		}
		clock = "in business time of " + name
	}
	return fmt.Sprintf("%d %s %s, %s", amount, unit, sinceLabel(r.Since, true), clock)
}

// timeUnits are the units of the form's duration, largest first.
var timeUnits = []struct {
	Name    string
	Minutes int
}{{"days", 24 * 60}, {"hours", 60}, {"minutes", 1}}

// splitMinutes writes minutes in the largest unit that divides them.
func splitMinutes(m int) (int, string) {
	for _, u := range timeUnits {
		if m > 0 && m%u.Minutes == 0 {
			return m / u.Minutes, u.Name
		}
	}
	return m, "minutes"
}

// sinceLabel names a moment: "since it was resolved", or after one
// ("after it was resolved") for the list.
func sinceLabel(since string, after bool) string {
	words := map[string]string{
		automation.SinceCreated:          "it was created",
		automation.SinceUpdated:          "it was last updated",
		automation.SinceStatusChanged:    "its status last changed (pending since, on hold since…)",
		automation.SinceResolved:         "it was resolved",
		automation.SinceRequesterMessage: "the requester's last message",
		automation.SinceAgentReply:       "an agent's last public reply",
		automation.SinceAssigned:         "its assignee last changed (assigned or unassigned)",
		automation.SinceDue:              "its SLA due time passed",
	}[since]
	if words == "" {
		words = since
	}
	if after {
		return "after " + words
	}
	return "since " + words
}

func (a *Agent) timeRule(r *http.Request, rq *request) (*automation.TimeRule, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return a.Automation.TimeRules().Get(r.Context(), rq.actor, id)
}

// adminToggleTimeRule turns a time rule on or off from the list.
func (a *Agent) adminToggleTimeRule(w http.ResponseWriter, r *http.Request, rq *request) error {
	rule, err := a.timeRule(r, rq)
	if err != nil {
		return err
	}
	on := checked(r, "enabled")
	if _, err := a.Automation.TimeRules().Update(r.Context(), rq.actor, rule.ID, automation.TimeRuleInput{Enabled: &on}); err != nil {
		return err
	}
	state := "off"
	if on {
		state = "on"
	}
	a.site.Flash(w, fmt.Sprintf("Turned the time rule “%s” %s.", rule.Name, state))
	http.Redirect(w, r, fmt.Sprintf("/admin/time-rules#time-rule-%d", rule.ID), http.StatusSeeOther)
	return nil
}

func (a *Agent) adminDeleteTimeRule(w http.ResponseWriter, r *http.Request, rq *request) error {
	rule, err := a.timeRule(r, rq)
	if err != nil {
		return err
	}
	errs := map[string]string{}
	again := func(status int) error {
		return a.renderTimeRule(w, r, rq, status, adminTimeRulePage{R: rule, Form: timeRuleFormOf(rule), errs: errs})
	}
	return a.confirmedDelete(w, r, errs, func() error { return a.Automation.TimeRules().Delete(r.Context(), rq.actor, rule.ID) },
		fmt.Sprintf("Deleted the time rule “%s”.", rule.Name), "/admin/time-rules", again)
}

// calendarChoice is a calendar the form offers for business time.
type calendarChoice struct {
	ID   string
	Name string
}

func calendarChoices(cals []*calendar.Calendar) []calendarChoice {
	out := []calendarChoice{}
	for _, c := range cals {
		out = append(out, calendarChoice{strconv.FormatInt(c.ID, 10), c.Name})
	}
	slices.SortFunc(out, func(x, y calendarChoice) int {
		if x.Name < y.Name {
			return -1
		}
		return 1
	})
	return out
}
