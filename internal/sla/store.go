package sla

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// Input creates or changes a policy; nil fields are kept (on create:
// empty, Enabled true, WarnPercent 80).
type Input struct {
	Name        *string
	Position    *int // 1 is first; past the end is last
	Enabled     *bool
	CalendarID  *int64
	Conditions  *[]ConditionInput
	Targets     *[]TargetInput
	WarnPercent *int
	Escalation  *EscalationInput
}

// ConditionInput is a condition as written: Value is a string, a number
// or a bool.
type ConditionInput struct {
	Field string
	Op    string
	Value any
}

// TargetInput is one priority's goals as written: Priority "p1"…"p4",
// minutes nil when not measured.
type TargetInput struct {
	Priority                                string
	FirstResponse, NextResponse, Resolution *int
}

// EscalationInput is the escalation as written; Team "" for none.
type EscalationInput struct {
	Notify, RaisePriority bool
	Team                  string
}

// MaxConditions and MaxNameRunes bound a policy.
const (
	MaxConditions = 50
	MaxNameRunes  = 200
)

func mayWrite(a *user.Actor) error {
	if !a.IsAdmin() {
		return fault.Forbidden("only admins manage SLA policies")
	}
	return nil
}

// apply checks in and sets p to the result, or returns every problem at
// once.
func (s *Service) apply(ctx context.Context, tx *db.Tx, a *user.Actor, p *Policy, in Input) error {
	inv := &fault.Invalid{}
	if in.Name != nil {
		p.Name = strings.TrimSpace(*in.Name)
	}
	switch n := utf8.RuneCountInString(p.Name); {
	case n == 0:
		inv.Add("name", "is required")
	case n > MaxNameRunes || strings.ContainsAny(p.Name, "\x00\r\n"):
		inv.Add("name", "must be one line of at most %d characters", MaxNameRunes)
	default:
		var other int64
		err := tx.QueryRowContext(ctx, s.q.Get("select-policy-by-name"), p.Name).Scan(&other)
		if err == nil && other != p.ID {
			inv.Add("name", "a policy with this name already exists")
		}
	}
	if in.Enabled != nil {
		p.Enabled = *in.Enabled
	}
	if in.Position != nil && *in.Position < 1 {
		inv.Add("position", "must be 1 or more")
	}
	if in.CalendarID != nil {
		p.CalendarID = *in.CalendarID
	}
	if p.CalendarID == 0 {
		inv.Add("calendar_id", "is required: the business hours the targets are measured in")
	} else if c, err := s.Calendars.Get(ctx, a, p.CalendarID); errors.Is(err, fault.ErrNotFound) {
		inv.Add("calendar_id", "no calendar with id %d", p.CalendarID)
	} else if err != nil {
		return err
	} else {
		p.CalendarName = c.Name
	}
	if in.Conditions != nil {
		conds, err := s.conditions(ctx, tx, inv, *in.Conditions)
		if err != nil {
			return err
		}
		p.Conditions = conds
	}
	if in.Targets != nil {
		p.Targets = targets(inv, *in.Targets)
	} else if len(p.Targets) == 0 {
		inv.Add("targets", "at least one target is required")
	}
	if in.WarnPercent != nil {
		p.WarnPercent = *in.WarnPercent
	}
	if p.WarnPercent < 1 || p.WarnPercent > 99 {
		inv.Add("warn_percent", "must be a share of the target from 1 to 99")
	}
	if in.Escalation != nil {
		e := Escalation{Notify: in.Escalation.Notify, RaisePriority: in.Escalation.RaisePriority}
		if name := strings.TrimSpace(in.Escalation.Team); name != "" {
			t, err := s.Users.TeamByName(ctx, tx, name)
			switch {
			case errors.Is(err, fault.ErrNotFound):
				inv.Add("escalation.team", "no team named %q", name)
			case err != nil:
				return err
			default:
				e.TeamID, e.TeamName = &t.ID, t.Name
			}
		}
		p.Escalation = e
	}
	return inv.Err()
}

