package bizhours

import (
	"time"
)

// maxIdleDays bounds the search for working time: five years and a week.
const maxIdleDays = 5*366 + 7

// occurrence is one interval on one date, as instants.
type occurrence struct{ start, end time.Time }

// walker visits the occurrences of a calendar's intervals date by date.
type walker struct {
	c   *Calendar
	day int64 // the date being visited, days since 1970-01-01
}

// newWalker starts at the date before t's local date, whose intervals may
// run past midnight into t's date.
func (c *Calendar) newWalker(t time.Time) walker {
	y, m, d := t.In(c.loc).Date()
	return walker{c: c, day: Date{y, m, d}.days() - 1}
}

// occurrences returns the intervals starting on the walker's date, in
// order; none on a holiday.
func (w *walker) occurrences(buf []occurrence) []occurrence {
	buf = buf[:0]
	spans := w.c.days[weekdayOf(w.day)]
	if len(spans) == 0 || w.c.isHoliday(w.day) {
		return buf
	}
	d := dateOfDays(w.day)
	for _, s := range spans {
		buf = append(buf, occurrence{w.c.wall(d, s.start), w.c.wall(d, s.end)})
	}
	return buf
}

// weekdayOf is the weekday of a day number (1970-01-01 was a Thursday).
func weekdayOf(day int64) time.Weekday {
	return time.Weekday(((day+4)%7 + 7) % 7)
}

// midnight is the instant the calendar's clocks show 00:00 on the date.
func (c *Calendar) midnight(day int64) time.Time {
	return c.wall(dateOfDays(day), 0)
}

// canSkipWeek reports whether the seven dates from day on hold exactly the
// calendar's weekly working time: no holiday and no clock change between
// that day's midnight and the end of the last interval that starts in it.
func (c *Calendar) canSkipWeek(day int64) (time.Time, bool) {
	for d := day; d < day+7; d++ {
		if c.isHoliday(d) {
			return time.Time{}, false
		}
	}
	from := c.midnight(day)
	until := c.midnight(day + 8)
	if _, end := from.ZoneBounds(); !end.IsZero() && end.Before(until) {
		return time.Time{}, false
	}
	return c.midnight(day + 7), true
}

// wall is the instant the calendar's clocks show minute (which may pass
// 1440: the next days) on date d. A wall time shown twice is its first
// occurrence; one skipped by a clock change is the instant of the jump.
func (c *Calendar) wall(d Date, minute int) time.Time {
	t := time.Date(d.Year, d.Month, d.Day, 0, minute, 0, 0, c.loc)
	if c.loc == time.UTC {
		return t
	}
	// The wall time asked for, in UTC seconds, to compare with what t shows.
	want := time.Date(d.Year, d.Month, d.Day, 0, minute, 0, 0, time.UTC).Unix()
	_, off := t.Zone()
	shown := t.Unix() + int64(off)
	start, end := t.ZoneBounds()
	switch {
	case shown < want:
		// Inside a gap, and Go chose the earlier offset: the jump is the
		// end of t's zone period.
		return end
	case shown > want:
		// Inside a gap, and Go chose the later offset: the jump is the
		// start of t's zone period.
		return start
	}
	// Shown twice? When the previous period's offset was larger, the same
	// wall time came earlier too.
	if start.IsZero() {
		return t
	}
	_, prevOff := start.Add(-time.Second).Zone()
	if prevOff > off {
		earlier := t.Add(-time.Duration(prevOff-off) * time.Second)
		if earlier.Before(start) {
			return earlier
		}
	}
	return t
}

// Add returns the earliest instant by which minutes business minutes have
// passed since t. A result exactly at an interval's end is that end.
func (c *Calendar) Add(t time.Time, minutes int) (time.Time, error) {
	switch {
	case minutes < 0:
		return time.Time{}, ErrNegative
	case minutes > MaxMinutes:
		return time.Time{}, ErrTooFar
	case minutes == 0:
		return t, nil
	}
	left := time.Duration(minutes) * time.Minute
	w := c.newWalker(t)
	first := w.day + 2 // from here on, every occurrence starts after t
	cur := t
	lastWork := w.day
	var buf [8]occurrence
	for ; ; w.day++ {
		if w.day >= first && left > c.weekly {
			if next, ok := c.canSkipWeek(w.day); ok {
				left -= c.weekly
				cur = next
				w.day += 6
				lastWork = w.day
				continue
			}
		}
		for _, o := range w.occurrences(buf[:]) {
			if !o.end.After(cur) {
				continue
			}
			s := o.start
			if cur.After(s) {
				s = cur
			}
			avail := o.end.Sub(s)
			if avail <= 0 {
				continue
			}
			lastWork = w.day
			if avail >= left {
				return s.Add(left).In(c.loc), nil
			}
			left -= avail
			cur = o.end
		}
		if w.day-lastWork > maxIdleDays {
			return time.Time{}, ErrNoWorkingTime
		}
	}
}

// Between returns the whole business minutes from a to b; negative when b
// is before a.
func (c *Calendar) Between(a, b time.Time) int {
	if b.Before(a) {
		return -int(c.between(b, a) / time.Minute)
	}
	return int(c.between(a, b) / time.Minute)
}

// between is the business time in [a, b), a not after b.
func (c *Calendar) between(a, b time.Time) time.Duration {
	var total time.Duration
	w := c.newWalker(a)
	first := w.day + 2
	var buf [8]occurrence
	for ; ; w.day++ {
		if w.day >= first {
			if !c.midnight(w.day).Before(b) {
				return total
			}
			if c.weekly > 0 && !c.midnight(w.day+8).After(b) {
				if _, ok := c.canSkipWeek(w.day); ok {
					total += c.weekly
					w.day += 6
					continue
				}
			}
		}
		for _, o := range w.occurrences(buf[:]) {
			s, e := o.start, o.end
			if s.Before(a) {
				s = a
			}
			if e.After(b) {
				e = b
			}
			if e.After(s) {
				total += e.Sub(s)
			}
		}
	}
}

// Next returns t when it is working time, else the start of the next
// working interval.
func (c *Calendar) Next(t time.Time) (time.Time, error) {
	w := c.newWalker(t)
	var buf [8]occurrence
	for end := w.day + maxIdleDays; w.day <= end; w.day++ {
		for _, o := range w.occurrences(buf[:]) {
			if !o.end.After(t) || !o.end.After(o.start) {
				continue
			}
			if !o.start.After(t) {
				return t, nil
			}
			return o.start.In(c.loc), nil
		}
	}
	return time.Time{}, ErrNoWorkingTime
}
