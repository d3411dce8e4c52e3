package ticket_test

// Pages after a cursor: where the page starts in the order's index.

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// seeksPastCursor matches a SQLite plan's search of an order's index from
// a cursor's value and ticket: the value's equality, then the id.
var seeksPastCursor = regexp.MustCompile(`SEARCH t USING INDEX tickets_\w+ \(.*(priority|<expr>)=\? AND id[<>]\?\)`)

// TestListPagesSeekPastTheirCursor: on SQLite, a walked list's page after
// a cursor whose value many tickets share — a priority, or in due order
// the tickets without a due time — starts its index at the cursor's
// ticket (the value's equality, then the id). SQLite seeks an index only
// on a row value's first column, so "(value, id) > (v, id)" read past every
// ticket of the value listed before: "Unassigned" by due time took 36–44
// ms for its twelfth page at a million tickets, growing with every page.
// Every page stays exact (TestListViewPagesAreExact, and the pages here
// are checked in order too).
func TestListPagesSeekPastTheirCursor(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	s := apptest.Services(t, d)
	agent := seedListMix(t, s, 5000, false)
	// Thousands resolved, walked on their own indexes.
	if _, err := d.W.ExecContext(ctx, `UPDATE tickets SET status = 'resolved', closed_at = NULL WHERE status = 'closed' AND id % 3 = 0`); err != nil {
		t.Fatal(err)
	}
	plans := tracePlans(t, s, d, func() string { return "" })
	views := append(slices.Clone(listViews), listView{"all resolved", func(*user.Actor) ticket.Filter {
		return ticket.Filter{Status: []ticket.Status{ticket.StatusResolved}}
	}})
	for _, v := range views {
		if v.name != "unassigned" && v.name != "open" && v.name != "team" && v.name != "all resolved" {
			continue // an assignee's index, or few tickets read by id (this desk's pending)
		}
		for _, sort := range []string{"priority", "-priority", "due_at"} {
			f := v.filter(agent)
			f.Sort, f.Limit = sort, 20
			seeks, shared := 0, 0
			var last *ticket.Ticket
			for page := 1; page <= 100; page++ {
				*plans = nil
				got, next, err := s.Tickets.List(ctx, agent, f)
				if err != nil {
					t.Fatalf("%s %s: %v", v.name, sort, err)
				}
				for _, tk := range got {
					if last != nil && !listedAfter(sort, last, tk) {
						t.Fatalf("%s %s, page %d: #%d listed after #%d", v.name, sort, page, tk.Number, last.Number)
					}
					last = tk
				}
				if f.Cursor != "" && sharedCursorValue(t, f.Cursor) {
					shared++
					if slices.ContainsFunc(*plans, seeksPastCursor.MatchString) {
						seeks++
					} else {
						t.Errorf("%s %s, page %d: does not seek past the cursor's ticket\n%s", v.name, sort, page, strings.Join(*plans, "\n"))
					}
				}
				if f.Cursor = next; next == "" {
					break
				}
			}
			if shared == 0 {
				t.Errorf("%s %s: no page after a value other tickets share", v.name, sort)
			}
		}
	}
}

// sharedCursorValue reports whether a list's cursor (base64 of its JSON)
// is at a value many tickets share: any priority, or no due time.
func sharedCursorValue(t *testing.T, cursor string) bool {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	var c struct {
		Sort string `json:"s"`
		V    int64  `json:"v"`
	}
	if err != nil || json.Unmarshal(b, &c) != nil {
		t.Fatalf("cursor %q: %v", cursor, err)
	}
	return strings.HasSuffix(c.Sort, "priority") || c.V == math.MaxInt64
}
