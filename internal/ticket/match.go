package ticket

import (
	"slices"
	"strings"
	"time"
)

// Matches reports whether t is one of the tickets f selects, evaluated in
// memory: the same filter that a list turns into SQL, for rules that look
// at one ticket they already hold (package automation). me is the person
// "me" stands for (0: nobody, as for a rule). The words of f.Text must
// appear in the subject, in order, as the search index would find them in
// it; the index also searches messages, which a ticket in memory does not
// carry.
func (f *Filter) Matches(t *Ticket, me int64) bool {
	if len(f.Status) > 0 && !slices.Contains(f.Status, t.Status) {
		return false
	}
	if len(f.Type) > 0 && !slices.Contains(f.Type, t.Type) {
		return false
	}
	if len(f.Priority) > 0 && !slices.Contains(f.Priority, t.Priority) {
		return false
	}
	if len(f.Assignee) > 0 && !personMatches(f.Assignee, t.Assignee, me) {
		return false
	}
	if len(f.Requester) > 0 && !personMatches(f.Requester, &t.Requester, me) {
		return false
	}
	if !refMatches(f.Team, t.Team) || !refMatches(f.Category, t.Category) || !refMatches(f.Organization, t.Organization) {
		return false
	}
	if f.TeamIDs != nil && (t.Team == nil || !slices.Contains(f.TeamIDs, t.Team.ID)) {
		return false
	}
	for _, tag := range f.Tag {
		if !slices.Contains(t.Tags, strings.ToLower(strings.TrimSpace(tag))) {
			return false
		}
	}
	if !inRange(t.CreatedAt, f.CreatedAfter, f.CreatedBefore) || !inRange(t.UpdatedAt, f.UpdatedAfter, f.UpdatedBefore) {
		return false
	}
	if f.MissingRequired && len(t.MissingFields) == 0 {
		return false
	}
	if (f.DueAfter != nil || f.DueBefore != nil) && (t.DueAt == nil || !inRange(*t.DueAt, f.DueAfter, f.DueBefore)) {
		return false
	}
	if len(f.SLA) > 0 {
		return false // not known in memory; see KeyKindOf
	}
	return f.textMatches(t.Subject)
}

// personMatches follows list.go's reading of a person's values: "me",
// "none" or an email; any of them may match.
func personMatches(vals []string, p *Person, me int64) bool {
	for _, v := range vals {
		switch strings.ToLower(v) {
		case "me":
			if p != nil && me != 0 && p.ID == me {
				return true
			}
		case "none":
			if p == nil {
				return true
			}
		default:
			if p != nil && strings.EqualFold(p.Email, v) {
				return true
			}
		}
	}
	return false
}

// refMatches follows list.go's reading of a named record's values: a name
// or "none"; any of them may match, and no values match everything.
func refMatches(vals []string, r *Ref) bool {
	if len(vals) == 0 {
		return true
	}
	for _, v := range vals {
		if strings.EqualFold(v, "none") {
			if r == nil {
				return true
			}
		} else if r != nil && strings.EqualFold(r.Name, v) {
			return true
		}
	}
	return false
}

func inRange(at time.Time, after, before *time.Time) bool {
	return (after == nil || !at.Before(*after)) && (before == nil || at.Before(*before))
}

func (f *Filter) textMatches(subject string) bool {
	if !f.Text.HasText() {
		return true
	}
	words := strings.FieldsFunc(strings.ToLower(subject), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	})
	for _, p := range f.Text.Phrases {
		if !phraseIn(p.Words, p.Prefix, words) {
			return false
		}
	}
	return true
}

func phraseIn(phrase []string, prefix bool, words []string) bool {
	for i := 0; i+len(phrase) <= len(words); i++ {
		ok := true
		for j, w := range phrase {
			last := j == len(phrase)-1
			if words[i+j] != w && !(last && prefix && strings.HasPrefix(words[i+j], w)) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return len(phrase) == 0
}

// KeyKindOf returns the kind of a key of the search language that a
// ticket in memory has values for; ok is false for a word that is not
// one, and for a key only a list can evaluate (sla: reads the clocks
// beside the ticket, which a rule learns of from the SLA events instead).
func KeyKindOf(k string) (kind KeyKind, ok bool) {
	row, ok := terms[k]
	return row.kind, ok && row.values != nil
}

// KeyValues returns the values t has for key k, written as the key's
// values are (an email, a name, "p2", an RFC 3339 time); nil when it has
// none (no assignee) or k is not a key.
func KeyValues(k string, t *Ticket) []string {
	row, ok := terms[k]
	if !ok {
		return nil
	}
	return row.values(t)
}
