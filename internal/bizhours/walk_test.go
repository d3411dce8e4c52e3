package bizhours

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// The calendars of the tables.
type calendars struct {
	office, officeNY, kolkata, always, sundayEarly, gap, repeated, night, allNight, closed, closed6y, closed4y *Calendar
}

func testCalendars(t testing.TB) calendars {
	return calendars{
		office: cal(t, "Europe/Berlin", "mon-fri 09:00-17:00",
			"2026-12-24..2026-12-26 yearly Christmas", "2026-01-01 yearly New Year",
			"2026-04-03 Good Friday", "2026-05-01 Labour Day"),
		officeNY:    cal(t, "America/New_York", "mon-fri 08:00-18:00", "2026-11-26 Thanksgiving"),
		kolkata:     cal(t, "Asia/Kolkata", "mon-sat 09:30-13:00; mon-sat 14:00-18:00"),
		always:      cal(t, "Europe/Berlin", "all 00:00-24:00"),
		sundayEarly: cal(t, "Europe/Berlin", "sun 00:00-06:00"),
		gap:         cal(t, "Europe/Berlin", "sun 02:00-02:30; mon 09:00-10:00"),
		repeated:    cal(t, "Europe/Berlin", "sun 00:00-02:30"),
		night:       cal(t, "Europe/Berlin", "mon-fri 22:00-06:00+", "2026-05-01 Labour Day"),
		allNight:    cal(t, "Europe/Berlin", "all 22:00-06:00+"),
		closed:      cal(t, "Europe/Berlin", "mon-fri 09:00-17:00", "1970-01-01..2200-12-31 Closed"),
		closed6y:    cal(t, "Europe/Berlin", "mon-fri 09:00-17:00", "2026-01-01..2031-12-31 Closed"),
		closed4y:    cal(t, "Europe/Berlin", "mon-fri 09:00-17:00", "2026-01-01..2029-12-31 Closed"),
	}
}

