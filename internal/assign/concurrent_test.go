package assign_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/assign"
	"github.com/docket/docket/internal/db"
)

// Two instances (two sets of services; on PostgreSQL each with its own
// connections) assigning the same team's tickets at once — their
// consumers draining the queue and rules assigning tickets directly —
// never give an agent more than the cap, and the rotation goes A, B, C,
// A, B, C… without repeating or skipping anyone.
func TestTwoInstancesKeepCapsAndRotation(t *testing.T) {
	for _, dialect := range apptest.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			var d1, d2 *db.DB
			if dialect == db.Postgres {
				url := apptest.PostgresURL(t)
				for _, p := range []**db.DB{&d1, &d2} {
					d, err := db.Open(ctx, db.Options{URL: url})
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { d.Close() })
					*p = d
				}
			} else {
				d1 = apptest.DB(t, db.SQLite)
				d2 = d1 // one file, one writer: two sets of services share it
			}
			s1, s2 := apptest.Services(t, d1), apptest.Services(t, d2)
			const agents, cap, tickets = 3, 3, 12
			k := newDesk(t, s1, "Service Desk", agents, assign.Off, cap)
			var nums []int64
			for range tickets {
				nums = append(nums, k.ticket(t).Number)
			}
			k.set(t, assign.RoundRobin, cap) // both consumers start draining…
			var wg sync.WaitGroup
			errs := make(chan error, tickets)
			for i, n := range nums { // …while rules on both assign directly
				s := []*app.Services{s1, s2}[i%2]
				wg.Add(1)
				go func() {
					defer wg.Done()
					for attempt := 0; ; attempt++ {
						_, err := s.Assign.Assign(ctx, n)
						if err != nil && db.IsRetryable(err) && attempt < 5 {
							continue
						}
						if err != nil {
							errs <- fmt.Errorf("assign #%d: %w", n, err)
						}
						return
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			settle(t, s1)
			settle(t, s2)
			load := map[string]int{}
			for _, n := range nums {
				load[assignee(t, s1, n)]++
			}
			for _, a := range k.agents {
				if load[a.Email] != cap {
					t.Errorf("%s has %d tickets, want the cap, %d", a.Name, load[a.Email], cap)
				}
			}
			if load[""] != tickets-agents*cap {
				t.Errorf("%d tickets wait, want %d", load[""], tickets-agents*cap)
			}
			// The order of the assignments, as committed.
			rows, err := d1.R.QueryContext(ctx, d1.Rebind(`SELECT new_value FROM ticket_events WHERE field = 'assignee' AND actor_name = $1 ORDER BY id`), assign.Actor.Name)
			if err != nil {
				t.Fatal(err)
			}
			order, err := db.Collect(rows, func(sc db.Scanner) (string, error) {
				var s string
				return s, sc.Scan(&s)
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(order) != agents*cap {
				t.Fatalf("%d automatic assignments, want %d", len(order), agents*cap)
			}
			for i, e := range order {
				if want := k.agents[i%agents].Email; e != want {
					t.Errorf("assignment %d went to %s, want %s (rotation %v)", i, e, want, order)
					break
				}
			}
		})
	}
}
