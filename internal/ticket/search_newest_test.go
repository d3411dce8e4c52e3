package ticket_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestSearchNewestFirstIsExactForCommonWords: with a window of a few
// matches, a word in every ticket is listed in exactly the order (and
// pages) of the same list without text (less the tickets without the
// word), also when an old ticket's activity moves it to the top — among
// old tickets without the word that activity moved too — and when a
// filter passes few tickets of the window.
func TestSearchNewestFirstIsExactForCommonWords(t *testing.T) {
	defer ticket.SetTextWindow(4)()
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		// Old tickets without the word, which activity brings to the top
		// too (below).
		unrelated := map[int64]bool{}
		for i := range 6 {
			tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Subject, n.Body = fmt.Sprintf("Unrelated %d", i), "Nothing shared." })
			unrelated[tk.Number] = true
		}
		var tks []*ticket.Ticket
		for i := range 30 {
			tks = append(tks, apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) {
				n.Subject = fmt.Sprintf("Common word %d", i)
				if i%7 == 0 {
					n.Priority = "p1"
				}
			}))
		}
		// Activity on old tickets puts them first by -updated_at.
		for _, i := range []int{2, 11} {
			if _, err := s.Tickets.Reply(ctx, agent, tks[i].Number, ticket.NewReply{Body: "Still common."}); err != nil {
				t.Fatal(err)
			}
		}
		for num := range unrelated {
			if _, err := s.Tickets.Reply(ctx, agent, num, ticket.NewReply{Body: "Still nothing shared."}); err != nil {
				t.Fatal(err)
			}
		}
		q, _ := search.Parse("common")
		for _, f := range []ticket.Filter{
			{Sort: "-updated_at", Limit: 2},
			{Sort: "-created_at", Limit: 2},
			{Sort: "-updated_at", Limit: 3, Priority: []ticket.Priority{1}},
			{Sort: "priority", Limit: 7},
		} {
			var want, got []int64
			for _, text := range []bool{false, true} {
				g := f
				if text {
					g.Text = q
				}
				var all []int64
				for page := 0; page < 20; page++ {
					ts, next, err := s.Tickets.List(ctx, agent, g)
					if err != nil {
						t.Fatal(err)
					}
					for _, tk := range ts {
						if !unrelated[tk.Number] || text {
							all = append(all, tk.Number)
						}
					}
					if next == "" {
						break
					}
					g.Cursor = next
				}
				if text {
					got = all
				} else {
					want = all
				}
			}
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("%+v: the search listed\n%v\nthe list without text\n%v", f, got, want)
			}
		}
	})
}