func TestAdd(t *testing.T) {
	t.Parallel()
	cs := testCalendars(t)
	cases := []struct {
		name  string
		c     *Calendar
		from  string
		n     int
		want  string
		error error
	}{
		{"zero minutes is the start itself", cs.office, "2026-03-02 10:00", 0, "2026-03-02 10:00", nil},
		{"within the day", cs.office, "2026-03-02 10:00", 60, "2026-03-02 11:00", nil},
		{"lands exactly on the day's end: the end, not the next morning", cs.office, "2026-03-02 10:00", 420, "2026-03-02 17:00", nil},
		{"one minute past the day's end", cs.office, "2026-03-02 10:00", 421, "2026-03-03 09:01", nil},
		{"a whole day from its start", cs.office, "2026-03-02 09:00", 480, "2026-03-02 17:00", nil},
		{"from before work", cs.office, "2026-03-02 07:00", 60, "2026-03-02 10:00", nil},
		{"from after work", cs.office, "2026-03-02 18:00", 60, "2026-03-03 10:00", nil},
		{"over the weekend", cs.office, "2026-03-06 16:30", 60, "2026-03-09 09:30", nil},
		{"from a Saturday", cs.office, "2026-03-07 12:00", 60, "2026-03-09 10:00", nil},
		{"a whole week ends on Friday evening", cs.office, "2026-03-02 09:00", 2400, "2026-03-06 17:00", nil},
		{"a week and a minute", cs.office, "2026-03-02 09:00", 2401, "2026-03-09 09:01", nil},
		{"10,000 minutes across the spring clock change", cs.office, "2026-03-02 09:00", 10000, "2026-03-30 15:40", nil},
		{"10,000 minutes across the autumn clock change", cs.office, "2026-10-05 09:00", 10000, "2026-11-02 15:40", nil},
		{"from a holiday", cs.office, "2026-12-24 09:00", 480, "2026-12-28 17:00", nil},
		{"over Christmas", cs.office, "2026-12-23 16:30", 60, "2026-12-28 09:30", nil},
		{"a yearly holiday in a later year", cs.office, "2030-12-23 16:30", 60, "2030-12-27 09:30", nil},
		{"a yearly holiday not before its first year", cs.office, "2025-12-23 16:30", 60, "2025-12-24 09:30", nil},
		{"over New Year", cs.office, "2026-12-31 16:30", 60, "2027-01-04 09:30", nil},
		{"a one-time holiday", cs.office, "2026-04-02 16:30", 60, "2026-04-06 09:30", nil},
		{"a one-time holiday does not come back", cs.office, "2031-04-30 16:30", 60, "2031-05-01 09:30", nil},
		{"New York: Friday EST to Monday EDT", cs.officeNY, "2026-03-06T17:00:00-05:00", 120, "2026-03-09T09:00:00-04:00", nil},
		{"New York: Friday EDT to Monday EST", cs.officeNY, "2026-10-30T17:00:00-04:00", 120, "2026-11-02T09:00:00-05:00", nil},
		{"New York: over Thanksgiving", cs.officeNY, "2026-11-25 17:00", 120, "2026-11-27 09:00", nil},
		{"round the clock over the skipped hour", cs.always, "2026-03-29T01:30:00+01:00", 60, "2026-03-29T03:30:00+02:00", nil},
		{"round the clock through the repeated hour", cs.always, "2026-10-25T02:30:00+02:00", 60, "2026-10-25T02:30:00+01:00", nil},
		{"round the clock, a day over the spring change is 24 real hours", cs.always, "2026-03-28T12:00:00+01:00", 1440, "2026-03-29T13:00:00+02:00", nil},
		{"round the clock, 10,000 minutes", cs.always, "2026-03-01 00:00", 10000, "2026-03-07 22:40", nil},
		{"a short spring Sunday ends exactly at its end", cs.sundayEarly, "2026-03-29T00:00:00+01:00", 300, "2026-03-29T06:00:00+02:00", nil},
		{"a short spring Sunday has only five hours", cs.sundayEarly, "2026-03-29T00:00:00+01:00", 301, "2026-04-05T00:01:00+02:00", nil},
		{"a long autumn Sunday counts the repeated hour", cs.sundayEarly, "2026-10-25T00:00:00+02:00", 180, "2026-10-25T02:00:00+01:00", nil},
		{"an interval inside the skipped hour does not happen", cs.gap, "2026-03-28 12:00", 10, "2026-03-30 09:10", nil},
		{"Kolkata: over lunch", cs.kolkata, "2026-03-02 12:30", 60, "2026-03-02 14:30", nil},
		{"Kolkata: exactly to lunch", cs.kolkata, "2026-03-02 12:30", 30, "2026-03-02 13:00", nil},
		{"Kolkata: Saturday to Monday", cs.kolkata, "2026-03-07 17:30", 60, "2026-03-09 10:00", nil},
		{"Kolkata: 10,000 minutes", cs.kolkata, "2026-03-02 09:30", 10000, "2026-03-27 11:10", nil},
		{"night shift: before it starts", cs.night, "2026-03-02 21:00", 60, "2026-03-02 23:00", nil},
		{"night shift: exactly to its morning end", cs.night, "2026-03-02 23:00", 420, "2026-03-03 06:00", nil},
		{"night shift: a minute more", cs.night, "2026-03-02 23:00", 421, "2026-03-03 22:01", nil},
		{"night shift: Friday's shift ends on Saturday", cs.night, "2026-03-07 05:00", 120, "2026-03-09 23:00", nil},
		{"four closed years are searched through", cs.closed4y, "2026-01-01 00:00", 60, "2030-01-01 10:00", nil},
		{"no working time at all", cs.closed, "2026-03-02 10:00", 60, "", ErrNoWorkingTime},
		{"no working time within five years", cs.closed6y, "2026-01-01 00:00", 60, "", ErrNoWorkingTime},
		{"negative minutes", cs.office, "2026-03-02 10:00", -1, "", ErrNegative},
		{"too many minutes", cs.office, "2026-03-02 10:00", MaxMinutes + 1, "", ErrTooFar},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.c.Add(at(t, tc.c, tc.from), tc.n)
			wantInstant(t, tc.c, fmt.Sprintf("Add(%s, %d)", tc.from, tc.n), got, err, tc.want, tc.error)
		})
	}
}

