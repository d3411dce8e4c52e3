package ticket_test

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestRanksCountWhatTheIndexFound: a relevance counts each phrase's
// occurrences and a ticket's words — on SQLite where FTS5 found them in
// the ticket's full-text document (countedMatches), on PostgreSQL in the
// ticket's search_terms row (ticketTermCounts, migration 0063) — after
// every kind of write that changes its documents — a new ticket, a reply,
// an internal note, a subject edit, a merge moving messages (from a newer
// ticket, and from an older one, whose messages are older than the
// subject), terms filled in later by the reindex job, a deleted ticket —
// and that gives what counting them in the documents one by one gives,
// for an agent and for a requester. Every search_sizes row (SQLite) and
// search_terms row (PostgreSQL) is also the one rebuilt from the
// documents.
func TestRanksCountWhatTheIndexFound(t *testing.T) {
	apptest.ForEachDB(t, testRanksCountWhatTheIndexFound)
}

func testRanksCountWhatTheIndexFound(t *testing.T, d *db.DB) {
	s := apptest.Services(t, d)
	agent := apptest.User(t, s, user.RoleAgent, "")
	req := apptest.User(t, s, user.RoleRequester, "")
	mk := func(subject, body string) *ticket.Ticket {
		return apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) {
			n.Subject, n.Body = subject, body
			n.Requester = &ticket.Contact{Email: req.Email}
		})
	}
	older := mk("Printer printer paper", "An older printer report: printing printers print.")
	first := mk("Printer jam on floor two", "The printer jams with a paper jam every morning.")
	second := mk("Laptop screen", "The laptop screen flickers; printing works.")
	third := mk("Printer toner", "Toner low, printer prints pale pages.")
	gone := mk("Printer gone", "This one is deleted.")
	fourth := mk("Laptop dock", "Nothing about the paper jam here.")
	if _, err := s.Tickets.Reply(ctx, agent, first.Number, ticket.NewReply{Body: "Try the printer's rear tray, printer printer."}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tickets.Reply(ctx, agent, first.Number, ticket.NewReply{Body: "Internal: the printer firmware is old.", Internal: true}); err != nil {
		t.Fatal(err)
	}
	subject := "Laptop screen and printer driver"
	if _, err := s.Tickets.Update(ctx, agent, second.Number, ticket.Patch{Subject: &subject}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tickets.Merge(ctx, agent, third.Number, first.Number); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tickets.Merge(ctx, agent, older.Number, fourth.Number); err != nil {
		t.Fatal(err)
	}
	if _, err := d.W.ExecContext(ctx, d.Rebind(`DELETE FROM tickets WHERE id = $1`), gone.ID); err != nil {
		t.Fatal(err)
	}
	// Replies and notes alone (their terms appended to the ticket's row).
	replied := mk("Printer queue", "The print queue is stuck.")
	for _, r := range []ticket.NewReply{{Body: "Cleared the printer queue."}, {Body: "Printer driver noted.", Internal: true},
		{Body: "Printer works again, printer printer."}, {Body: "Closing the printer note.", Internal: true}} {
		if _, err := s.Tickets.Reply(ctx, agent, replied.Number, r); err != nil {
			t.Fatal(err)
		}
	}
	// A document whose terms the reindex job fills in later (an upgrade's
	// documents, written before they had terms): counted once it has them.
	late := mk("Printer cable", "The printer cable is loose.")
	if _, err := d.W.ExecContext(ctx, d.Rebind(`UPDATE search_docs SET terms = NULL WHERE ticket_id = $1 AND message_id IS NOT NULL`), late.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.W.ExecContext(ctx, d.Rebind(`UPDATE search_docs SET terms = 'printer printer cabl loos' WHERE ticket_id = $1 AND message_id IS NOT NULL`), late.ID); err != nil {
		t.Fatal(err)
	}
	if d.Dialect == db.SQLite {
		// A ticket's documents written again the newest first, as a restore
		// may write them: each a document before others of its ticket.
		for _, q := range []string{`CREATE TEMP TABLE redo AS SELECT * FROM search_docs WHERE ticket_id = $1`,
			`DELETE FROM search_docs WHERE ticket_id = $1`, `INSERT INTO search_docs SELECT * FROM temp.redo ORDER BY id DESC`, `DROP TABLE temp.redo`} {
			var args []any
			if strings.Contains(q, "$1") {
				args = append(args, replied.ID)
			}
			if _, err := d.W.ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		var differ int
		if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM (
			SELECT ticket_id, visible, notes FROM search_sizes
			EXCEPT SELECT ticket_id, group_concat(CASE WHEN NOT internal THEN words END, ' '), group_concat(CASE WHEN internal THEN words END, ' ')
			FROM (SELECT ticket_id, internal, CASE WHEN terms = '' THEN 0 ELSE length(terms) - length(replace(terms, ' ', '')) + 1 END AS words
			      FROM search_docs ORDER BY ticket_id, message_id IS NOT NULL, id) GROUP BY ticket_id)`).Scan(&differ); err != nil || differ != 0 {
			t.Errorf("%d search_sizes rows differ from their documents' (%v)", differ, err)
		}
	}
	if d.Dialect == db.Postgres {
		var differ int
		if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM (
			SELECT ticket_id, subject, visible, notes FROM search_terms
			EXCEPT SELECT ticket_id,
			       string_agg(terms, ' ' || chr(57344) || ' ' ORDER BY id) FILTER (WHERE message_id IS NULL AND NOT internal),
			       string_agg(terms, ' ' || chr(57344) || ' ' ORDER BY id) FILTER (WHERE message_id IS NOT NULL AND NOT internal),
			       string_agg(terms, ' ' || chr(57344) || ' ' ORDER BY id) FILTER (WHERE internal)
			FROM search_docs WHERE terms IS NOT NULL GROUP BY ticket_id) x`).Scan(&differ); err != nil || differ != 0 {
			t.Errorf("%d search_terms rows differ from their documents' (%v)", differ, err)
		}
		if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM (
			SELECT ticket_id, words FROM search_words
			EXCEPT SELECT ticket_id, search_words_of(array_agg(terms ORDER BY id), array_agg(search_words_kind(message_id, internal) ORDER BY id), 0)
			FROM search_docs WHERE terms IS NOT NULL GROUP BY ticket_id) x`).Scan(&differ); err != nil || differ != 0 {
			t.Errorf("%d search_words rows differ from their documents' (%v)", differ, err)
		}
		// Two transactions writing a new ticket's first documents at once
		// (never seen: a ticket's writers lock it) append the second's
		// object to the first's.
		var same bool
		if err := d.R.QueryRowContext(ctx, `SELECT search_words_append(search_words_of(ARRAY['a b a', 'b c'], ARRAY['s', 'v'], 0),
			search_words_of(ARRAY['', 'a d a'], ARRAY['n', 'v'], 0)) = search_words_of(ARRAY['a b a', 'b c', '', 'a d a'], ARRAY['s', 'v', 'n', 'v'], 0)`).Scan(&same); err != nil || !same {
			t.Errorf("search_words_append of two objects is not the object of their documents (%v)", err)
		}
	}

	// A ticket whose sizes row is missing (never written by Docket, but a
	// hand-made repair could leave it so) is counted from its documents.
	if d.Dialect == db.SQLite {
		if _, err := d.W.ExecContext(ctx, `DELETE FROM search_sizes WHERE ticket_id = $1`, late.ID); err != nil {
			t.Fatal(err)
		}
	}

	// A long thread: its words' object (PostgreSQL) is past the 8 KB a
	// row keeps in place, so it is compressed, and read out once a row.
	long := mk("Printer laptop thread", "The printer and the laptop.")
	for i := range 6 {
		var b strings.Builder
		b.WriteString("Printer paper jam laptop again.")
		for j := range 400 {
			n := i*400 + j
			b.WriteString(" q" + string(rune('a'+n%26)) + string(rune('a'+n/26%26)) + string(rune('a'+n/676%26)))
		}
		if _, err := s.Tickets.Reply(ctx, agent, long.Number, ticket.NewReply{Body: b.String(), Internal: i == 2}); err != nil {
			t.Fatal(err)
		}
	}
	if d.Dialect == db.Postgres {
		var stored, raw int
		if err := d.R.QueryRowContext(ctx, `SELECT pg_column_size(words), octet_length(words::text) FROM search_words WHERE ticket_id = $1`, long.ID).Scan(&stored, &raw); err != nil || stored*2 > raw {
			t.Errorf("the long thread's words are kept in %d bytes for %d of text (%v), want them compressed", stored, raw, err)
		}
	}
	ids := []int64{older.ID, first.ID, second.ID, third.ID, gone.ID, fourth.ID, late.ID, replied.ID, long.ID}
	for _, a := range []*user.Actor{agent, req} {
		for _, text := range []string{"printer", `"paper jam"`, "print*", "laptop printer", "firmware", "printer paper", "laptop"} {
			q, err := search.Parse(text)
			if err != nil {
				t.Fatal(err)
			}
			tf, n, err := s.Tickets.TermCounts(ctx, a, q, ids, true)
			if err != nil {
				t.Fatal(err)
			}
			dtf, dn, err := s.Tickets.TermCounts(ctx, a, q, ids, false)
			if err != nil {
				t.Fatal(err)
			}
			// The documents count every ticket; SQLite's index only those
			// that match, with every phrase.
			for id, counts := range dtf {
				if d.Dialect == db.SQLite && slices.Contains(counts, 0) {
					delete(dtf, id)
					delete(dn, id)
				}
			}
			if !reflect.DeepEqual(tf, dtf) || !reflect.DeepEqual(n, dn) {
				t.Errorf("%s, %q: counted in the index %v, lengths %v; in the documents %v, lengths %v", a.Role, text, tf, n, dtf, dn)
			}
			// An agent's plain words are counted as their blocks' matches
			// are read (migration 0069): the tickets matching every word,
			// each as the documents count it.
			btf, bn, ok, err := s.Tickets.BlockCounts(ctx, a, q, ids)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				for id, counts := range dtf {
					if slices.Contains(counts, 0) {
						delete(dtf, id)
						delete(dn, id)
					}
				}
				if len(btf) == 0 || !reflect.DeepEqual(btf, dtf) || !reflect.DeepEqual(bn, dn) {
					t.Errorf("%s, %q: counted with the blocks' matches %v, lengths %v; in the documents %v, lengths %v", a.Role, text, btf, bn, dtf, dn)
				}
			}
		}
	}
	// The subject of the ticket older's messages went to weighs as one,
	// though they are older than it.
	q, _ := search.Parse("laptop")
	if tf, _, err := s.Tickets.TermCounts(ctx, agent, q, []int64{fourth.ID}, true); err != nil || len(tf[fourth.ID]) != 1 || tf[fourth.ID][0] != 3 {
		t.Errorf("laptop in the subject of the merge's target counts %v (%v), want 3 (once, weighed 3)", tf[fourth.ID], err)
	}
}

// TestRelevanceCountsInTheMatch: on SQLite a search by relevance counts
// words in the match it reads (db.FTS5Instances), not in the search
// documents, without matching the separator between documents, and reads the window's tickets to filter them only when a
// filter can drop one — an admin's search and an agent's with no team
// hidden from them rank the matches as they are; with a restricted team
// the agent is not in, its tickets are filtered out first.
func TestRelevanceCountsInTheMatch(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	s := apptest.Services(t, d)
	admin := apptest.User(t, s, user.RoleAdmin, "")
	agent := apptest.User(t, s, user.RoleAgent, "")
	for i := range 12 {
		apptest.Ticket(t, s, admin, func(n *ticket.NewTicket) {
			n.Subject = fmt.Sprintf("Printer request %d", i)
			n.Body = strings.Repeat("printer ", i%4+1)
		})
	}
	var queries []string
	s.Tickets.TraceQueries(func(q string, args []any) {
		queries = append(queries, q)
		// The documents are told apart by their sizes (search_sizes), not
		// by matching the separator between them, which FTS5 would read
		// through in every ticket between two matches.
		for _, arg := range args {
			if str, ok := arg.(string); ok && strings.Contains(str, "\uE000") {
				t.Errorf("the rank matches the documents' separator: %s %q", q, str)
			}
		}
	})
	defer s.Tickets.TraceQueries(nil)
	// search lists "printer" by relevance as a sees it, and counts the
	// reads of the window's tickets that filter them.
	search := func(a *user.Actor) (got []int64, filterReads int) {
		t.Helper()
		queries = nil
		got = numbers(t, s.Tickets, a, "printer", "relevance")
		filters := map[string]bool{} // a statement is traced as written and as run
		for _, q := range queries {
			if strings.Contains(q, "search_docs") {
				t.Errorf("the rank reads search_docs: %s", q)
			}
			if strings.HasPrefix(q, "SELECT t.id, 0 FROM tickets t WHERE") && strings.Contains(q, "t.id IN (") {
				filters[strings.ReplaceAll(q, "?", "$")] = true
			}
		}
		if !strings.Contains(strings.Join(queries, "\n"), db.FTS5Instances+"(f.search_fts_ticket)") {
			t.Errorf("the rank did not count in the match:\n%s", strings.Join(queries, "\n"))
		}
		return got, len(filters)
	}
	for _, a := range []*user.Actor{admin, agent} {
		if got, reads := search(a); len(got) != 12 || reads != 0 {
			t.Errorf("%s: %d tickets, %d reads of the window's tickets to filter them; want 12 and 0", a.Role, len(got), reads)
		}
	}

	name, yes, members := "Restricted", true, []string{admin.Email}
	if _, err := s.Users.CreateTeam(ctx, admin, user.TeamInput{Name: &name, Restricted: &yes, Members: &members}); err != nil {
		t.Fatal(err)
	}
	hidden := apptest.Ticket(t, s, admin, func(n *ticket.NewTicket) { n.Subject = "Printer secret"; n.Team = name })
	got, reads := search(agent)
	if len(got) != 12 || reads != 1 {
		t.Errorf("agent with a hidden team: %d tickets, %d reads of the window's tickets to filter them; want 12 and 1", len(got), reads)
	}
	for _, num := range got {
		if num == hidden.Number {
			t.Errorf("the agent's search lists #%d of a restricted team they are not in", num)
		}
	}
}

// TestPostgresRanksCountWordsInOnePreparedStatement: on PostgreSQL a search
// by relevance reads its window's terms from search_terms, one row per
// ticket (not search_docs, a row per document), with the ids as one array
// parameter, so the statement is the same at every search (prepared and
// planned once), not one of 2,000 literals for the driver to prepare and
// cache each time.
func TestPostgresRanksCountWordsInOnePreparedStatement(t *testing.T) {
	d := apptest.DB(t, db.Postgres)
	s := apptest.Services(t, d)
	agent := apptest.User(t, s, user.RoleAgent, "")
	for i := range 5 {
		apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Subject = fmt.Sprintf("Printer request %d", i) })
	}
	// A query of plain words reads their entries in search_words (migration
	// 0067); a prefix (or a phrase of several words) counts in the terms.
	for _, c := range []struct{ query, table string }{{"printer request", "search_words"}, {"print*", "search_terms"}} {
		var counts, other []string
		s.Tickets.TraceQueries(func(q string, _ []any) {
			switch {
			case strings.Contains(q, "FROM "+c.table):
				counts = append(counts, q)
			case strings.Contains(q, "FROM search_docs"), strings.Contains(q, "FROM search_terms"), strings.Contains(q, "FROM search_words"):
				other = append(other, q)
			}
		})
		if got := numbers(t, s.Tickets, agent, c.query, "relevance"); len(got) != 5 {
			t.Fatalf("relevance for %q listed %v, want 5 tickets", c.query, got)
		}
		s.Tickets.TraceQueries(nil)
		if len(counts) != 1 || !strings.Contains(counts[0], "ANY(CAST($1 AS BIGINT[]))") || strings.Contains(counts[0], " IN (") || len(other) > 0 {
			t.Errorf("the ranks of %q read %q and also %q, want one statement of %s with the ids as an array parameter", c.query, counts, other, c.table)
		}
		// search_words' rows come as one text, a line each: a row each
		// cost Docket a few microseconds in database/sql.
		if c.table == "search_words" && len(counts) == 1 && !strings.HasPrefix(counts[0], "SELECT string_agg(") {
			t.Errorf("the ranks of %q read a row per ticket:\n%s", c.query, counts[0])
		}
	}
}

// TestSpanFrequency: a phrase's frequency is its count when its matches
// fit in the window, else the share of ticket ids its newest matches fill,
// times the tickets, never more than them.
func TestSpanFrequency(t *testing.T) {
	for _, c := range []struct {
		n              int
		newest, oldest int64
		want           float64
	}{
		{0, 0, 0, 0},
		{7, 900, 100, 7},
		{10, 1000, 991, 10},
		{11, 1000, 990, 1000},  // every id: every ticket
		{11, 1000, 801, 50.25}, // 10 gaps over 199 ids: one id in 19.9
		{11, 1000, 1000, 1000}, // never more than the tickets
	} {
		if got := ticket.SpanFrequency(c.n, c.newest, c.oldest, 10, 1000); math.Abs(got-c.want) > 0.01 {
			t.Errorf("%d matches from %d to %d: %.2f, want %.2f", c.n, c.newest, c.oldest, got, c.want)
		}
	}
}

// TestRanksOfFilteredMatches: when filters keep some of the window's
// matches, their ranks are those of the kept tickets alone (the average
// length is theirs), whether the counts came with every match from the
// index or were read for the kept tickets from their documents.
func TestRanksOfFilteredMatches(t *testing.T) {
	s := apptest.Services(t, apptest.DB(t, db.SQLite))
	agent := apptest.User(t, s, user.RoleAgent, "")
	var ids []int64
	for i := range 12 {
		body := strings.Repeat("printer ", i%3+1) + strings.Repeat("and more words about the desk ", 1+5*(i%2))
		ids = append(ids, apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) {
			n.Subject = fmt.Sprintf("Request %d", i)
			n.Body = body
		}).ID)
	}
	q, err := search.Parse("printer")
	if err != nil {
		t.Fatal(err)
	}
	kept := ids[:4] // the short ones among them (even i) are shorter than the window's average
	got, err := s.Tickets.Ranks(ctx, agent, q, kept, true)
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.Tickets.Ranks(ctx, agent, q, kept, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range kept {
		if math.Abs(got[id]-want[id]) > 1e-9 {
			t.Errorf("ticket %d ranks %.6f from the index, %.6f from its documents", id, got[id], want[id])
		}
	}
}
