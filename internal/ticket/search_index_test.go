package ticket_test

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// numbers lists the numbers of the tickets a finds for query in sort.
func numbers(t *testing.T, s *ticket.Service, a *user.Actor, query, sort string) []int64 {
	t.Helper()
	q, err := search.Parse(query)
	if err != nil {
		t.Fatal(err)
	}
	ts, _, err := s.List(ctx, a, ticket.Filter{Text: q, Sort: sort})
	if err != nil {
		t.Fatalf("search %q: %v", query, err)
	}
	out := []int64{}
	for _, tk := range ts {
		out = append(out, tk.Number)
	}
	return out
}

// TestSearchIndexFollowsEveryWrite: the per-ticket search document follows
// a reply, an internal note (which requesters never find), a subject edit,
// a merge and a deleted ticket, and words from different messages of one
// ticket find it together.
func TestSearchIndexFollowsEveryWrite(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		req := apptest.User(t, s, user.RoleRequester, "")
		tk := apptest.Ticket(t, s, req, func(n *ticket.NewTicket) { n.Subject = "Alpha printer"; n.Body = "see subject" })
		other := apptest.Ticket(t, s, req, func(n *ticket.NewTicket) { n.Subject = "Laptop"; n.Body = "see subject" })
		expect := func(a *user.Actor, query string, want ...int64) {
			t.Helper()
			if want == nil {
				want = []int64{}
			}
			for _, sort := range []string{"", "-created_at", "relevance", "number"} {
				if got := numbers(t, s.Tickets, a, query, sort); !slices.Equal(got, want) {
					t.Errorf("%s searching %q (sort %q) found %v, want %v", a.Role, query, sort, got, want)
				}
			}
		}
		expect(agent, "alpha", tk.Number)
		if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Bravo replaced the cartridge."}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Charlie owes us a toner.", Internal: true}); err != nil {
			t.Fatal(err)
		}
		expect(agent, "bravo", tk.Number)
		expect(req, "bravo", tk.Number)
		expect(agent, "charlie", tk.Number)
		expect(req, "charlie")
		expect(req, "bravo charlie")
		expect(agent, "alpha bravo charlie", tk.Number)
		expect(agent, `"cartridge charlie"`) // a phrase never spans two messages

		subject := "Delta scanner"
		if _, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Subject: &subject}, 0); err != nil {
			t.Fatal(err)
		}
		expect(agent, "alpha")
		expect(req, "delta", tk.Number)

		if _, err := s.Tickets.Reply(ctx, agent, other.Number, ticket.NewReply{Body: "Echo keyboard."}); err != nil {
			t.Fatal(err)
		}
		expect(agent, "echo", other.Number)
		if _, err := s.Tickets.Merge(ctx, agent, other.Number, tk.Number); err != nil {
			t.Fatal(err)
		}
		expect(agent, "echo", tk.Number)
		expect(agent, "laptop", other.Number) // the subject stays with the merged ticket

		if _, err := d.W.ExecContext(ctx, d.Rebind(`DELETE FROM tickets WHERE number = $1`), other.Number); err != nil {
			t.Fatal(err)
		}
		expect(agent, "laptop")
		if d.Dialect == db.SQLite {
			if _, err := d.W.ExecContext(ctx, `INSERT INTO search_fts_ticket (search_fts_ticket, rank) VALUES ('integrity-check', 1)`); err != nil {
				t.Fatalf("the full-text index is damaged: %v", err)
			}
		}
	})
}

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

