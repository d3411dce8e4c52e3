package automation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// ConsumerName is the durable event consumer that runs the triggers.
const ConsumerName = "triggers"

// Consumer is the durable event consumer that runs the enabled triggers,
// in order, on each ticket event after its commit. Register it with the
// event pump.
func (s *Service) Consumer() *event.Consumer {
	return &event.Consumer{Name: ConsumerName, Handle: s.handle, Batch: 100}
}

func (s *Service) handle(ctx context.Context, tx *db.Tx, recs []event.Record) error {
	var trigs []*Trigger
	loaded := false
	var env *environment
	for _, r := range recs {
		if r.TicketID == 0 || r.SubjectType != "ticket" || !slices.Contains(Events, r.Kind) {
			continue
		}
		if !loaded {
			var err error
			if trigs, err = s.enabled(ctx, tx); err != nil {
				return err
			}
			loaded = true
		}
		if !slices.ContainsFunc(trigs, func(t *Trigger) bool { return t.RunsOn(r.Kind) }) {
			continue
		}
		if env == nil {
			var err error
			if env, err = s.environment(ctx, trigs); err != nil {
				return err
			}
		}
		if err := s.runEvent(ctx, tx, trigs, env, r); err != nil {
			return err
		}
	}
	return nil
}

// environment is what evaluation needs besides the event: loaded once per
// batch.
type environment struct {
	defs      []*ticket.FieldDef
	calendars map[int64]*bizhours.Calendar
}

func (s *Service) environment(ctx context.Context, trigs []*Trigger) (*environment, error) {
	defs, err := s.Tickets.FieldDefs(ctx)
	if err != nil {
		return nil, err
	}
	env := &environment{defs: defs, calendars: map[int64]*bizhours.Calendar{}}
	for _, t := range trigs {
		for _, c := range slices.Concat(t.Conditions.All, t.Conditions.Any) {
			if c.Op != OpWithinHours && c.Op != OpOutsideHours {
				continue
			}
			id, _ := strconv.ParseInt(valueString(c.Value), 10, 64)
			if _, ok := env.calendars[id]; ok || id == 0 {
				continue
			}
			cal, err := s.Calendars.Get(ctx, reader, id)
			if errors.Is(err, fault.ErrNotFound) {
				env.calendars[id] = nil
				continue
			}
			if err != nil {
				return nil, err
			}
			env.calendars[id] = cal.Hours
		}
	}
	return env, nil
}

