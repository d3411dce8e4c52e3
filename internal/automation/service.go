package automation

import (
	"context"
	"embed"
	"log/slog"

	"github.com/docket/docket/internal/assign"
	"github.com/docket/docket/internal/calendar"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/webhook"
)

//go:embed queries.sql
var queryFiles embed.FS

// The kinds of domain events trigger changes write; the subject is the
// trigger. They are admin changes: the audit log shows them.
const (
	EventCreated = "trigger.created"
	EventUpdated = "trigger.updated"
	EventDeleted = "trigger.deleted"
)

// Mailer queues the email a rule sends about a ticket to one person, in
// tx (mail.Outgoing).
type Mailer interface {
	Notice(ctx context.Context, tx *db.Tx, t *ticket.Ticket, to int64, subject, text string) error
}

// Webhooks queues a one-off delivery of an event to one webhook, in tx
// (webhook.Service).
type Webhooks interface {
	Send(ctx context.Context, tx *db.Tx, id int64, r event.Record) error
	Get(ctx context.Context, a *user.Actor, id int64) (*webhook.Webhook, error)
}

// Assigner assigns a ticket by its team's strategy, in the transaction ctx
// carries (assign.Service).
type Assigner interface {
	Assign(ctx context.Context, number int64) (assign.Outcome, error)
}

// Deps are what the service needs.
type Deps struct {
	DB        *db.DB
	Events    *event.Log
	Tickets   *ticket.Service
	Users     *user.Service
	Calendars *calendar.Service
	Mailer    Mailer
	Webhooks  Webhooks
	Assigner  Assigner
	Log       *slog.Logger
}

// Service stores triggers, runs them on events and tests them.
type Service struct {
	Deps
	q *db.Queries
	// timeRules are the time rules built over the service (NewTimeRules).
	timeRules *TimeRules
}

// New returns the service.
func New(d Deps) (*Service, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.DB.Dialect)
	if err != nil {
		return nil, err
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	d.Log = d.Log.With("component", "triggers")
	return &Service{Deps: d, q: q}, nil
}

// Queries exposes the named queries for start-up checks.
func (s *Service) Queries() *db.Queries { return s.q }

// reader reads calendars and other settings for rules, which act as admins.
var reader = user.System(event.ActorSystem, 0, "Triggers")

// Actor is the actor of trigger t's writes: history shows its name.
func Actor(t *Trigger) *user.Actor {
	return user.System(event.ActorRule, t.ID, "Trigger “"+t.Name+"”")
}
