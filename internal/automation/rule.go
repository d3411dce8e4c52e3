// Package automation runs Docket's rules: triggers now, and the macros,
// time-based rules and automatic assignment that build on the same parts.
// A rule is conditions and a list of actions. Conditions on ticket fields
// are the keys of the search language, evaluated in memory by the one
// translation in package ticket (Filter.Matches); conditions on custom
// fields, on the message of the event and on the change itself sit beside
// them. Actions apply through the domain services (ticket.Service, the
// outbox, webhooks) in one transaction per ticket and rule, with the rule
// as the actor, so a failing action changes nothing and history says which
// rule changed what.
package automation

import (
	"encoding/json"
	"time"

	"github.com/docket/docket/internal/event"
)

// The event kinds triggers run on. The SLA engine writes SLAWarning and
// SLABreached about a ticket.
const (
	SLAWarning  = "sla.warning"
	SLABreached = "sla.breached"
)

// Events are the event kinds a trigger may run on.
var Events = []string{event.TicketCreated, event.TicketUpdated, event.MessageCreated, SLAWarning, SLABreached,
	event.SatisfactionReceived}

// Operators.
const (
	OpIs           = "is"
	OpIsNot        = "is_not"
	OpContains     = "contains"
	OpNotContains  = "not_contains"
	OpStartsWith   = "starts_with"
	OpGreater      = "greater"
	OpLess         = "less"
	OpWithinHours  = "within_business_hours"
	OpOutsideHours = "outside_business_hours"
	OpChanged      = "changed"
	OpChangedTo    = "changed_to"
	OpChangedFrom  = "changed_from"
)

// Operators lists every operator, in the order forms offer them.
var Operators = []string{OpIs, OpIsNot, OpContains, OpNotContains, OpStartsWith, OpGreater, OpLess, OpWithinHours,
	OpOutsideHours, OpChanged, OpChangedTo, OpChangedFrom}

// Condition is one test: a field, an operator and a value (a string, a
// number or true/false; none for "changed").
type Condition struct {
	Field string `json:"field"`
	Op    string `json:"op"`
	Value any    `json:"value,omitempty"`
}

// Conditions hold when every condition of All holds and, if Any has
// conditions, at least one of them does. No conditions at all: always.
type Conditions struct {
	All []Condition `json:"all"`
	Any []Condition `json:"any"`
}

// Action types.
const (
	ActSet        = "set"         // Field := Value (status with Resolution)
	ActAddTags    = "add_tags"    // Tags
	ActRemoveTags = "remove_tags" // Tags
	ActNote       = "note"        // an internal note: Body
	ActReply      = "reply"       // a public reply to the requester: Body
	ActEmail      = "email"       // Subject and Body to a person (To) or a team's members (Team)
	ActWebhook    = "webhook"     // the event, to webhook WebhookID
	ActStop       = "stop"        // no later rule runs on this event
	ActAssign     = "assign"      // assign by the strategy of the ticket's team (package assign)
)

// ActionTypes lists every action type, in the order forms offer them.
var ActionTypes = []string{ActSet, ActAddTags, ActRemoveTags, ActNote, ActReply, ActEmail, ActWebhook, ActAssign, ActStop}

// Action is one thing a rule does. Which fields count depends on Type.
// Body and Subject are texts in the language of the notification
// templates ({{.Ticket.Reference}}, {{.Recipient.Name}}…).
type Action struct {
	Type       string   `json:"type"`
	Field      string   `json:"field,omitempty"`
	Value      any      `json:"value,omitempty"`
	Resolution string   `json:"resolution,omitempty"`
	Tags       []string `json:"tags,omitempty"`
	Subject    string   `json:"subject,omitempty"`
	Body       string   `json:"body,omitempty"`
	To         string   `json:"to,omitempty"`
	Team       string   `json:"team,omitempty"`
	WebhookID  int64    `json:"webhook_id,omitempty"`
}

// Actions is the reusable list of a rule's actions.
type Actions []Action

// Trigger is a rule run on ticket events, in Position order.
type Trigger struct {
	ID         int64
	Name       string
	Position   int
	Enabled    bool
	Events     []string
	Conditions Conditions
	Actions    Actions
	// AuthorID is the admin who last saved the trigger: the author of the
	// notes and replies it writes (0 when they were deleted).
	AuthorID    int64
	AuthorEmail string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Input creates or changes a trigger; nil fields are kept.
type Input struct {
	Name       *string
	Position   *int
	Enabled    *bool
	Events     *[]string
	Conditions *Conditions
	Actions    *Actions
}

// RunsOn reports whether t runs on events of kind.
func (t *Trigger) RunsOn(kind string) bool {
	for _, k := range t.Events {
		if k == kind {
			return true
		}
	}
	return false
}

// ValueString is a condition's or action's value as text, as forms show
// it: numbers as written, true/false, "" for none.
func ValueString(v any) string { return valueString(v) }

// valueString is a condition's or action's value as text: numbers as
// written, true/false, "" for none.
func valueString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		b, _ := json.Marshal(x)
		return string(b)
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
