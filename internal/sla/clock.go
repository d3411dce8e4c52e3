package sla

import (
	"time"

	"github.com/docket/docket/internal/bizhours"
)

// The targets a policy measures.
const (
	FirstResponse = "first_response"
	NextResponse  = "next_response"
	Resolution    = "resolution"
)

// Targets lists the targets in the order they are shown.
var Targets = []string{FirstResponse, NextResponse, Resolution}

// TargetLabel is a target's name in sentences ("first response").
func TargetLabel(target string) string {
	switch target {
	case FirstResponse:
		return "first response"
	case NextResponse:
		return "next response"
	case Resolution:
		return "resolution"
	}
	return target
}

// Clock is one target's clock on one ticket: a row of sla_clocks. Its
// methods are the pure arithmetic of starting, pausing, stopping and
// rescheduling; the hook stores what they leave.
type Clock struct {
	Target        string
	PolicyID      int64 // 0 when the policy was deleted since
	Goal          int   // business minutes allowed
	StartedAt     time.Time
	PausedAt      *time.Time
	PausedMinutes int
	// WarnAt and DueAt are set while the clock runs, nil while it is
	// paused or stopped.
	WarnAt, DueAt *time.Time
	StoppedAt     *time.Time
	// WarnedAt and BreachedAt are set once; EscalatedAt once the breach's
	// escalation ran (by the timer).
	WarnedAt, BreachedAt, EscalatedAt *time.Time
}

// Running is true while the clock counts: neither paused nor stopped.
func (c *Clock) Running() bool { return c.StoppedAt == nil && c.PausedAt == nil }

// warnMinutes is the share of goal at which the warning falls, rounded up.
func warnMinutes(goal, percent int) int { return (goal*percent + 99) / 100 }

// at returns the instant n business minutes of the clock's own time after
// its start: the paused minutes extend it.
func (c *Clock) at(cal *bizhours.Calendar, n int) *time.Time {
	t, err := cal.Add(c.StartedAt, n+c.PausedMinutes)
	if err != nil {
		// A calendar without working time, or a goal beyond what it can
		// reach: the clock runs without a due time rather than failing
		// the ticket's write.
		return nil
	}
	return &t
}

// Due is when the clock's goal falls given the pauses so far: the due
// time of a running clock, the one it had for a stopped clock.
func (c *Clock) Due(cal *bizhours.Calendar) *time.Time { return c.at(cal, c.Goal) }

// schedule sets WarnAt and DueAt: the instants of a running clock, nil
// otherwise.
func (c *Clock) schedule(cal *bizhours.Calendar, warnPercent int) {
	c.WarnAt, c.DueAt = nil, nil
	if !c.Running() {
		return
	}
	c.DueAt = c.Due(cal)
	c.WarnAt = c.at(cal, warnMinutes(c.Goal, warnPercent))
}

// Start returns a running clock of target from at.
func Start(cal *bizhours.Calendar, target string, policyID int64, goal, warnPercent int, at time.Time) *Clock {
	c := &Clock{Target: target, PolicyID: policyID, Goal: goal, StartedAt: at}
	c.schedule(cal, warnPercent)
	return c
}

// Pause stops a running clock counting at at.
func (c *Clock) Pause(at time.Time) bool {
	if !c.Running() {
		return false
	}
	c.PausedAt = &at
	c.WarnAt, c.DueAt = nil, nil
	return true
}

// Resume lets a paused clock count again from at; the business minutes
// it spent paused push its warning and due times back.
func (c *Clock) Resume(cal *bizhours.Calendar, warnPercent int, at time.Time) bool {
	if c.PausedAt == nil || c.StoppedAt != nil {
		return false
	}
	c.PausedMinutes += max(cal.Between(*c.PausedAt, at), 0)
	c.PausedAt = nil
	c.schedule(cal, warnPercent)
	return true
}

// Stop ends the clock at at: met, or breached when at is past its due
// time and no timer said so yet. breached reports the latter; the breach
// is dated at the due time.
func (c *Clock) Stop(cal *bizhours.Calendar, at time.Time) (changed, breached bool) {
	if c.StoppedAt != nil {
		return false, false
	}
	if c.PausedAt != nil {
		c.PausedMinutes += max(cal.Between(*c.PausedAt, at), 0)
		c.PausedAt = nil
	}
	if due := c.Due(cal); due != nil && at.After(*due) && c.BreachedAt == nil {
		c.BreachedAt = due
		breached = true
	}
	c.StoppedAt = &at
	c.WarnAt, c.DueAt = nil, nil
	return true, breached
}

