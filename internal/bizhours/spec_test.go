package bizhours

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/docket/docket/internal/fault"
)

func TestSpecRefusals(t *testing.T) {
	t.Parallel()
	weekday := func(day, start, end string, next bool) IntervalSpec {
		return IntervalSpec{Day: day, Start: start, End: end, NextDay: next}
	}
	nineToFive := []IntervalSpec{weekday("monday", "09:00", "17:00", false)}
	many := make([]IntervalSpec, MaxIntervals+1)
	for i := range many {
		many[i] = weekday("monday", FormatClock(i*10), FormatClock(i*10+5), false)
	}
	cases := []struct {
		name   string
		spec   Spec
		fields []string // every field named, in any order
	}{
		{"no time zone", Spec{Intervals: nineToFive}, []string{"time_zone"}},
		{"an unknown time zone", Spec{TimeZone: "Europe/Atlantis", Intervals: nineToFive}, []string{"time_zone"}},
		{"the machine's Local zone", Spec{TimeZone: "Local", Intervals: nineToFive}, []string{"time_zone"}},
		{"a path for a zone", Spec{TimeZone: "../../etc/passwd", Intervals: nineToFive}, []string{"time_zone"}},
		{"no working time at all", Spec{TimeZone: "UTC"}, []string{"intervals"}},
		{"too many intervals", Spec{TimeZone: "UTC", Intervals: many}, []string{"intervals"}},
		{"end before start", Spec{TimeZone: "UTC", Intervals: []IntervalSpec{weekday("monday", "17:00", "09:00", false)}}, []string{"intervals[0].end"}},
		{"end equal to start", Spec{TimeZone: "UTC", Intervals: []IntervalSpec{weekday("monday", "09:00", "09:00", false)}}, []string{"intervals[0].end"}},
		{"next day longer than 24 hours", Spec{TimeZone: "UTC", Intervals: []IntervalSpec{weekday("friday", "22:00", "23:00", true)}}, []string{"intervals[0].end"}},
		{"start at 24:00", Spec{TimeZone: "UTC", Intervals: []IntervalSpec{weekday("monday", "24:00", "24:00", false)}}, []string{"intervals[0].start"}},
		{"malformed times", Spec{TimeZone: "UTC", Intervals: []IntervalSpec{weekday("monday", "9.00", "25:00", false)}}, []string{"intervals[0].start", "intervals[0].end"}},
		{"minutes past 59", Spec{TimeZone: "UTC", Intervals: []IntervalSpec{weekday("monday", "09:60", "17:00", false)}}, []string{"intervals[0].start"}},
		{"an unknown day", Spec{TimeZone: "UTC", Intervals: []IntervalSpec{weekday("funday", "09:00", "17:00", false)}}, []string{"intervals[0].day"}},
		{"overlap on one day", Spec{TimeZone: "UTC", Intervals: []IntervalSpec{weekday("monday", "09:00", "13:00", false),
			weekday("monday", "12:00", "17:00", false)}}, []string{"intervals[1]"}},
		{"the same interval twice", Spec{TimeZone: "UTC", Intervals: []IntervalSpec{weekday("monday", "09:00", "17:00", false),
			weekday("monday", "09:00", "17:00", false)}}, []string{"intervals[1]"}},
		{"overlap past midnight", Spec{TimeZone: "UTC", Intervals: []IntervalSpec{weekday("monday", "22:00", "06:00", true),
			weekday("tuesday", "05:00", "07:00", false)}}, []string{"intervals[1]"}},
		{"overlap from Sunday night into Monday", Spec{TimeZone: "UTC", Intervals: []IntervalSpec{weekday("monday", "05:00", "07:00", false),
			weekday("sunday", "22:00", "06:00", true)}}, []string{"intervals[1]"}},
		{"a holiday ending before it starts", Spec{TimeZone: "UTC", Intervals: nineToFive, Holidays: []HolidaySpec{
			{Name: "Oops", Start: "2026-12-26", End: "2026-12-24"}}}, []string{"holidays[0].end"}},
		{"a holiday on a date that does not exist", Spec{TimeZone: "UTC", Intervals: nineToFive, Holidays: []HolidaySpec{
			{Name: "Oops", Start: "2026-02-30"}}}, []string{"holidays[0].start"}},
		{"a holiday without a name", Spec{TimeZone: "UTC", Intervals: nineToFive, Holidays: []HolidaySpec{
			{Name: " ", Start: "2026-12-24"}}}, []string{"holidays[0].name"}},
		{"a yearly holiday of a year or more", Spec{TimeZone: "UTC", Intervals: nineToFive, Holidays: []HolidaySpec{
			{Name: "Sabbatical", Start: "2026-01-01", End: "2026-12-31", Yearly: true}}}, []string{"holidays[0].end"}},
		{"a holiday far in the past", Spec{TimeZone: "UTC", Intervals: nineToFive, Holidays: []HolidaySpec{
			{Name: "Old", Start: "1900-01-01"}}}, []string{"holidays[0].start"}},
		{"every problem at once", Spec{TimeZone: "Nowhere", Intervals: []IntervalSpec{weekday("monday", "x", "17:00", false)},
			Holidays: []HolidaySpec{{Name: "", Start: "soon"}}},
			[]string{"time_zone", "intervals[0].start", "holidays[0].start", "holidays[0].name"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.spec.Calendar()
			var inv *fault.Invalid
			if !errors.As(err, &inv) || !errors.Is(err, fault.ErrInvalid) {
				t.Fatalf("got %v, %v; want a field error", c, err)
			}
			var got []string
			for _, f := range inv.Fields {
				got = append(got, f.Field)
				if f.Message == "" {
					t.Errorf("%s has no message", f.Field)
				}
			}
			slices.Sort(got)
			want := slices.Clone(tc.fields)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("fields %v, want %v (%v)", got, want, err)
			}
		})
	}
}

