package automation

import (
	"testing"
	"time"

	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/ticket"
)

// TestConditionTable evaluates every operator on every field type, each
// once holding and once not.
func TestConditionTable(t *testing.T) {
	created := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // a Monday, 10:00 UTC
	tk := &ticket.Ticket{Number: 7, Status: ticket.StatusOpen, Type: ticket.Incident, Priority: ticket.Priority(2),
		Team: &ticket.Ref{ID: 1, Name: "Network"}, Assignee: &ticket.Person{ID: 5, Email: "carol@example.test"},
		Requester: ticket.Person{ID: 9, Email: "ann@customer.test"}, Tags: []string{"vpn", "remote"},
		CreatedAt: created, UpdatedAt: created.Add(48 * time.Hour), MissingFields: []string{"asset"},
		CustomFields: map[string]any{"seats": 12.0, "model": "X200 laptop", "warranty": "2026-06-30", "vip": true, "region": "EMEA"}}
	defs := []*ticket.FieldDef{{Key: "seats", Type: ticket.FieldNumber, Active: true}, {Key: "model", Type: ticket.FieldText, Active: true},
		{Key: "warranty", Type: ticket.FieldDate, Active: true}, {Key: "vip", Type: ticket.FieldCheckbox, Active: true},
		{Key: "region", Type: ticket.FieldSelect, Options: []string{"EMEA", "APAC"}, Active: true}}
	cal, err := bizhours.New("UTC", []bizhours.Interval{{Day: time.Monday, Start: 9 * 60, End: 17 * 60}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	facts := &Facts{Kind: event.MessageCreated, At: created.Add(12 * time.Hour), Ticket: tk, Defs: defs,
		Calendars: map[int64]*bizhours.Calendar{1: cal}, Sender: "requester",
		Message: &ticket.Message{Body: "The VPN drops every hour", Channel: ticket.ChannelEmail,
			Author: ticket.Person{ID: 9, Email: "ann@customer.test"}},
		Changes: []event.Change{{Field: "status", Old: "new", New: "open"}, {Field: "tags", Old: `["vpn"]`, New: `["vpn","remote"]`}}}
	cases := []struct {
		field, op string
		value     any
		want      bool
	}{
		// choice (search keys)
		{"status", OpIs, "open", true}, {"status", OpIs, "pending", false},
		{"status", OpIsNot, "pending", true}, {"priority", OpIsNot, "p2", false},
		{"type", OpIs, "incident", true},
		// person
		{"assignee", OpIs, "carol@example.test", true}, {"assignee", OpIs, "none", false},
		{"requester", OpIsNot, "ann@customer.test", false}, {"requester", OpContains, "@customer", true},
		{"requester", OpNotContains, "@customer", false}, {"assignee", OpStartsWith, "car", true}, {"assignee", OpStartsWith, "ann", false},
		// name
		{"team", OpIs, "network", true}, {"team", OpIsNot, "Network", false}, {"team", OpContains, "work", true},
		{"category", OpIs, "none", true}, {"team", OpNotContains, "net", false}, {"organization", OpStartsWith, "a", false},
		// tags
		{"tag", OpIs, "vpn", true}, {"tag", OpIsNot, "vpn", false}, {"tag", OpContains, "mot", true}, {"tag", OpNotContains, "mot", false},
		// date (search keys)
		{"created", OpIs, "2026-03-02", true}, {"created", OpIsNot, "2026-03-02", false},
		{"created", OpGreater, "2026-03-01", true}, {"created", OpLess, "2026-03-01", false},
		{"updated", OpGreater, "2026-03-03", true},
		{"created", OpWithinHours, "1", true}, {"updated", OpWithinHours, "1", false}, {"created", OpOutsideHours, "1", false},
		// flag
		{"missing", OpIs, "required", true}, {"missing", OpIsNot, "required", false},
		// custom fields: number, text, date, checkbox, select
		{"custom_fields.seats", OpIs, 12, true}, {"custom_fields.seats", OpGreater, 10, true}, {"custom_fields.seats", OpLess, 10, false},
		{"custom_fields.seats", OpIsNot, "12", false},
		{"custom_fields.model", OpContains, "x200", true}, {"custom_fields.model", OpStartsWith, "laptop", false},
		{"custom_fields.model", OpNotContains, "desktop", true}, {"custom_fields.model", OpIs, "X200 LAPTOP", true},
		{"custom_fields.warranty", OpGreater, "2026-01-01", true}, {"custom_fields.warranty", OpLess, "2026-01-01", false},
		{"custom_fields.vip", OpIs, true, true}, {"custom_fields.vip", OpIsNot, true, false},
		{"custom_fields.region", OpIs, "emea", true}, {"custom_fields.region", OpIsNot, "EMEA", false},
		// message
		{"message.body", OpContains, "vpn drops", true}, {"message.body", OpNotContains, "vpn", false},
		{"message.body", OpStartsWith, "the vpn", true}, {"message.channel", OpIs, "email", true}, {"message.channel", OpIsNot, "email", false},
		{"message.sender", OpIs, "requester", true}, {"message.sender", OpIs, "agent", false},
		{"message.author", OpContains, "customer", true}, {"message.visibility", OpIs, "public", true},
		// the moment of the event (Monday 22:00: outside 9–17)
		{"event.at", OpWithinHours, "1", false}, {"event.at", OpOutsideHours, "1", true}, {"event.at", OpWithinHours, "99", false},
		// changes
		{"status", OpChanged, nil, true}, {"priority", OpChanged, nil, false},
		{"status", OpChangedTo, "open", true}, {"status", OpChangedFrom, "new", true}, {"status", OpChangedFrom, "open", false},
		{"tag", OpChangedTo, "remote", true}, {"tag", OpChangedTo, "vpn", false}, {"tag", OpChangedFrom, "remote", false},
		// not allowed for the type: never holds
		{"status", OpContains, "op", false}, {"message.body", OpChanged, nil, false},
	}
	for _, c := range cases {
		got := Condition{Field: c.field, Op: c.op, Value: c.value}.Holds(facts)
		if got != c.want {
			t.Errorf("%s %s %v = %v, want %v", c.field, c.op, c.value, got, c.want)
		}
	}
	// Without a message, message conditions do not hold, negated or not.
	noMsg := *facts
	noMsg.Message = nil
	if (Condition{Field: "message.body", Op: OpNotContains, Value: "x"}).Holds(&noMsg) {
		t.Error("a message condition held on an event without a message")
	}
	// Groups: all of All, and one of Any.
	yes, no := Condition{Field: "status", Op: OpIs, Value: "open"}, Condition{Field: "status", Op: OpIs, Value: "closed"}
	for _, g := range []struct {
		cs   Conditions
		want bool
	}{
		{Conditions{}, true}, {Conditions{All: []Condition{yes, yes}}, true}, {Conditions{All: []Condition{yes, no}}, false},
		{Conditions{Any: []Condition{no, yes}}, true}, {Conditions{Any: []Condition{no, no}}, false},
		{Conditions{All: []Condition{yes}, Any: []Condition{no}}, false},
	} {
		if got := g.cs.Holds(facts); got != g.want {
			t.Errorf("%+v = %v, want %v", g.cs, got, g.want)
		}
	}
}
