// Package assign is Docket's automatic assignment: each team's strategy
// (off, round-robin, least loaded, by skill) with a cap on every agent's
// active tickets, agents' skills, and their availability (available, away,
// off; away by itself after an idle time).
//
// A ticket that lands unassigned in a team with a strategy (created there,
// moved there, its assignee cleared, reopened) is assigned by a durable
// event consumer after the write commits, in the consumer's transaction.
// When nobody may take it (everyone away, off or at their cap) it waits in
// the team's queue: the team's unassigned active tickets. They are
// assigned, oldest first, as soon as someone becomes free: an agent turns
// available, a ticket of theirs is resolved, closed or handed on, a cap is
// raised, a member joins, skills change or a strategy is switched on.
//
// Every automatic assignment holds one lock until its transaction commits
// (PostgreSQL: a transaction-level advisory lock; SQLite has a single
// writer already), so instances and rules assigning at once read the
// round-robin position (teams.assign_last_user) and agents' loads one
// after the other: no cap is exceeded and the rotation never skips or
// repeats an agent.
package assign

import (
	"embed"
	"log/slog"
	"sync"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

//go:embed queries*.sql
var queryFiles embed.FS

// Strategies.
const (
	Off         = "off"
	RoundRobin  = "round_robin"
	LeastLoaded = "least_loaded"
	Skill       = "skill"
)

// Strategies lists every strategy, in the order forms offer them.
var Strategies = []string{Off, RoundRobin, LeastLoaded, Skill}

// StrategyLabels words the strategies for people.
var StrategyLabels = map[string]string{Off: "Off", RoundRobin: "Round-robin", LeastLoaded: "Least loaded", Skill: "By skill"}

// Availability values.
const (
	Available   = "available"
	Away        = "away"
	Unavailable = "off"
)

// Availabilities lists every availability, in the order menus offer them.
var Availabilities = []string{Available, Away, Unavailable}

// The kinds of the domain events this package writes. TicketAssigned is
// event.TicketAssigned: written for every change of a ticket's assignee to
// a person, automatic or not.
const (
	EventAvailabilityChanged = "user.availability_changed"
	EventSettingsUpdated     = "team.assignment_updated"
	EventSkillsUpdated       = "user.skills_updated"
)

// MaxCap bounds a cap; MaxSkills and MaxSkill bound a user's skills.
const (
	MaxCap    = 10000
	MaxSkills = 50
	MaxSkill  = 100
)

// DefaultIdleAway is how long an available agent may go without a
// request before the idle job marks them away.
const DefaultIdleAway = 30 * time.Minute

// IdleJob is the periodic job that marks idle agents away.
const IdleJob = "assign.idle_away"

// Actor is the actor of every automatic assignment: history shows its
// name.
var Actor = user.System(event.ActorSystem, 0, "Automatic assignment")

// Deps are what the service needs.
type Deps struct {
	DB      *db.DB
	Events  *event.Log
	Tickets *ticket.Service
	Users   *user.Service
	// IdleAway is how long without activity makes an available agent
	// away (0: DefaultIdleAway; negative: never).
	IdleAway time.Duration
	Log      *slog.Logger
}

// Service stores assignment settings, availability and skills, and
// assigns tickets.
type Service struct {
	Deps
	q *db.Queries
	// touched is when this process last recorded each user's activity,
	// so requests write at most once a minute per user.
	mu      sync.Mutex
	touched map[int64]time.Time
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
	if d.IdleAway == 0 {
		d.IdleAway = DefaultIdleAway
	}
	d.Log = d.Log.With("component", "assignment")
	return &Service{Deps: d, q: q, touched: map[int64]time.Time{}}, nil
}

// Queries exposes the named queries for start-up checks.
func (s *Service) Queries() *db.Queries { return s.q }

// Register hooks the service into ticket writes: each change of assignee
// to a person writes a ticket.assigned event in the write's transaction.
func (s *Service) Register() { s.Tickets.OnWrite(s.hook) }
