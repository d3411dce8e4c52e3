package ticket_test

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestPostgresRareWordPlanUsesTheTextIndex: on PostgreSQL a search for a
// word in one ticket of 20,000 reads the GIN index, and no query of it
// walks the recency index filtering every ticket (the plan that took 11 s
// at a million tickets). A one-row page and random_page_cost 1.1 (an SSD's
// usual setting) make that walk the planner's choice at this size when the
// query lets it choose: with the previous query shape (the words as a
// subquery of the list) this test fails.
func TestPostgresRareWordPlanUsesTheTextIndex(t *testing.T) {
	d := apptest.DB(t, db.Postgres)
	s := apptest.Services(t, d)
	agent := apptest.User(t, s, user.RoleAgent, "")
	if err := apptest.BulkTickets(ctx, d, 20000, "'open'", "(SELECT MIN(id) FROM users)", "NULL", "NULL"); err != nil {
		t.Fatal(err)
	}
	rare := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Subject = "Zanzibar gateway"; n.Body = "see subject" })
	_, pool := d.Pools()
	conn, err := pool.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{`ANALYZE`, `SET random_page_cost = 1.1`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var plans []string
	s.Tickets.TraceQueries(func(query string, args []any) {
		plans = append(plans, explained(t, conn, query, args))
	})
	defer s.Tickets.TraceQueries(nil)
	for _, sort := range []string{"-updated_at", "-created_at", "relevance"} {
		plans = nil
		q, _ := search.Parse("zanzibar")
		ts, _, err := s.Tickets.List(ctx, agent, ticket.Filter{Text: q, Sort: sort, Limit: 1, Status: []ticket.Status{ticket.StatusOpen, ticket.StatusNew}})
		if err != nil || len(ts) != 1 || ts[0].Number != rare.Number {
			t.Fatalf("%s: found %v, %v", sort, ts, err)
		}
		all := strings.Join(plans, "\n----\n")
		if !strings.Contains(all, "search_ticket_fts") {
			t.Errorf("%s: no plan reads the text index:\n%s", sort, all)
		}
		for _, walk := range []string{"tickets_updated", "tickets_created", "tickets_status_updated", "tickets_active_updated", "Seq Scan on tickets"} {
			if strings.Contains(all, walk) {
				t.Errorf("%s: a plan walks %s:\n%s", sort, walk, all)
			}
		}
	}
	// A count of the matches (the queue's total, a saved view's count in
	// the menu, a bulk action's) reads them from the text index too: its
	// first column is the tsvector (migration 0066; an index of the
	// tsvector joined with the blocks left counts a sequential scan).
	plans = nil
	q, _ := search.Parse("zanzibar")
	if n, err := s.Tickets.Count(ctx, agent, ticket.Filter{Text: q}); err != nil || n != 1 {
		t.Fatalf("count: %d, %v", n, err)
	}
	if all := strings.Join(plans, "\n----\n"); !strings.Contains(all, "search_ticket_fts") {
		t.Errorf("count: no plan reads the text index:\n%s", all)
	}
}

// TestPostgresWordsAreOneProbePerTicket: on PostgreSQL every query of a
// three-word search, newest first or by relevance, holds one full-text
// condition (the ticket's own tsvector, search_ticket), not one EXISTS per
// phrase over the ticket's documents; and the word statistics are read
// once for several searches, not per search.
func TestPostgresWordsAreOneProbePerTicket(t *testing.T) {
	d := apptest.DB(t, db.Postgres)
	s := apptest.Services(t, d)
	agent := apptest.User(t, s, user.RoleAgent, "")
	var want []int64
	for i := range 12 {
		tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) {
			n.Subject = "Printer request"
			n.Body = "Please check the quota."
			if i%3 == 0 {
				n.Body = "Please check the printer quota, kerberos too."
			}
		})
		if i%3 == 0 {
			want = append([]int64{tk.Number}, want...)
		}
	}
	stats := 0
	s.Tickets.TraceQueries(func(query string, _ []any) {
		if strings.Contains(query, "pg_stats") {
			stats++
		}
		if n := strings.Count(query, "tsv @@"); n > 1 {
			t.Errorf("a query holds %d full-text conditions, want 1:\n%s", n, query)
		}
	})
	defer s.Tickets.TraceQueries(nil)
	for _, sort := range []string{"-updated_at", "-created_at", "relevance"} {
		if got := numbers(t, s.Tickets, agent, "please kerberos printer", sort); len(got) != len(want) {
			t.Errorf("%s: found %v, want %v in some order", sort, got, want)
		}
	}
	if stats != 1 {
		t.Errorf("three searches read the word statistics %d times, want once", stats)
	}
}

