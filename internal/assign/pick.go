package assign

import (
	"fmt"
	"slices"
	"strings"

	"github.com/docket/docket/internal/ticket"
)

// pick chooses who takes ticket t by st's strategy among the members
// who may take it now: active agents, available, under their cap. It
// returns nil and why when nobody may (the ticket waits).
func pick(st *Settings, t *ticket.Ticket) (*Member, string) {
	order := rotation(st)
	var skipped, before []string // before: skipped ahead of the first free member
	var free []Member
	for _, m := range order {
		switch {
		case !m.Agent:
		case m.Availability != Available:
			skipped = append(skipped, m.Label()+" ("+m.Availability+")")
		case m.Cap > 0 && m.Load >= m.Cap:
			skipped = append(skipped, fmt.Sprintf("%s (at the cap of %d)", m.Label(), m.Cap))
		default:
			if len(free) == 0 {
				before = slices.Clone(skipped)
			}
			free = append(free, m)
		}
	}
	waits := func(why string) (*Member, string) {
		if len(skipped) > 0 {
			why += ": " + strings.Join(skipped, ", ")
		}
		return nil, why
	}
	label := StrategyLabels[st.Strategy]
	switch st.Strategy {
	case RoundRobin:
		if len(free) == 0 {
			return waits("nobody in " + st.Team + " may take it")
		}
		m := free[0]
		return &m, fmt.Sprintf("round-robin in %s; %s was next and %s%s", st.Team, m.Label(), capWords(m), skippedWords(before))
	case LeastLoaded:
		if len(free) == 0 {
			return waits("nobody in " + st.Team + " may take it")
		}
		m := leastLoaded(free)
		return &m, fmt.Sprintf("least loaded in %s; %s had the fewest active tickets (%d) and %s", st.Team, m.Label(), m.Load, capWords(m))
	case Skill:
		wants := wanted(t)
		anyone := false
		for _, m := range order {
			if m.Agent && len(matches(m, wants)) > 0 {
				anyone = true
			}
		}
		if !anyone {
			if len(free) == 0 {
				return waits("nobody in " + st.Team + " may take it")
			}
			m := leastLoaded(free)
			return &m, fmt.Sprintf("by skill in %s; nobody has a skill matching %s, so the least loaded: %s (%d active), %s",
				st.Team, wantedWords(wants), m.Label(), m.Load, capWords(m))
		}
		var best *Member
		var bestMatch []string
		for _, m := range free {
			got := matches(m, wants)
			if len(got) == 0 {
				continue
			}
			if best == nil || len(got) > len(bestMatch) || len(got) == len(bestMatch) && m.Load < best.Load {
				best, bestMatch = &m, got
			}
		}
		if best == nil {
			return waits("nobody in " + st.Team + " with a skill matching " + wantedWords(wants) + " may take it")
		}
		return best, fmt.Sprintf("by skill in %s; %s matched %s (%d active) and %s", st.Team, best.Label(),
			strings.Join(bestMatch, ", "), best.Load, capWords(*best))
	}
	return nil, label + ": automatic assignment is off"
}

// rotation orders st's members by id, starting after the one assigned
// last: the round-robin order, and the tie-break of the other strategies.
func rotation(st *Settings) []Member {
	ms := slices.Clone(st.Members)
	slices.SortFunc(ms, func(a, b Member) int { return int(a.ID - b.ID) })
	i := slices.IndexFunc(ms, func(m Member) bool { return m.ID > st.LastUser })
	if i < 0 {
		return ms
	}
	return append(ms[i:], ms[:i]...)
}

// leastLoaded is the member of ms with the fewest active tickets, the
// first in rotation order among equals.
func leastLoaded(ms []Member) Member {
	best := ms[0]
	for _, m := range ms[1:] {
		if m.Load < best.Load {
			best = m
		}
	}
	return best
}

// wanted is what the skill strategy matches of t: its category and tags,
// lower case. Tickets and requesters carry no language in Docket, so
// language is not matched.
func wanted(t *ticket.Ticket) []string {
	var out []string
	if t.Category != nil {
		out = append(out, strings.ToLower(t.Category.Name))
	}
	for _, tag := range t.Tags {
		if tag = strings.ToLower(tag); !slices.Contains(out, tag) {
			out = append(out, tag)
		}
	}
	return out
}

func matches(m Member, wants []string) []string {
	var got []string
	for _, w := range wants {
		if slices.Contains(m.Skills, w) {
			got = append(got, w)
		}
	}
	return got
}

func wantedWords(wants []string) string {
	if len(wants) == 0 {
		return "the ticket (it has no category or tags)"
	}
	return strings.Join(wants, ", ")
}

func capWords(m Member) string {
	if m.Cap == 0 {
		return "has no cap"
	}
	return fmt.Sprintf("under their cap of %d", m.Cap)
}

func skippedWords(skipped []string) string {
	if len(skipped) == 0 {
		return ""
	}
	return " (skipped: " + strings.Join(skipped, ", ") + ")"
}
