package automation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestResult is what a trigger would do to a ticket now.
type TestResult struct {
	Ticket  int64
	Matched bool
	// Conditions are the trigger's conditions, each with whether it holds.
	Conditions []ConditionResult
	// Actions describe what each action would do, when Matched.
	Actions []string
	// Changes are the ticket's fields the actions would change.
	Changes []event.Change
	// Error says why the actions would fail and change nothing.
	Error string
}

// ConditionResult is one condition of a test and whether it holds.
type ConditionResult struct {
	Group string // "all" or "any"
	Condition
	Holds bool
	Note  string
}

// errDryRun rolls a test's transaction back.
var errDryRun = errors.New("dry run")

// Test tells what trigger id would do to ticket number now, without
// writing anything (admins only): the conditions are evaluated as for an
// event of the trigger's first kind, on the ticket as it is, with no
// message and no change; the actions run in a transaction that is rolled
// back, so what they would change is read from the ticket as they leave
// it.
func (s *Service) Test(ctx context.Context, a *user.Actor, id, number int64) (*TestResult, error) {
	trig, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.Tickets.Get(ctx, a, number); err != nil {
		return nil, err
	}
	env, err := s.environment(ctx, []*Trigger{trig})
	if err != nil {
		return nil, err
	}
	res := &TestResult{Ticket: number}
	err = s.DB.WithTx(ctx, func(tx *db.Tx) error {
		inTx := db.WithinTx(ctx, tx)
		before, err := s.Tickets.Load(inTx, tx, number)
		if err != nil {
			return err
		}
		kind := event.TicketUpdated
		if len(trig.Events) > 0 {
			kind = trig.Events[0]
		}
		facts := &Facts{Kind: kind, At: time.Now().UTC(), Ticket: before, Calendars: env.calendars, Defs: env.defs}
		for _, g := range []struct {
			name string
			cs   []Condition
		}{{"all", trig.Conditions.All}, {"any", trig.Conditions.Any}} {
			for _, c := range g.cs {
				cr := ConditionResult{Group: g.name, Condition: c, Holds: c.Holds(facts)}
				f, _ := lookupField(c.Field, env.defs)
				switch {
				case f.message != "":
					cr.Note = "a test has no message: only an event with one can hold"
				case c.Op == OpChanged || c.Op == OpChangedTo || c.Op == OpChangedFrom:
					cr.Note = "a test changes nothing: only an update can hold"
				}
				res.Conditions = append(res.Conditions, cr)
			}
		}
		res.Matched = trig.Conditions.Holds(facts)
		if !res.Matched {
			return errDryRun
		}
		res.Actions = s.describe(before, trig)
		if _, err := s.Apply(inTx, tx, Rule{Actor: Actor(trig), AuthorID: trig.AuthorID}, number, trig.Actions,
			event.Record{Kind: kind, TicketID: before.ID, SubjectType: "ticket"}); err != nil {
			res.Error = failure(err)
			return errDryRun
		}
		after, err := s.Tickets.Load(inTx, tx, number)
		if err != nil {
			return err
		}
		res.Changes = diff(before, after)
		return errDryRun
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return nil, fmt.Errorf("automation: test trigger %d on %d: %w", id, number, err)
	}
	return res, nil
}

// describe says in words what each action of trig would do to t.
func (s *Service) describe(t *ticket.Ticket, trig *Trigger) []string {
	req := outbox.Address{Name: t.Requester.Name, Email: t.Requester.Email}
	render := func(src string) string {
		out, err := outbox.RenderText(src, outbox.DataFor(t, req, outbox.Address{Name: Actor(trig).Name}))
		if err != nil {
			return "(" + err.Error() + ")"
		}
		return excerpt(out)
	}
	var out []string
	for _, a := range trig.Actions {
		switch a.Type {
		case ActSet:
			v := valueString(a.Value)
			if v == "" {
				v = "nobody"
			}
			line := fmt.Sprintf("Set %s to %s", strings.TrimPrefix(a.Field, customPrefix), v)
			if a.Resolution != "" {
				line += " (" + a.Resolution + ")"
			}
			out = append(out, line)
		case ActAddTags:
			out = append(out, "Add tags "+strings.Join(a.Tags, ", "))
		case ActRemoveTags:
			out = append(out, "Remove tags "+strings.Join(a.Tags, ", "))
		case ActNote:
			out = append(out, "Add an internal note: "+render(a.Body))
		case ActReply:
			out = append(out, fmt.Sprintf("Reply to the requester (%s): %s", t.Requester.Email, render(a.Body)))
		case ActEmail:
			to := a.To
			if to == "" {
				to = "the members of team " + a.Team
			}
			out = append(out, fmt.Sprintf("Email %s: %s", to, render(a.Subject)))
		case ActWebhook:
			out = append(out, fmt.Sprintf("Send the event to webhook %d", a.WebhookID))
		case ActAssign:
			out = append(out, "Assign by the strategy of the ticket's team")
		case ActStop:
			out = append(out, "Stop: no later trigger runs on this event")
		}
	}
	return out
}

func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 140 {
		return string(r[:139]) + "…"
	}
	return s
}

// diff lists the fields a rule changes, as history names them.
func diff(a, b *ticket.Ticket) []event.Change {
	var out []event.Change
	note := func(field, old, new string) {
		if old != new {
			out = append(out, event.Change{Field: field, Old: old, New: new})
		}
	}
	ref := func(r *ticket.Ref) string {
		if r == nil {
			return ""
		}
		return r.Name
	}
	person := func(p *ticket.Person) string {
		if p == nil {
			return ""
		}
		return p.Email
	}
	note("status", string(a.Status), string(b.Status))
	note("resolution", string(a.Resolution), string(b.Resolution))
	note("priority", a.Priority.String(), b.Priority.String())
	note("type", string(a.Type), string(b.Type))
	note("category", ref(a.Category), ref(b.Category))
	note("team", ref(a.Team), ref(b.Team))
	note("assignee", person(a.Assignee), person(b.Assignee))
	note("tags", strings.Join(a.Tags, ", "), strings.Join(b.Tags, ", "))
	for k, v := range b.CustomFields {
		note(customPrefix+k, valueString(a.CustomFields[k]), valueString(v))
	}
	return out
}
