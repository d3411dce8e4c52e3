package bizhours

import (
	"errors"
	"strings"
	"testing"

	"github.com/docket/docket/internal/fault"
)

// ics wraps events in a calendar with CRLF line ends.
func ics(body string) []byte {
	s := "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Test//EN\n" + strings.TrimSpace(body) + "\nEND:VCALENDAR\n"
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

func TestParseICS(t *testing.T) {
	t.Parallel()
	data := ics(`
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:STANDARD
DTSTART:19701025T030000
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:1@test
DTSTART;VALUE=DATE:20261225
DTEND;VALUE=DATE:20261227
SUMMARY:Christmas\, both days
RRULE:FREQ=YEARLY;INTERVAL=1;BYMONTH=12
BEGIN:VALARM
TRIGGER:-PT15M
SUMMARY:not a holiday name
END:VALARM
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20260501
SUMMARY:Labour
  Day
END:VEVENT
BEGIN:VEVENT
DTSTART:20261003T000000Z
DTEND:20261004T000000Z
SUMMARY:Unity Day
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20260803
DURATION:P2W
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20260601
STATUS:CANCELLED
SUMMARY:Called off
END:VEVENT`)
	hs, err := ParseICS(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []Holiday{
		{Name: "Christmas, both days", Start: Date{2026, 12, 25}, End: Date{2026, 12, 26}, Yearly: true},
		{Name: "Labour Day", Start: Date{2026, 5, 1}, End: Date{2026, 5, 1}},
		{Name: "Unity Day", Start: Date{2026, 10, 3}, End: Date{2026, 10, 3}},
		{Name: "Holiday", Start: Date{2026, 8, 3}, End: Date{2026, 8, 16}},
	}
	if len(hs) != len(want) {
		t.Fatalf("got %d holidays %+v, want %d", len(hs), hs, len(want))
	}
	for i := range want {
		if hs[i] != want[i] {
			t.Errorf("holiday %d = %+v, want %+v", i, hs[i], want[i])
		}
	}
}

func TestParseICSRefusals(t *testing.T) {
	t.Parallel()
	event := func(props string) []byte { return ics("BEGIN:VEVENT\n" + strings.TrimSpace(props) + "\nEND:VEVENT") }
	syntax := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"not iCalendar", []byte("Subject: hello\r\n\r\nbody")},
		{"not UTF-8", []byte("BEGIN:VCALENDAR\r\nSUMMARY:\xff\r\nEND:VCALENDAR\r\n")},
		{"no END:VCALENDAR", []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\n")},
		{"a line without a colon", ics("BEGIN:VEVENT\nDTSTART 20260101\nEND:VEVENT")},
		{"mismatched END", ics("BEGIN:VEVENT\nEND:VTODO")},
		{"content after the calendar", append(ics(""), []byte("SUMMARY:late\r\n")...)},
		{"a nested calendar", ics("BEGIN:VCALENDAR\nEND:VCALENDAR")},
	}
	for _, tc := range syntax {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseICS(tc.data)
			var se *SyntaxError
			if !errors.As(err, &se) || se.Detail() == "" {
				t.Fatalf("got %v, want a syntax error", err)
			}
		})
	}
	invalid := []struct {
		name  string
		data  []byte
		field string
	}{
		{"no DTSTART", event("SUMMARY:x"), "events[0].dtstart"},
		{"a DTSTART that is no date", event("DTSTART:tomorrow"), "events[0].dtstart"},
		{"a month 13", event("DTSTART;VALUE=DATE:20261301"), "events[0].dtstart"},
		{"DTEND before DTSTART", event("DTSTART;VALUE=DATE:20261225\nDTEND;VALUE=DATE:20261220"), "events[0].dtend"},
		{"a weekly rule", event("DTSTART;VALUE=DATE:20261225\nRRULE:FREQ=WEEKLY"), "events[0].rrule"},
		{"a rule on a weekday", event("DTSTART;VALUE=DATE:20261126\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH"), "events[0].rrule"},
		{"a rule every other year", event("DTSTART;VALUE=DATE:20261225\nRRULE:FREQ=YEARLY;INTERVAL=2"), "events[0].rrule"},
		{"a duration in hours", event("DTSTART;VALUE=DATE:20261225\nDURATION:PT8H"), "events[0].duration"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseICS(tc.data)
			var inv *fault.Invalid
			if !errors.As(err, &inv) || inv.Fields[0].Field != tc.field {
				t.Fatalf("got %v, want a field error on %s", err, tc.field)
			}
		})
	}
	t.Run("too many events", func(t *testing.T) {
		var b strings.Builder
		for i := 0; i <= MaxICSEvents; i++ {
			b.WriteString("BEGIN:VEVENT\nDTSTART;VALUE=DATE:20260101\nEND:VEVENT\n")
		}
		var se *SyntaxError
		if _, err := ParseICS(ics(b.String())); !errors.As(err, &se) {
			t.Fatalf("got %v, want a syntax error", err)
		}
	})
}

func FuzzParseICS(f *testing.F) {
	f.Add(ics("BEGIN:VEVENT\nDTSTART;VALUE=DATE:20261225\nDTEND;VALUE=DATE:20261227\nSUMMARY:Christmas\nRRULE:FREQ=YEARLY\nEND:VEVENT"))
	f.Add(ics("BEGIN:VEVENT\nDTSTART:20261003T000000Z\nDURATION:P1W\nSUMMARY:a\\, b\n  c\nEND:VEVENT"))
	f.Add([]byte("BEGIN:VCALENDAR\nEND:VCALENDAR"))
	f.Fuzz(func(t *testing.T, data []byte) {
		hs, err := ParseICS(data)
		if err != nil {
			return
		}
		// Whatever it accepts makes a valid calendar.
		spec := Spec{TimeZone: "UTC", Intervals: []IntervalSpec{{Day: "monday", Start: "09:00", End: "17:00"}}}
		for _, h := range hs {
			spec.Holidays = append(spec.Holidays, h.Spec())
		}
		if _, err := spec.Calendar(); err != nil {
			t.Fatalf("accepted holidays %+v make an invalid calendar: %v", hs, err)
		}
	})
}
