package automation

import (
	"strings"

	"github.com/docket/docket/internal/ticket"
)

// TicketKeys are the search language's keys a condition may name, in the
// order forms offer them.
var TicketKeys = []string{"status", "type", "priority", "assignee", "team", "requester", "tag", "category",
	"organization", "created", "updated", "missing"}

// MessageFields are the fields of the event's message and the event's
// time, in the order forms offer them.
var MessageFields = []string{FieldMessageBody, FieldMessageChannel, FieldMessageSender, FieldMessageAuthor,
	FieldMessageVisibility, FieldEventAt}

// FieldOption is a field a condition may name, for a form: its name, a
// label, the group it is listed under, and the operators valid for it.
type FieldOption struct {
	Name, Label, Group string
	Ops                []string
}

// ConditionFields lists every field a condition may name now: the
// ticket's search keys, the custom fields of defs, the message and the
// event.
func ConditionFields(defs []*ticket.FieldDef) []FieldOption {
	var out []FieldOption
	add := func(name, label, group string) {
		if f, ok := lookupField(name, defs); ok {
			out = append(out, FieldOption{Name: name, Label: label, Group: group, Ops: f.ops()})
		}
	}
	for _, k := range TicketKeys {
		add(k, strings.ToUpper(k[:1])+k[1:], "Ticket")
	}
	for _, d := range defs {
		add(customPrefix+d.Key, d.Label, "Custom fields")
	}
	for _, name := range MessageFields {
		label := strings.ToUpper(name[:1]) + strings.ReplaceAll(name[1:], ".", " ")
		if name == FieldEventAt {
			label = "Time of the event"
		}
		add(name, label, "Message and event")
	}
	for _, name := range SatisfactionFields {
		add(name, "Rating "+name[len("satisfaction."):], "Satisfaction rating")
	}
	return out
}
