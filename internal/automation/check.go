package automation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/ticket"
)

// Limits of a trigger.
const (
	MaxName       = 200
	MaxConditions = 50
	MaxActions    = 30
	MaxText       = 16 * 1024
)

// Settable are the fields a rule's set action may change; custom fields
// (custom_fields.<key>) besides.
var Settable = []string{"status", "priority", "type", "category", "team", "assignee"}

// checker validates a trigger's parts against what exists now.
type checker struct {
	s    *Service
	ctx  context.Context
	q    db.Queryer
	inv  *fault.Invalid
	defs []*ticket.FieldDef
}

// check reports every invalid part of t at once, under the names the API
// uses (conditions.all[0].op, actions[2].field…).
func (s *Service) check(ctx context.Context, q db.Queryer, t *Trigger) error {
	defs, err := s.Tickets.FieldDefs(ctx)
	if err != nil {
		return err
	}
	c := &checker{s: s, ctx: ctx, q: q, inv: &fault.Invalid{}, defs: defs}
	if err := c.name(&t.Name, t.ID, s.q.Get("trigger-by-name"), "trigger"); err != nil {
		return err
	}
	if len(t.Events) == 0 {
		c.inv.Add("events", "must name at least one event: %s", strings.Join(Events, ", "))
	}
	seen := map[string]bool{}
	events := t.Events[:0:0]
	for i, e := range t.Events {
		if !slices.Contains(Events, e) {
			c.inv.Add(fmt.Sprintf("events[%d]", i), "unknown event %q; use %s", e, strings.Join(Events, ", "))
		} else if !seen[e] {
			seen[e] = true
			events = append(events, e)
		}
	}
	t.Events = events
	if n := len(t.Conditions.All) + len(t.Conditions.Any); n > MaxConditions {
		c.inv.Add("conditions", "at most %d conditions", MaxConditions)
	}
	for i := range t.Conditions.All {
		if err := c.condition(fmt.Sprintf("conditions.all[%d]", i), &t.Conditions.All[i]); err != nil {
			return err
		}
	}
	for i := range t.Conditions.Any {
		if err := c.condition(fmt.Sprintf("conditions.any[%d]", i), &t.Conditions.Any[i]); err != nil {
			return err
		}
	}
	if err := c.actions("actions", t.Actions); err != nil {
		return err
	}
	return c.inv.Err()
}

// name checks a rule's name: given, not too long, and not the name of
// another rule of its kind (byName finds the id of the rule of a name).
func (c *checker) name(name *string, id int64, byName, what string) error {
	*name = strings.TrimSpace(*name)
	switch {
	case *name == "":
		c.inv.Add("name", "is required")
	case utf8.RuneCountInString(*name) > MaxName:
		c.inv.Add("name", "must be at most %d characters", MaxName)
	default:
		var other int64
		err := c.q.QueryRowContext(c.ctx, byName, *name).Scan(&other)
		if err == nil && other != id {
			c.inv.Add("name", "a %s with this name already exists", what)
		} else if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	return nil
}

// condition checks one condition: a known field, an operator valid for
// the field's type, and a value the operator can use.
func (c *checker) condition(at string, cond *Condition) error {
	f, ok := lookupField(cond.Field, c.defs)
	if !ok {
		c.inv.Add(at+".field", "unknown field %q", cond.Field)
		return nil
	}
	if !slices.Contains(Operators, cond.Op) {
		c.inv.Add(at+".op", "unknown operator %q; use one of %s", cond.Op, strings.Join(f.ops(), ", "))
		return nil
	}
	if !f.allows(cond.Op) {
		c.inv.Add(at+".op", "%s is not an operator for %s; use one of %s", cond.Op, cond.Field, strings.Join(f.ops(), ", "))
		return nil
	}
	v := strings.TrimSpace(valueString(cond.Value))
	bad := func(format string, args ...any) { c.inv.Add(at+".value", format, args...) }
	switch cond.Op {
	case OpChanged:
		cond.Value = nil
		return nil
	case OpWithinHours, OpOutsideHours:
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			bad("must be the id of a business-hours calendar")
			return nil
		}
		if _, err := c.s.Calendars.Get(c.ctx, reader, id); errors.Is(err, fault.ErrNotFound) {
			bad("no calendar with id %d", id)
		} else if err != nil {
			return err
		}
		return nil
	}
	if v == "" {
		bad("is required")
		return nil
	}
	if cond.Op == OpContains || cond.Op == OpNotContains || cond.Op == OpStartsWith {
		return nil
	}
	switch {
	case f.key != "":
		probe := v
		switch cond.Op {
		case OpGreater:
			probe = ">" + v
		case OpLess:
			probe = "<" + v
		}
		var flt ticket.Filter
		if err := flt.ApplyParam(f.key, []string{probe}, time.Now()); err != nil {
			var fe *fault.Invalid
			if errors.As(err, &fe) && len(fe.Fields) > 0 {
				bad("%s", fe.Fields[0].Message)
			} else {
				bad("%v", err)
			}
			return nil
		}
		return c.names(at+".value", f.key, v)
	case f.def != nil:
		c.customValue(at+".value", f, cond.Op, v)
	case f.message == "channel":
		if !ticket.Channel(strings.ToLower(v)).Valid() {
			bad("must be one of email, portal, api, phone, monitoring, web")
		}
	case f.message == "sender":
		if !slices.Contains(Senders, strings.ToLower(v)) {
			bad("must be one of %s", strings.Join(Senders, ", "))
		}
	case f.message == "visibility":
		if v != "public" && v != "internal" {
			bad("must be public or internal")
		}
	}
	return nil
}

