package ticket_test

import (
	"fmt"
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

// TestPostgresCommonWordsWalkTheirWords: an agent's relevance search for
// plain words so common that a walk finds their newest matches soon walks
// search_words newest first, one statement that gives the matches and
// their counts (newestWordRows): the same tickets as the walk of their
// tsvectors, with the counts of their documents (a subject weighing
// three, internal notes, a word's two languages), whatever their order of
// writing. A quoted phrase still walks the tsvectors.
func TestPostgresCommonWordsWalkTheirWords(t *testing.T) {
	d := apptest.DB(t, db.Postgres)
	s := apptest.Services(t, d)
	agent := apptest.User(t, s, user.RoleAgent, "")
	for i := range 30 {
		subject, body := fmt.Sprintf("Request %d", i), "The printer "+strings.Repeat("prints ", i%4)+"pages."
		switch i % 5 {
		case 1:
			subject = fmt.Sprintf("Printer %d", i)
		case 2:
			body = "Nothing to see."
		}
		tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Subject, n.Body = subject, body })
		if i%3 == 0 {
			if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Printer printer, noted.", Internal: true}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := d.W.ExecContext(ctx, "ANALYZE search_ticket"); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"printer", "printer pages", "printer request", "printer printer"} {
		q, err := search.Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		var words, other []string
		s.Tickets.TraceQueries(func(query string, _ []any) {
			switch {
			case strings.Contains(query, "FROM search_words") && strings.Contains(query, "WHERE words ?|"):
				words = append(words, query)
			case strings.Contains(query, "FROM search_ticket"), strings.Contains(query, "FROM search_terms"), strings.Contains(query, "FROM search_words"):
				other = append(other, query)
			}
		})
		listed := numbers(t, s.Tickets, agent, text, "relevance")
		s.Tickets.TraceQueries(nil)
		if len(words) != 1 || len(other) > 0 {
			t.Fatalf("a relevance of %q read %q and %q, want one walk of search_words", text, words, other)
		}
		// One condition a distinct phrase: a word given twice was planned
		// as a scan of the whole table.
		if got, want := strings.Count(words[0], "?|"), len(search.Distinct(q.Phrases)); got != want {
			t.Errorf("the walk for %q has %d conditions, want %d:\n%s", text, got, want, words[0])
		}
		got, tf, length, err := s.Tickets.NewestTextRows(ctx, agent, q)
		if err != nil {
			t.Fatal(err)
		}
		want := matchesNewestFirst(t, d, q)
		if !slices.Equal(got, want) {
			t.Errorf("%q walked to %v, want the tsvectors' matches %v", text, got, want)
		}
		dtf, dn, err := s.Tickets.TermCounts(ctx, agent, q, got, false)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(tf, dtf) || !reflect.DeepEqual(length, dn) {
			t.Errorf("%q: the walk counted %v, %v; the documents give %v, %v", text, tf, length, dtf, dn)
		}
		if len(listed) != len(want) {
			t.Errorf("%q: relevance listed %d tickets, want %d", text, len(listed), len(want))
		}
	}
	// A phrase is no plain word, and PostgreSQL's parser cuts some words
	// with digits ('7e3' and 'f91'), which search_words keeps whole: their
	// walks are the tsvectors', no counts with them.
	for _, text := range []string{`"printer pages"`, "f91", "7e3f91"} {
		q, err := search.Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		if got, _, _, err := s.Tickets.NewestTextRows(ctx, agent, q); err != nil || got != nil {
			t.Errorf("%s: the walk gave counts with %v (%v)", text, got, err)
		}
	}
}

// matchesNewestFirst is every ticket whose tsvector matches q for an
// agent, newest first.
func matchesNewestFirst(t *testing.T, d *db.DB, q search.Query) []int64 {
	t.Helper()
	rows, err := d.R.QueryContext(ctx, `SELECT ticket_id FROM search_ticket WHERE tsv @@ to_tsquery('simple', $1) ORDER BY ticket_id DESC`, search.TSQuery(q))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// TestPostgresMissingSearchRowsAreRebuilt: a ticket whose search rows are
// gone while it has documents (a repair by hand) gets them rebuilt whole
// by its next reply, not made of the reply alone, while a new ticket's
// first documents make its rows as an append does.
func TestPostgresMissingSearchRowsAreRebuilt(t *testing.T) {
	d := apptest.DB(t, db.Postgres)
	s := apptest.Services(t, d)
	agent := apptest.User(t, s, user.RoleAgent, "")
	tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Subject = "Printer jam"; n.Body = "It jams." })
	for _, table := range []string{"search_ticket", "search_terms", "search_words"} {
		if _, err := d.W.ExecContext(ctx, "DELETE FROM "+table+" WHERE ticket_id = $1", tk.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Replaced the roller."}); err != nil {
		t.Fatal(err)
	}
	for table, rebuild := range map[string]string{
		"search_ticket": `SELECT COUNT(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM search_ticket st WHERE st.ticket_id = t.id
			AND st.tsv = (SELECT search_tsv_agg(search_doc_tsv(terms, internal) ORDER BY id) FROM search_docs WHERE ticket_id = t.id))`,
		"search_terms": `SELECT COUNT(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM search_terms st WHERE st.ticket_id = t.id
			AND st.subject IS NOT DISTINCT FROM (SELECT string_agg(terms, search_terms_sep() ORDER BY id) FROM search_docs
				WHERE ticket_id = t.id AND message_id IS NULL AND NOT internal)
			AND st.visible IS NOT DISTINCT FROM (SELECT string_agg(terms, search_terms_sep() ORDER BY id) FROM search_docs
				WHERE ticket_id = t.id AND message_id IS NOT NULL AND NOT internal))`,
		"search_words": `SELECT COUNT(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM search_words sw WHERE sw.ticket_id = t.id
			AND sw.words = (SELECT search_words_of(array_agg(terms ORDER BY id), array_agg(search_words_kind(message_id, internal) ORDER BY id), 0)
				FROM search_docs WHERE ticket_id = t.id))`,
	} {
		var differ int
		if err := d.R.QueryRowContext(ctx, rebuild).Scan(&differ); err != nil || differ != 0 {
			t.Errorf("%s: %d tickets' rows are not their rebuild (%v)", table, differ, err)
		}
	}
	if got := numbers(t, s.Tickets, agent, "printer roller", "relevance"); len(got) != 1 || got[0] != tk.Number {
		t.Errorf("printer roller by relevance found %v, want #%d", got, tk.Number)
	}
}

// TestPostgresSearchTablesVacuumSooner: the tables of the text indexes
// are vacuumed after 1 % of their rows are dead or new (migration 0070),
// not PostgreSQL's fifth: every reply leaves a dead version of its
// ticket's rows, which the indexes find until a VACUUM.
func TestPostgresSearchTablesVacuumSooner(t *testing.T) {
	d := apptest.DB(t, db.Postgres)
	for _, table := range []string{"search_ticket", "search_words", "search_terms"} {
		var opts string
		if err := d.R.QueryRowContext(ctx, `SELECT COALESCE(array_to_string(reloptions, ','), '') FROM pg_class WHERE oid = $1::regclass`, table).Scan(&opts); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"autovacuum_vacuum_scale_factor=0.01", "autovacuum_vacuum_insert_scale_factor=0.01"} {
			if !strings.Contains(opts, want) {
				t.Errorf("%s has options %q, want %s", table, opts, want)
			}
		}
	}
}
