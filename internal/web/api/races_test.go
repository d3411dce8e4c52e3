package api_test

import (
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/docket/docket/client"
)

// Regression tests for bugs found while writing the API tests: races on
// PostgreSQL and answers that named the wrong thing.

// Concurrent links of one pair, from either side: exactly one succeeds and
// the rest get 409 (a unique index on the unordered pair decides).
func TestConcurrentLinks(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		for range 5 {
			a := f.ticket(t, client.NewTicket{})
			b := f.ticket(t, client.NewTicket{})
			statuses := make([]int, 6)
			var wg sync.WaitGroup
			for i := range statuses {
				wg.Go(func() {
					from, to := a.Number, b.Number
					if i%2 == 1 {
						from, to = to, from
					}
					_, err := f.admin.AddLink(ctx, from, client.LinkRelated, to)
					statuses[i] = http.StatusCreated
					if err != nil {
						statuses[i] = client.StatusOf(err)
					}
				})
			}
			wg.Wait()
			created, other := 0, 0
			for _, s := range statuses {
				switch s {
				case http.StatusCreated:
					created++
				case http.StatusConflict:
				default:
					other++
				}
			}
			if other > 0 {
				t.Errorf("statuses %v: want 201 or 409 only", statuses)
			}
			ls, err := f.admin.Links(ctx, a.Number)
			check(t, err)
			if created != 1 || len(ls) != 1 {
				t.Errorf("%d links created (%d listed) for one pair, want 1", created, len(ls))
			}
		}
	})
}

// Concurrent creates of one name: one 201, the rest 422 naming the field,
// never a 500 from the unique index.
func TestConcurrentDuplicateNames(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		creates := map[string]func(i int) error{
			"team": func(int) error { _, err := f.admin.CreateTeam(ctx, client.NewTeam{Name: "Same"}); return err },
			"organization": func(int) error {
				_, err := f.admin.CreateOrganization(ctx, client.NewOrganization{Name: "Same"})
				return err
			},
			"category": func(int) error { _, err := f.admin.CreateCategory(ctx, client.NewCategory{Name: "Same"}); return err },
			"custom field": func(int) error {
				_, err := f.admin.CreateCustomField(ctx, client.NewCustomField{Key: "same", Label: "Same", Type: "text"})
				return err
			},
			"user": func(int) error {
				_, err := f.admin.CreateUser(ctx, client.NewUser{Email: "same@example.test"})
				return err
			},
		}
		for name, create := range creates {
			t.Run(name, func(t *testing.T) {
				for round := range 3 {
					statuses := make([]int, 10)
					var wg sync.WaitGroup
					for i := range statuses {
						wg.Go(func() {
							statuses[i] = http.StatusCreated
							if err := create(i); err != nil {
								statuses[i] = client.StatusOf(err)
							}
						})
					}
					wg.Wait()
					for _, s := range statuses {
						if s != http.StatusCreated && s != http.StatusUnprocessableEntity {
							t.Fatalf("round %d: statuses %v, want 201 and 422 only", round, statuses)
						}
					}
				}
			})
		}
	})
}

// An agent may hand a ticket to a restricted team they are not in; the
// change is kept and answered with 200, though they cannot see it afterwards.
func TestHandOffToRestrictedTeam(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		_, err := f.admin.CreateTeam(ctx, client.NewTeam{Name: "Security", Restricted: true})
		check(t, err)
		tk := f.ticket(t, client.NewTicket{})
		_, err = f.agentC.UpdateTicket(ctx, tk.Number, client.TicketPatch{Team: client.Ptr("Security")})
		if client.StatusOf(err) == http.StatusNotFound {
			t.Errorf("moving a visible ticket to a restricted team: %v", err)
		}
	})
}

// A reply's Location names the ticket the message landed on (the survivor
// of a merge, or the follow-up of a closed ticket), not the one in the URL.
func TestReplyLocation(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		a := f.ticket(t, client.NewTicket{})
		b := f.ticket(t, client.NewTicket{})
		_, err := f.admin.Merge(ctx, a.Number, b.Number)
		check(t, err)
		var m client.Message
		r, err := f.admin.Do(ctx, http.MethodPost, ticketURL(a.Number)+"/messages", client.NewMessage{Body: "x"}, &m)
		check(t, err)
		if want := "/api/v1/tickets/" + strconv.FormatInt(m.Ticket, 10) + "/messages"; r.Header.Get("Location") != want {
			t.Errorf("Location %q, want %q", r.Header.Get("Location"), want)
		}
	})
}
