package ticket_test

import (
	"math"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
)

// TestListViewPagesAreExact pages through every built-in view in every
// order, 37 rows at a time, over a help desk's mix of 3,000 tickets (many
// ties: four priorities, tickets without a due time): no ticket is
// repeated or skipped (the pages hold as many as Count finds), and each
// follows the one before in the order, ties broken by id in the order's
// direction — across the two walks of -due_at too.
func TestListViewPagesAreExact(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := seedListMix(t, s, 3000, d.Dialect == db.Postgres)
		for _, v := range listViews {
			for _, sort := range listSorts {
				f := v.filter(agent)
				want, err := s.Tickets.Count(ctx, agent, f)
				if err != nil {
					t.Fatal(err)
				}
				f.Sort, f.Limit = sort, 37
				seen := map[int64]bool{}
				var prev *ticket.Ticket
				for pages := 0; ; pages++ {
					ts, next, err := s.Tickets.List(ctx, agent, f)
					if err != nil {
						t.Fatalf("%s %s: %v", v.name, sort, err)
					}
					for _, tk := range ts {
						if seen[tk.ID] {
							t.Fatalf("%s %s: ticket %d repeated on page %d", v.name, sort, tk.Number, pages+1)
						}
						seen[tk.ID] = true
						if prev != nil && !listedAfter(sort, prev, tk) {
							t.Fatalf("%s %s: ticket %d listed after %d, out of order", v.name, sort, tk.Number, prev.Number)
						}
						prev = tk
					}
					if f.Cursor = next; next == "" {
						break
					}
				}
				if len(seen) != want {
					t.Errorf("%s %s: %d tickets over the pages, %d match", v.name, sort, len(seen), want)
				}
			}
		}
	})
}

// listedAfter reports whether b rightly follows a in sort's order.
func listedAfter(sort string, a, b *ticket.Ticket) bool {
	desc := strings.HasPrefix(sort, "-")
	key := func(t *ticket.Ticket) int64 {
		switch strings.TrimPrefix(sort, "-") {
		case "created_at":
			return t.CreatedAt.UnixMicro()
		case "priority":
			return int64(t.Priority)
		case "number":
			return t.Number
		case "due_at":
			switch {
			case t.DueAt != nil:
				return t.DueAt.UnixMicro()
			case desc:
				return -1 // no due time: last either way
			}
			return math.MaxInt64
		}
		return t.UpdatedAt.UnixMicro()
	}
	ka, kb := key(a), key(b)
	if desc {
		return ka > kb || ka == kb && a.ID > b.ID
	}
	return ka < kb || ka == kb && a.ID < b.ID
}