// wantInstant fails unless got, err is the instant want (in c's zone) or
// the error wantErr.
func wantInstant(t *testing.T, c *Calendar, call string, got time.Time, err error, want string, wantErr error) {
	t.Helper()
	if wantErr != nil {
		if !errors.Is(err, wantErr) {
			t.Fatalf("%s = %v, %v; want error %v", call, got, err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: %v", call, err)
	}
	if w := at(t, c, want); !got.Equal(w) {
		t.Fatalf("%s = %s, want %s", call, got, w)
	}
}

func TestBetween(t *testing.T) {
	t.Parallel()
	cs := testCalendars(t)
	cases := []struct {
		name     string
		c        *Calendar
		from, to string
		want     int
	}{
		{"a working day", cs.office, "2026-03-02 09:00", "2026-03-02 17:00", 480},
		{"the same instant", cs.office, "2026-03-02 10:00", "2026-03-02 10:00", 0},
		{"backwards is negative", cs.office, "2026-03-02 10:00", "2026-03-02 09:00", -60},
		{"over a weekend", cs.office, "2026-03-06 16:00", "2026-03-09 10:00", 120},
		{"a weekend alone", cs.office, "2026-03-07 00:00", "2026-03-09 00:00", 0},
		{"a week with Christmas", cs.office, "2026-12-21 09:00", "2026-12-28 09:00", 1440},
		{"the year 2026", cs.office, "2026-01-01 00:00", "2027-01-01 00:00", 256 * 480},
		{"seconds are cut to whole minutes", cs.office, "2026-03-02T09:00:30+01:00", "2026-03-02T09:02:00+01:00", 1},
		{"New York: over the spring change", cs.officeNY, "2026-03-06T12:00:00-05:00", "2026-03-09T12:00:00-04:00", 600},
		{"New York: over the autumn change", cs.officeNY, "2026-10-30T08:00:00-04:00", "2026-11-02T18:00:00-05:00", 1200},
		{"round the clock: the spring weekend is 47 hours", cs.always, "2026-03-28 12:00", "2026-03-30 12:00", 47 * 60},
		{"round the clock: the autumn weekend is 49 hours", cs.always, "2026-10-24 12:00", "2026-10-26 12:00", 49 * 60},
		{"round the clock: a year", cs.always, "2026-01-01 00:00", "2027-01-01 00:00", 365 * 1440},
		{"midnight to six on the spring Sunday is five hours", cs.sundayEarly, "2026-03-28 12:00", "2026-03-30 00:00", 300},
		{"midnight to six on the autumn Sunday is seven hours", cs.sundayEarly, "2026-10-24 12:00", "2026-10-26 00:00", 420},
		{"an interval in the skipped hour has no length", cs.gap, "2026-03-28 00:00", "2026-03-30 00:00", 0},
		{"the same interval on an ordinary Sunday", cs.gap, "2026-04-04 00:00", "2026-04-06 00:00", 30},
		{"an end in the repeated hour is its first occurrence", cs.repeated, "2026-10-24 12:00", "2026-10-26 00:00", 150},
		{"Kolkata: a day with lunch", cs.kolkata, "2026-03-02 09:00", "2026-03-02 19:00", 450},
		{"Kolkata: a week", cs.kolkata, "2026-03-02 00:00", "2026-03-09 00:00", 2700},
		{"night shift: Friday's runs into Saturday", cs.night, "2026-03-06 20:00", "2026-03-07 12:00", 480},
		{"night shift: a weekend", cs.night, "2026-03-07 00:00", "2026-03-09 23:00", 420},
		{"night shift: a shift begun before a holiday runs to its end", cs.night, "2026-04-30 20:00", "2026-05-02 12:00", 480},
		{"every night: the spring night is seven hours", cs.allNight, "2026-03-28 21:00", "2026-03-29 12:00", 420},
		{"every night: the autumn night is nine hours", cs.allNight, "2026-10-24 21:00", "2026-10-25 12:00", 540},
		{"no working time at all", cs.closed, "2026-03-02 00:00", "2027-03-02 00:00", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.Between(at(t, tc.c, tc.from), at(t, tc.c, tc.to)); got != tc.want {
				t.Fatalf("Between(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
			}
		})
	}
}

func TestNext(t *testing.T) {
	t.Parallel()
	cs := testCalendars(t)
	cases := []struct {
		name, from, want string
		c                *Calendar
		error            error
	}{
		{"inside working time is itself", "2026-03-02 10:00", "2026-03-02 10:00", cs.office, nil},
		{"an interval's start is itself", "2026-03-02 09:00", "2026-03-02 09:00", cs.office, nil},
		{"an interval's end is not working time", "2026-03-02 17:00", "2026-03-03 09:00", cs.office, nil},
		{"seconds before the start", "2026-03-02T08:59:30+01:00", "2026-03-02 09:00", cs.office, nil},
		{"a Saturday", "2026-03-07 12:00", "2026-03-09 09:00", cs.office, nil},
		{"a holiday", "2026-12-24 08:00", "2026-12-28 09:00", cs.office, nil},
		{"lunch in Kolkata", "2026-03-02 13:30", "2026-03-02 14:00", cs.kolkata, nil},
		{"inside a shift begun the day before", "2026-03-03 03:00", "2026-03-03 03:00", cs.night, nil},
		{"after Friday's shift", "2026-03-07 07:00", "2026-03-09 22:00", cs.night, nil},
		{"New York: the repeated hour of a Sunday", "2026-11-01T01:30:00-05:00", "2026-11-02 08:00", cs.officeNY, nil},
		{"an interval in the skipped hour is passed over", "2026-03-29T01:59:00+01:00", "2026-03-30 09:00", cs.gap, nil},
		{"after an end in the repeated hour, first time round", "2026-10-25T02:45:00+02:00", "2026-11-01 00:00", cs.repeated, nil},
		{"round the clock is always now", "2026-10-25T02:30:00+01:00", "2026-10-25T02:30:00+01:00", cs.always, nil},
		{"no working time at all", "2026-03-02 10:00", "", cs.closed, ErrNoWorkingTime},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.c.Next(at(t, tc.c, tc.from))
			wantInstant(t, tc.c, "Next("+tc.from+")", got, err, tc.want, tc.error)
		})
	}
}

