// Package bizhours is business-time arithmetic: a Calendar of working
// hours in one IANA time zone, with holidays, and three questions asked of
// it — which instant is N business minutes after another (Add), how many
// business minutes lie between two instants (Between), and when work next
// happens (Next). It is pure: no database, no clock, no goroutines.
//
// # Working intervals
//
// A week has working intervals per weekday, several a day, written as wall
// clock times of the calendar's zone ("09:00"–"17:00"). An interval ends on
// the day it starts (End after Start, up to 24:00 = the next midnight) or,
// when NextDay is set, at End on the following day: a night shift is
// Friday 22:00–06:00 with NextDay. NextDay with End equal to Start is a
// whole 24 hours. A week's intervals may not overlap, across midnight and
// from Sunday into Monday included; they may touch (24×7 is 00:00–24:00 on
// every day).
//
// # Daylight saving time
//
// An interval runs from the instant the zone's clocks show its start to
// the instant they show its end, so its real length is its wall-clock
// length except when it contains a clock change: 09:00–17:00 is 8 hours on
// every day in Europe/Berlin and America/New_York, including the days the
// clocks change at night, while 00:00–06:00 lasts 5 hours on the day the
// clocks go forward and 7 hours on the day they go back. A wall time the
// clocks show twice means its first occurrence; a wall time they skip
// means the instant of the jump (the end of the gap), so an interval lying
// wholly inside the gap has no length.
//
// # Holidays
//
// A holiday is a date or an inclusive range of dates, once or every year
// (from its first year on; a yearly 29 February happens in leap years
// only). A holiday cancels the intervals that start on its dates, wholly:
// a night shift belongs to the day it starts, so a shift begun the evening
// before a holiday runs to its end, and one that starts on the holiday
// does not happen.
//
// # Results
//
// Add(t, n) is the earliest instant by which n business minutes have passed
// since t: a target that lands exactly on an interval's end is that end
// instant (17:00), not the next morning. Add(t, 0) is t. Between counts
// whole business minutes and is negative when b is before a. The
// arithmetic walks the intervals day by day and skips whole weeks that
// hold no holiday and no clock change, so adding 10,000 minutes costs
// microseconds. A calendar without any working time for five years in a
// row answers ErrNoWorkingTime instead of searching forever.
package bizhours

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/docket/docket/internal/fault"
)

// ErrNoWorkingTime is the answer of a calendar that has no working time
// within the search bound (five years from the instant asked about).
var ErrNoWorkingTime = errors.New("bizhours: the calendar has no working time")

// ErrNegative is the answer of Add to a negative number of minutes.
var ErrNegative = errors.New("bizhours: cannot add a negative number of minutes")

// ErrTooFar is the answer of Add to more than MaxMinutes.
var ErrTooFar = errors.New("bizhours: too many minutes to add")

// MaxMinutes bounds Add: about 19 years of round-the-clock work.
const MaxMinutes = 10_000_000

// Limits of a calendar's size.
const (
	MaxIntervals = 100
	MaxHolidays  = 1000
	MaxNameRunes = 200
)

// minutesPerDay is the length of a wall-clock day.
const minutesPerDay = 24 * 60

// Interval is one weekly working interval in wall-clock minutes after
// midnight: Start from 0 to 1439; End from 1 to 1440 after Start on the
// same day, or, with NextDay, from 0 to Start on the following day.
type Interval struct {
	Day     time.Weekday
	Start   int
	End     int
	NextDay bool
}

// length is the interval's wall-clock length in minutes.
func (iv Interval) length() int {
	if iv.NextDay {
		return iv.End - iv.Start + minutesPerDay
	}
	return iv.End - iv.Start
}