// TestPostgresCommonWordIsWalked: a word ANALYZE counts in every ticket
// is looked up by its stem ("please" is indexed as "pleas"), so the
// search walks the recency index instead of reading the text index first
// (a million matches at 1,000,000 tickets). The walk is planned for its
// words, not on G with a plan kept for any: that plan read All open's
// every match of a common word from the text index, joined and sorted
// them (5.5 s at a million tickets against 4 ms).
func TestPostgresCommonWordIsWalked(t *testing.T) {
	d := apptest.DB(t, db.Postgres)
	s := apptest.Services(t, d)
	g := oneSession(d)
	agent := apptest.User(t, s, user.RoleAgent, "")
	for i := range 30 {
		apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Subject = "Request " + strings.Repeat("x", i+1); n.Body = "Please help." })
	}
	if _, err := d.W.ExecContext(ctx, "ANALYZE search_ticket"); err != nil {
		t.Fatal(err)
	}
	s.Tickets.TraceQueries(func(query string, _ []any) {
		if strings.Contains(query, "FROM search_ticket st WHERE st.tsv") {
			t.Errorf("the search read the text index first for a word in every ticket:\n%s", query)
		}
	})
	defer s.Tickets.TraceQueries(nil)
	if got := numbers(t, s.Tickets, agent, "please", "-updated_at"); len(got) != 30 {
		t.Errorf("found %d tickets, want 30", len(got))
	}
	for _, p := range sessionStatements(t, g, "search_ticket") {
		t.Errorf("a search's statement on G's session, planned for any words:\n%s", p.text)
	}
}

// TestPostgresSeveralWordsReadTheIndexOnce: a search of a word the
// statistics do not know (zulu, in 100 of 4,000 tickets) and a common one
// reads its matches from the text index first, once: GIN reads every
// match's posting before it returns one, so a window read again bigger
// (an eighth of it first, as on SQLite) read them twice. Two common words
// walk, even when they seldom meet (alpha and bravo, each in about 30 %,
// together in 100): reading those first answered fewer searches a second
// at a million tickets (readFirst).
func TestPostgresSeveralWordsReadTheIndexOnce(t *testing.T) {
	defer ticket.SetTextWindow(500)()
	s, agent := wordsDesk(t,
		`UPDATE search_docs SET terms = terms || ' alpha' WHERE ticket_id IN (SELECT id FROM tickets WHERE number % 10 < 3)`,
		`UPDATE search_docs SET terms = terms || ' bravo' WHERE ticket_id IN (SELECT id FROM tickets WHERE number % 10 BETWEEN 3 AND 5 OR number % 40 = 1)`,
		`ANALYZE search_ticket`,
		// After ANALYZE: the statistics do not know it.
		`UPDATE search_docs SET terms = terms || ' zulu' WHERE ticket_id IN (SELECT id FROM tickets WHERE number % 40 = 1)`,
	)
	var first int
	var walked bool
	s.Tickets.TraceQueries(func(query string, _ []any) {
		if strings.Contains(query, "FROM search_ticket st WHERE st.tsv") {
			first++
		}
		walked = walked || strings.Contains(query, "EXISTS (SELECT 1 FROM search_ticket st WHERE st.ticket_id = t.id")
	})
	defer s.Tickets.TraceQueries(nil)
	for _, c := range []struct {
		words string
		want  int
		reads int // the index first, how many times
	}{{"alpha zulu", 50, 1}, {"alpha bravo", 50, 0}, {"alpha", 50, 0}} {
		first, walked = 0, false
		q, _ := search.Parse(c.words)
		ts, _, err := s.Tickets.List(ctx, agent, ticket.Filter{Text: q, Sort: "-updated_at", Limit: 50})
		if err != nil || len(ts) != c.want {
			t.Fatalf("%q: %d tickets, %v; want %d", c.words, len(ts), err, c.want)
		}
		if first != c.reads || walked != (c.reads == 0) {
			t.Errorf("%q: read the index first %d times, walked %v; want %d times", c.words, first, walked, c.reads)
		}
	}
}

