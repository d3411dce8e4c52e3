package sla

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/ticket"
)

// Policy is a stored SLA policy: the first enabled policy, by position,
// whose conditions all hold for a ticket applies to it.
type Policy struct {
	ID           int64
	Name         string
	Position     int
	Enabled      bool
	CalendarID   int64
	CalendarName string
	Conditions   []Condition
	Targets      []Target
	WarnPercent  int
	Escalation   Escalation
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Condition is one test of a ticket: Field is type, priority, category,
// team, organization, channel or custom_fields.<key>; Op is is or is_not.
// Value is as people write it (a name, "p1", "email"); RefID is the id of
// the category, team or organization it named when saved, which matching
// uses, so renaming one keeps the policy working.
type Condition struct {
	Field string `json:"field"`
	Op    string `json:"op"`
	Value string `json:"value"`
	RefID int64  `json:"ref_id,omitempty"`
}

// The condition operators.
const (
	OpIs    = "is"
	OpIsNot = "is_not"
)

// ConditionFields are the fields a condition may test, besides
// custom_fields.<key>.
var ConditionFields = []string{"type", "priority", "category", "team", "organization", "channel"}

// CustomFieldPrefix starts a condition on a custom field.
const CustomFieldPrefix = "custom_fields."

// Target is the goals for one priority, in business minutes; nil is not
// measured.
type Target struct {
	Priority      int  `json:"priority"`
	FirstResponse *int `json:"first_response"`
	NextResponse  *int `json:"next_response"`
	Resolution    *int `json:"resolution"`
}

// Goal returns the minutes of target name, 0 when not measured.
func (t Target) Goal(name string) int {
	var p *int
	switch name {
	case FirstResponse:
		p = t.FirstResponse
	case NextResponse:
		p = t.NextResponse
	case Resolution:
		p = t.Resolution
	}
	if p == nil {
		return 0
	}
	return *p
}

// Escalation is what a breach does besides its event: notify the
// assignee and the team's leads, raise the priority one step, hand the
// ticket to another team.
type Escalation struct {
	Notify        bool   `json:"notify"`
	RaisePriority bool   `json:"raise_priority"`
	TeamID        *int64 `json:"team_id"`
	TeamName      string `json:"-"`
}

// DefaultWarnPercent is the share of a target at which the warning falls.
const DefaultWarnPercent = 80

// Goal returns the business minutes of target for priority, 0 when the
// policy does not measure it.
func (p *Policy) Goal(priority ticket.Priority, target string) int {
	for _, t := range p.Targets {
		if t.Priority == int(priority) {
			return t.Goal(target)
		}
	}
	return 0
}

// Matches reports whether every condition holds for t.
func (p *Policy) Matches(t *ticket.Ticket) bool {
	for _, c := range p.Conditions {
		if c.holds(t) != (c.Op != OpIsNot) {
			return false
		}
	}
	return true
}

// holds reports whether the ticket's field equals the condition's value.
func (c Condition) holds(t *ticket.Ticket) bool {
	ref := func(r *ticket.Ref) bool { return r != nil && r.ID == c.RefID }
	switch c.Field {
	case "type":
		return string(t.Type) == c.Value
	case "priority":
		return t.Priority.String() == c.Value
	case "category":
		return ref(t.Category)
	case "team":
		return ref(t.Team)
	case "organization":
		return ref(t.Organization)
	case "channel":
		return string(t.Channel) == c.Value
	}
	if key, ok := strings.CutPrefix(c.Field, CustomFieldPrefix); ok {
		return strings.EqualFold(fieldText(t.CustomFields[key]), c.Value)
	}
	return false
}

// fieldText is a custom field's value as a condition compares it.
func fieldText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(x)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// choose picks the policy for t among policies (in order), nil for none.
func choose(policies []*Policy, t *ticket.Ticket) *Policy {
	for _, p := range policies {
		if p.Enabled && p.Matches(t) {
			return p
		}
	}
	return nil
}

// relevant lists the ticket fields whose change can choose another policy
// or other goals.
func relevant(field string) bool {
	switch field {
	case "priority", "type", "category", "team", "organization", "channel":
		return true
	}
	return strings.HasPrefix(field, CustomFieldPrefix)
}