// Date is a civil date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// days is the date as days since 1970-01-01.
func (d Date) days() int64 {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func dateOfDays(n int64) Date {
	y, m, d := time.Unix(n*86400, 0).UTC().Date()
	return Date{y, m, d}
}

// String is the ISO form, 2026-12-24.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Holiday is a day or an inclusive range of days without work.
type Holiday struct {
	Name   string
	Start  Date
	End    Date
	Yearly bool
}

// span is one interval of a weekday as minutes from that day's midnight;
// end may pass 1440 (the next day).
type span struct{ start, end int }

// Calendar is a validated set of working hours. It is immutable and safe
// for concurrent use.
type Calendar struct {
	loc       *time.Location
	zone      string
	days      [7][]span
	intervals []Interval
	holidays  []holiday
	weekly    time.Duration
}

// holiday is a Holiday with its dates as day numbers.
type holiday struct {
	Holiday
	start, end int64 // days since 1970-01-01, inclusive
}

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Zone is the IANA name of the calendar's time zone.
func (c *Calendar) Zone() string { return c.zone }

// Intervals are the working intervals, by weekday (Monday first) and start.
func (c *Calendar) Intervals() []Interval { return append([]Interval(nil), c.intervals...) }

// Holidays are the holidays, by start date.
func (c *Calendar) Holidays() []Holiday {
	out := make([]Holiday, len(c.holidays))
	for i, h := range c.holidays {
		out[i] = h.Holiday
	}
	return out
}

// WeeklyMinutes is the wall-clock working time of a week without holidays.
func (c *Calendar) WeeklyMinutes() int { return int(c.weekly / time.Minute) }

// LoadZone loads an IANA time zone by name, refusing the machine-dependent
// "Local" and the empty name.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" || len(name) > 64 || strings.Contains(name, "..") {
		return nil, fmt.Errorf("bizhours: unknown time zone %q", name)
	}
	return time.LoadLocation(name)
}