// TestPostgresRelevanceReadsFewMatchesFirst: by relevance, PostgreSQL
// ranks the newest textWindow matches. Two common words that the
// statistics expect together in few tickets (alpha and bravo, each in
// about 10 % of 4,000, so about 40 together: 10 are) are read from the text
// index first, where the walk for the newest matches checked ticket after
// ticket (at a million tickets, three words in 4,741: 421,366 tickets
// checked, 0.9–2.8 s); a word the statistics do not know with more matches
// than the window (zulu, 100) ranks its newest ones, not the first the
// index gives.
func TestPostgresRelevanceReadsFewMatchesFirst(t *testing.T) {
	defer ticket.SetTextWindow(50)()
	s, agent := wordsDesk(t,
		`UPDATE search_docs SET terms = terms || ' alpha' WHERE ticket_id IN (SELECT id FROM tickets WHERE number % 10 = 0)`,
		`UPDATE search_docs SET terms = terms || ' bravo' WHERE ticket_id IN (SELECT id FROM tickets WHERE number % 10 = 1 OR number % 400 = 0)`,
		`ANALYZE search_ticket`,
		// After ANALYZE: the statistics do not know it.
		`UPDATE search_docs SET terms = terms || ' zulu' WHERE ticket_id IN (SELECT id FROM tickets WHERE number % 40 = 3)`,
	)
	var first, walked bool
	s.Tickets.TraceQueries(func(query string, _ []any) {
		first = first || strings.Contains(query, "FROM search_ticket st WHERE st.tsv")
		walked = walked || strings.Contains(query, "EXISTS (SELECT 1 FROM search_ticket st WHERE st.ticket_id = t.id")
	})
	defer s.Tickets.TraceQueries(nil)
	got := numbers(t, s.Tickets, agent, "alpha bravo", "relevance")
	if len(got) != 10 || !first || walked {
		t.Errorf("alpha bravo: %d tickets, read the index first %v, walked %v; want 10, read first", len(got), first, walked)
	}
	got = numbers(t, s.Tickets, agent, "zulu", "relevance")
	if len(got) != 50 {
		t.Fatalf("zulu: %d tickets, want the window's 50", len(got))
	}
	slices.Sort(got)
	if oldest := int64(100000 + 3963 - 40*49); got[0] != oldest {
		t.Errorf("zulu: ranked tickets from %d on, want the newest 50 (from %d)", got[0], oldest)
	}
}

