package agent

import (
	"net/http"
	"strconv"

	"github.com/docket/docket/internal/notify"
	"github.com/docket/docket/internal/web"
)

type notificationsPage struct {
	Layout
	Items   []*notify.Notification
	NextURL string
	// UnreadOnly lists only what is unread (?unread=1).
	UnreadOnly bool
}

const notificationsPerPage = 50

// notifications lists what the agent was told, newest first; what they may
// no longer see (they left a restricted team) is left out.
func (a *Agent) notifications(w http.ResponseWriter, r *http.Request, rq *request) error {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	p := notificationsPage{UnreadOnly: r.URL.Query().Get("unread") == "1"}
	var err error
	if p.Items, err = a.Notify.List(r.Context(), rq.actor, notify.ListOptions{Before: before, Limit: notificationsPerPage,
		UnreadOnly: p.UnreadOnly}); err != nil {
		return err
	}
	if len(p.Items) == notificationsPerPage {
		p.NextURL = "/notifications?before=" + strconv.FormatInt(p.Items[len(p.Items)-1].ID, 10)
		if p.UnreadOnly {
			p.NextURL += "&unread=1"
		}
	}
	p.Layout = a.layout(w, r, rq, "Notifications", "notifications")
	return a.tmpl.Render(w, http.StatusOK, "notifications", p)
}

// openNotification marks one notification read and goes to what it is
// about.
func (a *Agent) openNotification(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	n, err := a.Notify.Get(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	if err := a.Notify.MarkRead(r.Context(), rq.actor, id); err != nil {
		return err
	}
	http.Redirect(w, r, n.URL(), http.StatusSeeOther)
	return nil
}

// readNotification marks one notification read and goes back to the page
// the agent was on.
func (a *Agent) readNotification(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := a.Notify.MarkRead(r.Context(), rq.actor, id); err != nil {
		return err
	}
	http.Redirect(w, r, back(r, "/notifications"), http.StatusSeeOther)
	return nil
}

func (a *Agent) readAllNotifications(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := a.Notify.MarkAllRead(r.Context(), rq.actor); err != nil {
		return err
	}
	a.site.Flash(w, "All notifications marked as read.")
	http.Redirect(w, r, back(r, "/notifications"), http.StatusSeeOther)
	return nil
}

// back is the local page a form asks to return to, else def.
func back(r *http.Request, def string) string {
	if b := r.PostFormValue("back"); b != "" {
		return web.SafeNext(b)
	}
	return def
}