// Reopen resumes a stopped clock where it stopped: the time it stood
// counts as paused. It starts paused when the ticket waits (paused).
func (c *Clock) Reopen(cal *bizhours.Calendar, warnPercent int, at time.Time, paused bool) bool {
	if c.StoppedAt == nil {
		return false
	}
	c.PausedMinutes += max(cal.Between(*c.StoppedAt, at), 0)
	c.StoppedAt = nil
	if paused {
		c.PausedAt = &at
	}
	c.schedule(cal, warnPercent)
	return true
}

// Regoal measures the clock against a goal (a new priority, policy, or
// an edited one: its calendar, warning share), from its own start, and
// reports whether that moved anything. A stopped clock keeps its verdict.
func (c *Clock) Regoal(cal *bizhours.Calendar, policyID int64, goal, warnPercent int) bool {
	if c.StoppedAt != nil {
		return false
	}
	before := *c
	c.PolicyID, c.Goal = policyID, goal
	c.schedule(cal, warnPercent)
	return before.PolicyID != c.PolicyID || before.Goal != c.Goal || !sameTime(before.WarnAt, c.WarnAt) ||
		!sameTime(before.DueAt, c.DueAt)
}

// warnDue reports whether the clock's warning fell due by now and is not
// recorded yet.
func (c *Clock) warnDue(now time.Time) bool {
	return c.Running() && c.BreachedAt == nil && c.WarnedAt == nil && c.WarnAt != nil && c.DueAt != nil &&
		!c.WarnAt.After(*c.DueAt) && !c.WarnAt.After(now)
}

// breachDue reports whether the clock's due time passed by now and its
// breach is not recorded yet.
func (c *Clock) breachDue(now time.Time) bool {
	return c.Running() && c.BreachedAt == nil && c.DueAt != nil && !c.DueAt.After(now)
}

// next is the instant of the clock's next timer: its warning until it
// warned, then its breach; nil when it waits for none (paused, stopped,
// breached).
func (c *Clock) next() *time.Time {
	if !c.Running() || c.BreachedAt != nil || c.DueAt == nil {
		return nil
	}
	if c.WarnedAt == nil && c.WarnAt != nil && !c.WarnAt.After(*c.DueAt) {
		return c.WarnAt
	}
	return c.DueAt
}

// The states of a clock, as the API and the ticket page show them.
const (
	StateRunning  = "running"
	StatePaused   = "paused"
	StateMet      = "met"
	StateBreached = "breached"
)

// State is a clock as people read it at one instant.
type State struct {
	Target string
	Policy string
	Goal   int
	State  string
	// DueAt is the due time: of a running clock, or the one a stopped
	// clock had; nil while paused (it moves with the pause).
	DueAt  *time.Time
	WarnAt *time.Time
	// Remaining and Overdue are business minutes left, or past the due
	// time: now for a running clock, when it paused or stopped otherwise.
	// One of them is zero.
	Remaining, Overdue int
	Paused             int // business minutes paused so far
	// Counting is true when the clock runs and the calendar is in
	// working time at the instant read: its remaining time is falling.
	Counting          bool
	StartedAt         time.Time
	PausedAt          *time.Time
	MetAt, BreachedAt *time.Time
}

// StateAt reads c at now.
func (c *Clock) StateAt(cal *bizhours.Calendar, now time.Time) State {
	s := State{Target: c.Target, Goal: c.Goal, StartedAt: c.StartedAt, Paused: c.PausedMinutes, PausedAt: c.PausedAt,
		BreachedAt: c.BreachedAt, WarnAt: c.WarnAt}
	end := now
	switch {
	case c.StoppedAt != nil:
		end = *c.StoppedAt
		s.DueAt = c.Due(cal)
	case c.PausedAt != nil:
		end = *c.PausedAt
		s.Paused += max(cal.Between(*c.PausedAt, now), 0)
	default:
		s.DueAt = c.DueAt
		s.Counting = cal.Between(now, now.Add(time.Minute)) > 0
	}
	elapsed := max(cal.Between(c.StartedAt, end)-c.PausedMinutes, 0)
	if elapsed > c.Goal {
		s.Overdue = elapsed - c.Goal
	} else {
		s.Remaining = c.Goal - elapsed
	}
	switch {
	case c.BreachedAt != nil:
		s.State = StateBreached
	case c.StoppedAt != nil:
		s.State, s.MetAt = StateMet, c.StoppedAt
	case c.PausedAt != nil:
		s.State = StatePaused
	default:
		s.State = StateRunning
	}
	return s
}
