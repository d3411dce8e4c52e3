package automation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/ticket"
)

// TimeRulesJob is the periodic job that runs the time rules; the leader
// queues it every TimeRulesEvery.
const (
	TimeRulesJob   = "automation.time_rules"
	TimeRulesEvery = time.Minute
)

// timeRuleBatch is how many candidate tickets one transaction handles.
const timeRuleBatch = 100

// RegisterJobs registers the time rules' job with r, and its schedule.
func (tr *TimeRules) RegisterJobs(r *job.Runner) {
	r.Register(TimeRulesJob, job.Kind{Handler: func(ctx context.Context, _ *job.Job) error {
		_, err := tr.Run(ctx)
		return err
	}})
	r.Every(job.Periodic{Name: TimeRulesJob, Kind: TimeRulesJob, Every: TimeRulesEvery})
}

// Run evaluates the enabled time rules, in order, at tr.Now() and
// reports how many times one acted (or failed and changed nothing). For
// each rule one indexed query per batch finds the tickets whose moment is
// far enough in the past, that the translatable conditions select and
// that the rule has not acted on for that moment; the conditions are then
// checked on each ticket as it is in the transaction, and the rule acts
// in a savepoint together with the row recording the occurrence, so a
// rule acts once per ticket and occurrence however many instances run
// and however often it is run again.
func (tr *TimeRules) Run(ctx context.Context) (int, error) {
	now := tr.Now().UTC()
	rules, err := tr.enabled(ctx, tr.s.DB.R)
	if err != nil || len(rules) == 0 {
		return 0, err
	}
	env, err := tr.environment(ctx, rules)
	if err != nil {
		return 0, err
	}
	stopped := map[int64]bool{} // tickets a rule's "stop" left alone for the later rules
	total := 0
	for _, r := range rules {
		n, err := tr.runRule(ctx, r, env, now, stopped)
		total += n
		if err != nil {
			return total, fmt.Errorf("time rule %d: %w", r.ID, err)
		}
	}
	return total, nil
}

// environment loads the field definitions and the calendars the rules'
// conditions and clocks name.
func (tr *TimeRules) environment(ctx context.Context, rules []*TimeRule) (*environment, error) {
	var as []*Trigger
	for _, r := range rules {
		as = append(as, &Trigger{Conditions: r.Conditions})
	}
	env, err := tr.s.environment(ctx, as)
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		if _, ok := env.calendars[r.CalendarID]; ok || r.CalendarID == 0 {
			continue
		}
		cal, err := tr.s.Calendars.Get(ctx, reader, r.CalendarID)
		if errors.Is(err, fault.ErrNotFound) {
			env.calendars[r.CalendarID] = nil
			continue
		}
		if err != nil {
			return nil, err
		}
		env.calendars[r.CalendarID] = cal.Hours
	}
	return env, nil
}

// candidate is a ticket a rule may act on, with its moment.
type candidate struct {
	id, number, moment int64
}

