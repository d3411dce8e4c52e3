package bizhours

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the same zone data on every machine
)

// cal builds a calendar from a compact notation: "mon-fri 09:00-17:00;
// sat 10:00-14:00; fri 22:00-06:00+" (a trailing + ends the next day;
// "all" is every day), and holidays written "2026-12-24..2026-12-26 yearly
// Christmas" or "2026-05-01 Labour day".
func cal(t testing.TB, zone, intervals string, holidays ...string) *Calendar {
	t.Helper()
	s := Spec{TimeZone: zone}
	for _, part := range strings.Split(intervals, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		days, hours, _ := strings.Cut(part, " ")
		start, end, _ := strings.Cut(hours, "-")
		next := strings.HasSuffix(end, "+")
		end = strings.TrimSuffix(end, "+")
		for _, d := range expandDays(t, days) {
			s.Intervals = append(s.Intervals, IntervalSpec{Day: d, Start: start, End: end, NextDay: next})
		}
	}
	for _, h := range holidays {
		fields := strings.Fields(h)
		from, to, _ := strings.Cut(fields[0], "..")
		hs := HolidaySpec{Start: from, End: to, Name: "Holiday"}
		rest := fields[1:]
		if len(rest) > 0 && rest[0] == "yearly" {
			hs.Yearly, rest = true, rest[1:]
		}
		if len(rest) > 0 {
			hs.Name = strings.Join(rest, " ")
		}
		s.Holidays = append(s.Holidays, hs)
	}
	c, err := s.Calendar()
	if err != nil {
		t.Fatalf("calendar %q: %v", intervals, err)
	}
	return c
}

var shortDays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func expandDays(t testing.TB, spec string) []string {
	t.Helper()
	if spec == "all" {
		spec = "mon-sun"
	}
	index := func(s string) int {
		for i, d := range shortDays {
			if d == s {
				return i
			}
		}
		t.Fatalf("no day %q", s)
		return 0
	}
	var out []string
	for _, p := range strings.Split(spec, ",") {
		from, to, isRange := strings.Cut(p, "-")
		if !isRange {
			out = append(out, dayNames[index(from)])
			continue
		}
		for i := index(from); ; i = (i + 1) % 7 {
			out = append(out, dayNames[i])
			if i == index(to) {
				break
			}
		}
	}
	return out
}

// at reads "2026-03-02 10:00" in the calendar's zone, or an RFC 3339 time
// with its offset (for the hours clocks show twice).
func at(t testing.TB, c *Calendar, s string) time.Time {
	t.Helper()
	var v time.Time
	var err error
	if strings.Contains(s, "T") {
		v, err = time.Parse(time.RFC3339, s)
	} else {
		v, err = time.ParseInLocation("2006-01-02 15:04", s, c.Location())
	}
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return v
}