// conditions checks the conditions as written.
func (s *Service) conditions(ctx context.Context, tx *db.Tx, inv *fault.Invalid, in []ConditionInput) ([]Condition, error) {
	if len(in) > MaxConditions {
		inv.Add("conditions", "at most %d conditions", MaxConditions)
		return nil, nil
	}
	var defs []*ticket.FieldDef
	out := []Condition{}
	for i, ci := range in {
		f := func(name string) string { return fmt.Sprintf("conditions[%d].%s", i, name) }
		c := Condition{Field: strings.TrimSpace(ci.Field), Op: strings.TrimSpace(ci.Op), Value: strings.TrimSpace(valueText(ci.Value))}
		if c.Op == "" {
			c.Op = OpIs
		}
		if c.Op != OpIs && c.Op != OpIsNot {
			inv.Add(f("op"), "must be is or is_not")
		}
		if c.Value == "" {
			inv.Add(f("value"), "is required")
			continue
		}
		var err error
		switch c.Field {
		case "type":
			if !ticket.Type(c.Value).Valid() {
				inv.Add(f("value"), "must be one of incident, request, problem, change")
			}
		case "priority":
			if p, ok := ticket.ParsePriority(c.Value); !ok {
				inv.Add(f("value"), "must be one of p1, p2, p3, p4")
			} else {
				c.Value = p.String()
			}
		case "channel":
			if !ticket.Channel(c.Value).Valid() {
				inv.Add(f("value"), "must be one of email, portal, api, phone, monitoring, web")
			}
		case "category":
			c.RefID, err = s.Tickets.CategoryID(ctx, tx, c.Value)
		case "team":
			var t *user.Team
			if t, err = s.Users.TeamByName(ctx, tx, c.Value); err == nil {
				c.RefID, c.Value = t.ID, t.Name
			}
		case "organization":
			var o *user.Organization
			if o, err = s.Users.OrganizationByName(ctx, tx, c.Value); err == nil {
				c.RefID, c.Value = o.ID, o.Name
			}
		default:
			key, ok := strings.CutPrefix(c.Field, CustomFieldPrefix)
			if !ok || key == "" {
				inv.Add(f("field"), "must be one of %s, or custom_fields.<key>", strings.Join(ConditionFields, ", "))
				continue
			}
			if defs == nil {
				if defs, err = s.Tickets.FieldDefs(ctx); err != nil {
					return nil, err
				}
			}
			if !slices.ContainsFunc(defs, func(d *ticket.FieldDef) bool { return d.Key == key }) {
				inv.Add(f("field"), "no custom field with the key %q", key)
			}
		}
		if errors.Is(err, fault.ErrNotFound) {
			inv.Add(f("value"), "no %s named %q", c.Field, c.Value)
		} else if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	}
	return fieldText(v)
}

// targets checks the goals as written: one row per priority, each goal a
// positive number of business minutes, at least one goal in all.
func targets(inv *fault.Invalid, in []TargetInput) []Target {
	out := []Target{}
	seen := map[int]bool{}
	goals := 0
	for i, ti := range in {
		f := func(name string) string { return fmt.Sprintf("targets[%d].%s", i, name) }
		p, ok := ticket.ParsePriority(ti.Priority)
		switch {
		case !ok:
			inv.Add(f("priority"), "must be one of p1, p2, p3, p4")
		case seen[int(p)]:
			inv.Add(f("priority"), "%s has targets already", p)
		}
		seen[int(p)] = true
		t := Target{Priority: int(p)}
		for _, g := range []struct {
			name string
			in   *int
			out  **int
		}{{FirstResponse, ti.FirstResponse, &t.FirstResponse}, {NextResponse, ti.NextResponse, &t.NextResponse},
			{Resolution, ti.Resolution, &t.Resolution}} {
			if g.in == nil {
				continue
			}
			if *g.in <= 0 || *g.in > bizhours.MaxMinutes {
				inv.Add(f(g.name), "must be a positive number of business minutes, at most %d", bizhours.MaxMinutes)
				continue
			}
			v := *g.in
			*g.out = &v
			goals++
		}
		out = append(out, t)
	}
	if goals == 0 {
		inv.Add("targets", "at least one target is required: minutes for first response, next response or resolution")
	}
	slices.SortFunc(out, func(a, b Target) int { return a.Priority - b.Priority })
	return out
}