func (tr *TimeRules) runRule(ctx context.Context, r *TimeRule, env *environment, now time.Time, stopped map[int64]bool) (int, error) {
	var cal *bizhours.Calendar
	if r.CalendarID != 0 {
		if cal = env.calendars[r.CalendarID]; cal == nil {
			tr.s.Log.Warn("time rule skipped: its calendar is gone", "rule", r.ID, "calendar", r.CalendarID)
			return 0, nil
		}
	}
	limit, ok := Threshold(cal, now, r.Minutes)
	if !ok {
		return 0, nil // the calendar has no working time to measure in
	}
	acted := 0
	after := candidate{moment: -1 << 62}
	for {
		var n int
		err := tr.s.DB.WithTx(ctx, func(tx *db.Tx) error {
			inTx := db.WithinTx(ctx, tx)
			cs, err := tr.candidates(inTx, tx, r, now, limit, after, timeRuleBatch)
			if err != nil {
				return err
			}
			n = len(cs)
			for _, c := range cs {
				after = c
				if stopped[c.id] {
					continue
				}
				t, err := tr.s.Tickets.Load(inTx, tx, c.number)
				if errors.Is(err, fault.ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				facts := &Facts{Kind: TimeRuleFired, At: now, Ticket: t, Calendars: env.calendars, Defs: env.defs}
				if !r.Conditions.Holds(facts) {
					continue
				}
				did, stop, err := tr.fire(inTx, tx, r, t, c.moment)
				if err != nil {
					return err
				}
				if did {
					acted++
				}
				if stop {
					stopped[c.id] = true
				}
			}
			return nil
		})
		var inv *fault.Invalid
		if errors.As(err, &inv) {
			// A condition names what is gone (a team since deleted): the
			// rule can select nothing until an admin saves it again.
			tr.s.Log.Warn("time rule skipped: its conditions no longer select", "rule", r.ID, "error", err)
			return acted, nil
		}
		if err != nil || n < timeRuleBatch {
			return acted, err
		}
	}
}

// Threshold is the latest moment from which minutes have passed by now:
// in minutes, or with cal in its business minutes. ok is false when cal
// has no working time to measure in.
func Threshold(cal *bizhours.Calendar, now time.Time, minutes int) (time.Time, bool) {
	if cal == nil {
		return now.Add(-time.Duration(minutes) * time.Minute), true
	}
	// Business time is at most calendar time: the threshold is at or before
	// now - minutes. Step back until enough business time lies between,
	// then close in on the latest such moment, to the second.
	enough := func(t time.Time) bool { return cal.Between(t, now) >= minutes }
	hi := now.Add(-time.Duration(minutes) * time.Minute)
	if enough(hi) {
		return hi.Truncate(time.Second), true
	}
	step := time.Duration(minutes) * time.Minute
	lo := hi
	for !enough(lo) {
		hi = lo
		step *= 2
		lo = hi.Add(-step)
		if now.Sub(lo) > 4*366*24*time.Hour {
			return time.Time{}, false
		}
	}
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2)
		if enough(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo.Truncate(time.Second), true
}

// ruleFilter translates the conditions of r that the search language has
// in SQL ("is" on a ticket key, dates' greater and less, in the "all"
// group) into a filter: it selects every ticket for which they hold, and
// perhaps more; Holds decides on each.
func ruleFilter(r *TimeRule, defs []*ticket.FieldDef, now time.Time) ticket.Filter {
	var f ticket.Filter
	for _, c := range r.Conditions.All {
		fd, ok := lookupField(c.Field, defs)
		if !ok || fd.key == "" {
			continue
		}
		v := valueString(c.Value)
		switch {
		case c.Op == OpIs:
		case c.Op == OpGreater && fd.kind == kDate:
			v = ">" + v
		case c.Op == OpLess && fd.kind == kDate:
			v = "<" + v
		default:
			continue
		}
		if g := f; g.ApplyParam(fd.key, []string{v}, now) == nil {
			f = g
		}
	}
	return f
}

// candidates are the tickets after after, in the order of their moment,
// whose moment is at or before limit and on which r has not acted for it.
func (tr *TimeRules) candidates(ctx context.Context, q db.Queryer, r *TimeRule, now, limit time.Time, after candidate, n int) ([]candidate, error) {
	col := sinceColumns[r.Since]
	defs, err := tr.s.Tickets.FieldDefs(ctx)
	if err != nil {
		return nil, err
	}
	join := "" // moments the ticket row keeps need no join
	if strings.HasPrefix(col, "m.") {
		join = "JOIN ticket_moments m ON m.ticket_id = t.id"
	}
	var out []candidate
	err = tr.s.Tickets.SelectForRules(ctx, q, ticket.RuleQuery{
		Filter:  ruleFilter(r, defs, now),
		Columns: "t.id, t.number, " + col,
		Join:    join,
		Where: func(arg func(any) string) []string {
			return []string{
				col + " <= " + arg(limit.UnixMicro()),
				"(" + col + ", t.id) > (" + arg(after.moment) + ", " + arg(after.id) + ")",
				"NOT EXISTS (SELECT 1 FROM time_rule_fires f WHERE f.rule_id = " + arg(r.ID) +
					" AND f.ticket_id = t.id AND f.occurrence = " + col + ")",
			}
		},
		Order: col + ", t.id",
		Limit: n,
	}, func(sc db.Scanner) error {
		var c candidate
		if err := sc.Scan(&c.id, &c.number, &c.moment); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// fire applies r's actions to t for the occurrence at moment, in a
// savepoint of tx together with the row that records it. did is false
// when the row is there already: another instance, or an earlier run,
// acted. When an action fails, nothing it did remains and the row says
// why; the rule does not try that occurrence again.
func (tr *TimeRules) fire(ctx context.Context, tx *db.Tx, r *TimeRule, t *ticket.Ticket, moment int64) (did, stop bool, err error) {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT time_rule"); err != nil {
		return false, false, err
	}
	release := func() error {
		_, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT time_rule")
		return err
	}
	res, err := tx.ExecContext(ctx, tr.q.Get("insert-fire"), r.ID, t.ID, moment, RunApplied, "", db.Now())
	if err != nil {
		return false, false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, false, release()
	}
	stop, applyErr := tr.apply(ctx, tx, r, t, moment)
	if applyErr == nil {
		return true, stop, release()
	}
	if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT time_rule"); err != nil {
		return false, false, err
	}
	tr.s.Log.Warn("time rule failed; it changed nothing", "rule", r.ID, "ticket", t.Number, "error", applyErr)
	if _, err := tx.ExecContext(ctx, tr.q.Get("insert-fire"), r.ID, t.ID, moment, RunFailed, failure(applyErr), db.Now()); err != nil {
		return false, false, err
	}
	return true, false, release()
}

// apply runs r's actions on t. A rule that sends a webhook writes the
// event it sends: time_rule.fired about the ticket.
func (tr *TimeRules) apply(ctx context.Context, tx *db.Tx, r *TimeRule, t *ticket.Ticket, moment int64) (bool, error) {
	actor := TimeRuleActor(r)
	ev := event.Record{Kind: TimeRuleFired, TicketID: t.ID, SubjectType: "ticket", SubjectID: t.ID}
	for _, a := range r.Actions {
		if a.Type != ActWebhook {
			continue
		}
		payload := map[string]any{"number": t.Number, "rule_id": r.ID, "rule": r.Name, "since": r.Since,
			"occurrence": db.Time(moment).UTC()}
		id, err := tr.s.Events.Append(ctx, tx, TimeRuleFired, actor.EventActor(), "ticket", t.ID, t.ID, payload)
		if err != nil {
			return false, err
		}
		ev.ID, ev.Payload = id, mustJSON(payload)
		break
	}
	return tr.s.Apply(ctx, tx, Rule{Actor: actor, AuthorID: r.AuthorID}, t.Number, r.Actions, ev)
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
