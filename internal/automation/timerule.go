package automation

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// Time rules are evaluated by the job runner over tickets that have been
// in a state for a while: conditions on the ticket (as triggers have, on
// the ticket only), a duration measured from one of the ticket's moments
// in calendar time or in the business time of a calendar, and the
// triggers' actions. Each rule acts once per ticket and occurrence: the
// moment its duration runs from, so a ticket that enters the state again
// (pending again, resolved again) is a new occurrence.

//go:embed timerules/queries.sql
var timeRuleQueries embed.FS

// The moments a time rule's duration runs from.
const (
	SinceCreated          = "created"
	SinceUpdated          = "updated"
	SinceStatusChanged    = "status_changed"
	SinceResolved         = "resolved"
	SinceRequesterMessage = "requester_message"
	SinceAgentReply       = "agent_reply"
	SinceAssigned         = "assigned"
	SinceDue              = "due"
)

// Sinces lists the moments, in the order forms offer them.
var Sinces = []string{SinceCreated, SinceUpdated, SinceStatusChanged, SinceResolved, SinceRequesterMessage,
	SinceAgentReply, SinceAssigned, SinceDue}

// sinceColumns are the columns the moments are read from: the ticket row
// (t) or its moments (m), each with an index that starts with it.
var sinceColumns = map[string]string{
	SinceCreated:          "t.created_at",
	SinceUpdated:          "t.updated_at",
	SinceStatusChanged:    "m.status_changed_at",
	SinceResolved:         "t.resolved_at",
	SinceRequesterMessage: "m.requester_message_at",
	SinceAgentReply:       "m.agent_reply_at",
	SinceAssigned:         "m.assigned_at",
	SinceDue:              "t.due_at",
}

// BuiltinCloseResolved is the key of the built-in rule that closes
// resolved tickets (PRODUCT.md: "closed automatically N days after
// resolved").
const BuiltinCloseResolved = "close_resolved"

// The kinds of domain events time rule changes write (admin changes: the
// audit log shows them), and the event a firing rule writes about a
// ticket when it has a webhook action to send.
const (
	TimeRuleCreated = "time_rule.created"
	TimeRuleUpdated = "time_rule.updated"
	TimeRuleDeleted = "time_rule.deleted"
	TimeRuleFired   = "time_rule.fired"
)

// MaxMinutes bounds a time rule's duration: a year of minutes.
const MaxMinutes = 366 * 24 * 60