// Create adds a policy (admins only), last unless Position says where.
func (s *Service) Create(ctx context.Context, a *user.Actor, in Input) (*Policy, error) {
	if err := mayWrite(a); err != nil {
		return nil, err
	}
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		p := &Policy{Enabled: true, WarnPercent: DefaultWarnPercent, Conditions: []Condition{}}
		if err := s.apply(ctx, tx, a, p, in); err != nil {
			return err
		}
		conds, targets, esc := encode(p)
		if err := tx.QueryRowContext(ctx, s.q.Get("insert-policy"), p.Name, 1<<30, p.Enabled, p.CalendarID, conds, targets,
			p.WarnPercent, esc, db.Now()).Scan(&id); err != nil {
			return err
		}
		pos, err := s.place(ctx, tx, id, in.Position)
		if err != nil {
			return err
		}
		p.ID, p.Position = id, pos
		return s.record(ctx, tx, a, EventPolicyCreated, id, s.words(p))
	})
	if err != nil {
		return nil, fmt.Errorf("sla: create policy: %w", nameTaken(err))
	}
	return s.Get(ctx, a, id)
}

// nameTaken turns the loser of a race to create the same name into a
// field error.
func nameTaken(err error) error {
	if db.IsUniqueViolation(err) {
		return fault.Field("name", "a policy with this name already exists")
	}
	return err
}

// Update changes policy id (admins only).
func (s *Service) Update(ctx context.Context, a *user.Actor, id int64, in Input) (*Policy, error) {
	if err := mayWrite(a); err != nil {
		return nil, err
	}
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		p, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.teamNames(ctx, []*Policy{p}); err != nil {
			return err
		}
		before := s.words(p)
		if err := s.apply(ctx, tx, a, p, in); err != nil {
			return err
		}
		conds, targets, esc := encode(p)
		if _, err := tx.ExecContext(ctx, s.q.Get("update-policy"), id, p.Name, p.Enabled, p.CalendarID, conds, targets,
			p.WarnPercent, esc, db.Now()); err != nil {
			return err
		}
		if p.Position, err = s.place(ctx, tx, id, in.Position); err != nil {
			return err
		}
		after := s.words(p)
		c := event.Changes{}
		for _, k := range []string{"name", "position", "enabled", "calendar", "conditions", "targets", "warn_percent", "escalation"} {
			c.Note(k, before[k], after[k])
		}
		if len(c) == 0 {
			return nil
		}
		var why []string
		for _, e := range policyEdits {
			if _, ok := c[e.key]; ok {
				why = append(why, e.words)
			}
		}
		if len(why) > 0 {
			// The open tickets on this policy are measured again, in
			// batches, after this commits.
			if err := s.Jobs.InsertAll(ctx, tx, recomputeJob(recomputeArgs{PolicyID: id, Why: why, Edit: time.Now().UnixMicro()})); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, a, EventPolicyUpdated, id, map[string]any{"name": p.Name, "changes": c})
	})
	if err != nil {
		return nil, fmt.Errorf("sla: update policy %d: %w", id, nameTaken(err))
	}
	return s.Get(ctx, a, id)
}