// facts reads what the conditions of a trigger are evaluated against for
// event r, in tx: the ticket as it is now, the message, the changes.
func (s *Service) facts(ctx context.Context, tx *db.Tx, env *environment, r event.Record) (*Facts, error) {
	var p event.TicketPayload
	if err := json.Unmarshal(r.Payload, &p); err != nil || p.Number == 0 {
		return nil, nil // not an event about a ticket we can read
	}
	t, err := s.Tickets.Load(ctx, tx, p.Number)
	if errors.Is(err, fault.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	f := &Facts{Kind: r.Kind, At: r.At, Ticket: t, Changes: p.Changes, Calendars: env.calendars, Defs: env.defs}
	if r.Kind == event.SatisfactionReceived {
		f.Satisfaction = ratedFrom(r.Payload)
	}
	if p.MessageID != 0 && r.Kind == event.MessageCreated {
		m, err := s.Tickets.MessageIn(ctx, tx, p.MessageID, t.Number)
		if err != nil && !errors.Is(err, fault.ErrNotFound) {
			return nil, err
		}
		if m != nil {
			f.Message, f.Sender = m, s.sender(ctx, tx, t, m)
		}
	}
	return f, nil
}

// sender says who wrote m: the ticket's requester, an agent, or someone
// else (a follower, a colleague in Cc).
func (s *Service) sender(ctx context.Context, tx *db.Tx, t *ticket.Ticket, m *ticket.Message) string {
	if m.Author.ID == t.Requester.ID {
		return "requester"
	}
	u, err := s.Users.ByEmailTx(ctx, tx, m.Author.Email)
	if err == nil && (u.Role == user.RoleAgent || u.Role == user.RoleAdmin) {
		return "agent"
	}
	return "other"
}

// runEvent runs the triggers on one event, in order: each that runs on
// its kind and whose conditions hold applies its actions, and a "stop"
// action ends the list. A trigger never runs on an event its own write
// caused. At the end of too long a chain of automatic writes a trigger
// that would act is stopped: logged, and recorded in its run log.
func (s *Service) runEvent(ctx context.Context, tx *db.Tx, trigs []*Trigger, env *environment, r event.Record) error {
	facts, err := s.facts(ctx, tx, env, r)
	if err != nil || facts == nil {
		return err
	}
	caused := db.WithinTx(event.CausedBy(ctx, r), tx)
	depth := event.DepthOf(caused)
	for _, trig := range trigs {
		if !trig.RunsOn(r.Kind) || r.Actor.Type == event.ActorRule && r.Actor.ID == trig.ID {
			continue
		}
		if !trig.Conditions.Holds(facts) {
			continue
		}
		if depth > event.MaxDepth {
			reason := fmt.Sprintf("stopped: %d automatic writes in a row led here (the limit is %d); is a rule loop changing the ticket back and forth?", depth-1, event.MaxDepth)
			s.Log.Warn("trigger stopped at the depth limit", "trigger", trig.ID, "ticket", facts.Ticket.Number, "event", r.ID, "depth", depth)
			if err := s.logRun(ctx, tx, trig.ID, r.ID, r.TicketID, RunTooDeep, reason); err != nil {
				return err
			}
			continue
		}
		stop, err := s.runOne(caused, tx, trig, facts.Ticket.Number, r)
		if err != nil {
			return err
		}
		if facts.Ticket, err = s.Tickets.Load(ctx, tx, facts.Ticket.Number); err != nil {
			return err
		}
		if stop {
			break
		}
	}
	return nil
}

// runOne applies trig's actions in a savepoint of tx: the one transaction
// of this ticket and rule. When an action fails, everything the rule did
// is rolled back, and the failure is recorded in its run log instead.
func (s *Service) runOne(ctx context.Context, tx *db.Tx, trig *Trigger, number int64, r event.Record) (stop bool, err error) {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT trigger_run"); err != nil {
		return false, err
	}
	stop, applyErr := s.Apply(ctx, tx, Rule{Actor: Actor(trig), AuthorID: trig.AuthorID}, number, trig.Actions, r)
	if applyErr != nil {
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT trigger_run"); err != nil {
			return false, err
		}
		s.Log.Warn("trigger failed; it changed nothing", "trigger", trig.ID, "ticket", number, "event", r.ID, "error", applyErr)
		outcome := RunFailed
		if errors.Is(applyErr, event.ErrTooDeep) {
			outcome = RunTooDeep
		}
		if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT trigger_run"); err != nil {
			return false, err
		}
		return false, s.logRun(ctx, tx, trig.ID, r.ID, r.TicketID, outcome, failure(applyErr))
	}
	if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT trigger_run"); err != nil {
		return false, err
	}
	return stop, s.logRun(ctx, tx, trig.ID, r.ID, r.TicketID, RunApplied, "")
}

// failure is what the run log says about a failed rule: field errors and
// the reasons of conflicts as they are, anything else by its kind only.
func failure(err error) string {
	var inv *fault.Invalid
	if errors.As(err, &inv) {
		return err.Error()
	}
	for _, k := range []error{fault.ErrConflict, fault.ErrForbidden, fault.ErrNotFound, event.ErrTooDeep} {
		if errors.Is(err, k) {
			return err.Error()
		}
	}
	return "an internal error; the server log has the details (" + time.Now().UTC().Format(time.RFC3339) + ")"
}
