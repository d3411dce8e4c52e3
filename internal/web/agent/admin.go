package agent

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

// adminPageSize is how many rows an administration list shows at once.
const adminPageSize = 100

// admin wraps a handler for admins only. The services check the same rule
// again; this refuses agents before any work is done, with a clear page.
func (a *Agent) admin(h handler) http.Handler {
	return a.page(func(w http.ResponseWriter, r *http.Request, rq *request) error {
		if !rq.actor.IsAdmin() {
			return &web.StatusError{Status: http.StatusForbidden, Detail: "Only admins may open the administration pages."}
		}
		return h(w, r, rq)
	})
}

// adminFrame is the frame of an administration page: the layout plus the
// sub-navigation between the sections.
type adminFrame struct {
	Layout
	Section  string
	Sections []navItem
}

// adminSections are the entries of the administration sub-navigation.
var adminSections = []navItem{
	{Key: "users", Label: "Users", URL: "/admin/users"},
	{Key: "teams", Label: "Teams", URL: "/admin/teams"},
	{Key: "organizations", Label: "Organizations", URL: "/admin/organizations"},
	{Key: "categories", Label: "Categories", URL: "/admin/categories"},
	{Key: "fields", Label: "Custom fields", URL: "/admin/fields"},
	{Key: "business-hours", Label: "Business hours", URL: "/admin/business-hours"},
	{Key: "sla-policies", Label: "SLA policies", URL: "/admin/sla-policies"},
	{Key: "mailboxes", Label: "Mailboxes", URL: "/admin/mailboxes"},
	{Key: "templates", Label: "Templates", URL: "/admin/templates"},
	{Key: "portal", Label: "Portal", URL: "/admin/portal"},
	{Key: "satisfaction", Label: "Satisfaction", URL: "/admin/satisfaction"},
	{Key: "forms", Label: "Web forms", URL: "/admin/forms"},
	{Key: "tokens", Label: "API tokens", URL: "/admin/tokens"},
	{Key: "webhooks", Label: "Webhooks", URL: "/admin/webhooks"},
	{Key: "triggers", Label: "Triggers", URL: "/admin/triggers"},
	{Key: "time-rules", Label: "Time rules", URL: "/admin/time-rules"},
	{Key: "macros", Label: "Macros", URL: "/admin/macros"},
	{Key: "jobs", Label: "Jobs", URL: "/admin/jobs"},
	{Key: "audit", Label: "Audit log", URL: "/admin/audit"},
	{Key: "reports", Label: "Reports", URL: "/admin/reports/sla"},
}

func (a *Agent) adminFrame(w http.ResponseWriter, r *http.Request, rq *request, title, section string) adminFrame {
	return adminFrame{Layout: a.layout(w, r, rq, title, "admin"), Section: section, Sections: adminSections}
}

// deleteBox is what the delete section of an admin object's page needs
// (the "deletebox" template): a confirmation box and a button.
type deleteBox struct {
	Section, Action, What, Button, CSRF, Error string
}

// confirmedDelete runs del when the form's confirm box is ticked and
// answers as an admin page's delete form does: to list with done as the
// flash, or the page again (again) with the reason in errs["delete"] — 422
// when the box was not ticked, 409 when the service refused (in use).
func (a *Agent) confirmedDelete(w http.ResponseWriter, r *http.Request, errs map[string]string, del func() error, done, list string,
	again func(status int) error) error {
	if !checked(r, "confirm") {
		errs["delete"] = "Tick the box to confirm the deletion."
		return again(http.StatusUnprocessableEntity)
	}
	err := del()
	if err == nil {
		a.site.Flash(w, done)
		http.Redirect(w, r, list, http.StatusSeeOther)
		return nil
	}
	if d := fault.Detail(err); d != "" {
		errs["delete"] = strings.ToUpper(d[:1]) + d[1:] + "."
		return again(http.StatusConflict)
	}
	return err
}

// pathID reads the {id} of the path; anything but a positive number is a
// page that does not exist.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.ErrNotFound
	}
	return id, nil
}

// formValue is a trimmed form field.
func formValue(r *http.Request, name string) string {
	return strings.TrimSpace(r.PostFormValue(name))
}

// checked reports whether a checkbox was ticked. An unticked box sends
// nothing, so every form with checkboxes sends all of them.
func checked(r *http.Request, name string) bool {
	return r.PostFormValue(name) != ""
}

// formFailure turns a service's refusal into messages for the form and the
// status to answer with. It reports false for errors that are not the
// user's to fix, which the caller returns as they are.
func formFailure(err error, errs map[string]string) (int, bool) {
	if fieldErrors(err, errs) {
		return http.StatusUnprocessableEntity, true
	}
	if errors.Is(err, fault.ErrConflict) {
		if d := fault.Detail(err); d != "" {
			errs["form"] = strings.ToUpper(d[:1]) + d[1:] + "."
			return http.StatusConflict, true
		}
	}
	return 0, false
}

// afterParam is the keyset cursor of a list page.
func afterParam(r *http.Request) int64 {
	n, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	return max(n, 0)
}

// nextPage returns the link to the page after lastID, keeping the other
// query parameters.
func nextPage(r *http.Request, lastID int64) string {
	q := url.Values{}
	for k, v := range r.URL.Query() {
		q[k] = v
	}
	q.Set("after", strconv.FormatInt(lastID, 10))
	return r.URL.Path + "?" + q.Encode()
}

// agentUsers lists the active agents and admins, for pickers.
func (a *Agent) agentUsers(ctx context.Context) ([]*user.User, error) {
	var out []*user.User
	for _, role := range []user.Role{user.RoleAgent, user.RoleAdmin} {
		us, err := a.Users.List(ctx, user.ListFilter{Role: role, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			if u.Active {
				out = append(out, u)
			}
		}
	}
	return out, nil
}
