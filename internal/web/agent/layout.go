package agent

import (
	"net/http"
	"strconv"
	"time"

	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/view"

	"github.com/docket/docket/internal/user"
)

// Layout is what every page's frame needs.
type Layout struct {
	Title  string
	Actor  *user.Actor
	CSRF   string
	Flash  string
	Nav    []navItem
	Saved  []navItem // saved views, shared and the agent's own
	Active string    // the nav item to highlight
	Unread int       // the agent's unread notifications
}

type navItem struct {
	Key      string
	Label    string
	URL      string
	Count    int
	Shortcut string
}

// layout builds the frame of a signed-in page, with the view counts.
func (a *Agent) layout(w http.ResponseWriter, r *http.Request, rq *request, title, active string) Layout {
	l := Layout{Title: title, Actor: rq.actor, CSRF: rq.session.CSRFToken, Flash: a.takeFlash(w, r), Active: active}
	if a.Notify != nil && rq.actor.IsAgent() {
		n, err := a.Notify.Unread(r.Context(), rq.actor)
		if err != nil {
			a.Log.ErrorContext(r.Context(), "count notifications", "err", err)
		}
		l.Unread = n
	}
	for _, v := range builtinViews {
		n, err := a.counts.get(r.Context(), rq.actor, v.key, v.filter(rq.actor), a.Tickets.Count)
		if err != nil {
			n = -1
		}
		l.Nav = append(l.Nav, navItem{Key: v.key, Label: v.label, URL: "/tickets?view=" + v.key, Count: n, Shortcut: v.shortcut})
	}
	saved, err := a.Views.List(r.Context(), rq.actor)
	if err != nil {
		a.Log.ErrorContext(r.Context(), "list views", "err", err)
	}
	for _, v := range saved {
		key := "v" + strconv.FormatInt(v.ID, 10)
		n := -1
		if f, err := savedFilter(v); err == nil {
			if c, err := a.counts.get(r.Context(), rq.actor, key, f, a.Tickets.Count); err == nil {
				n = c
			}
		}
		l.Saved = append(l.Saved, navItem{Key: key, Label: v.Name, URL: "/tickets?view=" + key, Count: n})
	}
	return l
}

// savedFilter turns a saved view into a ticket filter.
func savedFilter(v *view.View) (ticket.Filter, error) {
	q, err := search.Parse(v.Query)
	if err != nil {
		return ticket.Filter{}, err
	}
	var f ticket.Filter
	applyQuery(&f, q)
	f.Sort = v.Sort
	return f, f.ApplyDates(q, time.Now())
}