// place moves policy id to position (nil: where it is) and numbers every
// policy 1, 2, 3… in order; it returns id's position.
func (s *Service) place(ctx context.Context, tx *db.Tx, id int64, position *int) (int, error) {
	rows, err := tx.QueryContext(ctx, s.q.Get("policy-order"))
	if err != nil {
		return 0, err
	}
	type row struct{ id, pos int64 }
	order, err := db.Collect(rows, func(sc db.Scanner) (row, error) {
		var r row
		return r, sc.Scan(&r.id, &r.pos)
	})
	if err != nil {
		return 0, err
	}
	if position != nil {
		i := slices.IndexFunc(order, func(r row) bool { return r.id == id })
		moved := order[i]
		order = slices.Delete(order, i, i+1)
		at := min(max(*position-1, 0), len(order))
		order = slices.Insert(order, at, moved)
	}
	mine := 0
	for i, r := range order {
		if r.id == id {
			mine = i + 1
		}
		if r.pos != int64(i+1) {
			if _, err := tx.ExecContext(ctx, s.q.Get("set-policy-position"), r.id, i+1); err != nil {
				return 0, err
			}
		}
	}
	return mine, nil
}

// Delete removes policy id (admins only), unless tickets use it.
func (s *Service) Delete(ctx context.Context, a *user.Actor, id int64) error {
	if err := mayWrite(a); err != nil {
		return err
	}
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		p, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		n, err := s.TicketsUsing(ctx, tx, id)
		if err != nil {
			return err
		}
		if n > 0 {
			what := "tickets"
			if n == 1 {
				what = "ticket"
			}
			return fault.Conflict("SLA policy %q is in use by %d %s; disable it instead", p.Name, n, what)
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("delete-policy"), id); err != nil {
			return err
		}
		if _, err := s.place(ctx, tx, 0, nil); err != nil {
			return err
		}
		return s.record(ctx, tx, a, EventPolicyDeleted, id, map[string]any{"name": p.Name})
	})
	if err != nil {
		return fmt.Errorf("sla: delete policy %d: %w", id, err)
	}
	return nil
}

func (s *Service) record(ctx context.Context, tx *db.Tx, a *user.Actor, kind string, id int64, payload any) error {
	_, err := s.Events.Append(ctx, tx, kind, a.EventActor(), "sla_policy", id, 0, payload)
	return err
}

func encode(p *Policy) (string, string, string) {
	c, _ := json.Marshal(p.Conditions)
	t, _ := json.Marshal(p.Targets)
	e, _ := json.Marshal(p.Escalation)
	return string(c), string(t), string(e)
}

// words is the policy as the audit log shows it.
func (s *Service) words(p *Policy) map[string]any {
	conds := []string{}
	for _, c := range p.Conditions {
		conds = append(conds, c.String())
	}
	targets := []string{}
	for _, t := range p.Targets {
		targets = append(targets, t.String())
	}
	esc := []string{}
	if p.Escalation.Notify {
		esc = append(esc, "notify")
	}
	if p.Escalation.RaisePriority {
		esc = append(esc, "raise priority")
	}
	if p.Escalation.TeamName != "" {
		esc = append(esc, "reassign to "+p.Escalation.TeamName)
	}
	return map[string]any{"name": p.Name, "position": p.Position, "enabled": p.Enabled, "calendar": p.CalendarName,
		"conditions": conds, "targets": targets, "warn_percent": p.WarnPercent, "escalation": strings.Join(esc, ", ")}
}

// String is the condition as people read it: "priority is p1".
func (c Condition) String() string {
	return c.Field + " " + strings.ReplaceAll(c.Op, "_", " ") + " " + c.Value
}

// String is the goals as people read them: "p1: first response 60 min,
// resolution 480 min".
func (t Target) String() string {
	var parts []string
	for _, name := range Targets {
		if g := t.Goal(name); g > 0 {
			parts = append(parts, TargetLabel(name)+" "+strconv.Itoa(g)+" min")
		}
	}
	return ticket.Priority(t.Priority).String() + ": " + strings.Join(parts, ", ")
}
