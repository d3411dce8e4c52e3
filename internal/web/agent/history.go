package agent

import (
	"strconv"
	"strings"

	"github.com/docket/docket/internal/macro"
	"github.com/docket/docket/internal/ticket"
)

// historyEntry is one history event as the ticket page words it: labels
// and names instead of stored codes, emails and internal ids.
type historyEntry struct {
	ticket.HistoryEvent
	Who   string     // the actor's name, or their email, or "System"
	Parts []wordPart // what they did, in words
}

// wordPart is a piece of a history sentence: plain text, a value in
// quotes, or a link (to another ticket, or to a message of this one). The
// template escapes every piece.
type wordPart struct {
	Text  string
	Value bool   // a field's value: shown emphasised
	Href  string // "" for no link
}

// historyNames holds what turns stored values into words: agents' names by
// email, custom fields' labels by key, this ticket's messages by id.
type historyNames struct {
	people   map[string]string
	fields   map[string]string
	messages map[int64]*ticket.Message
}

func newHistoryNames(p *ticketPage) *historyNames {
	n := &historyNames{people: map[string]string{}, fields: map[string]string{}, messages: map[int64]*ticket.Message{}}
	for _, u := range p.Options.Agents {
		if u.Name != "" {
			n.people[strings.ToLower(u.Email)] = u.Name
		}
	}
	for _, d := range p.defs {
		n.fields[d.Key] = d.Label
	}
	for _, m := range p.Messages {
		n.messages[m.ID] = m
		if m.Author.Name != "" {
			n.people[strings.ToLower(m.Author.Email)] = m.Author.Name
		}
	}
	return n
}

// linkWords says how this ticket relates to the other one, per link type.
var linkWords = map[string]string{
	string(ticket.LinkRelated):      "related to",
	string(ticket.LinkParent):       "parent of",
	string(ticket.LinkChild):        "child of",
	string(ticket.LinkDuplicateOf):  "duplicate of",
	string(ticket.LinkDuplicatedBy): "duplicated by",
	string(ticket.LinkCausedBy):     "caused by",
	string(ticket.LinkCauses):       "cause of",
}

// fieldLabels are the names of the fields history records.
var fieldLabels = map[string]string{
	"subject": "Subject", "type": "Type", "status": "Status", "resolution": "Resolution", "solution": "Solution",
	"priority": "Priority", "impact": "Impact", "urgency": "Urgency", "category": "Category", "team": "Team",
	"assignee": "Assignee", "tags": "Tags", "followers": "Followers", "requester": "Requester",
}

// describe words one event.
func (n *historyNames) describe(e ticket.HistoryEvent) historyEntry {
	h := historyEntry{HistoryEvent: e, Who: e.Actor.Name}
	if h.Who == "" {
		h.Who = e.Actor.Email
	}
	if h.Who == "" {
		h.Who = "System"
	}
	text := func(s string) wordPart { return wordPart{Text: s} }
	switch e.Field {
	case "created":
		h.Parts = []wordPart{text("created the ticket")}
	case "message":
		kind, id, _ := strings.Cut(e.New, " ")
		verb := "replied"
		if kind == "note" {
			verb = "added an internal note"
		}
		h.Parts = []wordPart{text(verb)}
		if mid, err := strconv.ParseInt(id, 10, 64); err == nil {
			if m := n.messages[mid]; m != nil {
				h.Parts[0].Href = "#m-" + m.UID
			}
		}
	case "link":
		if e.New != "" {
			typ, ref, _ := strings.Cut(e.New, " ")
			h.Parts = []wordPart{text("linked "), ticketRef(ref), text(" as " + linkWord(typ))}
		} else {
			typ, ref, _ := strings.Cut(e.Old, " ")
			h.Parts = []wordPart{text("removed the link to "), ticketRef(ref), text(" (" + linkWord(typ) + ")")}
		}
	case "satisfaction":
		if e.Old == "" {
			h.Parts = []wordPart{text("rated the help "), {Text: e.New, Value: true}}
		} else {
			h.Parts = []wordPart{text("changed the rating from "), {Text: e.Old, Value: true}, text(" to "), {Text: e.New, Value: true}}
		}
	case "merged":
		h.Parts = []wordPart{text("merged "), ticketRef(e.New), text(" into this ticket")}
	case macro.HistoryField:
		h.Parts = []wordPart{text("applied macro ‘" + e.New + "’")}
	case "assignment":
		// Why automatic assignment chose the assignee (package assign).
		h.Parts = []wordPart{text("chose the assignee: " + e.New)}
	case "merged_into":
		h.Parts = []wordPart{text("merged this ticket into "), ticketRef(e.New)}
	default:
		label := n.fieldLabel(e.Field)
		old, new := n.value(e.Field, e.Old), n.value(e.Field, e.New)
		switch {
		case e.Old == "":
			h.Parts = []wordPart{text("set " + label + " to "), {Text: new, Value: true}}
		case e.New == "":
			h.Parts = []wordPart{text("cleared " + label + " (was "), {Text: old, Value: true}, text(")")}
		default:
			h.Parts = []wordPart{text("changed " + label + " from "), {Text: old, Value: true}, text(" to "), {Text: new, Value: true}}
		}
	}
	return h
}