// TimeRule is a rule the job runner evaluates, in Position order.
type TimeRule struct {
	ID       int64
	Name     string
	Position int
	Enabled  bool
	// Since is the moment the duration runs from; Minutes the duration,
	// in business minutes of CalendarID when it is set, else in minutes.
	Since      string
	Minutes    int
	CalendarID int64
	Conditions Conditions
	Actions    Actions
	// Builtin is the key of a rule Docket seeds ("" for an admin's own).
	Builtin     string
	AuthorID    int64
	AuthorEmail string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TimeRuleInput creates or changes a time rule; nil fields are kept.
// CalendarID 0 means calendar time.
type TimeRuleInput struct {
	Name       *string
	Position   *int
	Enabled    *bool
	Since      *string
	Minutes    *int
	CalendarID *int64
	Conditions *Conditions
	Actions    *Actions
}

// TimeRules stores the time rules and runs them.
type TimeRules struct {
	s *Service
	q *db.Queries
	// Now is the time the runs measure durations to (time.Now; tests set
	// a fake clock).
	Now func() time.Time
}

// NewTimeRules returns the time rules of s.
func NewTimeRules(s *Service) (*TimeRules, error) {
	q, err := db.LoadQueries(timeRuleQueries, "timerules", s.DB.Dialect)
	if err != nil {
		return nil, err
	}
	s.timeRules = &TimeRules{s: s, q: q, Now: time.Now}
	return s.timeRules, nil
}

// TimeRules returns the time rules built over s, nil before NewTimeRules.
func (s *Service) TimeRules() *TimeRules { return s.timeRules }

// Queries exposes the named queries for start-up checks.
func (tr *TimeRules) Queries() *db.Queries { return tr.q }

// TimeRuleActor is the actor of time rule r's writes: history shows its
// name. Its id is not the rule's: rule ids name triggers, and a trigger
// never runs on the writes of the rule with its id.
func TimeRuleActor(r *TimeRule) *user.Actor {
	return user.System(event.ActorRule, 0, "Time rule “"+r.Name+"”")
}

func scanTimeRule(sc db.Scanner) (*TimeRule, error) {
	var r TimeRule
	var conds, acts string
	var created, updated int64
	if err := sc.Scan(&r.ID, &r.Name, &r.Position, &r.Enabled, &r.Since, &r.Minutes, &r.CalendarID, &conds, &acts,
		&r.Builtin, &r.AuthorID, &r.AuthorEmail, &created, &updated); err != nil {
		return nil, err
	}
	if err := errors.Join(json.Unmarshal([]byte(conds), &r.Conditions), json.Unmarshal([]byte(acts), &r.Actions)); err != nil {
		return nil, fmt.Errorf("time rule %d: %w", r.ID, err)
	}
	r.CreatedAt, r.UpdatedAt = db.Time(created), db.Time(updated)
	return &r, nil
}

func (tr *TimeRules) get(ctx context.Context, q db.Queryer, id int64) (*TimeRule, error) {
	r, err := scanTimeRule(q.QueryRowContext(ctx, tr.q.Get("get-time-rule"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("time rule %d: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("time rule %d: %w", id, err)
	}
	return r, nil
}

func timeRulesAdmin(a *user.Actor) error {
	if !a.IsAdmin() {
		return fault.Forbidden("only admins manage time rules")
	}
	return nil
}

// Get returns one time rule (admins only).
func (tr *TimeRules) Get(ctx context.Context, a *user.Actor, id int64) (*TimeRule, error) {
	if err := timeRulesAdmin(a); err != nil {
		return nil, err
	}
	return tr.get(ctx, tr.s.DB.R, id)
}

// List returns up to limit time rules in the order they run, after the
// rule with id after (0: from the first). Admins only.
func (tr *TimeRules) List(ctx context.Context, a *user.Actor, after int64, limit int) ([]*TimeRule, error) {
	if err := timeRulesAdmin(a); err != nil {
		return nil, err
	}
	pos := -1 << 31
	if after > 0 {
		r, err := tr.get(ctx, tr.s.DB.R, after)
		if err != nil {
			return nil, fault.Field("cursor", "the time rule this page started after is gone; start again")
		}
		pos = r.Position
	}
	rows, err := tr.s.DB.R.QueryContext(ctx, tr.q.Get("list-time-rules"), pos, after, limit)
	if err != nil {
		return nil, fmt.Errorf("automation: list time rules: %w", err)
	}
	return db.Collect(rows, scanTimeRule)
}

func (tr *TimeRules) enabled(ctx context.Context, q db.Queryer) ([]*TimeRule, error) {
	rows, err := q.QueryContext(ctx, tr.q.Get("enabled-time-rules"))
	if err != nil {
		return nil, fmt.Errorf("automation: enabled time rules: %w", err)
	}
	return db.Collect(rows, scanTimeRule)
}

func (in TimeRuleInput) applyTo(r *TimeRule) {
	if in.Name != nil {
		r.Name = *in.Name
	}
	if in.Position != nil {
		r.Position = *in.Position
	}
	if in.Enabled != nil {
		r.Enabled = *in.Enabled
	}
	if in.Since != nil {
		r.Since = *in.Since
	}
	if in.Minutes != nil {
		r.Minutes = *in.Minutes
	}
	if in.CalendarID != nil {
		r.CalendarID = *in.CalendarID
	}
	if in.Conditions != nil {
		r.Conditions = *in.Conditions
	}
	if in.Actions != nil {
		r.Actions = *in.Actions
	}
	if r.Conditions.All == nil {
		r.Conditions.All = []Condition{}
	}
	if r.Conditions.Any == nil {
		r.Conditions.Any = []Condition{}
	}
	if r.Actions == nil {
		r.Actions = Actions{}
	}
}

// timeRuleSettings are a rule's settings as its events show them.
func timeRuleSettings(r *TimeRule) map[string]any {
	return map[string]any{"name": r.Name, "position": r.Position, "enabled": r.Enabled, "since": r.Since,
		"minutes": r.Minutes, "calendar_id": r.CalendarID, "conditions": r.Conditions, "actions": r.Actions}
}

func (tr *TimeRules) record(ctx context.Context, tx *db.Tx, a *user.Actor, kind string, id int64, payload any) error {
	_, err := tr.s.Events.Append(ctx, tx, kind, a.EventActor(), "time_rule", id, 0, payload)
	return err
}

// Create stores a time rule (admins only), last in the order unless in
// says where; nothing is stored when any part is invalid.
func (tr *TimeRules) Create(ctx context.Context, a *user.Actor, in TimeRuleInput) (*TimeRule, error) {
	if err := timeRulesAdmin(a); err != nil {
		return nil, err
	}
	r := &TimeRule{Enabled: true}
	in.applyTo(r)
	var id int64
	err := tr.s.DB.WithTx(ctx, func(tx *db.Tx) error {
		if err := tr.check(ctx, tx, r); err != nil {
			return err
		}
		if in.Position == nil {
			if err := tx.QueryRowContext(ctx, tr.q.Get("next-time-rule-position")).Scan(&r.Position); err != nil {
				return err
			}
		}
		conds, acts := encodeRule(r.Conditions, r.Actions)
		if err := tx.QueryRowContext(ctx, tr.q.Get("insert-time-rule"), r.Name, r.Position, r.Enabled, r.Since, r.Minutes,
			nullID(r.CalendarID), conds, acts, nullID(a.PersonID()), db.Now()).Scan(&id); err != nil {
			return err
		}
		return tr.record(ctx, tx, a, TimeRuleCreated, id, timeRuleSettings(r))
	})
	if err != nil {
		return nil, fmt.Errorf("automation: create time rule: %w", err)
	}
	return tr.get(ctx, tr.s.DB.R, id)
}

func encodeRule(cs Conditions, as Actions) (conds, acts string) {
	c, _ := json.Marshal(cs)
	a, _ := json.Marshal(as)
	return string(c), string(a)
}

// Update changes a time rule (admins only); nothing is stored when any
// part is invalid. The admin who saves it becomes the author of the notes
// and replies it writes.
func (tr *TimeRules) Update(ctx context.Context, a *user.Actor, id int64, in TimeRuleInput) (*TimeRule, error) {
	if err := timeRulesAdmin(a); err != nil {
		return nil, err
	}
	err := tr.s.DB.WithTx(ctx, func(tx *db.Tx) error {
		before, err := tr.get(ctx, tx, id)
		if err != nil {
			return err
		}
		r := *before
		in.applyTo(&r)
		if err := tr.check(ctx, tx, &r); err != nil {
			return err
		}
		conds, acts := encodeRule(r.Conditions, r.Actions)
		author := nullID(a.PersonID())
		if author == nil {
			author = nullID(before.AuthorID)
		}
		if _, err := tx.ExecContext(ctx, tr.q.Get("update-time-rule"), id, r.Name, r.Position, r.Enabled, r.Since, r.Minutes,
			nullID(r.CalendarID), conds, acts, author, db.Now()); err != nil {
			return err
		}
		c := event.Changes{}
		was := timeRuleSettings(before)
		for k, v := range timeRuleSettings(&r) {
			c.Note(k, jsonValue(was[k]), jsonValue(v))
		}
		if len(c) == 0 {
			return nil
		}
		return tr.record(ctx, tx, a, TimeRuleUpdated, id, map[string]any{"name": r.Name, "changes": c})
	})
	if err != nil {
		return nil, fmt.Errorf("automation: update time rule %d: %w", id, err)
	}
	return tr.get(ctx, tr.s.DB.R, id)
}

// Delete removes a time rule and what it recorded (admins only). A
// built-in rule is turned off instead: it cannot be deleted.
func (tr *TimeRules) Delete(ctx context.Context, a *user.Actor, id int64) error {
	if err := timeRulesAdmin(a); err != nil {
		return err
	}
	return tr.s.DB.WithTx(ctx, func(tx *db.Tx) error {
		r, err := tr.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.Builtin != "" {
			return fault.Conflict("“%s” is built in: turn it off or change it instead", r.Name)
		}
		if _, err := tx.ExecContext(ctx, tr.q.Get("delete-time-rule"), id); err != nil {
			return err
		}
		return tr.record(ctx, tx, a, TimeRuleDeleted, id, map[string]any{"name": r.Name})
	})
}

// CalendarUses counts the time rules measuring in calendar id's business
// time: a calendar in use cannot be deleted (calendar.UseCounter).
func (tr *TimeRules) CalendarUses(ctx context.Context, q db.Queryer, id int64) (int, string, error) {
	var n int
	err := q.QueryRowContext(ctx, tr.q.Get("time-rules-using-calendar"), id).Scan(&n)
	return n, "time rules", err
}

// Fire is one entry of what a time rule did.
type Fire struct {
	Ticket     int64
	Occurrence time.Time
	Outcome    string
	Detail     string
	At         time.Time
}

// Fires returns a page of what time rule id did, newest first: at most
// limit, before the time before (zero: the newest). Admins only.
func (tr *TimeRules) Fires(ctx context.Context, a *user.Actor, id int64, before time.Time, limit int) ([]Fire, error) {
	if _, err := tr.Get(ctx, a, id); err != nil {
		return nil, err
	}
	var b int64
	if !before.IsZero() {
		b = before.UnixMicro()
	}
	rows, err := tr.s.DB.R.QueryContext(ctx, tr.q.Get("list-fires"), id, b, limit)
	if err != nil {
		return nil, fmt.Errorf("time rule %d: fires: %w", id, err)
	}
	return db.Collect(rows, func(sc db.Scanner) (Fire, error) {
		var f Fire
		var occ, at int64
		err := sc.Scan(&f.Ticket, &occ, &f.Outcome, &f.Detail, &at)
		f.Occurrence, f.At = db.Time(occ), db.Time(at)
		return f, err
	})
}
