package bizhours

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/fault"
)

// Spec is a calendar as people write it, in the API and in forms: day
// names, "HH:MM" clock times and ISO dates.
type Spec struct {
	TimeZone  string         `json:"time_zone"`
	Intervals []IntervalSpec `json:"intervals"`
	Holidays  []HolidaySpec  `json:"holidays"`
}

// IntervalSpec is an Interval in words: Day "monday"…"sunday", Start
// "09:00", End "17:00" (up to "24:00"), or with NextDay an End on the
// following day ("22:00" to "06:00").
type IntervalSpec struct {
	Day     string `json:"day"`
	Start   string `json:"start"`
	End     string `json:"end"`
	NextDay bool   `json:"next_day"`
}

// HolidaySpec is a Holiday in words: Start and End as "2026-12-24" (End
// empty: the Start day alone).
type HolidaySpec struct {
	Name   string `json:"name"`
	Start  string `json:"start"`
	End    string `json:"end"`
	Yearly bool   `json:"yearly"`
}

var dayNames = [7]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// Weekdays lists the days Monday first, as calendars show them.
var Weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// DayName is the lower-case English name of a weekday, as the API writes it.
func DayName(d time.Weekday) string {
	if d < time.Sunday || d > time.Saturday {
		return "?"
	}
	return dayNames[d]
}

// ParseDay reads a weekday's name, in any case.
func ParseDay(s string) (time.Weekday, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for i, n := range dayNames {
		if s == n {
			return time.Weekday(i), true
		}
	}
	return 0, false
}

// FormatClock writes minutes after midnight as "HH:MM" ("24:00" for 1440).
func FormatClock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// ParseClock reads "H:MM" or "HH:MM", 00:00 to 24:00, as minutes after
// midnight.
func ParseClock(s string) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 || !digits(h) || !digits(m) {
		return 0, false
	}
	hh, _ := strconv.Atoi(h)
	mm, _ := strconv.Atoi(m)
	if mm > 59 || hh > 24 || hh == 24 && mm != 0 {
		return 0, false
	}
	return hh*60 + mm, true
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ParseDate reads an ISO date, 2026-12-24.
func ParseDate(s string) (Date, bool) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		return Date{}, false
	}
	y, m, d := t.Date()
	return Date{y, m, d}, true
}

// Calendar validates the spec and builds its calendar. Errors are
// *fault.Invalid naming each field at fault.
func (s Spec) Calendar() (*Calendar, error) {
	inv := &fault.Invalid{}
	var ivs []indexed[Interval]
	for i, x := range s.Intervals {
		iv, ok := x.parse(inv, i)
		if ok {
			ivs = append(ivs, indexed[Interval]{i, iv})
		}
	}
	var hs []indexed[Holiday]
	for i, x := range s.Holidays {
		h, ok := x.parse(inv, i)
		if ok {
			hs = append(hs, indexed[Holiday]{i, h})
		}
	}
	c := build(inv, strings.TrimSpace(s.TimeZone), len(s.Intervals), ivs, len(s.Holidays), hs)
	if err := inv.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

func (x IntervalSpec) parse(inv *fault.Invalid, i int) (Interval, bool) {
	iv := Interval{NextDay: x.NextDay}
	ok := true
	var good bool
	if iv.Day, good = ParseDay(x.Day); !good {
		inv.Add(intervalField(i, ".day"), "must be a weekday, monday to sunday")
		ok = false
	}
	if iv.Start, good = ParseClock(x.Start); !good || iv.Start == minutesPerDay {
		inv.Add(intervalField(i, ".start"), "must be a time from 00:00 to 23:59, written HH:MM")
		ok = false
	}
	if iv.End, good = ParseClock(x.End); !good {
		inv.Add(intervalField(i, ".end"), "must be a time from 00:00 to 24:00, written HH:MM")
		ok = false
	}
	return iv, ok
}

func (x HolidaySpec) parse(inv *fault.Invalid, i int) (Holiday, bool) {
	h := Holiday{Name: strings.TrimSpace(x.Name), Yearly: x.Yearly}
	ok := true
	var good bool
	if h.Start, good = ParseDate(x.Start); !good {
		inv.Add(holidayField(i, ".start"), "must be a date, written YYYY-MM-DD")
		ok = false
	}
	h.End = h.Start
	if strings.TrimSpace(x.End) != "" {
		if h.End, good = ParseDate(x.End); !good {
			inv.Add(holidayField(i, ".end"), "must be a date, written YYYY-MM-DD")
			ok = false
		}
	}
	if !ok {
		// The name is still checked, so every problem shows at once.
		if msg := CheckName(h.Name); msg != "" {
			inv.Add(holidayField(i, ".name"), "%s", msg)
		}
	}
	return h, ok
}

// Spec is the calendar in words, as it is stored and shown: intervals by
// weekday from Monday, holidays by date.
func (c *Calendar) Spec() Spec {
	s := Spec{TimeZone: c.zone, Intervals: []IntervalSpec{}, Holidays: []HolidaySpec{}}
	for _, iv := range c.intervals {
		s.Intervals = append(s.Intervals, iv.Spec())
	}
	for _, h := range c.holidays {
		s.Holidays = append(s.Holidays, h.Spec())
	}
	return s
}

// Spec is the interval in words.
func (iv Interval) Spec() IntervalSpec {
	return IntervalSpec{Day: DayName(iv.Day), Start: FormatClock(iv.Start), End: FormatClock(iv.End), NextDay: iv.NextDay}
}

// Spec is the holiday in words.
func (h Holiday) Spec() HolidaySpec {
	return HolidaySpec{Name: h.Name, Start: h.Start.String(), End: h.End.String(), Yearly: h.Yearly}
}

// String writes the interval as people read it: "monday 22:00–06:00 (next day)".
func (x IntervalSpec) String() string {
	s := x.Day + " " + x.Start + "–" + x.End
	if x.NextDay {
		s += " (next day)"
	}
	return s
}

// String writes the holiday as people read it: "2026-12-24..2026-12-26
// yearly Christmas".
func (h HolidaySpec) String() string {
	s := h.Start
	if h.End != "" && h.End != h.Start {
		s += ".." + h.End
	}
	if h.Yearly {
		s += " yearly"
	}
	return s + " " + h.Name
}