// TestSearchByRelevance: sort=relevance puts the ticket that says the word
// most first, pages through the rest, and needs text.
func TestSearchByRelevance(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		var nums []int64
		for i, body := range []string{"printer", "printer printer printer printer jam", "scanner and printer", "nothing here"} {
			tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Subject = fmt.Sprintf("Request %d", i); n.Body = body })
			nums = append(nums, tk.Number)
		}
		q, _ := search.Parse("printer")
		ts, next, err := s.Tickets.List(ctx, agent, ticket.Filter{Text: q, Sort: "relevance", Limit: 1})
		if err != nil || len(ts) != 1 || ts[0].Number != nums[1] || next == "" {
			t.Fatalf("first by relevance: %v, next %q, %v; want #%d", ts, next, err, nums[1])
		}
		seen := []int64{ts[0].Number}
		for next != "" {
			ts, next, err = s.Tickets.List(ctx, agent, ticket.Filter{Text: q, Sort: "relevance", Limit: 1, Cursor: next})
			if err != nil {
				t.Fatal(err)
			}
			for _, tk := range ts {
				seen = append(seen, tk.Number)
			}
		}
		slices.Sort(seen)
		if !slices.Equal(seen, nums[:3]) {
			t.Errorf("the pages by relevance hold %v, want %v", seen, nums[:3])
		}
		_, _, err = s.Tickets.List(ctx, agent, ticket.Filter{Sort: "relevance"})
		var inv *fault.Invalid
		if !errors.As(err, &inv) || len(inv.Fields) != 1 || inv.Fields[0].Field != "sort" {
			t.Errorf("relevance without text: %v, want a field error on sort", err)
		}
	})
}

// TestRequesterSearchWalksTheirOwnTickets: a requester's search for a word
// in many of everyone's tickets lists exactly their own matches, newest
// first, without reading ever wider windows of everyone's matches (they
// cost 150 ms at 100,000 tickets where walking the requester's own takes 4).
func TestRequesterSearchWalksTheirOwnTickets(t *testing.T) {
	defer ticket.SetTextWindow(4)()
	defer ticket.SetRequesterWindow(4)()
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		req := apptest.User(t, s, user.RoleRequester, "")
		var want []int64
		for i := range 60 {
			tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) {
				n.Subject = fmt.Sprintf("Common word %d", i)
				if i%12 == 5 {
					n.Requester = &ticket.Contact{Email: req.Email}
				}
			})
			if i%12 == 5 {
				want = append([]int64{tk.Number}, want...)
			}
		}
		var windows []string
		s.Tickets.TraceQueries(func(q string, _ []any) {
			if strings.Contains(q, "LIMIT") && (strings.Contains(q, "search_fts_ticket MATCH $1 ORDER BY rowid") || strings.Contains(q, "FROM search_ticket st WHERE st.tsv")) {
				windows = append(windows, q[strings.LastIndex(q, "LIMIT"):])
			}
		})
		q, _ := search.Parse("common")
		f := ticket.Filter{Text: q, Limit: 2}
		var got []int64
		for range 10 {
			ts, next, err := s.Tickets.List(ctx, req, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, tk := range ts {
				got = append(got, tk.Number)
			}
			if next == "" {
				break
			}
			f.Cursor = next
		}
		if !slices.Equal(got, want) {
			t.Errorf("the requester's search listed %v, want %v", got, want)
		}
		for _, w := range windows {
			if w != "LIMIT 5" {
				t.Errorf("a requester's search read a window of everyone's matches: %s (want at most LIMIT 5)", w)
			}
		}
	})
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

