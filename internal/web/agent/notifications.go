package agent

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/notify"
)

type notificationsPage struct {
	Layout
	Items   []*notify.Notification
	NextURL string
}

const notificationsPerPage = 50

// notifications lists what the agent was told, newest first; what they may
// no longer see (they left a restricted team) is left out, and marked read.
func (a *Agent) notifications(w http.ResponseWriter, r *http.Request, rq *request) error {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	ns, err := a.Notify.List(r.Context(), rq.actor, before, notificationsPerPage)
	if err != nil {
		return err
	}
	p := notificationsPage{}
	for _, n := range ns {
		visible, err := a.mayOpen(r, rq, n)
		if err != nil {
			return err
		}
		if visible {
			p.Items = append(p.Items, n)
		} else if !n.Read {
			if err := a.Notify.MarkRead(r.Context(), rq.actor, n.ID); err != nil {
				return err
			}
		}
	}
	if len(ns) == notificationsPerPage {
		p.NextURL = "/notifications?before=" + strconv.FormatInt(ns[len(ns)-1].ID, 10)
	}
	p.Layout = a.layout(w, r, rq, "Notifications", "notifications")
	return a.tmpl.Render(w, http.StatusOK, "notifications", p)
}

func (a *Agent) mayOpen(r *http.Request, rq *request, n *notify.Notification) (bool, error) {
	_, err := a.Tickets.Get(r.Context(), rq.actor, n.Number)
	if errors.Is(err, fault.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// openNotification marks one notification read and goes to the message it
// is about.
func (a *Agent) openNotification(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ns, err := a.Notify.List(r.Context(), rq.actor, id+1, 1)
	if err != nil {
		return err
	}
	if len(ns) == 0 || ns[0].ID != id {
		return fmt.Errorf("notification %d: %w", id, fault.ErrNotFound)
	}
	n := ns[0]
	if err := a.Notify.MarkRead(r.Context(), rq.actor, id); err != nil {
		return err
	}
	if ok, err := a.mayOpen(r, rq, n); !ok {
		if err == nil {
			err = fmt.Errorf("ticket %d: %w", n.Number, fault.ErrNotFound)
		}
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/tickets/%d#m-%s", n.Number, n.MessageUID), http.StatusSeeOther)
	return nil
}

func (a *Agent) readAllNotifications(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := a.Notify.MarkAllRead(r.Context(), rq.actor); err != nil {
		return err
	}
	a.site.Flash(w, "All notifications marked as read.")
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
	return nil
}

// setMentionEmail records whether the agent wants mentions by email too.
func (a *Agent) setMentionEmail(w http.ResponseWriter, r *http.Request, rq *request) error {
	on := r.PostFormValue("mention_email") == "1"
	if err := a.Notify.SetMentionEmail(r.Context(), rq.actor, on); err != nil {
		return err
	}
	if on {
		a.site.Flash(w, "Mentions in internal notes are emailed to you too.")
	} else {
		a.site.Flash(w, "Mentions in internal notes are no longer emailed to you; they stay under Notifications.")
	}
	http.Redirect(w, r, "/profile#notify", http.StatusSeeOther)
	return nil
}