// working is the slow, obvious answer to "is t working time": is it in an
// occurrence of the intervals of its date or the date before.
func working(c *Calendar, t time.Time) bool {
	w := c.newWalker(t)
	for i := 0; i < 2; i, w.day = i+1, w.day+1 {
		for _, o := range w.occurrences(nil) {
			if !t.Before(o.start) && t.Before(o.end) {
				return true
			}
		}
	}
	return false
}

// TestAgainstMinuteByMinute checks the walking and week skipping against a
// count of every minute, on every calendar, around both clock changes.
func TestAgainstMinuteByMinute(t *testing.T) {
	t.Parallel()
	cs := testCalendars(t)
	all := []*Calendar{cs.office, cs.officeNY, cs.kolkata, cs.always, cs.sundayEarly, cs.gap, cs.repeated, cs.night, cs.allNight}
	starts := []string{"2026-03-20T13:17:00Z", "2026-03-27T22:00:00Z", "2026-10-23T06:00:00Z", "2026-10-31T23:45:00Z",
		"2026-12-22T15:00:00Z", "2026-03-06T00:00:00Z"}
	for ci, c := range all {
		for _, s := range starts {
			from, _ := time.Parse(time.RFC3339, s)
			t.Run(fmt.Sprintf("%d/%s", ci, s), func(t *testing.T) {
				const span = 16 * 24 * 60
				count := 0
				x := from
				for i := 0; i < span; i++ {
					if working(c, x) {
						count++
						if count%97 == 0 || count == 1 {
							got, err := c.Add(from, count)
							if err != nil || !got.Equal(x.Add(time.Minute)) {
								t.Fatalf("Add(%s, %d) = %s, %v; counting gives %s", from, count, got, err, x.Add(time.Minute))
							}
						}
					}
					x = x.Add(time.Minute)
					if i%353 == 0 || i == span-1 {
						if got := c.Between(from, x); got != count {
							t.Fatalf("Between(%s, %s) = %d; counting gives %d", from, x, got, count)
						}
					}
				}
			})
		}
	}
}
