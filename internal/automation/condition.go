package automation

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/ticket"
)

// kind is how a field's values compare: it decides the operators a
// condition on the field may use.
type kind string

const (
	kChoice kind = "choice"
	kPerson kind = "person"
	kName   kind = "name"
	kTags   kind = "tags"
	kDate   kind = "date"
	kFlag   kind = "flag"
	kText   kind = "text"
	kNumber kind = "number"
	kBool   kind = "bool"
	kMoment kind = "moment" // the time of the event: only business hours
)

// opsOf are the operators each kind allows, besides the change operators
// of fields that history records.
var opsOf = map[kind][]string{
	kChoice: {OpIs, OpIsNot},
	kPerson: {OpIs, OpIsNot, OpContains, OpNotContains, OpStartsWith},
	kName:   {OpIs, OpIsNot, OpContains, OpNotContains, OpStartsWith},
	kTags:   {OpIs, OpIsNot, OpContains, OpNotContains},
	kDate:   {OpIs, OpIsNot, OpGreater, OpLess, OpWithinHours, OpOutsideHours},
	kFlag:   {OpIs, OpIsNot},
	kText:   {OpIs, OpIsNot, OpContains, OpNotContains, OpStartsWith},
	kNumber: {OpIs, OpIsNot, OpGreater, OpLess},
	kBool:   {OpIs, OpIsNot},
	kMoment: {OpWithinHours, OpOutsideHours},
}

var changeOps = []string{OpChanged, OpChangedTo, OpChangedFrom}

// Message and event fields, beside the ticket's search keys and its
// custom fields (custom_fields.<key>).
const (
	FieldMessageBody       = "message.body"
	FieldMessageChannel    = "message.channel"
	FieldMessageSender     = "message.sender" // requester, agent or other
	FieldMessageAuthor     = "message.author" // an email
	FieldMessageVisibility = "message.visibility"
	FieldEventAt           = "event.at"
	customPrefix           = "custom_fields."
)

// Senders are the values of message.sender.
var Senders = []string{"requester", "agent", "other"}

// field is what a condition's field names.
type field struct {
	kind kind
	// key is the search key of a ticket field; custom the key of a custom
	// field; message the part of the message.
	key, custom, message string
	// rating is the part of a satisfaction rating (see SatisfactionFields).
	rating string
	// history is the field a change records ("" when none): change
	// operators apply to it.
	history string
	def     *ticket.FieldDef
}

var keyKinds = map[ticket.KeyKind]kind{ticket.KindChoice: kChoice, ticket.KindPerson: kPerson, ticket.KindName: kName,
	ticket.KindTags: kTags, ticket.KindDate: kDate, ticket.KindFlag: kFlag}

// recorded are the search keys whose changes history records, by the
// name history gives them.
var recorded = map[string]string{"status": "status", "type": "type", "priority": "priority", "assignee": "assignee",
	"team": "team", "category": "category", "tag": "tags"}

var customKinds = map[ticket.FieldType]kind{ticket.FieldText: kText, ticket.FieldNumber: kNumber,
	ticket.FieldDate: kDate, ticket.FieldSelect: kChoice, ticket.FieldCheckbox: kBool}

// lookupField resolves a condition's field; ok is false for a name that
// is not a field.
func lookupField(name string, defs []*ticket.FieldDef) (field, bool) {
	if k, ok := ticket.KeyKindOf(name); ok {
		return field{kind: keyKinds[k], key: name, history: recorded[name]}, true
	}
	if key, ok := strings.CutPrefix(name, customPrefix); ok {
		for _, d := range defs {
			if d.Key == key {
				return field{kind: customKinds[d.Type], custom: key, history: name, def: d}, true
			}
		}
		return field{}, false
	}
	switch name {
	case FieldMessageBody:
		return field{kind: kText, message: "body"}, true
	case FieldMessageChannel:
		return field{kind: kChoice, message: "channel"}, true
	case FieldMessageSender:
		return field{kind: kChoice, message: "sender"}, true
	case FieldMessageAuthor:
		return field{kind: kPerson, message: "author"}, true
	case FieldMessageVisibility:
		return field{kind: kChoice, message: "visibility"}, true
	case FieldEventAt:
		return field{kind: kMoment}, true
	}
	return satisfactionField(name)
}