// TestPostgresRelevanceWalksTheTextRowsAlone: to rank the newest matches
// of a common word, a search whose list keeps every ticket (an agent with
// no team hidden from them) walks search_ticket alone, newest ticket id
// first (search_words for plain words), where it walked the tickets and
// probed each one's text row (two tables, planned among every index of
// tickets); the ranked tickets are
// still the window's newest matches. A list with a condition of its own
// (a status) walks the tickets as before.
func TestPostgresRelevanceWalksTheTextRowsAlone(t *testing.T) {
	defer ticket.SetTextWindow(50)()
	s, agent := wordsDesk(t,
		`UPDATE search_docs SET terms = terms || ' alpha' WHERE ticket_id IN (SELECT id FROM tickets WHERE number % 2 = 0)`,
		`ANALYZE search_ticket`,
	)
	var alone, walked bool
	s.Tickets.TraceQueries(func(query string, _ []any) {
		// An agent's plain words walk their search_words rows (the text's
		// own rows too, with their counts: newestWordRows).
		alone = alone || strings.Contains(query, "FROM search_ticket st WHERE st.tsv @@ to_tsquery('simple', $1) ORDER BY st.ticket_id DESC") ||
			strings.Contains(query, "FROM search_words") && strings.Contains(query, "WHERE words ?|") && strings.Contains(query, "ORDER BY ticket_id DESC")
		walked = walked || strings.Contains(query, "EXISTS (SELECT 1 FROM search_ticket st WHERE st.ticket_id = t.id")
	})
	defer s.Tickets.TraceQueries(nil)
	var newest []int64 // the 50 newest tickets with alpha
	for n := int64(104000); len(newest) < 50; n -= 2 {
		newest = append(newest, n)
	}
	slices.Sort(newest)
	got := numbersPaged(t, s.Tickets, agent, "alpha", "relevance", 50)
	slices.Sort(got)
	if !alone || walked || !slices.Equal(got, newest) {
		t.Errorf("alpha by relevance: walked search_ticket alone %v, walked the tickets %v, ranked %v; want alone, the newest 50 matches %v",
			alone, walked, got, newest)
	}
	alone, walked = false, false
	q, err := search.Parse("alpha")
	if err != nil {
		t.Fatal(err)
	}
	got = listAll(t, s.Tickets, agent, ticket.Filter{Text: q, Sort: "relevance", Status: []ticket.Status{ticket.StatusOpen}, Limit: 50})
	slices.Sort(got)
	if alone || !walked || !slices.Equal(got, newest) {
		t.Errorf("open tickets with alpha by relevance: walked search_ticket alone %v, walked the tickets %v, ranked %v; want the tickets walked, %v",
			alone, walked, got, newest)
	}
}

