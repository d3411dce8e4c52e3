package bizhours

import (
	"errors"
	"testing"
	"time"
)

// fuzzZones are the zones a fuzzed calendar lives in.
var fuzzZones = []string{"Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC", "Australia/Lord_Howe"}

// fuzzCalendar builds a calendar from bytes: three bytes an interval (day,
// start in quarter hours, length in quarter hours; a length past midnight
// ends the next day), and a holiday from the last byte when odd. It
// returns nil when the bytes make an invalid calendar.
func fuzzCalendar(zone uint8, shape []byte) *Calendar {
	var ivs []Interval
	for i := 0; i+2 < len(shape) && len(ivs) < 12; i += 3 {
		start := int(shape[i+1]%96) * 15
		length := int(shape[i+2]%96)*15 + 15
		end := start + length
		iv := Interval{Day: time.Weekday(shape[i] % 7), Start: start, End: end}
		if end > minutesPerDay || end == minutesPerDay && shape[i]&0x80 != 0 {
			iv.End, iv.NextDay = end-minutesPerDay, true
		}
		ivs = append(ivs, iv)
	}
	var hs []Holiday
	if n := len(shape); n > 0 && shape[n-1]%2 == 1 {
		d := dateOfDays(Date{2026, 1, 1}.days() + int64(shape[n-1])*3)
		hs = append(hs, Holiday{Name: "Fuzz", Start: d, End: dateOfDays(d.days() + int64(shape[n-1]%9)), Yearly: shape[n-1]%4 == 1})
	}
	c, err := New(fuzzZones[int(zone)%len(fuzzZones)], ivs, hs)
	if err != nil {
		return nil
	}
	return c
}

// FuzzAddBetween checks Add and Between against each other: the business
// time between t and Add(t, n) is n, Add grows with n, and Next agrees.
func FuzzAddBetween(f *testing.F) {
	f.Add(uint8(0), []byte{1, 36, 32, 2, 36, 32, 3, 36, 32, 4, 36, 32, 5, 36, 32}, int64(0), uint32(10000))
	f.Add(uint8(1), []byte{0, 0, 95, 6, 88, 40, 1}, int64(-400000), uint32(60))
	f.Add(uint8(2), []byte{1, 38, 14, 1, 56, 16}, int64(1234567), uint32(421))
	f.Add(uint8(0), []byte{0, 8, 2}, int64(44640), uint32(300))
	f.Add(uint8(4), []byte{6, 88, 32, 0, 0, 95}, int64(5000000), uint32(99999))
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, zone uint8, shape []byte, offset int64, n uint32) {
		c := fuzzCalendar(zone, shape)
		if c == nil {
			return
		}
		// Within ±20 years of 2026, to the second.
		from := base.Add(time.Duration(offset%(20*366*86400)) * time.Second)
		minutes := int(n % 300000)
		to, err := c.Add(from, minutes)
		if errors.Is(err, ErrNoWorkingTime) {
			return
		}
		if err != nil {
			t.Fatalf("Add(%s, %d): %v", from, minutes, err)
		}
		if to.Before(from) {
			t.Fatalf("Add(%s, %d) = %s, before the start", from, minutes, to)
		}
		if got := c.Between(from, to); got != minutes {
			t.Fatalf("Between(%s, Add(…, %d) = %s) = %d", from, minutes, to, got)
		}
		if got := c.Between(to, from); got != -minutes {
			t.Fatalf("Between backwards = %d, want %d", got, -minutes)
		}
		more, err := c.Add(from, minutes+1)
		if err != nil || !more.After(to) {
			t.Fatalf("Add(%s, %d) = %s, %v: not after Add(…, %d) = %s", from, minutes+1, more, err, minutes, to)
		}
		next, err := c.Next(from)
		if err != nil {
			t.Fatalf("Next(%s): %v", from, err)
		}
		first, _ := c.Add(from, 1)
		if next.Before(from) || !next.Before(first) || c.between(from, next) != 0 {
			t.Fatalf("Next(%s) = %s, first minute ends %s", from, next, first)
		}
		// Business time adds up over a split at any instant.
		mid := from.Add(to.Sub(from) / 3)
		if c.between(from, mid)+c.between(mid, to) != c.between(from, to) {
			t.Fatalf("between does not add up over %s", mid)
		}
	})
}

func BenchmarkAdd10000(b *testing.B) {
	c := cal(b, "Europe/Berlin", "mon-fri 09:00-12:30; mon-fri 13:30-17:00",
		"2026-12-24..2026-12-26 yearly Christmas", "2026-01-01 yearly New Year", "2026-04-03 Good Friday", "2026-05-01 Labour Day")
	from := time.Date(2026, 3, 2, 10, 17, 0, 0, c.Location())
	for b.Loop() {
		if _, err := c.Add(from, 10000); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBetweenYear(b *testing.B) {
	c := cal(b, "Europe/Berlin", "mon-fri 09:00-17:00", "2026-12-24..2026-12-26 yearly Christmas")
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, c.Location())
	to := from.AddDate(1, 0, 0)
	for b.Loop() {
		c.Between(from, to)
	}
}

func BenchmarkAdd10000RoundTheClock(b *testing.B) {
	c := cal(b, "America/New_York", "all 00:00-24:00")
	from := time.Date(2026, 3, 2, 10, 17, 0, 0, c.Location())
	for b.Loop() {
		if _, err := c.Add(from, 10000); err != nil {
			b.Fatal(err)
		}
	}
}
