package automation_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/calendar"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// office is a calendar of Monday to Friday, 09:00–17:00 UTC.
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

// week is an instant in the week of Friday 2026-03-06 (UTC).
func week(day, hour, minute int) time.Time {
	return time.Date(2026, 3, day, hour, minute, 0, 0, time.UTC)
}

func TestThreshold(t *testing.T) {
	cal := office(t)
	cases := []struct {
		name    string
		now     time.Time
		minutes int
		cal     *bizhours.Calendar
		want    time.Time
	}{
		{"calendar time", week(9, 10, 0), 90, nil, week(9, 8, 30)},
		{"within one working day", week(9, 12, 0), 120, cal, week(9, 10, 0)},
		{"across the weekend", week(9, 10, 0), 120, cal, week(6, 16, 0)},
		{"three business days", week(11, 16, 0), 3 * 8 * 60, cal, week(6, 16, 0)},
		{"out of hours counts from the last working minute", week(7, 12, 0), 60, cal, week(6, 16, 0)},
	}
	for _, c := range cases {
		got, ok := automation.Threshold(c.cal, c.now, c.minutes)
		if !ok || !got.Equal(c.want) {
			t.Errorf("%s: threshold %v (%v), want %v", c.name, got, ok, c.want)
		}
	}
}

// TestTimeRuleBusinessTime: the examples of the issue in the business time
// of an office calendar, under a fake clock — remind the requester after
// 3 business days pending, escalate a ticket unassigned for 2 business
// hours — each at its business minute, not at the calendar one.
func TestTimeRuleBusinessTime(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := &fakeClock{t: week(6, 16, 0)}
		s := timeServices(t, d, clock)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		var ivs []bizhours.IntervalSpec
		for _, iv := range office(t).Intervals() {
			ivs = append(ivs, iv.Spec())
		}
		name, zone := "Office", "UTC"
		cal, err := s.Calendars.Create(ctx, admin, calendar.Input{Name: &name, TimeZone: &zone, Intervals: &ivs})
		if err != nil {
			t.Fatal(err)
		}
		mustTimeRule(t, s, admin, "Remind after 3 business days pending", automation.SinceStatusChanged, 3*8*60, cal.ID, pendingFor,
			automation.Actions{{Type: automation.ActReply, Body: "Any news on {{.Ticket.Reference}}?"}})
		mustTimeRule(t, s, admin, "Escalate unassigned", automation.SinceAssigned, 120, cal.ID,
			automation.Conditions{All: []automation.Condition{{Field: "assignee", Op: automation.OpIs, Value: "none"}}},
			automation.Actions{{Type: automation.ActSet, Field: "priority", Value: "p1"}, {Type: automation.ActAddTags, Tags: []string{"escalated"}}})
		tk := apptest.Ticket(t, s, admin)
		setStatus(t, s, admin, tk.Number, ticket.StatusPending)
		setMoment(t, s, tk.ID, "status_changed_at", week(6, 16, 0))
		setMoment(t, s, tk.ID, "assigned_at", week(6, 16, 30))

		state := func() (replies int, escalated bool) {
			t.Helper()
			msgs, err := s.Tickets.Messages(ctx, admin, tk.Number, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				if !m.Internal && strings.Contains(m.Body, "Any news on "+tk.Reference+"?") {
					replies++
				}
			}
			got, err := s.Tickets.Get(ctx, admin, tk.Number)
			if err != nil {
				t.Fatal(err)
			}
			return replies, got.Priority.String() == "p1" && slices.Contains(got.Tags, "escalated")
		}
		steps := []struct {
			at        time.Time
			replies   int
			escalated bool
		}{
			{week(7, 12, 0), 0, false},  // Saturday: a day of calendar time, no business time
			{week(9, 10, 29), 0, false}, // 89 business minutes unassigned
			{week(9, 10, 31), 0, true},  // 121: escalated; pending for a calendar day and more, not 3 business days
			{week(11, 15, 59), 0, true}, // 1,439 business minutes pending
			{week(11, 16, 0), 1, true},  // 3 business days: reminded
			{week(12, 16, 0), 1, true},  // once
		}
		for _, st := range steps {
			clock.Set(st.at)
			runRules(t, s)
			if r, e := state(); r != st.replies || e != st.escalated {
				t.Fatalf("at %s: %d reminders, escalated %v; want %d, %v", st.at.Format("Mon 15:04"), r, e, st.replies, st.escalated)
			}
		}
	})
}