// TestPostgresRelevanceReadsTheNewestBlocks: by relevance, words the
// statistics expect in too many tickets to read every match, and too few
// for a walk to meet the window soon (alpha, in a sixth of 60 tickets whose
// ids span 1,200,000), are read from a text index a few blocks of ids at
// a time, newest first, until the blocks hold the window. A walk passed
// 115,000 tickets for two such words at a million (174–250 ms), and
// seconds when the words met less than their shares said. The window is
// still exactly the newest matches, though the newest block holds none.
// An agent's plain words are read from search_words' own index, their
// counts with them (no statement reads those rows by id after); a prefix
// from search_ticket's, counted after.
func TestPostgresRelevanceReadsTheNewestBlocks(t *testing.T) {
	defer ticket.SetTextWindow(3)()
	d, s, agent, alpha, status := alphaDesk(t, true)
	var blocks, byID int
	var blockQuery string
	var blockArgs []any
	var other []string
	s.Tickets.TraceQueries(func(query string, args []any) {
		switch {
		case strings.Contains(query, "CAST($2 AS tsquery)"):
			blocks++
			blockQuery, blockArgs = query, args
		case strings.Contains(query, "FROM search_words") && strings.Contains(query, "WHERE ticket_id = ANY"):
			byID++
		case strings.Contains(query, "FROM search_ticket st WHERE"):
			other = append(other, query)
		}
	})
	defer s.Tickets.TraceQueries(nil)
	_, pool := d.Pools()
	conn, err := pool.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The oldest ticket of the window says alpha four times (in a note,
	// which keeps its status): it ranks first only on counts that reach
	// the ranks (without, all would tie, newest first).
	top := alpha[len(alpha)-3]
	if _, err := s.Tickets.Reply(ctx, agent, top, ticket.NewReply{Body: "Alpha, alpha and alpha again.", Internal: true}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ text, index, table string }{
		{"alpha", "search_words_fts", "search_words"},
		{"alph*", "search_ticket_fts", "search_ticket"},
	} {
		blocks, byID, other = 0, 0, nil
		got := numbers(t, s.Tickets, agent, c.text, "relevance")
		if len(got) == 0 || got[0] != top {
			t.Errorf("%s by relevance ranked %v, want %d first: it says alpha four times", c.text, got, top)
		}
		slices.Sort(got)
		if want := alpha[len(alpha)-3:]; !slices.Equal(got, want) {
			t.Errorf("%s by relevance ranked %v, want the newest 3 matches %v", c.text, got, want)
		}
		if blocks < 2 || len(other) > 0 {
			t.Errorf("%s: read the newest blocks in %d statements (want 2 or more: the newest holds no match), and else:\n%s",
				c.text, blocks, strings.Join(other, "\n"))
		}
		if c.table == "search_words" && byID > 0 {
			t.Errorf("%s: read search_words by id %d times after its blocks, which gave the counts", c.text, byID)
		}
		// The statement names the index's second column as the index has
		// it: the text index answers the words and the blocks together
		// (tiny here, so the planner would rather scan the table).
		if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		all := explained(t, conn, blockQuery, blockArgs)
		blocksInIndex := false // the blocks' condition answered by the index, not by each row
		for _, l := range strings.Split(all, "\n") {
			blocksInIndex = blocksInIndex || strings.Contains(l, "Index Cond:") && strings.Contains(l, "array_to_tsvector")
		}
		if !strings.Contains(all, "Bitmap Index Scan on "+c.index) || !blocksInIndex {
			t.Errorf("%s: the blocks' statement is not answered by %s, words and blocks:\n%s", c.text, c.index, all)
		}
		if _, err := conn.ExecContext(ctx, "RESET enable_seqscan"); err != nil {
			t.Fatal(err)
		}
	}

	// With a condition of the list's own, the window is the newest matches
	// that pass it: the two newest matches are pending, so the window of
	// alpha in new tickets is the three before them, read on past the
	// blocks that held the newest three matches.
	blocks, other = 0, nil
	got, want := rankedPastPending(t, s, agent, alpha, status)
	if !slices.Equal(got, want) || blocks < 2 || len(other) > 0 {
		t.Errorf("alpha in %s tickets by relevance ranked %v in %d statements of blocks (and else %v), want the newest 3 such matches %v",
			status, got, blocks, other, want)
	}
}

// TestPostgresRankedWindowsPassTheConditions: a ranked search whose words
// are read whole from the text index ranks the newest matches that pass
// the list's conditions, not those of the newest matches that do (the two
// newest are pending: the window of new tickets is the three before them);
// and a requester's search, whose own tickets are few among the matches,
// walks them instead of reading block after block of everyone's matches,
// as does an agent's whose conditions keep few of the matches read.
func TestPostgresRankedWindowsPassTheConditions(t *testing.T) {
	defer ticket.SetTextWindow(3)()
	t.Run("read whole", func(t *testing.T) {
		_, s, agent, alpha, status := alphaDesk(t, false)
		if got, want := rankedPastPending(t, s, agent, alpha, status); !slices.Equal(got, want) {
			t.Errorf("alpha in %s tickets by relevance ranked %v, want the newest 3 such matches %v", status, got, want)
		}
	})
	t.Run("few kept", func(t *testing.T) {
		// Only the oldest match is pending: past textWindow matches read,
		// fewer than an eighth kept, the list walks its pending tickets.
		_, s, agent, alpha, _ := alphaDesk(t, true)
		pending := ticket.StatusPending
		if _, err := s.Tickets.Update(ctx, agent, alpha[0], ticket.Patch{Status: &pending}, 0); err != nil {
			t.Fatal(err)
		}
		var blocks int
		var walked bool
		s.Tickets.TraceQueries(func(query string, _ []any) {
			blocks += strings.Count(query, "CAST($2 AS tsquery)")
			walked = walked || strings.Contains(query, "EXISTS (SELECT 1 FROM search_ticket st WHERE st.ticket_id = t.id")
		})
		defer s.Tickets.TraceQueries(nil)
		q, err := search.Parse("alpha")
		if err != nil {
			t.Fatal(err)
		}
		got := listAll(t, s.Tickets, agent, ticket.Filter{Text: q, Sort: "relevance", Status: []ticket.Status{pending}, Limit: 50})
		if !slices.Equal(got, alpha[:1]) || blocks == 0 || !walked {
			t.Errorf("pending alpha by relevance ranked %v after %d statements of blocks, walked %v; want %v, then a walk",
				got, blocks, walked, alpha[:1])
		}
	})
	t.Run("requester", func(t *testing.T) {
		d := apptest.DB(t, db.Postgres)
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		req := apptest.User(t, s, user.RoleRequester, "")
		var own []int64
		for i := range 30 {
			if _, err := d.W.ExecContext(ctx, fmt.Sprintf("ALTER TABLE tickets ALTER COLUMN id RESTART WITH %d", (i+1)*20000)); err != nil {
				t.Fatal(err)
			}
			by, body := agent, "Please help."
			if i%6 == 0 {
				body = "Please help, alpha."
				if i < 18 {
					by = req
				}
			}
			tk := apptest.Ticket(t, s, by, func(n *ticket.NewTicket) { n.Subject = "Request"; n.Body = body })
			if by == req {
				own = append(own, tk.Number)
			}
		}
		if _, err := d.W.ExecContext(ctx, "ANALYZE search_ticket"); err != nil {
			t.Fatal(err)
		}
		var blocks int
		s.Tickets.TraceQueries(func(query string, _ []any) {
			if strings.Contains(query, "CAST($2 AS tsquery)") {
				blocks++
			}
		})
		defer s.Tickets.TraceQueries(nil)
		got := numbers(t, s.Tickets, req, "alpha", "relevance")
		slices.Sort(got)
		if !slices.Equal(got, own) || blocks > 0 {
			t.Errorf("a requester's alpha by relevance ranked %v in %d statements of blocks, want their own %v and a walk", got, blocks, own)
		}
	})
}

// alphaDesk is a PostgreSQL desk of 60 tickets and an agent, "alpha" in
// nine of them (alpha, oldest first), after ANALYZE; spread puts each
// ticket in a block of ids of its own (ids >> 12, 20,000 apart). status is
// a new ticket's.
func alphaDesk(t *testing.T, spread bool) (*db.DB, *app.Services, *user.Actor, []int64, ticket.Status) {
	t.Helper()
	d := apptest.DB(t, db.Postgres)
	s := apptest.Services(t, d)
	agent := apptest.User(t, s, user.RoleAgent, "")
	var alpha []int64
	var status ticket.Status
	for i := range 60 {
		if spread {
			if _, err := d.W.ExecContext(ctx, fmt.Sprintf("ALTER TABLE tickets ALTER COLUMN id RESTART WITH %d", (i+1)*20000)); err != nil {
				t.Fatal(err)
			}
		}
		body := "Please help."
		if i%6 == 0 && i < 54 {
			body = "Please help, alpha."
		}
		tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Subject = "Request"; n.Body = body })
		if i%6 == 0 && i < 54 {
			alpha = append(alpha, tk.Number)
		}
		status = tk.Status
	}
	if _, err := d.W.ExecContext(ctx, "ANALYZE search_ticket"); err != nil {
		t.Fatal(err)
	}
	return d, s, agent, alpha, status
}

