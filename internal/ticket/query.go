package ticket

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/search"
)

// The one translation from Docket's search language to a Filter. The API
// (its q and its list parameters), the workspace's search box, its filter
// panel and saved views all go through it, so a query means the same, and
// is refused the same, wherever it is typed.

// term narrows f by the values of one key and returns what is wrong with
// them, each a sentence safe to show.
type term func(f *Filter, values []string, now time.Time) []string

// KeyKind is how the values of a key compare: what a rule's condition on
// the key may ask of it besides "is" (see package automation).
type KeyKind string

// The kinds of keys.
const (
	KindChoice KeyKind = "choice" // one of a fixed set (status, type, priority)
	KindPerson KeyKind = "person" // a person by email, or none
	KindName   KeyKind = "name"   // a named record (team, category, organization), or none
	KindTags   KeyKind = "tags"   // a set of words
	KindDate   KeyKind = "date"   // a time, compared with date ranges
	KindFlag   KeyKind = "flag"   // a state the ticket is in or not (missing:required)
)

// key is one key of the search language: how it narrows a Filter (for
// lists, in SQL) and, for Filter.Matches, which values a ticket in memory
// has for it, written as the key's values are.
type key struct {
	kind   KeyKind
	apply  term
	values func(t *Ticket) []string
}

// terms has one entry per key of the search language (search.Keys); a new
// key is a row here and a name there. Lists translate a key to SQL
// (list.go), rules evaluate it in memory (Filter.Matches in match.go):
// both read this one table.
var terms = map[string]key{
	"status": {KindChoice, func(f *Filter, vs []string, _ time.Time) (bad []string) {
		// An explicit status replaces the one a view starts from.
		f.Status = nil
		for _, v := range vs {
			s := Status(strings.ToLower(v))
			if !s.Valid() {
				bad = append(bad, fmt.Sprintf("%q is not a status; use %s", v, statusNames()))
			}
			f.Status = append(f.Status, s)
		}
		return bad
	}, func(t *Ticket) []string { return []string{string(t.Status)} }},
	"type": {KindChoice, func(f *Filter, vs []string, _ time.Time) (bad []string) {
		for _, v := range vs {
			t := Type(strings.ToLower(v))
			if !t.Valid() {
				bad = append(bad, fmt.Sprintf("%q is not a type; use incident, request, problem or change", v))
			}
			f.Type = append(f.Type, t)
		}
		return bad
	}, func(t *Ticket) []string { return []string{string(t.Type)} }},
	"priority": {KindChoice, func(f *Filter, vs []string, _ time.Time) (bad []string) {
		for _, v := range vs {
			p, ok := ParsePriority(v)
			if !ok {
				bad = append(bad, fmt.Sprintf("%q is not a priority; use p1, p2, p3 or p4", v))
			}
			f.Priority = append(f.Priority, p)
		}
		return bad
	}, func(t *Ticket) []string { return []string{t.Priority.String()} }},
	"assignee": {KindPerson, appendTo(func(f *Filter) *[]string { return &f.Assignee }), func(t *Ticket) []string {
		if t.Assignee == nil {
			return nil
		}
		return []string{t.Assignee.Email}
	}},
	"team": {KindName, appendTo(func(f *Filter) *[]string { return &f.Team }), func(t *Ticket) []string { return refValues(t.Team) }},
	"requester": {KindPerson, appendTo(func(f *Filter) *[]string { return &f.Requester }),
		func(t *Ticket) []string { return []string{t.Requester.Email} }},
	"tag":      {KindTags, appendTo(func(f *Filter) *[]string { return &f.Tag }), func(t *Ticket) []string { return t.Tags }},
	"category": {KindName, appendTo(func(f *Filter) *[]string { return &f.Category }), func(t *Ticket) []string { return refValues(t.Category) }},
	"organization": {KindName, appendTo(func(f *Filter) *[]string { return &f.Organization }),
		func(t *Ticket) []string { return refValues(t.Organization) }},
	"created": {KindDate, dateRange(func(f *Filter) (**time.Time, **time.Time) { return &f.CreatedAfter, &f.CreatedBefore }),
		func(t *Ticket) []string { return []string{t.CreatedAt.UTC().Format(time.RFC3339)} }},
	"updated": {KindDate, dateRange(func(f *Filter) (**time.Time, **time.Time) { return &f.UpdatedAfter, &f.UpdatedBefore }),
		func(t *Ticket) []string { return []string{t.UpdatedAt.UTC().Format(time.RFC3339)} }},
	"missing": {KindFlag, func(f *Filter, vs []string, _ time.Time) (bad []string) {
		for _, v := range vs {
			if !strings.EqualFold(v, "required") {
				bad = append(bad, fmt.Sprintf("%q is not something a ticket can miss; use %s", v, strings.Join(MissingValues, ", ")))
			}
			f.MissingRequired = true
		}
		return bad
	}, func(t *Ticket) []string {
		if len(t.MissingFields) > 0 {
			return []string{"required"}
		}
		return nil
	}},
	"sla": {KindFlag, func(f *Filter, vs []string, _ time.Time) (bad []string) {
		for _, v := range vs {
			st := strings.ToLower(v)
			if !slices.Contains(SLAStates, st) {
				bad = append(bad, fmt.Sprintf("%q is not an SLA state; use %s", v, strings.Join(SLAStates, ", ")))
				continue
			}
			f.SLA = append(f.SLA, st)
		}
		return bad
	}, nil},
	"due": {KindDate, func(f *Filter, vs []string, now time.Time) (bad []string) {
		for _, v := range vs {
			from, to, err := dueRange(v, now)
			if err != nil {
				bad = append(bad, err.Error())
				continue
			}
			narrow(&f.DueAfter, &f.DueBefore, from, to)
		}
		return bad
	}, func(t *Ticket) []string {
		if t.DueAt == nil {
			return nil
		}
		return []string{t.DueAt.UTC().Format(time.RFC3339)}
	}},
}

