package agent

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/docket/docket/internal/notify"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/view"
	"github.com/docket/docket/internal/web"

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
	// Inbound counts the mail that waits for an agent's decision ("Mail
	// not filed"); -1 when it could not be counted.
	Inbound int
	// QueryError says what is wrong with the search typed in the box; it
	// is shown under the box.
	QueryError string
	Unread     int // the agent's unread notifications
	// Bell lists the agent's newest notifications, for the header's bell.
	Bell []*notify.Notification
	// Here is this page's address, where a form in the frame comes back to.
	Here string
	// Availability is the agent's own (assign.Available, Away or
	// Unavailable), for the header's menu; "" when unknown.
	Availability string
	// Back is the page itself, where the header's forms return.
	Back string
}

// bellItems is how many notifications the bell lists.
const bellItems = 6

type navItem struct {
	Key      string
	Label    string
	URL      string
	Count    int
	Shortcut string
}

// zones caches the time zones people chose, by name.
var zones sync.Map // string → *time.Location

// Location is the time zone of the signed-in person's profile; UTC when
// they set none (or it no longer loads).
func (l Layout) Location() *time.Location { return zoneOf(l.Actor) }

func zoneOf(a *user.Actor) *time.Location {
	if a == nil || a.Timezone == "" {
		return time.UTC
	}
	if loc, ok := zones.Load(a.Timezone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(a.Timezone)
	if err != nil {
		return time.UTC
	}
	zones.Store(a.Timezone, loc)
	return loc
}

// layout builds the frame of a signed-in page, with the view counts.
func (a *Agent) layout(w http.ResponseWriter, r *http.Request, rq *request, title, active string) Layout {
	l := Layout{Title: title, Actor: rq.actor, CSRF: rq.session.CSRFToken, Flash: a.site.TakeFlash(w, r), Active: active,
		Here: web.SafeNext(r.URL.RequestURI()), Back: web.SafeNext(r.URL.RequestURI())}
	if a.Assign != nil && rq.actor.IsAgent() {
		av, err := a.Assign.Availability(r.Context(), rq.actor, rq.actor.ID)
		if err != nil {
			a.Log.ErrorContext(r.Context(), "read availability", "err", err)
		} else {
			l.Availability = av.Status
		}
	}
	if a.Notify != nil && rq.actor.IsAgent() {
		n, err := a.Notify.Unread(r.Context(), rq.actor)
		if err != nil {
			a.Log.ErrorContext(r.Context(), "count notifications", "err", err)
		}
		l.Unread = n
		if l.Bell, err = a.Notify.List(r.Context(), rq.actor, notify.ListOptions{Limit: bellItems}); err != nil {
			a.Log.ErrorContext(r.Context(), "list notifications", "err", err)
		}
	}
	for _, v := range builtinViews {
		n, err := a.counts.get(r.Context(), rq.actor, v.key, v.filter(rq.actor), a.Tickets.Count)
		if err != nil {
			n = -1
		}
		l.Nav = append(l.Nav, navItem{Key: v.key, Label: v.label, URL: "/tickets?view=" + v.key, Count: n, Shortcut: v.shortcut})
	}
	if a.Importer != nil && rq.actor.IsAgent() {
		n, err := a.Importer.Waiting(r.Context())
		if err != nil {
			a.Log.ErrorContext(r.Context(), "count inbound mail", "err", err)
			n = -1
		}
		l.Inbound = n
	}
	saved, err := a.Views.List(r.Context(), rq.actor)
	if err != nil {
		a.Log.ErrorContext(r.Context(), "list views", "err", err)
	}
	for _, v := range saved {
		key := "v" + strconv.FormatInt(v.ID, 10)
		n := -1
		if f, err := savedFilter(v, rq.actor); err == nil {
			if c, err := a.counts.get(r.Context(), rq.actor, key, f, a.Tickets.Count); err == nil {
				n = c
			}
		}
		l.Saved = append(l.Saved, navItem{Key: key, Label: v.Name, URL: "/tickets?view=" + key, Count: n})
	}
	return l
}

// savedFilter turns a saved view into a ticket filter, through the same
// translation as the search box, with days (due:today) in the agent's time
// zone.
func savedFilter(v *view.View, a *user.Actor) (ticket.Filter, error) {
	f := ticket.Filter{Sort: v.Sort}
	err := f.ApplySearch(v.Query, time.Now().In(zoneOf(a)))
	return f, err
}