// TestOlderMatchesReadNarrowRanges: on SQLite, the old tickets that
// activity brought to the top of a newest-first search are matched over
// ranges of the full-text index that skip the wide gaps between them, not
// one range from the oldest to the newest (a common word in every ticket
// between: 130 ms at a million tickets for a cluster of closed tickets and
// a few replies far from it); the page's rows are read once, not the
// window's page and the older matches' page both.
func TestOlderMatchesReadNarrowRanges(t *testing.T) {
	defer ticket.SetTextWindow(4)()
	d := apptest.DB(t, db.SQLite)
	s := apptest.Services(t, d)
	agent := apptest.User(t, s, user.RoleAgent, "")
	common := func(i int) func(*ticket.NewTicket) {
		return func(n *ticket.NewTicket) { n.Subject = fmt.Sprintf("Common word %d", i) }
	}
	var old []*ticket.Ticket
	for i := range 6 {
		old = append(old, apptest.Ticket(t, s, agent, common(i)))
	}
	// Hundreds of tickets between the old ones and the next.
	if err := apptest.BulkTickets(ctx, d, 400, "'closed'", fmt.Sprint(agent.ID), "NULL", "NULL"); err != nil {
		t.Fatal(err)
	}
	far := apptest.Ticket(t, s, agent, common(6))
	for i := range 8 {
		apptest.Ticket(t, s, agent, common(7+i)) // the window's newest
	}
	for _, tk := range append(old, far) {
		if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Still common."}); err != nil {
			t.Fatal(err)
		}
	}
	var spans []int64
	rowReads := 0
	s.Tickets.TraceQueries(func(query string, args []any) {
		if strings.Contains(query, "MATCH $1 AND rowid >= $2 AND rowid <= $3") {
			spans = append(spans, args[2].(int64)-args[1].(int64)+1)
		}
		if strings.Contains(query, "t.uid") {
			rowReads++
		}
	})
	defer s.Tickets.TraceQueries(nil)
	q, _ := search.Parse("common")
	ts, _, err := s.Tickets.List(ctx, agent, ticket.Filter{Text: q, Sort: "-updated_at", Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, tk := range ts {
		got = append(got, tk.Number)
	}
	if want := []int64{far.Number, old[5].Number, old[4].Number}; !slices.Equal(got, want) {
		t.Fatalf("the search listed %v, want %v", got, want)
	}
	var read int64
	for _, n := range spans {
		read += n
	}
	if len(spans) == 0 || read > 20 {
		t.Errorf("the old tickets were matched over ranges of %v ids (%d in all); want the two clusters alone", spans, read)
	}
	// The window's page and the older matches are ids until the page is
	// known: its rows are read once.
	if rowReads != 1 {
		t.Errorf("the search read tickets' rows in %d statements, want 1", rowReads)
	}
}

// TestOneWordReadsASmallWindowFirst: on SQLite a search for one word,
// newest first, reads the word's newest textWindow/8 matches first, and
// the whole window only when those lie so far apart that the page's last
// row would be far down the order (walkPast); either way the page is the
// word's newest tickets.
func TestOneWordReadsASmallWindowFirst(t *testing.T) {
	defer ticket.SetTextWindow(16)()
	d := apptest.DB(t, db.SQLite)
	s := apptest.Services(t, d)
	agent := apptest.User(t, s, user.RoleAgent, "")
	subject := func(text string) func(*ticket.NewTicket) {
		return func(n *ticket.NewTicket) { n.Subject = text }
	}
	a := apptest.Ticket(t, s, agent, subject("Sparse word a"))
	b := apptest.Ticket(t, s, agent, subject("Sparse word b"))
	if err := apptest.BulkTickets(ctx, d, 10000, "'closed'", fmt.Sprint(agent.ID), "NULL", "NULL"); err != nil {
		t.Fatal(err)
	}
	c := apptest.Ticket(t, s, agent, subject("Sparse word c"))
	var common []int64
	for i := range 20 {
		common = append(common, apptest.Ticket(t, s, agent, subject(fmt.Sprintf("Common word %d", i))).Number)
	}
	slices.Reverse(common)
	var windows []int
	s.Tickets.TraceQueries(func(query string, args []any) {
		if strings.Contains(query, "MATCH $1 ORDER BY rowid DESC LIMIT ") {
			n, _ := strconv.Atoi(query[strings.LastIndex(query, " ")+1:])
			windows = append(windows, n)
		}
	})
	defer s.Tickets.TraceQueries(nil)
	for _, c := range []struct {
		word    string
		want    []int64
		windows []int
	}{
		{"common", common[:3], []int{3}},                                // 2 matches and one more, close together
		{"sparse", []int64{c.Number, b.Number, a.Number}, []int{3, 17}}, // b and c 10,000 tickets apart
	} {
		windows = nil
		q, _ := search.Parse(c.word)
		var got []int64
		f := ticket.Filter{Text: q, Sort: "-updated_at", Limit: 1}
		for page := 0; len(got) < len(c.want); page++ {
			ts, next, err := s.Tickets.List(ctx, agent, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, tk := range ts {
				got = append(got, tk.Number)
			}
			if page == 0 && !slices.Equal(windows, c.windows) {
				t.Errorf("%q read windows of %v matches, want %v", c.word, windows, c.windows)
			}
			if next == "" {
				break
			}
			f.Cursor = next
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q listed %v, want %v", c.word, got, c.want)
		}
	}
}

// TestIDRanges: the ranges hold every id, cut at the widest gaps wider
// than the gap, at most n of them.
func TestIDRanges(t *testing.T) {
	for _, c := range []struct {
		ids  []int64
		n    int
		gap  int64
		want [][2]int64
	}{
		{nil, 4, 10, nil},
		{[]int64{5}, 4, 10, [][2]int64{{5, 5}}},
		{[]int64{9, 1, 5}, 4, 10, [][2]int64{{1, 9}}},
		{[]int64{300, 1, 2, 3}, 4, 10, [][2]int64{{1, 3}, {300, 300}}},
		{[]int64{1, 100, 120, 500, 1000}, 3, 10, [][2]int64{{1, 120}, {500, 500}, {1000, 1000}}},
		{[]int64{1, 100, 120, 500, 1000}, 1, 10, [][2]int64{{1, 1000}}},
		{[]int64{1, 12, 23, 34}, 4, 10, [][2]int64{{1, 1}, {12, 12}, {23, 23}, {34, 34}}},
		{[]int64{1, 11, 21, 31}, 4, 10, [][2]int64{{1, 31}}},
	} {
		if got := ticket.IDRanges(c.ids, c.n, c.gap); !slices.Equal(got, c.want) {
			t.Errorf("IDRanges(%v, %d, %d) = %v, want %v", c.ids, c.n, c.gap, got, c.want)
		}
	}
}

// TestKnownMatchesAreNotMatchedAgain: on SQLite, once the index gave every
// match, the page is chosen among those ids without testing each ticket
// against the words again — a check per row that cost a quarter of a
// second for two words at 9,000 tickets.
func TestKnownMatchesAreNotMatchedAgain(t *testing.T) {
	s := apptest.Services(t, apptest.DB(t, db.SQLite))
	agent := apptest.User(t, s, user.RoleAgent, "")
	for i := range 5 {
		apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Subject = fmt.Sprintf("Password email %d", i) })
	}
	matches := 0
	s.Tickets.TraceQueries(func(q string, _ []any) { matches += strings.Count(q, "MATCH") })
	q, _ := search.Parse("password email")
	ts, _, err := s.Tickets.List(ctx, agent, ticket.Filter{Text: q, Limit: 50})
	if err != nil || len(ts) != 5 {
		t.Fatalf("%d tickets, %v", len(ts), err)
	}
	if matches != 1 {
		t.Errorf("the search ran %d full-text matches, want 1 (the index's)", matches)
	}
}

