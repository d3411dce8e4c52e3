package bizhours

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docket/docket/internal/fault"
)

// MaxICSEvents bounds the events an iCalendar import may hold.
const MaxICSEvents = MaxHolidays

// SyntaxError is an iCalendar file that cannot be read at all.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string {
	if e.Line == 0 {
		return "bizhours: iCalendar: " + e.Msg
	}
	return fmt.Sprintf("bizhours: iCalendar line %d: %s", e.Line, e.Msg)
}

// Detail is the message for the person who sent the file.
func (e *SyntaxError) Detail() string {
	if e.Line == 0 {
		return "The file is not an iCalendar file: " + e.Msg + "."
	}
	return fmt.Sprintf("The file is not a valid iCalendar file: line %d: %s.", e.Line, e.Msg)
}

// contentLine is one unfolded iCalendar line: NAME;PARAMS:VALUE.
type contentLine struct {
	line   int
	name   string
	params string
	value  string
}

// ParseICS reads the holidays of an iCalendar file (RFC 5545): each VEVENT
// is a holiday from its DTSTART date to the day before its DTEND date (or
// for its DURATION in days or weeks; one day without either), named by its
// SUMMARY, yearly with RRULE:FREQ=YEARLY. A date-time stands for its date.
// Cancelled events are left out. A file that cannot be read is a
// *SyntaxError; events Docket cannot represent (other recurrences) are a
// *fault.Invalid naming events[i] and the property.
func ParseICS(data []byte) ([]Holiday, error) {
	if !utf8.Valid(data) {
		return nil, &SyntaxError{Msg: "it is not UTF-8 text"}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	lines, err := unfold(string(data))
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 || !strings.EqualFold(lines[0].name, "BEGIN") || !strings.EqualFold(lines[0].value, "VCALENDAR") {
		return nil, &SyntaxError{Msg: "it does not begin with BEGIN:VCALENDAR"}
	}
	var stack []string
	var out []Holiday
	var ev *icsEvent
	inv := &fault.Invalid{}
	events := 0
	for _, l := range lines {
		switch strings.ToUpper(l.name) {
		case "BEGIN":
			comp := strings.ToUpper(l.value)
			if len(stack) == 0 && comp != "VCALENDAR" || len(stack) > 0 && comp == "VCALENDAR" || len(stack) > 8 {
				return nil, &SyntaxError{l.line, "BEGIN:" + l.value + " is out of place"}
			}
			stack = append(stack, comp)
			if comp == "VEVENT" && len(stack) == 2 {
				if events++; events > MaxICSEvents {
					return nil, &SyntaxError{Msg: fmt.Sprintf("it holds more than %d events", MaxICSEvents)}
				}
				ev = &icsEvent{index: events - 1, line: l.line}
			}
			continue
		case "END":
			if len(stack) == 0 || !strings.EqualFold(stack[len(stack)-1], l.value) {
				return nil, &SyntaxError{l.line, "END:" + l.value + " does not close the open component"}
			}
			stack = stack[:len(stack)-1]
			if ev != nil && len(stack) == 1 {
				if h, ok := ev.holiday(inv); ok {
					out = append(out, h)
				}
				ev = nil
			}
			continue
		}
		if len(stack) == 0 {
			return nil, &SyntaxError{l.line, "content after END:VCALENDAR"}
		}
		if ev != nil && len(stack) == 2 {
			ev.set(l)
		}
	}
	if len(stack) != 0 {
		return nil, &SyntaxError{Msg: "it ends without END:VCALENDAR"}
	}
	if err := inv.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// unfold splits the text into content lines, joining folded ones (a line
// that begins with a space or tab continues the one before).
func unfold(text string) ([]contentLine, error) {
	var out []contentLine
	raw := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var cur strings.Builder
	start := 0
	flush := func() error {
		s := cur.String()
		cur.Reset()
		if strings.TrimSpace(s) == "" {
			return nil
		}
		head, value, ok := strings.Cut(s, ":")
		if !ok {
			return &SyntaxError{start, "a content line needs a colon between its name and value"}
		}
		name, params, _ := strings.Cut(head, ";")
		if name == "" || strings.ContainsAny(name, " \t\"") {
			return &SyntaxError{start, fmt.Sprintf("%q is not a property name", name)}
		}
		out = append(out, contentLine{line: start, name: name, params: params, value: value})
		return nil
	}
	for i, r := range raw {
		if len(r) > 0 && (r[0] == ' ' || r[0] == '\t') && cur.Len() > 0 {
			cur.WriteString(r[1:])
			continue
		}
		if err := flush(); err != nil {
			return nil, err
		}
		cur.WriteString(r)
		start = i + 1
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// icsEvent collects one VEVENT's properties.
type icsEvent struct {
	index, line                   int
	summary, start, end, duration string
	startLine, endLine, rruleLine int
	rrule, status                 string
	hasStart, hasEnd, hasDuration bool
}

func (e *icsEvent) set(l contentLine) {
	switch strings.ToUpper(l.name) {
	case "SUMMARY":
		e.summary = unescapeText(l.value)
	case "DTSTART":
		e.start, e.startLine, e.hasStart = l.value, l.line, true
	case "DTEND":
		e.end, e.endLine, e.hasEnd = l.value, l.line, true
	case "DURATION":
		e.duration, e.hasDuration = l.value, true
	case "RRULE":
		e.rrule, e.rruleLine = l.value, l.line
	case "STATUS":
		e.status = strings.ToUpper(strings.TrimSpace(l.value))
	}
}

func (e *icsEvent) field(name string) string { return fmt.Sprintf("events[%d].%s", e.index, name) }

// holiday turns the event into a holiday, adding its problems to inv.
func (e *icsEvent) holiday(inv *fault.Invalid) (Holiday, bool) {
	if e.status == "CANCELLED" {
		return Holiday{}, false
	}
	name := strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, e.summary))
	if r := []rune(name); len(r) > MaxNameRunes {
		name = strings.TrimSpace(string(r[:MaxNameRunes]))
	}
	if name == "" {
		name = "Holiday"
	}
	h := Holiday{Name: name}
	ok := true
	if !e.hasStart {
		inv.Add(e.field("dtstart"), "is missing (line %d begins the event)", e.line)
		return h, false
	}
	start, _, good := icsDate(e.start)
	if !good || !validDate(start) {
		inv.Add(e.field("dtstart"), "line %d: must be a date (YYYYMMDD) from %d to %d", e.startLine, minYear, maxYear)
		return h, false
	}
	h.Start, h.End = start, start
	switch {
	case e.hasEnd:
		end, endIsDate, good := icsDate(e.end)
		if !good {
			inv.Add(e.field("dtend"), "line %d: must be a date (YYYYMMDD)", e.endLine)
			ok = false
			break
		}
		// A date DTEND is exclusive; so is a date-time at midnight.
		if endIsDate || strings.HasSuffix(strings.TrimSuffix(strings.ToUpper(e.end), "Z"), "T000000") {
			if end.days() > start.days() {
				end = dateOfDays(end.days() - 1)
			}
		}
		if end.days() < start.days() {
			inv.Add(e.field("dtend"), "line %d: is before DTSTART", e.endLine)
			ok = false
		}
		h.End = end
	case e.hasDuration:
		n, good := icsDays(e.duration)
		if !good {
			inv.Add(e.field("duration"), "must be whole days or weeks, such as P1D or P2W")
			ok = false
			break
		}
		if n > 1 {
			h.End = dateOfDays(start.days() + int64(n) - 1)
		}
	}
	if ok && !validDate(h.End) {
		inv.Add(e.field("dtend"), "must be a date from %d to %d", minYear, maxYear)
		ok = false
	}
	if e.rrule != "" {
		if msg := yearlyRule(e.rrule, start); msg != "" {
			inv.Add(e.field("rrule"), "line %d: %s", e.rruleLine, msg)
			ok = false
		}
		h.Yearly = true
		if ok && h.End.days()-h.Start.days() >= 364 {
			inv.Add(e.field("dtend"), "must make a yearly holiday shorter than 364 days")
			ok = false
		}
	}
	return h, ok
}

// icsDate reads a DATE (20261224) or the date of a DATE-TIME
// (20261224T090000Z).
func icsDate(v string) (Date, bool, bool) {
	v = strings.TrimSpace(v)
	isDate := len(v) == 8
	if !isDate && (len(v) < 15 || v[8] != 'T') {
		return Date{}, false, false
	}
	t, err := time.Parse("20060102", v[:8])
	if err != nil {
		return Date{}, false, false
	}
	y, m, d := t.Date()
	return Date{y, m, d}, isDate, true
}

// icsDays reads a DURATION of whole days or weeks: P1D, P2W.
func icsDays(v string) (int, bool) {
	v = strings.ToUpper(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), "+")))
	if len(v) < 3 || v[0] != 'P' {
		return 0, false
	}
	n, err := strconv.Atoi(v[1 : len(v)-1])
	if err != nil || n < 1 || n > 366 {
		return 0, false
	}
	switch v[len(v)-1] {
	case 'D':
		return n, true
	case 'W':
		return n * 7, n <= 52
	}
	return 0, false
}

// yearlyRule returns why a recurrence rule is not "every year on the same
// date", or "".
func yearlyRule(rule string, start Date) string {
	const only = "only yearly recurrence on the same date (RRULE:FREQ=YEARLY) is supported"
	freq := ""
	for _, part := range strings.Split(strings.ToUpper(strings.TrimSpace(rule)), ";") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "FREQ":
			freq = v
		case "INTERVAL":
			if v != "1" {
				return only
			}
		case "BYMONTH":
			if v != strconv.Itoa(int(start.Month)) {
				return only
			}
		case "BYMONTHDAY":
			if v != strconv.Itoa(start.Day) {
				return only
			}
		case "WKST":
		default:
			return only
		}
	}
	if freq != "YEARLY" {
		return only
	}
	return ""
}

// unescapeText undoes iCalendar TEXT escapes.
func unescapeText(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n', 'N':
			b.WriteByte(' ')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