// rankedPastPending makes the two newest of alpha pending, and returns
// what a ranked search of alpha in tickets of status lists (in number
// order) and what it should: the three newest alpha tickets before them.
func rankedPastPending(t *testing.T, s *app.Services, agent *user.Actor, alpha []int64, status ticket.Status) (got, want []int64) {
	t.Helper()
	pending := ticket.StatusPending
	for _, n := range alpha[len(alpha)-2:] {
		if _, err := s.Tickets.Update(ctx, agent, n, ticket.Patch{Status: &pending}, 0); err != nil {
			t.Fatal(err)
		}
	}
	q, err := search.Parse("alpha")
	if err != nil {
		t.Fatal(err)
	}
	got = listAll(t, s.Tickets, agent, ticket.Filter{Text: q, Sort: "relevance", Status: []ticket.Status{status}, Limit: 50})
	slices.Sort(got)
	return got, alpha[len(alpha)-5 : len(alpha)-2]
}

// TestPostgresTicketDocumentIsItsRebuild: a reply or note appends its
// lexemes to the ticket's tsvector instead of rebuilding it from every
// message (a rebuild per reply grows with the thread); after replies, a
// note, a subject edit and a merge, each ticket's stored tsvector equals
// its rebuild, and the merged ticket is found by words of both.
func TestPostgresTicketDocumentIsItsRebuild(t *testing.T) {
	d := apptest.DB(t, db.Postgres)
	s := apptest.Services(t, d)
	agent := apptest.User(t, s, user.RoleAgent, "")
	tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Subject = "Printer jam"; n.Body = "It jams." })
	other := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Subject = "Scanner"; n.Body = "It scans." })
	for i, body := range []string{"Replaced the cartridge.", "Toner is low.", "Fixed now."} {
		if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: body, Internal: i == 1}); err != nil {
			t.Fatal(err)
		}
	}
	same := func(when string) {
		t.Helper()
		var differ int
		if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_ticket st WHERE st.tsv <>
			(SELECT search_tsv_agg(search_doc_tsv(terms, internal) ORDER BY id) FROM search_docs WHERE ticket_id = st.ticket_id)`).Scan(&differ); err != nil {
			t.Fatal(err)
		}
		if differ != 0 {
			t.Errorf("%s: %d tickets' stored tsvector is not their rebuild", when, differ)
		}
	}
	same("after replies")
	subject := "Printer jam on floor 3"
	if _, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Subject: &subject}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Jammed again."}); err != nil {
		t.Fatal(err)
	}
	same("after a subject edit and a reply")
	if _, err := s.Tickets.Merge(ctx, agent, other.Number, tk.Number); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Merged."}); err != nil {
		t.Fatal(err)
	}
	same("after a merge and a reply")
	if got := numbers(t, s.Tickets, agent, `"jammed again" cartridge scans`, "-updated_at"); len(got) != 1 || got[0] != tk.Number {
		t.Errorf("the merged ticket's words found %v, want #%d", got, tk.Number)
	}
}

// explained is the plan of query with args on conn, as EXPLAIN writes it.
func explained(t *testing.T, conn *sql.Conn, query string, args []any) string {
	t.Helper()
	var lines []string
	rows, err := conn.QueryContext(ctx, "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	rows.Close()
	return strings.Join(lines, "\n")
}

// wordsDesk is a PostgreSQL desk of 4,000 bulk tickets (numbers 100001 to
// 104000) after the statements words (which add words to their search
// documents), and an agent.
func wordsDesk(t *testing.T, words ...string) (*app.Services, *user.Actor) {
	t.Helper()
	d := apptest.DB(t, db.Postgres)
	s := apptest.Services(t, d)
	agent := apptest.User(t, s, user.RoleAgent, "")
	if err := apptest.BulkTickets(ctx, d, 4000, "'open'", "(SELECT MIN(id) FROM users)", "NULL", "NULL"); err != nil {
		t.Fatal(err)
	}
	for _, q := range words {
		if _, err := d.W.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return s, agent
}