// allows reports whether op may be used on f.
func (f field) allows(op string) bool {
	if slices.Contains(changeOps, op) {
		return f.history != ""
	}
	return slices.Contains(opsOf[f.kind], op)
}

// opsFor lists the operators f allows.
func (f field) ops() []string {
	out := append([]string{}, opsOf[f.kind]...)
	if f.history != "" {
		out = append(out, changeOps...)
	}
	return out
}

// Facts are what conditions are evaluated against: the ticket as it is
// now, and what the event says happened.
type Facts struct {
	Kind   string
	At     time.Time
	Ticket *ticket.Ticket
	// Message is the new message of a message.created (or ticket.created)
	// event; Sender is "requester", "agent" or "other".
	Message *ticket.Message
	Sender  string
	// Changes are the changes of a ticket.updated event.
	Changes []event.Change
	// Satisfaction is the rating of a satisfaction.received event.
	Satisfaction *Rated
	// Calendars are the calendars business-hours conditions name, by id.
	Calendars map[int64]*bizhours.Calendar
	Defs      []*ticket.FieldDef
}

// Holds reports whether cs hold for facts.
func (cs Conditions) Holds(facts *Facts) bool {
	for _, c := range cs.All {
		if !c.Holds(facts) {
			return false
		}
	}
	if len(cs.Any) == 0 {
		return true
	}
	for _, c := range cs.Any {
		if c.Holds(facts) {
			return true
		}
	}
	return false
}

// Holds reports whether c holds for facts. A condition on a field that
// no longer exists, or on the message of an event without one, does not
// hold.
func (c Condition) Holds(facts *Facts) bool {
	f, ok := lookupField(c.Field, facts.Defs)
	if !ok || !f.allows(c.Op) {
		return false
	}
	v := valueString(c.Value)
	if slices.Contains(changeOps, c.Op) {
		return changed(f.history, c.Op, v, facts.Changes)
	}
	t := facts.Ticket
	switch {
	case f.key != "":
		return keyHolds(f, c.Op, v, t, facts)
	case f.custom != "":
		var vals []string
		if x, ok := t.CustomFields[f.custom]; ok && x != nil && valueString(x) != "" {
			vals = []string{valueString(x)}
		}
		return valuesHold(f.kind, c.Op, v, vals, facts)
	case f.message != "":
		m := facts.Message
		if m == nil {
			return false
		}
		var vals []string
		switch f.message {
		case "body":
			vals = []string{m.Body}
		case "channel":
			vals = []string{string(m.Channel)}
		case "sender":
			vals = []string{facts.Sender}
		case "author":
			vals = []string{m.Author.Email}
		case "visibility":
			vals = []string{visibility(m)}
		}
		return valuesHold(f.kind, c.Op, v, vals, facts)
	case f.rating != "":
		return valuesHold(f.kind, c.Op, v, facts.ratingValues(f.rating), facts)
	}
	return businessHours(c.Op, v, facts.At, facts)
}

func visibility(m *ticket.Message) string {
	if m.Internal {
		return "internal"
	}
	return "public"
}

// keyHolds evaluates a condition on a search key: "is", and for dates
// "greater" and "less", through the search language's translation
// (ticket.Filter, matched in memory); the rest on the key's values.
func keyHolds(f field, op, v string, t *ticket.Ticket, facts *Facts) bool {
	filter := func(value string) bool {
		var flt ticket.Filter
		if err := flt.ApplyParam(f.key, []string{value}, facts.At); err != nil {
			return false
		}
		return flt.Matches(t, 0)
	}
	switch op {
	case OpIs:
		return filter(v)
	case OpIsNot:
		return !filter(v)
	case OpGreater:
		return filter(">" + v)
	case OpLess:
		return filter("<" + v)
	case OpWithinHours, OpOutsideHours:
		vals := ticket.KeyValues(f.key, t)
		if len(vals) == 0 {
			return false
		}
		at, err := time.Parse(time.RFC3339, vals[0])
		return err == nil && businessHours(op, v, at, facts)
	}
	return valuesHold(f.kind, op, v, ticket.KeyValues(f.key, t), facts)
}