// TestSearchNewestFirstIsExactForMixedWords: a common word with a rarer
// one, newest first, lists exactly the tickets with both in the order
// (and pages) of the same list without text, when the window holds only
// the newest few matches and the rest are found along the walk — also
// after old tickets' activity moves them to the top.
func TestSearchNewestFirstIsExactForMixedWords(t *testing.T) {
	defer ticket.SetTextWindow(16)() // two words: a window of 2
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		both := map[int64]bool{}
		var tks []*ticket.Ticket
		for i := range 40 {
			tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) {
				n.Subject = fmt.Sprintf("Common word %d", i)
				if i%3 == 0 {
					n.Body = "The quota is exceeded."
				}
			})
			tks = append(tks, tk)
			if i%3 == 0 {
				both[tk.Number] = true
			}
		}
		for _, i := range []int{3, 10, 21} { // 3 and 21 have both words
			if _, err := s.Tickets.Reply(ctx, agent, tks[i].Number, ticket.NewReply{Body: "Still common."}); err != nil {
				t.Fatal(err)
			}
		}
		for _, sort := range []string{"-updated_at", "-created_at"} {
			var want []int64
			for _, n := range numbersPaged(t, s.Tickets, agent, "", sort, 100) {
				if both[n] {
					want = append(want, n)
				}
			}
			if got := numbersPaged(t, s.Tickets, agent, "common quota", sort, 3); !slices.Equal(got, want) {
				t.Errorf("%s: the search listed\n%v\nwant\n%v", sort, got, want)
			}
		}
	})
}
