package ticket_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestSearchFindsInflections: a word finds its English and German
// inflections, in subjects and messages, and both engines give the same
// answers.
func TestSearchFindsInflections(t *testing.T) {
	answers := map[db.Dialect][]string{}
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		refs := map[int64]string{}
		for name, subject := range map[string]string{
			"vpn":     "VPN disconnects every hour",
			"drucker": "Die Verbindungen zum Drucker brechen ab",
			"printer": "Printers on floor 3",
			"cafe":    "Café machine",
			"other":   "Laptop request",
		} {
			tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Subject = subject; n.Body = "see subject" })
			refs[tk.Number] = name
		}
		find := func(query string) []string {
			t.Helper()
			q, err := search.Parse(query)
			if err != nil {
				t.Fatal(err)
			}
			ts, _, err := s.Tickets.List(ctx, agent, ticket.Filter{Text: q})
			if err != nil {
				t.Fatalf("search %q: %v", query, err)
			}
			var out []string
			for _, tk := range ts {
				out = append(out, refs[tk.Number])
			}
			slices.Sort(out)
			answers[d.Dialect] = append(answers[d.Dialect], query+"="+strings.Join(out, ","))
			return out
		}
		for query, want := range map[string][]string{
			"disconnect":            {"vpn"},
			"disconnected":          {"vpn"},
			"Verbindung":            {"drucker"},
			"druckers":              {"drucker"},
			"printer":               {"printer"},
			"print*":                {"printer"},
			"printers*":             {"printer"},
			"cafe":                  {"cafe"},
			"café machines":         {"cafe"},
			`"disconnecting every"`: {"vpn"},
			`"every disconnects"`:   nil,
			"hours vpn":             {"vpn"},
		} {
			if got := find(query); !slices.Equal(got, want) {
				t.Errorf("search %q found %v, want %v", query, got, want)
			}
		}
		// A reply is found by its inflections too, through its ticket.
		if _, err := s.Tickets.Reply(ctx, agent, firstNumber(refs, "other"), ticket.NewReply{Body: "The monitors were replaced."}); err != nil {
			t.Fatal(err)
		}
		if got := find("monitor replace"); !slices.Equal(got, []string{"other"}) {
			t.Errorf("search in a reply found %v", got)
		}
	})
	slices.Sort(answers[db.SQLite])
	slices.Sort(answers[db.Postgres])
	if len(answers) == 2 && !slices.Equal(answers[db.SQLite], answers[db.Postgres]) {
		t.Errorf("the engines answer differently:\nsqlite   %v\npostgres %v", answers[db.SQLite], answers[db.Postgres])
	}
}

// TestIndexPendingIndexesOldDocuments: documents written before migration
// 0025 have no terms; IndexPending indexes them so search finds them.
func TestIndexPendingIndexesOldDocuments(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		// The reindex job runs once when the server starts (and then every
		// few hours): let that run end so it does not race this test.
		deadline := time.Now().Add(10 * time.Second)
		for {
			done, err := s.Jobs.List(ctx, job.Filter{Kind: ticket.ReindexJob, State: job.Completed})
			if err != nil {
				t.Fatal(err)
			}
			if len(done) > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the search.reindex job did not run at start-up")
			}
			time.Sleep(20 * time.Millisecond)
		}
		agent := apptest.User(t, s, user.RoleAgent, "")
		tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Subject = "Mailbox quota exceeded" })
		if _, err := d.W.ExecContext(ctx, `UPDATE search_docs SET terms = NULL`); err != nil {
			t.Fatal(err)
		}
		q, _ := search.Parse("quotas")
		if ts, _, _ := s.Tickets.List(ctx, agent, ticket.Filter{Text: q}); len(ts) != 0 {
			t.Fatalf("an unindexed document was found: %v", ts)
		}
		n, err := s.Tickets.IndexPending(ctx)
		if err != nil || n < 2 {
			t.Fatalf("IndexPending = %d, %v; want the subject and the message", n, err)
		}
		if ts, _, _ := s.Tickets.List(ctx, agent, ticket.Filter{Text: q}); len(ts) != 1 || ts[0].Number != tk.Number {
			t.Fatalf("after indexing, search found %v", ts)
		}
		if n, err := s.Tickets.IndexPending(ctx); n != 0 || err != nil {
			t.Fatalf("a second run indexed %d, %v", n, err)
		}
		if d.Dialect == db.SQLite {
			if _, err := d.W.ExecContext(ctx, `INSERT INTO search_fts_ticket (search_fts_ticket, rank) VALUES ('integrity-check', 1)`); err != nil {
				t.Fatalf("the full-text index does not match its documents: %v", err)
			}
		}
	})
}

func firstNumber(refs map[int64]string, name string) int64 {
	for n, r := range refs {
		if r == name {
			return n
		}
	}
	return 0
}
