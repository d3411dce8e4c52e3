package agent

import (
	"net/http"

	"github.com/docket/docket/internal/user"
)

// Layout is what every page's frame needs.
type Layout struct {
	Title  string
	Actor  *user.Actor
	CSRF   string
	Flash  string
	Nav    []navItem
	Active string // the nav item to highlight
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
	for _, v := range builtinViews {
		n, err := a.Tickets.Count(r.Context(), rq.actor, v.filter(rq.actor))
		if err != nil {
			n = -1
		}
		l.Nav = append(l.Nav, navItem{Key: v.key, Label: v.label, URL: "/tickets?view=" + v.key, Count: n, Shortcut: v.shortcut})
	}
	return l
}