// names checks that a named record a value names exists (teams,
// categories, organizations), for a field of the search language.
func (c *checker) names(at, key, v string) error {
	if strings.EqualFold(v, "none") {
		return nil
	}
	var err error
	switch key {
	case "team":
		_, err = c.s.Users.TeamByName(c.ctx, c.q, v)
	case "category":
		_, err = c.s.Tickets.CategoryID(c.ctx, c.q, v)
	case "organization":
		_, err = c.s.Users.OrganizationByName(c.ctx, c.q, v)
	default:
		return nil
	}
	if errors.Is(err, fault.ErrNotFound) {
		c.inv.Add(at, "no %s named %q", key, v)
		return nil
	}
	return err
}

func (c *checker) customValue(at string, f field, op, v string) {
	switch f.def.Type {
	case ticket.FieldNumber:
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			c.inv.Add(at, "must be a number")
		}
	case ticket.FieldDate:
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			c.inv.Add(at, "must be a date (YYYY-MM-DD)")
		}
	case ticket.FieldCheckbox:
		if v != "true" && v != "false" {
			c.inv.Add(at, "must be true or false")
		}
	case ticket.FieldSelect:
		if !slices.ContainsFunc(f.def.Options, func(o string) bool { return strings.EqualFold(o, v) }) {
			c.inv.Add(at, "must be one of %s", strings.Join(f.def.Options, ", "))
		}
	}
}