func linkWord(typ string) string {
	if w, ok := linkWords[typ]; ok {
		return w
	}
	return humanLabel(typ)
}

// ticketRef links a ticket reference ("#1003", "INC-1003") to its page.
func ticketRef(ref string) wordPart {
	if n, ok := ticket.ParseNumber(ref); ok {
		return wordPart{Text: ref, Href: "/tickets/" + strconv.FormatInt(n, 10)}
	}
	return wordPart{Text: ref}
}

func (n *historyNames) fieldLabel(field string) string {
	if key, ok := strings.CutPrefix(field, "custom_fields."); ok {
		if l := n.fields[key]; l != "" {
			return l
		}
		return humanLabel(key)
	}
	if l, ok := fieldLabels[field]; ok {
		return l
	}
	return humanLabel(field)
}

// value words a stored value of field: a person's name for an email, the
// label of a code.
func (n *historyNames) value(field, v string) string {
	if v == "" {
		return "—"
	}
	switch field {
	case "assignee":
		if name := n.people[strings.ToLower(v)]; name != "" {
			return name
		}
	case "status", "resolution", "type", "impact", "urgency":
		return humanLabel(v)
	case "priority":
		if p, ok := ticket.ParsePriority(v); ok {
			return strings.ToUpper(p.String()) + " · " + p.Label()
		}
	}
	if strings.HasPrefix(field, "custom_fields.") {
		switch v {
		case "true":
			return "yes"
		case "false":
			return "no"
		}
	}
	return v
}

// describeAll words events in order.
func (n *historyNames) describeAll(evs []ticket.HistoryEvent) []historyEntry {
	out := make([]historyEntry, len(evs))
	for i, e := range evs {
		out[i] = n.describe(e)
	}
	return out
}

// interleave places each history entry (but the ones that record a
// message: the message itself is there) before the first message written
// after it, for the conversation's "show history" view; changes made with
// a message (a reply that set the status) follow it, the ticket's creation
// precedes its first message. Entries after the last message are returned
// apart.
func interleave(msgs []*ticket.Message, hs []historyEntry) (before map[int64][]historyEntry, after []historyEntry) {
	before = map[int64][]historyEntry{}
	i := 0
	for _, h := range hs {
		if h.Field == "message" {
			continue
		}
		for i < len(msgs) && (msgs[i].CreatedAt.Before(h.At) || h.Field != "created" && msgs[i].CreatedAt.Equal(h.At)) {
			i++
		}
		if i == len(msgs) {
			after = append(after, h)
			continue
		}
		before[msgs[i].ID] = append(before[msgs[i].ID], h)
	}
	return before, after
}