// New validates and builds a calendar. Its errors are *fault.Invalid
// naming the fields as the API does: time_zone, intervals[i].start…,
// holidays[i].end….
func New(zone string, intervals []Interval, holidays []Holiday) (*Calendar, error) {
	inv := &fault.Invalid{}
	ivs := make([]indexed[Interval], len(intervals))
	for i, iv := range intervals {
		ivs[i] = indexed[Interval]{i, iv}
	}
	hs := make([]indexed[Holiday], len(holidays))
	for i, h := range holidays {
		hs[i] = indexed[Holiday]{i, h}
	}
	c := build(inv, zone, len(intervals), ivs, len(holidays), hs)
	if err := inv.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// indexed is an input with its place in the caller's list, for messages.
type indexed[T any] struct {
	i int
	v T
}

// build checks and assembles a calendar, adding every problem to inv.
// nIntervals and nHolidays count the inputs, including those already
// refused by a parser.
func build(inv *fault.Invalid, zone string, nIntervals int, ivs []indexed[Interval], nHolidays int, hs []indexed[Holiday]) *Calendar {
	c := &Calendar{zone: zone}
	loc, err := LoadZone(zone)
	switch {
	case zone == "":
		inv.Add("time_zone", "is required: an IANA time zone such as Europe/Berlin")
	case err != nil:
		inv.Add("time_zone", "is not a known IANA time zone (such as Europe/Berlin or America/New_York)")
	default:
		c.loc = loc
	}
	checkIntervals(inv, nIntervals, ivs)
	checkHolidays(inv, nHolidays, hs)
	for _, x := range ivs {
		c.intervals = append(c.intervals, x.v)
	}
	sort.SliceStable(c.intervals, func(i, j int) bool {
		a, b := c.intervals[i], c.intervals[j]
		if da, db := (a.Day+6)%7, (b.Day+6)%7; da != db {
			return da < db
		}
		return a.Start < b.Start
	})
	for _, iv := range c.intervals {
		c.days[iv.Day] = append(c.days[iv.Day], span{iv.Start, iv.Start + iv.length()})
		c.weekly += time.Duration(iv.length()) * time.Minute
	}
	for _, x := range hs {
		c.holidays = append(c.holidays, holiday{Holiday: x.v, start: x.v.Start.days(), end: x.v.End.days()})
	}
	sort.SliceStable(c.holidays, func(i, j int) bool { return c.holidays[i].start < c.holidays[j].start })
	return c
}

func intervalField(i int, name string) string { return fmt.Sprintf("intervals[%d]%s", i, name) }

// checkIntervals refuses intervals out of range, empty, and overlapping
// another within the week.
func checkIntervals(inv *fault.Invalid, n int, ivs []indexed[Interval]) {
	if n == 0 {
		inv.Add("intervals", "needs at least one working interval (round the clock is 00:00–24:00 on every day)")
		return
	}
	if n > MaxIntervals {
		inv.Add("intervals", "may hold at most %d intervals", MaxIntervals)
		return
	}
	type weekRange struct {
		from, to int // minutes of the week from Monday 00:00; to may pass the week's end
		idx      int
		iv       Interval
	}
	var ranges []weekRange
	for _, x := range ivs {
		iv := x.v
		ok := true
		if iv.Day < time.Sunday || iv.Day > time.Saturday {
			inv.Add(intervalField(x.i, ".day"), "must be a weekday, monday to sunday")
			ok = false
		}
		if iv.Start < 0 || iv.Start >= minutesPerDay {
			inv.Add(intervalField(x.i, ".start"), "must be a time from 00:00 to 23:59")
			ok = false
		}
		switch {
		case iv.End < 0 || iv.End > minutesPerDay:
			inv.Add(intervalField(x.i, ".end"), "must be a time from 00:00 to 24:00")
			ok = false
		case iv.NextDay && iv.End > iv.Start && ok:
			inv.Add(intervalField(x.i, ".end"), "must not be after the start when the interval ends the next day (that would be more than 24 hours)")
			ok = false
		case !iv.NextDay && iv.End <= iv.Start && ok:
			inv.Add(intervalField(x.i, ".end"), "must be after the start (for an interval past midnight, mark it as ending the next day)")
			ok = false
		}
		if ok {
			from := int((iv.Day+6)%7)*minutesPerDay + iv.Start
			ranges = append(ranges, weekRange{from, from + iv.length(), x.i, iv})
		}
	}
	const week = 7 * minutesPerDay
	sort.Slice(ranges, func(i, j int) bool { return ranges[i].from < ranges[j].from })
	reported := map[int]bool{}
	overlap := func(a, b weekRange) {
		later := a
		other := b
		if b.idx > a.idx {
			later, other = b, a
		}
		if reported[later.idx] {
			return
		}
		reported[later.idx] = true
		inv.Add(intervalField(later.idx, ""), "overlaps %s (intervals[%d])", other.iv, other.idx)
	}
	for i := range ranges {
		for j := i + 1; j < len(ranges) && ranges[j].from < ranges[i].to; j++ {
			overlap(ranges[i], ranges[j])
		}
	}
	// An interval running past the week's end (Sunday night into Monday)
	// may overlap the week's first intervals.
	for _, r := range ranges {
		if r.to <= week {
			continue
		}
		for _, o := range ranges {
			if o.idx != r.idx && o.from < r.to-week {
				overlap(r, o)
			}
		}
	}
}

// String writes the interval as people read it: "monday 22:00–06:00 (next day)".
func (iv Interval) String() string { return iv.Spec().String() }

func holidayField(i int, name string) string { return fmt.Sprintf("holidays[%d]%s", i, name) }

// checkHolidays refuses holidays with bad names or dates.
func checkHolidays(inv *fault.Invalid, n int, hs []indexed[Holiday]) {
	if n > MaxHolidays {
		inv.Add("holidays", "may hold at most %d holidays", MaxHolidays)
		return
	}
	for _, x := range hs {
		h := x.v
		if msg := CheckName(h.Name); msg != "" {
			inv.Add(holidayField(x.i, ".name"), "%s", msg)
		}
		startOK := validDate(h.Start)
		if !startOK {
			inv.Add(holidayField(x.i, ".start"), "must be a date from %d to %d", minYear, maxYear)
		}
		switch {
		case h.End == h.Start && !startOK:
		case !validDate(h.End):
			inv.Add(holidayField(x.i, ".end"), "must be a date from %d to %d", minYear, maxYear)
		case startOK && h.End.days() < h.Start.days():
			inv.Add(holidayField(x.i, ".end"), "must not be before the start")
		case startOK && h.Yearly && h.End.days()-h.Start.days() >= 364:
			inv.Add(holidayField(x.i, ".end"), "must make a yearly holiday shorter than 364 days")
		}
	}
}

// The years a holiday may name.
const (
	minYear = 1970
	maxYear = 2200
)

func validDate(d Date) bool {
	if d.Year < minYear || d.Year > maxYear {
		return false
	}
	y, m, dd := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Date()
	return y == d.Year && m == d.Month && dd == d.Day
}

// CheckName returns why a holiday or calendar name is refused, or "":
// names are required, at most MaxNameRunes long, without control
// characters.
func CheckName(name string) string {
	if strings.TrimSpace(name) == "" {
		return "is required"
	}
	if len([]rune(name)) > MaxNameRunes {
		return fmt.Sprintf("must be at most %d characters", MaxNameRunes)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return "must not hold control characters"
		}
	}
	return ""
}
