package sla

import (
	"testing"
	"time"

	"github.com/docket/docket/internal/bizhours"
)

// office is Monday to Friday, 09:00–17:00 UTC.
func office(t *testing.T) *bizhours.Calendar {
	t.Helper()
	var ivs []bizhours.Interval
	for _, d := range bizhours.Weekdays[:5] {
		ivs = append(ivs, bizhours.Interval{Day: d, Start: 9 * 60, End: 17 * 60})
	}
	c, err := bizhours.New("UTC", ivs, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// at is an instant in the week of Monday 2026-03-02 (UTC): at("tue 10:30").
func at(t *testing.T, s string) time.Time {
	t.Helper()
	days := map[string]int{"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6, "mon2": 7}
	var day string
	var h, m int
	for i := range s {
		if s[i] == ' ' {
			day = s[:i]
			if _, err := time.Parse("15:04", s[i+1:]); err != nil {
				t.Fatal(err)
			}
			tm, _ := time.Parse("15:04", s[i+1:])
			h, m = tm.Hour(), tm.Minute()
		}
	}
	return time.Date(2026, 3, 2+days[day], h, m, 0, 0, time.UTC)
}

func TestClockArithmetic(t *testing.T) {
	cal := office(t)
	type step struct {
		op   string // pause, resume, stop, reopen, regoal
		at   string
		goal int
	}
	cases := []struct {
		name      string
		start     string
		goal      int
		steps     []step
		due, warn string // "" = nil
		paused    int
		breached  string
		state     string
		now       string
		remaining int
		overdue   int
	}{
		{name: "runs in business hours", start: "mon 10:00", goal: 240, due: "mon 14:00", warn: "mon 13:12", state: StateRunning,
			now: "mon 11:00", remaining: 180},
		{name: "crosses the night", start: "mon 16:00", goal: 120, due: "tue 10:00", warn: "tue 09:36", state: StateRunning,
			now: "mon 20:00", remaining: 60},
		{name: "crosses the weekend", start: "fri 16:30", goal: 60, due: "mon2 09:30", warn: "mon2 09:18", state: StateRunning,
			now: "sat 12:00", remaining: 30},
		{name: "starts out of hours", start: "sun 12:00", goal: 30, due: "mon2 09:30", warn: "mon2 09:24", state: StateRunning,
			now: "sun 13:00", remaining: 30},
		{name: "paused time pushes the due time back", start: "mon 09:00", goal: 240,
			steps: []step{{op: "pause", at: "mon 10:00"}, {op: "resume", at: "mon 12:00"}},
			due:   "mon 15:00", warn: "mon 14:12", paused: 120, state: StateRunning, now: "mon 14:00", remaining: 60},
		{name: "paused overnight counts business minutes only", start: "mon 16:00", goal: 120,
			steps: []step{{op: "pause", at: "mon 16:30"}, {op: "resume", at: "tue 09:30"}},
			due:   "tue 11:00", warn: "tue 10:36", paused: 60, state: StateRunning, now: "tue 10:00", remaining: 60},
		{name: "paused has no due time", start: "mon 09:00", goal: 240, steps: []step{{op: "pause", at: "mon 10:00"}},
			state: StatePaused, now: "mon 16:00", remaining: 180},
		{name: "stopped in time is met", start: "mon 09:00", goal: 60, steps: []step{{op: "stop", at: "mon 09:45"}},
			state: StateMet, now: "tue 12:00", remaining: 15},
		{name: "stopped after the due time is breached at the due time", start: "mon 09:00", goal: 60,
			steps: []step{{op: "stop", at: "mon 11:00"}}, breached: "mon 10:00", state: StateBreached, now: "tue 12:00", overdue: 60},
		{name: "stopped while paused adds the pause", start: "mon 09:00", goal: 60,
			steps: []step{{op: "pause", at: "mon 09:30"}, {op: "stop", at: "mon 12:00"}}, paused: 150, state: StateMet,
			now: "tue 12:00", remaining: 30},
		{name: "reopened resumes where it stopped", start: "mon 09:00", goal: 480,
			steps: []step{{op: "stop", at: "mon 11:00"}, {op: "reopen", at: "tue 09:00"}},
			due:   "tue 15:00", warn: "tue 13:24", paused: 360, state: StateRunning, now: "tue 10:00", remaining: 300},
		{name: "a higher priority's shorter goal", start: "mon 09:00", goal: 480, steps: []step{{op: "regoal", goal: 60}},
			due: "mon 10:00", warn: "mon 09:48", state: StateRunning, now: "mon 10:30", overdue: 30},
		{name: "a lower priority's longer goal keeps the pauses", start: "mon 09:00", goal: 60,
			steps: []step{{op: "pause", at: "mon 09:10"}, {op: "resume", at: "mon 09:40"}, {op: "regoal", goal: 120}},
			due:   "mon 11:30", warn: "mon 11:06", paused: 30, state: StateRunning, now: "mon 10:00", remaining: 90},
		{name: "a stopped clock keeps its verdict", start: "mon 09:00", goal: 60,
			steps: []step{{op: "stop", at: "mon 09:30"}, {op: "regoal", goal: 10}}, state: StateMet, now: "mon 12:00", remaining: 30},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Start(cal, FirstResponse, 1, tc.goal, 80, at(t, tc.start))
			for _, s := range tc.steps {
				switch s.op {
				case "pause":
					c.Pause(at(t, s.at))
				case "resume":
					c.Resume(cal, 80, at(t, s.at))
				case "stop":
					c.Stop(cal, at(t, s.at))
				case "reopen":
					c.Reopen(cal, 80, at(t, s.at), false)
				case "regoal":
					c.Regoal(cal, 2, s.goal, 80)
				}
			}
			when := func(what string, got *time.Time, want string) {
				t.Helper()
				if want == "" {
					if got != nil {
						t.Errorf("%s = %v, want none", what, got)
					}
					return
				}
				if got == nil || !got.Equal(at(t, want)) {
					t.Errorf("%s = %v, want %v", what, got, at(t, want))
				}
			}
			when("due", c.DueAt, tc.due)
			when("warn", c.WarnAt, tc.warn)
			when("breached", c.BreachedAt, tc.breached)
			if c.PausedMinutes != tc.paused {
				t.Errorf("paused %d, want %d", c.PausedMinutes, tc.paused)
			}
			st := c.StateAt(cal, at(t, tc.now))
			if st.State != tc.state || st.Remaining != tc.remaining || st.Overdue != tc.overdue {
				t.Errorf("state %s remaining %d overdue %d, want %s %d %d", st.State, st.Remaining, st.Overdue, tc.state, tc.remaining, tc.overdue)
			}
		})
	}
}