// TestRelevanceWeighsSubjectsRepeatsAndRareWords: the rank puts a ticket
// with the word in its subject, or saying it many times, above one that
// mentions it once, and weighs a rare word above a common one — also when
// the common word is past the window (its frequency then estimated) and
// on PostgreSQL, whose statistics give the common word's frequency.
func TestRelevanceWeighsSubjectsRepeatsAndRareWords(t *testing.T) {
	for _, window := range []int{2000, 4} {
		t.Run(fmt.Sprint("window=", window), func(t *testing.T) {
			defer ticket.SetTextWindow(window)()
			apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
				s := apptest.Services(t, d)
				agent := apptest.User(t, s, user.RoleAgent, "")
				mk := func(subject, body string) int64 {
					return apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Subject = subject; n.Body = body }).Number
				}
				subject := mk("Printer offline", "It stopped this morning after the update.")
				many := mk("Help needed", "The printer jams, the printer beeps, and the printer shows an error light.")
				once := mk("Help needed", "Something about the printer is wrong, and the screen flickers too.")
				for i := range 40 {
					mk(fmt.Sprintf("Routine request %d", i), "Please check the laptop when you have a moment.")
				}
				rare := mk("Routine request", "Please check the kerberos ticket, the kerberos realm is wrong; laptop fine.")
				common := mk("Routine request", "Please check the laptop, the laptop again, laptop keeps failing kerberos.")
				if _, err := d.W.ExecContext(ctx, "ANALYZE"); err != nil {
					t.Fatal(err)
				}
				if got := numbers(t, s.Tickets, agent, "printer", "relevance"); len(got) != 3 || got[2] != once {
					t.Errorf("printer by relevance: %v, want #%d (subject) and #%d (three times) before #%d (once)", got, subject, many, once)
				}
				if got := numbers(t, s.Tickets, agent, "laptop kerberos", "relevance"); !slices.Equal(got, []int64{rare, common}) {
					t.Errorf("laptop kerberos by relevance: %v, want #%d (the rare word twice) before #%d (the common word three times)", got, rare, common)
				}
			})
		})
	}
}

// TestRelevanceReadsTheWindowNotTheDoclist: on SQLite a search by
// relevance for a word in every ticket reads at most the window of
// matches from the index, per phrase, and never calls bm25, whose
// document count read every match (0.4–2 s at 1,000,000 tickets).
func TestRelevanceReadsTheWindowNotTheDoclist(t *testing.T) {
	defer ticket.SetTextWindow(4)()
	s := apptest.Services(t, apptest.DB(t, db.SQLite))
	agent := apptest.User(t, s, user.RoleAgent, "")
	for i := range 20 {
		apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Subject = fmt.Sprintf("Common printer word %d", i) })
	}
	s.Tickets.TraceQueries(func(q string, _ []any) {
		if strings.Contains(q, "bm25") {
			t.Errorf("the search calls bm25: %s", q)
		}
		if strings.Contains(q, "search_fts_ticket MATCH") && !strings.HasSuffix(q, "LIMIT 5") {
			t.Errorf("the search reads more than the window from the index: %s", q)
		}
	})
	if got := numbers(t, s.Tickets, agent, "common printer", "relevance"); len(got) != 4 {
		t.Errorf("relevance listed %v, want the newest 4 matches", got)
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

// numbersPaged lists every page of query in sort, limit a page.
func numbersPaged(t *testing.T, s *ticket.Service, a *user.Actor, query, sort string, limit int) []int64 {
	t.Helper()
	q, err := search.Parse(query)
	if err != nil {
		t.Fatal(err)
	}
	return listAll(t, s, a, ticket.Filter{Text: q, Sort: sort, Limit: limit})
}

// listAll lists the numbers of every page of f.
func listAll(t *testing.T, s *ticket.Service, a *user.Actor, f ticket.Filter) []int64 {
	t.Helper()
	var out []int64
	for {
		ts, next, err := s.List(ctx, a, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range ts {
			out = append(out, tk.Number)
		}
		if next == "" {
			return out
		}
		f.Cursor = next
	}
}

// TestFTSMergesSixteenSegmentsAtATime: a new SQLite database's ticket
// index merges 16 segments of a level at a time as it writes (migration
// 0053), not FTS5's default 4, whose merging took 40 % of a create's CPU
// at a million tickets; its "merge" command, two (0057).
func TestFTSMergesSixteenSegmentsAtATime(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	var v int
	if err := d.R.QueryRowContext(ctx, `SELECT v FROM search_fts_ticket_config WHERE k = 'automerge'`).Scan(&v); err != nil || v != 16 {
		t.Fatalf("automerge %d, %v; want 16", v, err)
	}
	// The background merge (MergeIndex) merges a level once it holds two.
	if err := d.R.QueryRowContext(ctx, `SELECT v FROM search_fts_ticket_config WHERE k = 'usermerge'`).Scan(&v); err != nil || v != 2 {
		t.Fatalf("usermerge %d, %v; want 2", v, err)
	}
}