func refValues(r *Ref) []string {
	if r == nil {
		return nil
	}
	return []string{r.Name}
}

// appendTo is a term whose values are names the list looks up itself.
func appendTo(field func(*Filter) *[]string) term {
	return func(f *Filter, vs []string, _ time.Time) []string {
		p := field(f)
		*p = append(*p, vs...)
		return nil
	}
}

// dateRange is a term of date ranges (search.Range); several narrow each
// other.
func dateRange(field func(*Filter) (after, before **time.Time)) term {
	return func(f *Filter, vs []string, now time.Time) (bad []string) {
		after, before := field(f)
		for _, v := range vs {
			from, to, err := search.Range(v, now)
			if err != nil {
				bad = append(bad, err.Error())
				continue
			}
			narrow(after, before, from, to)
		}
		return bad
	}
}

// narrow tightens the range [*after, *before) by [from, to); a nil bound
// is open.
func narrow(after, before **time.Time, from, to *time.Time) {
	if from != nil && (*after == nil || from.After(**after)) {
		*after = from
	}
	if to != nil && (*before == nil || to.Before(**before)) {
		*before = to
	}
}

func statusNames() string {
	names := make([]string, len(Statuses))
	for i, s := range Statuses {
		names[i] = string(s)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// ApplyParam narrows f by the values of one key given outside a query, as
// the API's list parameters are; problems are reported under that key.
func (f *Filter) ApplyParam(key string, values []string, now time.Time) error {
	k, ok := terms[key]
	if !ok {
		return fault.Field(key, "is not a filter")
	}
	inv := &fault.Invalid{}
	for _, msg := range k.apply(f, values, now) {
		inv.Add(key, "%s", msg)
	}
	return inv.Err()
}

// ApplyQuery narrows f by the key:value terms and the text of q; problems
// are reported under the field "q", naming the key.
func (f *Filter) ApplyQuery(q search.Query, now time.Time) error {
	inv := &fault.Invalid{}
	seen := map[string]bool{}
	for _, t := range q.Terms {
		if seen[t.Key] {
			continue
		}
		seen[t.Key] = true
		k, ok := terms[t.Key]
		if !ok {
			inv.Add("q", "%s: is not a filter", t.Key)
			continue
		}
		for _, msg := range k.apply(f, q.Values(t.Key), now) {
			inv.Add("q", "%s: %s", t.Key, msg)
		}
	}
	f.Text = q
	return inv.Err()
}

// ApplySearch parses a query typed in the search language and narrows f
// by it; problems are reported under the field "q".
func (f *Filter) ApplySearch(s string, now time.Time) error {
	q, err := search.Parse(s)
	if err != nil {
		return fault.Field("q", "%s", err.Error())
	}
	return f.ApplyQuery(q, now)
}

// ParseReference reads a ticket's name as an agent types it in the search
// box: "1001", "#1001" or, with a configured prefix, "INC-1001" (any case).
// prefixed reports that a prefix was typed: the ticket's own reference must
// then be the one typed. Anything else, "ERR-500" among it, is not a
// reference.
func (s *Service) ParseReference(text string) (number int64, prefixed bool, ok bool) {
	text = strings.TrimSpace(text)
	digits, prefixed := strings.CutPrefix(text, "#")
	if !prefixed {
		for _, p := range s.opts.Prefixes {
			if p != "" && len(text) > len(p) && strings.EqualFold(text[:len(p)], p) {
				digits, prefixed = text[len(p):], true
				break
			}
		}
		if prefixed && strings.HasPrefix(digits, "#") {
			return 0, false, false
		}
	} else {
		prefixed = false
	}
	if digits == "" || len(digits) > 18 || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, false, false
	}
	n, ok := ParseNumber(digits)
	return n, prefixed, ok
}
