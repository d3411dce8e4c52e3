package agent

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/ticket"
)

// filterKeys are the filter panel's fields, in the order they are written
// into the query.
var filterKeys = []string{"status", "type", "priority", "assignee", "team", "requester", "organization", "category", "tag",
	"missing", "sla", "due"}

// composeQuery turns the filter panel's fields into a search-language query.
func composeQuery(v url.Values) string {
	var parts []string
	for _, k := range filterKeys {
		var vals []string
		for _, x := range v["f_"+k] {
			if x = strings.TrimSpace(x); x != "" {
				vals = append(vals, x)
			}
		}
		switch {
		case len(vals) == 1:
			parts = append(parts, k+":"+quoteValue(vals[0]))
		case len(vals) > 1:
			var qs []string
			for _, x := range vals {
				qs = append(qs, strings.ReplaceAll(strings.ReplaceAll(x, ",", ""), " ", ""))
			}
			parts = append(parts, k+":"+strings.Join(qs, ","))
		}
	}
	for _, k := range []string{"created", "updated"} {
		from, to := strings.TrimSpace(v.Get("f_"+k+"_from")), strings.TrimSpace(v.Get("f_"+k+"_to"))
		switch {
		case from != "" && to != "":
			parts = append(parts, k+":"+from+".."+to)
		case from != "":
			parts = append(parts, k+":>="+from)
		case to != "":
			parts = append(parts, k+":<="+to)
		}
	}
	if t := strings.TrimSpace(v.Get("f_text")); t != "" {
		parts = append(parts, t)
	}
	return strings.Join(parts, " ")
}

// dueOptions are the due: values the panel's Due field offers.
var dueOptions = []dueOption{{"overdue", "Overdue"}, {"<2h", "Within 2 hours"}, {"today", "Today"}, {"<1d", "Within a day"}}

type dueOption struct{ Value, Label string }

// filterPanel is the filter panel showing a query: what its fields can
// hold is in Checked and Values, the rest of the query stays in Text, so
// applying the panel again keeps the whole query.
type filterPanel struct {
	Checked map[string]bool   // "status:open" for a ticked box
	Values  map[string]string // a field ("assignee", "created_from") → its value
	Text    string
	// The SLA states and due times the panel offers.
	SLAStates  []string
	DueChoices []dueOption
}

func (p filterPanel) dueValues() []string {
	vs := make([]string, len(p.DueChoices))
	for i, c := range p.DueChoices {
		vs[i] = c.Value
	}
	return vs
}

// quoteValue writes a filter value back in the search language.
func quoteValue(s string) string {
	if strings.ContainsAny(s, " ,\"") {
		return `"` + strings.ReplaceAll(s, `"`, "") + `"`
	}
	return s
}

// panelFor fills the filter panel from the query q.
func panelFor(q string, o options) filterPanel {
	p := filterPanel{Checked: map[string]bool{}, Values: map[string]string{}, SLAStates: ticket.SLAStates, DueChoices: dueOptions}
	parsed, err := search.Parse(q)
	if err != nil {
		p.Text = q
		return p
	}
	var rest []string
	keep := func(key string, vals []string) {
		qs := make([]string, len(vals))
		for i, v := range vals {
			qs[i] = quoteValue(v)
		}
		rest = append(rest, key+":"+strings.Join(qs, ","))
	}
	// oneOf finds v among the choices, in any case.
	oneOf := func(v string, choices []string) (string, bool) {
		i := slices.IndexFunc(choices, func(c string) bool { return strings.EqualFold(c, v) })
		if i < 0 {
			return "", false
		}
		return choices[i], true
	}
	var agents []string
	for _, u := range o.Agents {
		agents = append(agents, u.Email)
	}
	var statuses, types, prios []string
	for _, s := range o.Statuses {
		statuses = append(statuses, string(s))
	}
	for _, t := range o.Types {
		types = append(types, string(t))
	}
	for _, pr := range o.Priorities {
		prios = append(prios, pr.String())
	}
	seen := map[string]bool{}
	for _, t := range parsed.Terms {
		if seen[t.Key] {
			continue
		}
		seen[t.Key] = true
		vals := parsed.Values(t.Key)
		switch t.Key {
		case "status", "type", "priority", "sla":
			choices := map[string][]string{"status": statuses, "type": types, "priority": prios, "sla": ticket.SLAStates}[t.Key]
			var unknown []string
			for _, v := range vals {
				if t.Key == "priority" {
					if pr, ok := ticket.ParsePriority(v); ok {
						v = pr.String()
					}
				}
				if c, ok := oneOf(v, choices); ok {
					p.Checked[t.Key+":"+c] = true
				} else {
					unknown = append(unknown, v)
				}
			}
			if len(unknown) > 0 {
				keep(t.Key, unknown)
			}
		case "assignee", "team", "category":
			choices := map[string][]string{"assignee": append([]string{"me", "none"}, agents...),
				"team": append([]string{"none"}, o.Teams...), "category": o.Categories}[t.Key]
			if c, ok := oneOf(vals[0], choices); ok && len(vals) == 1 {
				p.Values[t.Key] = c
			} else {
				keep(t.Key, vals)
			}
		case "due":
			if c, ok := oneOf(vals[0], p.dueValues()); ok && len(vals) == 1 {
				p.Values[t.Key] = c
			} else {
				keep(t.Key, vals)
			}
		case "requester", "organization", "tag":
			if len(vals) == 1 {
				p.Values[t.Key] = vals[0]
			} else {
				keep(t.Key, vals)
			}
		case "created", "updated":
			if from, to, ok := dayRange(vals); ok {
				p.Values[t.Key+"_from"], p.Values[t.Key+"_to"] = from, to
			} else {
				keep(t.Key, vals)
			}
		default:
			keep(t.Key, vals)
		}
	}
	for _, ph := range parsed.Phrases {
		s := strings.Join(ph.Words, " ")
		switch {
		case ph.Prefix:
			s += "*"
		case len(ph.Words) > 1:
			s = `"` + s + `"`
		}
		rest = append(rest, s)
	}
	p.Text = strings.Join(rest, " ")
	return p
}

// dayRange reads the one date range the panel's date fields can show:
// ">=day", "<=day" or "day..day".
func dayRange(vals []string) (from, to string, ok bool) {
	if len(vals) != 1 {
		return "", "", false
	}
	isDay := func(s string) bool { _, err := time.Parse(time.DateOnly, s); return err == nil }
	v := vals[0]
	switch {
	case strings.HasPrefix(v, ">=") && isDay(v[2:]):
		return v[2:], "", true
	case strings.HasPrefix(v, "<=") && isDay(v[2:]):
		return "", v[2:], true
	}
	if a, b, found := strings.Cut(v, ".."); found && isDay(a) && isDay(b) {
		return a, b, true
	}
	return "", "", false
}
