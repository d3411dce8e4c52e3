package ticket_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// Concurrent updates that touch child rows (tags, followers) in different
// orders used to deadlock on PostgreSQL and answer 500.
func TestConcurrentTagUpdatesDoNotDeadlock(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		tk := apptest.Ticket(t, s, agent)
		all := []string{"a", "b", "c", "d", "e"}
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				var tags []string
				for _, x := range all {
					if rand.IntN(2) == 0 {
						tags = append(tags, x)
					}
				}
				followers := []string{fmt.Sprintf("f%d@example.test", i%3), fmt.Sprintf("f%d@example.test", (i+1)%3)}
				if _, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Tags: &tags, Followers: &followers}, 0); err != nil {
					errs <- err
				}
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

func TestConcurrentOppositeMerges(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		for round := 0; round < 5; round++ {
			a, b := apptest.Ticket(t, s, agent), apptest.Ticket(t, s, agent)
			var wg sync.WaitGroup
			results := make(chan error, 2)
			for _, pair := range [][2]int64{{a.Number, b.Number}, {b.Number, a.Number}} {
				wg.Add(1)
				go func(from, into int64) {
					defer wg.Done()
					_, err := s.Tickets.Merge(ctx, agent, from, into)
					results <- err
				}(pair[0], pair[1])
			}
			wg.Wait()
			close(results)
			ok := 0
			for err := range results {
				switch {
				case err == nil:
					ok++
				case !errors.Is(err, fault.ErrConflict):
					t.Fatalf("merge race answered %v, want success or conflict", err)
				}
			}
			if ok != 1 {
				t.Fatalf("round %d: %d merges succeeded, want exactly 1", round, ok)
			}
		}
	})
}

func TestTextWithControlCharactersIsRefused(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		_, err := s.Tickets.Create(ctx, admin, ticket.NewTicket{Subject: "a\x00b", Body: "x\x00y", Requester: &ticket.Contact{Email: "n@example.test"}})
		if fieldMsg(err, "subject") == "" || fieldMsg(err, "body") == "" {
			t.Fatalf("NUL in subject and body: %v", err)
		}
		name := "bad\x00name"
		if _, err := s.Tickets.CreateCategory(ctx, admin, ticket.CategoryInput{Name: &name}); fieldMsg(err, "name") == "" {
			t.Fatalf("NUL in a category name: %v", err)
		}
		if _, err := s.Users.CreateTeam(ctx, admin, user.TeamInput{Name: &name}); fieldMsg(err, "name") == "" {
			t.Fatalf("NUL in a team name: %v", err)
		}
	})
}

func TestTagFiltersAreBounded(t *testing.T) {
	s := apptest.Services(t, apptest.DB(t, db.SQLite))
	agent := apptest.User(t, s, user.RoleAgent, "")
	apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Tags = []string{"a", "b"} })
	apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Tags = []string{"a"} })
	got, _, err := s.Tickets.List(ctx, agent, ticket.Filter{Tag: []string{"a", "b", "A"}})
	if err != nil || len(got) != 1 {
		t.Fatalf("tags a+b: %d tickets, %v; want 1", len(got), err)
	}
	many := make([]string, 1500)
	for i := range many {
		many[i] = fmt.Sprint("t", i)
	}
	if _, _, err := s.Tickets.List(ctx, agent, ticket.Filter{Tag: many}); fieldMsg(err, "tag") == "" {
		t.Fatalf("1500 tags: %v, want a field error", err)
	}
	huge := strings.Split(strings.Repeat("x,", 100000), ",")
	if _, err := s.Tickets.Create(ctx, agent, ticket.NewTicket{Subject: "s", Body: "b", Tags: huge, Requester: &ticket.Contact{Email: "z@example.test"}}); fieldMsg(err, "tags") == "" {
		t.Fatalf("100,000 tags: %v", err)
	}
}