func TestSpecAccepts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		intervals string
		weekly    int
	}{
		{"touching intervals", "mon 09:00-12:00; mon 12:00-17:00", 480},
		{"round the clock", "all 00:00-24:00", 7 * 1440},
		{"a whole day from noon", "mon 12:00-12:00+", 1440},
		{"Sunday night into Monday morning, touching Monday's day", "sun 22:00-06:00+; mon 06:00-14:00", 960},
		{"until midnight written 24:00", "fri 18:00-24:00", 360},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := cal(t, "Europe/Berlin", tc.intervals)
			if c.WeeklyMinutes() != tc.weekly {
				t.Fatalf("weekly minutes %d, want %d", c.WeeklyMinutes(), tc.weekly)
			}
			again, err := c.Spec().Calendar()
			if err != nil || !slices.Equal(again.Intervals(), c.Intervals()) {
				t.Fatalf("the spec does not round-trip: %v", err)
			}
		})
	}
}

func TestSpecIsCanonical(t *testing.T) {
	t.Parallel()
	c, err := Spec{TimeZone: "Asia/Kolkata", Intervals: []IntervalSpec{
		{Day: "Sunday", Start: "9:00", End: "12:00"}, {Day: "MONDAY", Start: "14:00", End: "18:00"},
		{Day: "monday", Start: "09:30", End: "13:00"}},
		Holidays: []HolidaySpec{{Name: " Diwali ", Start: "2026-11-08"}, {Name: "Republic Day", Start: "2026-01-26", Yearly: true}},
	}.Calendar()
	if err != nil {
		t.Fatal(err)
	}
	s := c.Spec()
	var got []string
	for _, iv := range s.Intervals {
		got = append(got, iv.Day+" "+iv.Start+"-"+iv.End)
	}
	if want := "monday 09:30-13:00|monday 14:00-18:00|sunday 09:00-12:00"; strings.Join(got, "|") != want {
		t.Fatalf("intervals %v, want %s", got, want)
	}
	if s.Holidays[0].Name != "Republic Day" || s.Holidays[1] != (HolidaySpec{Name: "Diwali", Start: "2026-11-08", End: "2026-11-08"}) {
		t.Fatalf("holidays %+v", s.Holidays)
	}
}