// valuesHold evaluates a condition on the values a field has (none, one,
// or a ticket's tags).
func valuesHold(k kind, op, v string, vals []string, facts *Facts) bool {
	lv := strings.ToLower(v)
	anyOf := func(pred func(x string) bool) bool {
		for _, x := range vals {
			if pred(strings.ToLower(x)) {
				return true
			}
		}
		return false
	}
	switch op {
	case OpIs:
		return anyOf(func(x string) bool { return same(k, x, lv) })
	case OpIsNot:
		return !anyOf(func(x string) bool { return same(k, x, lv) })
	case OpContains:
		return anyOf(func(x string) bool { return strings.Contains(x, lv) })
	case OpNotContains:
		return !anyOf(func(x string) bool { return strings.Contains(x, lv) })
	case OpStartsWith:
		return anyOf(func(x string) bool { return strings.HasPrefix(x, lv) })
	case OpGreater:
		return anyOf(func(x string) bool { return compare(k, x, lv) > 0 })
	case OpLess:
		return anyOf(func(x string) bool { return compare(k, x, lv) < 0 })
	case OpWithinHours, OpOutsideHours:
		for _, x := range vals {
			if at, err := time.Parse(time.DateOnly, x); err == nil {
				return businessHours(op, v, at, facts)
			}
		}
	}
	return false
}

// same compares two values of kind k: numbers by value, the rest as text
// without regard to case.
func same(k kind, a, b string) bool {
	if k == kNumber {
		x, err1 := strconv.ParseFloat(a, 64)
		y, err2 := strconv.ParseFloat(b, 64)
		return err1 == nil && err2 == nil && x == y
	}
	return a == b
}

// compare orders two values of kind k: numbers by value, dates (written
// 2006-01-02) as text, which is their order. Values that do not compare
// are never greater or less.
func compare(k kind, a, b string) int {
	if k == kNumber {
		x, err1 := strconv.ParseFloat(a, 64)
		y, err2 := strconv.ParseFloat(b, 64)
		if err1 != nil || err2 != nil {
			return 0
		}
		switch {
		case x > y:
			return 1
		case x < y:
			return -1
		}
		return 0
	}
	return strings.Compare(a, b)
}

// businessHours evaluates within/outside the business hours of the
// calendar whose id is v, at at. An unknown calendar holds neither.
func businessHours(op, v string, at time.Time, facts *Facts) bool {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return false
	}
	cal := facts.Calendars[id]
	if cal == nil {
		return false
	}
	next, err := cal.Next(at)
	within := err == nil && next.Equal(at)
	return within == (op == OpWithinHours)
}

// changed evaluates a change operator on the changes of the event. Tags
// are a set: changed_to a tag means it was added, changed_from that it
// was removed.
func changed(hist, op, v string, changes []event.Change) bool {
	for _, c := range changes {
		if c.Field != hist {
			continue
		}
		switch op {
		case OpChanged:
			return true
		case OpChangedTo:
			if hist == "tags" {
				return hasTag(c.New, v) && !hasTag(c.Old, v)
			}
			return strings.EqualFold(c.New, v)
		case OpChangedFrom:
			if hist == "tags" {
				return hasTag(c.Old, v) && !hasTag(c.New, v)
			}
			return strings.EqualFold(c.Old, v)
		}
	}
	return false
}

// hasTag reads a tags change value (history writes a JSON list) for tag.
func hasTag(list, tag string) bool {
	var tags []string
	_ = json.Unmarshal([]byte(list), &tags)
	for _, t := range tags {
		if strings.EqualFold(t, strings.TrimSpace(tag)) {
			return true
		}
	}
	return false
}
