package agent

import (
	"net/http"

	"github.com/docket/docket/internal/user"
)

type welcomePage struct {
	Layout
	Steps []welcomeStep
}

// welcomeStep is one thing a new Docket needs, done or not yet.
type welcomeStep struct {
	ID, Title, Text, URL, Action string
	Done                         bool
}

// welcome is where the first admin lands after setup: the next steps to a
// working help desk, each marked once it is done. Admins can come back to
// it; others have nothing to set up and go to their tickets.
func (a *Agent) welcome(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !rq.actor.IsAdmin() {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	ctx := r.Context()
	agents, err := a.Users.List(ctx, user.ListFilter{Role: user.RoleAgent, Limit: 1})
	if err != nil {
		return err
	}
	admins, err := a.Users.List(ctx, user.ListFilter{Role: user.RoleAdmin, Limit: 2})
	if err != nil {
		return err
	}
	mailboxes, err := a.Mailboxes.List(ctx)
	if err != nil {
		return err
	}
	teams, err := a.Users.Teams(ctx, 0, 1)
	if err != nil {
		return err
	}
	calendars, err := a.Calendars.Count(ctx)
	if err != nil {
		return err
	}
	p := welcomePage{Steps: []welcomeStep{
		{ID: "step-agents", Title: "Add your agents", URL: "/admin/users/new", Action: "Add an agent",
			Text: "Each agent signs in with their own email and password; give them one here, or make more admins.",
			Done: len(agents) > 0 || len(admins) > 1},
		{ID: "step-mailbox", Title: "Connect a mailbox", URL: "/admin/mailboxes/new", Action: "Connect a mailbox",
			Text: "Mail to your support address becomes tickets, and replies go out from it: by IMAP, or delivered to Docket's SMTP listener.",
			Done: len(mailboxes) > 0},
		{ID: "step-teams", Title: "Form teams (optional)", URL: "/admin/teams", Action: "Create a team",
			Text: "Teams share queues; a restricted team's tickets are seen only by its members.",
			Done: len(teams) > 0},
		{ID: "step-hours", Title: "Set business hours", URL: "/admin/business-hours/new", Action: "Set business hours",
			Text: "Your working week, time zone and holidays: SLA targets count only the hours you work.",
			Done: calendars > 0},
	}}
	p.Layout = a.layout(w, r, rq, "Welcome to Docket", "")
	return a.tmpl.Render(w, http.StatusOK, "welcome", p)
}
