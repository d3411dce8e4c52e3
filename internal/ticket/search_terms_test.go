package ticket_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// rebuiltSearchTerms is every ticket's search_terms row built afresh from
// search_docs (migration 0058's statement).
const rebuiltSearchTerms = `SELECT ticket_id,
       COALESCE(group_concat(CASE WHEN message_id IS NULL AND NOT internal THEN terms END, ' ' || char(57344) || ' '), '-'),
       COALESCE(group_concat(CASE WHEN message_id IS NOT NULL AND NOT internal THEN terms END, ' ' || char(57344) || ' '), '-'),
       COALESCE(group_concat(CASE WHEN internal THEN terms END, ' ' || char(57344) || ' '), '-')
FROM (SELECT ticket_id, message_id, internal, terms FROM search_docs ORDER BY ticket_id, id)
GROUP BY ticket_id ORDER BY ticket_id`

// TestSearchTermsFollowTheDocuments: on SQLite each ticket's search_terms
// row (what a relevance counts words in) is its search documents joined,
// after every kind of write that changes them — a new ticket, a reply, an
// internal note, a subject edit, a merge moving messages, a deleted
// ticket — and counting words in it gives what counting them in the
// documents one by one gives, for an agent and for a requester.
func TestSearchTermsFollowTheDocuments(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	s := apptest.Services(t, d)
	agent := apptest.User(t, s, user.RoleAgent, "")
	req := apptest.User(t, s, user.RoleRequester, "")
	mk := func(subject, body string) *ticket.Ticket {
		return apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) {
			n.Subject, n.Body = subject, body
			n.Requester = &ticket.Contact{Email: req.Email}
		})
	}
	first := mk("Printer jam on floor two", "The printer jams with a paper jam every morning.")
	second := mk("Laptop screen", "The laptop screen flickers; printing works.")
	third := mk("Printer toner", "Toner low, printer prints pale pages.")
	gone := mk("Printer gone", "This one is deleted.")
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
	if _, err := d.W.ExecContext(ctx, `DELETE FROM tickets WHERE id = ?`, gone.ID); err != nil {
		t.Fatal(err)
	}

	got := rowLines(t, d, `SELECT ticket_id, COALESCE(subject, '-'), COALESCE(visible, '-'), COALESCE(notes, '-') FROM search_terms ORDER BY ticket_id`)
	want := rowLines(t, d, rebuiltSearchTerms)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("search_terms:\n%s\nwant (rebuilt from search_docs):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(got) != 3 {
		t.Errorf("search_terms has %d rows, want 3 (the deleted ticket's gone)", len(got))
	}
	if !strings.Contains(strings.Join(got, "\n"), "firmwar") {
		t.Errorf("the internal note is not in search_terms:\n%s", strings.Join(got, "\n"))
	}

	ids := []int64{first.ID, second.ID, third.ID, gone.ID}
	for _, a := range []*user.Actor{agent, req} {
		for _, text := range []string{"printer", `"paper jam"`, "print*", "laptop printer", "firmware"} {
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
			if !reflect.DeepEqual(tf, dtf) || !reflect.DeepEqual(n, dn) {
				t.Errorf("%s, %q: counted in search_terms %v, lengths %v; in the documents %v, lengths %v", a.Role, text, tf, n, dtf, dn)
			}
		}
	}
}

// TestRelevanceReadsOneRowPerTicket: on SQLite a search by relevance
// counts words in one search_terms row per ticket, not in each search
// document, and reads the window's tickets to filter them only when a
// filter can drop one — an admin's search and an agent's with no team
// hidden from them rank the matches as they are; with a restricted team
// the agent is not in, its tickets are filtered out first.
func TestRelevanceReadsOneRowPerTicket(t *testing.T) {
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
	s.Tickets.TraceQueries(func(q string, _ []any) { queries = append(queries, q) })
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
		if !strings.Contains(strings.Join(queries, "\n"), "FROM search_terms") {
			t.Errorf("the rank did not read search_terms:\n%s", strings.Join(queries, "\n"))
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

// rowLines is every row of q, its columns joined by " | ".
func rowLines(t *testing.T, d *db.DB, q string) []string {
	t.Helper()
	rows, err := d.W.QueryContext(ctx, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		var a, b, c string
		if err := rows.Scan(&id, &a, &b, &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d | %s | %s | %s", id, a, b, c))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPostgresRanksCountWordsInOnePreparedStatement: on PostgreSQL a search
// by relevance reads its window's documents with the ids as one array
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
	var counts []string
	s.Tickets.TraceQueries(func(q string, _ []any) {
		if strings.Contains(q, "FROM search_docs") {
			counts = append(counts, q)
		}
	})
	defer s.Tickets.TraceQueries(nil)
	if got := numbers(t, s.Tickets, agent, "printer", "relevance"); len(got) != 5 {
		t.Fatalf("relevance listed %v, want 5 tickets", got)
	}
	if len(counts) != 1 || !strings.Contains(counts[0], "ANY(CAST($1 AS BIGINT[]))") || strings.Contains(counts[0], " IN (") {
		t.Errorf("the ranks read the documents with %q, want one statement with the ids as an array parameter", counts)
	}
}

// TestRelevanceAnswersWithoutATicketsTerms: a matched ticket whose terms
// row is missing (its documents changed since the match, or the table were
// ever out of step) ranks with no occurrence instead of failing the search.
func TestRelevanceAnswersWithoutATicketsTerms(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	s := apptest.Services(t, d)
	agent := apptest.User(t, s, user.RoleAgent, "")
	var last *ticket.Ticket
	for i := range 3 {
		last = apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Subject = fmt.Sprintf("Printer request %d", i) })
	}
	if _, err := d.W.ExecContext(ctx, `DELETE FROM search_terms WHERE ticket_id = ?`, last.ID); err != nil {
		t.Fatal(err)
	}
	got := numbers(t, s.Tickets, agent, "printer", "relevance")
	if len(got) != 3 || got[2] != last.Number {
		t.Errorf("relevance listed %v, want 3 tickets with #%d (no terms) last", got, last.Number)
	}
}
