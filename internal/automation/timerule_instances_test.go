package automation_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestTimeRuleOnceAcrossTwoInstances: two instances sharing one
// PostgreSQL database run the time rules at the same time, again and
// again; each ticket gets the rule's note once.
func TestTimeRuleOnceAcrossTwoInstances(t *testing.T) {
	ctx := context.Background()
	url := apptest.PostgresURL(t)
	open := func() *db.DB {
		d, err := db.Open(ctx, db.Options{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	clock := &fakeClock{t: time.Now()}
	one, two := timeServices(t, open(), clock), timeServices(t, open(), clock)
	admin := apptest.User(t, one, user.RoleAdmin, "")
	mustTimeRule(t, one, admin, "Nudge pending", automation.SinceStatusChanged, 60, 0, pendingFor, noteAction("Still pending."))
	var tickets []*ticket.Ticket
	for range 30 {
		tk := apptest.Ticket(t, one, admin)
		setStatus(t, one, admin, tk.Number, ticket.StatusPending)
		tickets = append(tickets, tk)
	}
	clock.Set(time.Now().Add(2 * time.Hour))
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for _, s := range []*automation.TimeRules{one.TimeRules, two.TimeRules} {
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Run(ctx)
				errs <- err
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, tk := range tickets {
		if n := notes(t, two, admin, tk.Number, "Still pending."); n != 1 {
			t.Errorf("ticket %d: %d notes, want 1", tk.Number, n)
		}
	}
}