// actions checks a list of actions: at least one, each complete, on a
// field a rule may change.
func (c *checker) actions(at string, acts Actions) error {
	if len(acts) == 0 {
		c.inv.Add(at, "add at least one action")
		return nil
	}
	if len(acts) > MaxActions {
		c.inv.Add(at, "at most %d actions", MaxActions)
	}
	for i := range acts {
		if err := c.action(fmt.Sprintf("%s[%d]", at, i), &acts[i]); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) action(at string, a *Action) error {
	add := func(part, format string, args ...any) { c.inv.Add(at+"."+part, format, args...) }
	text := func(part, v string, required bool) {
		switch {
		case strings.TrimSpace(v) == "":
			if required {
				add(part, "is required")
			}
		case len(v) > MaxText:
			add(part, "must be at most %d KiB", MaxText>>10)
		default:
			if err := outbox.CheckText(v); err != nil {
				add(part, "%v", err)
			}
		}
	}
	switch a.Type {
	case ActSet:
		return c.set(at, a)
	case ActAddTags, ActRemoveTags:
		inv := &fault.Invalid{}
		a.Tags = ticket.NormalizeTags(inv, a.Tags)
		for _, fe := range inv.Fields {
			add("tags", "%s", fe.Message)
		}
		if len(a.Tags) == 0 && len(inv.Fields) == 0 {
			add("tags", "name at least one tag")
		}
	case ActNote, ActReply:
		text("body", a.Body, true)
	case ActEmail:
		text("subject", a.Subject, true)
		text("body", a.Body, true)
		switch {
		case (a.To == "") == (a.Team == ""):
			add("to", "name a person (to) or a team (team), one of them")
		case a.To != "":
			u, err := c.s.Users.ByEmailTx(c.ctx, c.q, a.To)
			if errors.Is(err, fault.ErrNotFound) || err == nil && !u.Active {
				add("to", "no active user with the email %q", a.To)
			} else if err != nil {
				return err
			}
		default:
			if _, err := c.s.Users.TeamByName(c.ctx, c.q, a.Team); errors.Is(err, fault.ErrNotFound) {
				add("team", "no team named %q", a.Team)
			} else if err != nil {
				return err
			}
		}
	case ActWebhook:
		if c.s.Webhooks == nil {
			add("webhook_id", "webhooks are not available")
		} else if a.WebhookID <= 0 {
			add("webhook_id", "is required: the id of a webhook")
		} else if _, err := c.s.Webhooks.Get(c.ctx, reader, a.WebhookID); errors.Is(err, fault.ErrNotFound) {
			add("webhook_id", "no webhook with id %d", a.WebhookID)
		} else if err != nil {
			return err
		}
	case ActStop, ActAssign:
	case "":
		add("type", "is required: one of %s", strings.Join(ActionTypes, ", "))
	default:
		add("type", "unknown action %q; use one of %s", a.Type, strings.Join(ActionTypes, ", "))
	}
	return nil
}

// set checks a set action: a field a rule may change, and a value the
// ticket service would take.
func (c *checker) set(at string, a *Action) error {
	add := func(part, format string, args ...any) { c.inv.Add(at+"."+part, format, args...) }
	v := strings.TrimSpace(valueString(a.Value))
	if key, ok := strings.CutPrefix(a.Field, customPrefix); ok {
		for _, d := range c.defs {
			if d.Key == key {
				return nil // the ticket service checks the value against the field when it applies
			}
		}
		add("field", "unknown field %q", a.Field)
		return nil
	}
	if !slices.Contains(Settable, a.Field) {
		if _, known := lookupField(a.Field, c.defs); known || a.Field == "subject" || a.Field == "requester" {
			add("field", "a rule cannot change %s; it can set %s or a custom field", a.Field, strings.Join(Settable, ", "))
		} else if a.Field == "" {
			add("field", "is required: one of %s or a custom field", strings.Join(Settable, ", "))
		} else {
			add("field", "unknown field %q", a.Field)
		}
		return nil
	}
	a.Value = v
	switch a.Field {
	case "status":
		st := ticket.Status(strings.ToLower(v))
		if !st.Valid() {
			add("value", "%q is not a status", v)
		}
		a.Value = string(st)
		if a.Resolution != "" && !ticket.Resolution(a.Resolution).Valid() {
			add("resolution", "%q is not a resolution", a.Resolution)
		}
		if (st == ticket.StatusResolved || st == ticket.StatusClosed) && a.Resolution == "" {
			add("resolution", "is required to resolve or close")
		}
	case "priority":
		if _, ok := ticket.ParsePriority(v); !ok {
			add("value", "%q is not a priority; use p1, p2, p3 or p4", v)
		}
	case "type":
		if !ticket.Type(strings.ToLower(v)).Valid() {
			add("value", "%q is not a type; use incident, request, problem or change", v)
		}
		a.Value = strings.ToLower(v)
	case "team", "category":
		if v != "" {
			return c.names(at+".value", a.Field, v)
		}
	case "assignee":
		if v != "" {
			u, err := c.s.Users.ByEmailTx(c.ctx, c.q, v)
			if errors.Is(err, fault.ErrNotFound) || err == nil && (!u.Active || u.Role == "requester") {
				add("value", "no active agent with the email %q", v)
			} else if err != nil {
				return err
			}
		}
	}
	return nil
}
