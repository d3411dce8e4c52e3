package agent

import (
	"time"

	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// activeStatuses are the statuses of work not yet done.
var activeStatuses = []ticket.Status{ticket.StatusNew, ticket.StatusOpen, ticket.StatusPending, ticket.StatusOnHold}

// builtinView is a built-in queue.
type builtinView struct {
	key, label, shortcut string
	filter               func(a *user.Actor) ticket.Filter
	sort                 string // the order it lists in unless another is asked for
}

var builtinViews = []builtinView{
	{"mine", "My open tickets", "g i", func(a *user.Actor) ticket.Filter {
		return ticket.Filter{Assignee: []string{"me"}, Status: activeStatuses}
	}, ""},
	{"unassigned", "Unassigned", "g u", func(a *user.Actor) ticket.Filter {
		return ticket.Filter{Assignee: []string{"none"}, Status: activeStatuses}
	}, ""},
	{"team", "My teams", "g t", func(a *user.Actor) ticket.Filter {
		ids := a.TeamIDs
		if ids == nil {
			ids = []int64{}
		}
		return ticket.Filter{TeamIDs: ids, Status: activeStatuses}
	}, ""},
	{"open", "All open", "g a", func(a *user.Actor) ticket.Filter {
		return ticket.Filter{Status: activeStatuses}
	}, ""},
	{"pending", "Pending", "g p", func(a *user.Actor) ticket.Filter {
		return ticket.Filter{Status: []ticket.Status{ticket.StatusPending}}
	}, ""},
	{"resolved", "Recently resolved", "g r", func(a *user.Actor) ticket.Filter {
		since := time.Now().Add(-7 * 24 * time.Hour)
		return ticket.Filter{Status: []ticket.Status{ticket.StatusResolved}, UpdatedAfter: &since}
	}, ""},
	// The SLA queues, soonest due first: open tickets whose warning passed
	// (sla:at_risk), and open tickets that breached a target (sla:breached).
	{"at-risk", "At risk", "", func(a *user.Actor) ticket.Filter {
		return ticket.Filter{Status: activeStatuses, SLA: []string{"at_risk"}}
	}, "due_at"},
	{"breached", "Breached", "", func(a *user.Actor) ticket.Filter {
		return ticket.Filter{Status: activeStatuses, SLA: []string{"breached"}}
	}, "due_at"},
}

func findView(key string) (builtinView, bool) {
	for _, v := range builtinViews {
		if v.key == key {
			return v, true
		}
	}
	return builtinView{}, false
}
