package ticket

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/search"
)

// The SLA side of a ticket list: the sla: and due: terms of the search
// language and the conditions they become. They read the clocks the SLA
// engine writes (sla_clocks, beside the ticket), tickets.due_at, the
// earliest due time of a ticket's running clocks, and tickets.warn_at, the
// earliest warning of those not breached:
//
//   - at_risk: a running clock passed its warning, none passed its due time
//   - breached: a running clock is overdue, or a clock breached before it
//     stopped (a breach stays on the ticket)
//   - paused: a clock is paused (the ticket is pending or on hold)
//   - met: every clock stopped, none breached
//
// A clock's warn_at and due_at are set only while it runs.

// dueKey is a ticket's next due time as lists sort and bound it (the index
// tickets_active_due has this exact expression): tickets without a running
// clock sort last.
const dueKey = "COALESCE(t.due_at, " + noDueLast + ")"

// SLAStates are the values of the sla: term.
var SLAStates = []string{"at_risk", "breached", "paused", "met"}

// slaCondition is the SQL condition of one SLA state at the instant now
// (an argument placeholder). walk says the list walks tickets_active_due in
// due order: a ticket is then best checked on its own clocks (EXISTS, by
// the clocks' primary key), while a count or another order is best driven
// from the few clocks in the state (IN, by the clocks' indexes).
func slaCondition(state, now string, walk bool) string {
	clocks := func(cond string) string {
		if walk {
			return "EXISTS (SELECT 1 FROM sla_clocks c WHERE c.ticket_id = t.id AND " + cond + ")"
		}
		return "t.id IN (SELECT c.ticket_id FROM sla_clocks c WHERE " + cond + ")"
	}
	switch state {
	case "at_risk":
		// tickets.warn_at is the earliest warning of the running clocks not
		// breached: a count reads the at-risk ids from its index
		// (tickets_warn, covering) over the tickets whose warning passed,
		// so that whichever index drives the count no ticket row is read
		// for it; a due-order walk checks it per row.
		if walk {
			return "(" + dueKey + " > " + now + " AND t.due_at IS NOT NULL AND t.warn_at <= " + now + ")"
		}
		return "t.id IN (SELECT w.id FROM tickets w WHERE w.warn_at <= " + now + " AND w.due_at > " + now + ")"
	case "breached":
		return "(" + dueKey + " <= " + now + " OR " + clocks("c.breached_at IS NOT NULL") + ")"
	case "paused":
		return clocks("c.paused_at IS NOT NULL AND c.stopped_at IS NULL")
	case "met":
		return "(" + clocks("c.stopped_at IS NOT NULL") + " AND NOT EXISTS " +
			"(SELECT 1 FROM sla_clocks c WHERE c.ticket_id = t.id AND (c.stopped_at IS NULL OR c.breached_at IS NOT NULL)))"
	}
	return "FALSE"
}

// slaWhere adds the conditions of f's SLA states (any of them) and due
// range to w, judged at now.
func slaWhere(w *whereBuilder, f Filter, now time.Time, walk bool) {
	if len(f.SLA) > 0 {
		at := "" // added once, and only when used: PostgreSQL refuses unused arguments
		parts := make([]string, len(f.SLA))
		for i, st := range f.SLA {
			if at == "" && (st == "at_risk" || st == "breached") {
				at = w.arg(now.UnixMicro())
			}
			parts[i] = slaCondition(st, at, walk)
		}
		w.conds = append(w.conds, "("+strings.Join(parts, " OR ")+")")
	}
	// Bounds on dueKey rather than t.due_at, so the index on dueKey serves
	// both the range and the order.
	if f.DueAfter != nil {
		w.conds = append(w.conds, dueKey+" >= "+w.arg(f.DueAfter.UnixMicro()), "t.due_at IS NOT NULL")
	}
	if f.DueBefore != nil {
		w.conds = append(w.conds, dueKey+" < "+w.arg(f.DueBefore.UnixMicro()))
	}
}

// dueRange reads a due: value: "overdue" (the due time passed), "today"
// and "tomorrow" (days of now's time zone), or a comparison with a span
// from now: "<2h" (due within two hours, overdue included), ">1d", "<=30m",
// ">=1w"; a leading minus counts back ("<-1h": overdue by more than an
// hour). It returns the inclusive start and exclusive end; either may be
// nil.
func dueRange(v string, now time.Time) (from, to *time.Time, err error) {
	ptr := func(t time.Time) *time.Time { return &t }
	switch strings.ToLower(v) {
	case "overdue":
		return nil, ptr(now), nil
	case "today", "tomorrow":
		y, m, d := now.Date()
		day := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
		if strings.EqualFold(v, "tomorrow") {
			day = day.AddDate(0, 0, 1)
		}
		return ptr(day), ptr(day.AddDate(0, 0, 1)), nil
	}
	bad := &search.Error{Msg: fmt.Sprintf("%q is not a due time; use overdue, today, tomorrow, or <, <=, >, >= and a span such as <2h, >1d, <=30m (m, h, d or w)", v)}
	op := strings.TrimRight(v[:min(len(v), 2)], "-0123456789")
	if op != "<" && op != "<=" && op != ">" && op != ">=" {
		return nil, nil, bad
	}
	span, ok := parseSpan(v[len(op):])
	if !ok {
		return nil, nil, bad
	}
	at := now.Add(span)
	switch op {
	case "<":
		return nil, ptr(at), nil
	case "<=":
		return nil, ptr(at.Add(time.Microsecond)), nil
	case ">":
		return ptr(at.Add(time.Microsecond)), nil, nil
	}
	return ptr(at), nil, nil
}

// parseSpan reads "30m", "2h", "1d", "1w" or the same with a leading minus.
func parseSpan(s string) (time.Duration, bool) {
	units := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	if len(s) < 2 {
		return 0, false
	}
	unit, ok := units[s[len(s)-1]|0x20]
	if !ok {
		return 0, false
	}
	digits, neg := strings.CutPrefix(s[:len(s)-1], "-")
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 || n > 100000 || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, false
	}
	if neg {
		n = -n
	}
	return time.Duration(n) * unit, true
}
