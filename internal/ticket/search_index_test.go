package ticket_test

import (
	"errors"
	"fmt"
	"slices"
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
				windows = append(windows, strings.TrimSuffix(q[strings.LastIndex(q, "LIMIT"):], ") m(id)")) // PostgreSQL's ids come in one text
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
		if strings.Contains(q, "search_fts_ticket MATCH") && !strings.HasSuffix(strings.TrimSuffix(q, ")"), "LIMIT 5") {
			t.Errorf("the search reads more than the window from the index: %s", q)
		}
	})
	if got := numbers(t, s.Tickets, agent, "common printer", "relevance"); len(got) != 4 {
		t.Errorf("relevance listed %v, want the newest 4 matches", got)
	}
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
