package ticket_test

import (
	"slices"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// slaFixture is one ticket per SLA situation, its clocks written as the SLA
// engine writes them.
type slaFixture struct {
	s     *app.Services
	agent *user.Actor
	// numbers by situation
	onTrack, onTrackLater, atRisk, overdue, pastBreach, paused, met, none int64
}

func newSLAFixture(t *testing.T, d *db.DB) *slaFixture {
	s := apptest.Services(t, d)
	agent := apptest.User(t, s, user.RoleAgent, "")
	now := time.Now()
	at := func(d time.Duration) *time.Time { return apptest.At(now.Add(d)) }
	mk := func(clocks ...apptest.Clock) int64 {
		tk := apptest.Ticket(t, s, agent)
		for _, c := range clocks {
			c.Goal = 240
			apptest.SLAClock(t, s, tk.ID, c)
		}
		return tk.Number
	}
	f := &slaFixture{s: s, agent: agent}
	f.onTrack = mk(apptest.Clock{Target: "resolution", Warn: at(2 * time.Hour), Due: at(3 * time.Hour)})
	f.onTrackLater = mk(apptest.Clock{Target: "first_response", Warn: at(5 * time.Hour), Due: at(6 * time.Hour)})
	f.atRisk = mk(apptest.Clock{Target: "first_response", Warn: at(-10 * time.Minute), Due: at(50 * time.Minute)},
		apptest.Clock{Target: "resolution", Warn: at(20 * time.Hour), Due: at(24 * time.Hour)})
	f.overdue = mk(apptest.Clock{Target: "resolution", Warn: at(-2 * time.Hour), Due: at(-35 * time.Minute), Warned: at(-2 * time.Hour)})
	f.pastBreach = mk(apptest.Clock{Target: "first_response", Stopped: at(-time.Hour), Breached: at(-2 * time.Hour)},
		apptest.Clock{Target: "resolution", Warn: at(10 * time.Hour), Due: at(12 * time.Hour)})
	f.paused = mk(apptest.Clock{Target: "resolution", Paused: at(-time.Hour)})
	f.met = mk(apptest.Clock{Target: "first_response", Stopped: at(-time.Hour)}, apptest.Clock{Target: "resolution", Stopped: at(-time.Minute)})
	f.none = mk()
	return f
}

func (f *slaFixture) list(t *testing.T, fl ticket.Filter) []int64 {
	t.Helper()
	return listAll(t, f.s.Tickets, f.agent, fl)
}

// TestSLAStatesList: each sla: state and due: range lists the tickets in it.
func TestSLAStatesList(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		f := newSLAFixture(t, d)
		for _, c := range []struct {
			q    string
			want []int64
		}{
			{"sla:at_risk", []int64{f.atRisk}},
			{"sla:breached", []int64{f.overdue, f.pastBreach}},
			{"sla:paused", []int64{f.paused}},
			{"sla:met", []int64{f.met}},
			{"sla:at_risk,paused", []int64{f.atRisk, f.paused}},
			{"due:overdue", []int64{f.overdue}},
			{"due:<2h", []int64{f.overdue, f.atRisk}},
			{"due:>4h", []int64{f.onTrackLater, f.pastBreach}},
			{"due:>1h due:<4h", []int64{f.onTrack}},
		} {
			fl := ticket.Filter{Sort: "due_at", Limit: 2}
			if err := fl.ApplySearch(c.q, time.Now()); err != nil {
				t.Fatal(err)
			}
			if got := f.list(t, fl); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.q, got, c.want)
			}
			// Counted, and listed in another order, the conditions are
			// written for the clocks' indexes: the same tickets.
			if n, err := f.s.Tickets.Count(ctx, f.agent, fl); err != nil || n != len(c.want) {
				t.Errorf("%s: count %d, %v, want %d", c.q, n, err, len(c.want))
			}
			fl.Sort = "number"
			if got := f.list(t, fl); !slices.Equal(got, slices.Sorted(slices.Values(c.want))) {
				t.Errorf("%s by number: %v, want %v", c.q, got, c.want)
			}
		}
	})
}

// TestSortDueAt: tickets with a running clock come first, soonest due
// first (or latest, descending); paused, stopped and unmeasured tickets
// come last in both directions, and keyset pages cross from one group to
// the other without losing or repeating a ticket.
func TestSortDueAt(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		f := newSLAFixture(t, d)
		running := []int64{f.overdue, f.atRisk, f.onTrack, f.onTrackLater, f.pastBreach}
		rest := []int64{f.paused, f.met, f.none} // by id, in the sort's direction
		for _, limit := range []int{1, 2, 3, 50} {
			got := f.list(t, ticket.Filter{Sort: "due_at", Limit: limit})
			if want := append(slices.Clone(running), rest...); !slices.Equal(got, want) {
				t.Errorf("due_at, %d a page: %v, want %v", limit, got, want)
			}
			got = f.list(t, ticket.Filter{Sort: "-due_at", Limit: limit})
			want := slices.Clone(running)
			slices.Reverse(want)
			back := slices.Clone(rest)
			slices.Reverse(back)
			if want = append(want, back...); !slices.Equal(got, want) {
				t.Errorf("-due_at, %d a page: %v, want %v", limit, got, want)
			}
		}
	})
}
