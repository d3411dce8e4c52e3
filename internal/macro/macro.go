// Package macro owns macros: named sets of actions with an optional reply
// text, applied by an agent to a ticket in one transaction. Canned
// responses are macros with only a reply (package canned is their view).
// The actions are a trigger's (package automation): the same types, the
// same validation, applied by the same code, with the agent as the actor.
// The reply text is never sent by a macro: like Zendesk's, it goes into
// the ticket page's composer for the agent to review and send.
package macro

import (
	"embed"
	"time"

	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

//go:embed queries.sql
var queryFiles embed.FS

// Visibilities: who sees and may apply a macro.
const (
	Everyone = "everyone" // every agent
	Team     = "team"     // the members of one team
	Personal = "personal" // the agent who owns it
)

// Visibilities lists them in the order forms offer them.
var Visibilities = []string{Everyone, Team, Personal}

// ActionTypes are the automation actions a macro may have: field changes,
// tags and an internal note. Replies go in the macro's reply text.
var ActionTypes = []string{automation.ActSet, automation.ActAddTags, automation.ActRemoveTags, automation.ActNote}

// Limits of a macro.
const (
	MaxName = 100
	MaxBody = 32 * 1024
)

// The kinds of domain events macro changes write (admin changes: the audit
// log shows them), and the history field that records an application.
const (
	EventCreated = "macro.created"
	EventUpdated = "macro.updated"
	EventDeleted = "macro.deleted"
	HistoryField = "macro"
)

// Macro is a named set of actions with an optional reply text.
type Macro struct {
	ID         int64
	Name       string
	Body       string // the reply text, Markdown with placeholders; "" for none
	Actions    automation.Actions
	Visibility string
	TeamID     int64
	TeamName   string
	OwnerID    int64
	OwnerEmail string
	UsageCount int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ReplyOnly reports a macro with a reply and no actions: a canned response.
func (m *Macro) ReplyOnly() bool { return len(m.Actions) == 0 && m.Body != "" }

// Input creates or changes a macro; nil fields are kept (on create: empty).
// Team names the team of a team macro. A personal macro belongs to the
// agent who creates it.
type Input struct {
	Name       *string
	Body       *string
	Actions    *automation.Actions
	Visibility *string
	Team       *string
}

// Deps are what the service needs.
type Deps struct {
	DB         *db.DB
	Events     *event.Log
	Tickets    *ticket.Service
	Users      *user.Service
	Automation *automation.Service
}

// Service stores macros and applies them.
type Service struct {
	Deps
	q *db.Queries
}

// New returns the service.
func New(d Deps) (*Service, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.DB.Dialect)
	if err != nil {
		return nil, err
	}
	return &Service{Deps: d, q: q}, nil
}

// Queries exposes the named queries for start-up checks.
func (s *Service) Queries() *db.Queries { return s.q }

// Usable reports whether actor a may see and apply m: every agent an
// everyone macro, a team's members its macros, the owner a personal one,
// and admins every macro (they manage them all).
func Usable(a *user.Actor, m *Macro) bool {
	if !a.IsAgent() {
		return false
	}
	switch {
	case a.IsAdmin():
		return true
	case m.OwnerID != 0:
		return m.OwnerID == a.PersonID()
	case m.TeamID != 0:
		return a.InTeam(m.TeamID)
	}
	return true
}

// Editable reports whether a may change or delete m: admins every macro,
// agents their personal ones.
func Editable(a *user.Actor, m *Macro) bool {
	return a.IsAdmin() || a.IsAgent() && m.OwnerID != 0 && m.OwnerID == a.PersonID()
}
