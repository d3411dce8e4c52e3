package ticket_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// segments is how many segments SQLite's ticket index has: each has rows
// in the index's term index (search_fts_ticket_idx).
func segments(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.R.QueryRowContext(ctx, `SELECT COUNT(DISTINCT segid) FROM search_fts_ticket_idx`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMergeIndexLeavesFewSegments: tickets written one transaction at a
// time leave the index in many segments (FTS5 merges 16 of a level at a
// time as it writes); MergeIndex merges them down to one per level, in
// steps a budget can stop and a later call resumes, and every search
// finds what it found before.
func TestMergeIndexLeavesFewSegments(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	// Without Start: no search.merge job merging behind the test's back.
	s, err := app.Build(context.Background(), d, apptest.Config(t), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	agent := apptest.User(t, s, user.RoleAgent, "")
	words := []string{"printer", "password", "vpn", "laptop", "invoice"}
	for i := range 60 {
		apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) {
			n.Subject = fmt.Sprintf("%s number %d", words[i%len(words)], i)
			// And words of its own, enough for a segment of a few pages.
			var b strings.Builder
			for k := range 400 {
				fmt.Fprintf(&b, "w%dx%d ", i, k)
			}
			n.Body = words[(i+1)%len(words)] + " " + words[(i*3)%len(words)] + " " + b.String()
		})
	}
	find := func(q string) []int64 {
		query, err := search.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		ts, _, err := s.Tickets.List(ctx, agent, ticket.Filter{Text: query, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, tk := range ts {
			out = append(out, tk.Number)
		}
		return out
	}
	queries := []string{"printer", "vpn laptop", "invoice", "number", "passw*"}
	var before [][]int64
	for _, q := range queries {
		before = append(before, find(q))
	}
	n0 := segments(t, d)
	if n0 < 4 {
		t.Fatalf("60 writes left %d segments; the test needs more", n0)
	}

	// A budget stops the merge after its first step and says so (steps
	// of a page: these segments are small).
	defer ticket.SetMergeStep(1)()
	steps, done, err := s.Tickets.MergeIndex(ctx, time.Nanosecond)
	if err != nil || steps != 1 || done {
		t.Fatalf("MergeIndex with a budget = %d steps, done %v, %v; want one step, not done", steps, done, err)
	}
	steps, done, err = s.Tickets.MergeIndex(ctx, 0)
	if err != nil || !done || steps == 0 {
		t.Fatalf("MergeIndex = %d steps, done %v, %v", steps, done, err)
	}
	// One segment per level, and the levels are sizes: a few at most.
	if n := segments(t, d); n > 2 {
		t.Errorf("%d segments before, %d after merging; want at most 2", n0, n)
	}
	if steps, done, err := s.Tickets.MergeIndex(ctx, 0); err != nil || !done || steps != 0 {
		t.Errorf("a second MergeIndex = %d steps, done %v, %v; want nothing to do", steps, done, err)
	}
	for i, q := range queries {
		if got := find(q); !slices.Equal(got, before[i]) || len(got) == 0 {
			t.Errorf("search %q found %v after merging, %v before", q, got, before[i])
		}
	}
}

// TestMergeIndexJobRuns: the server runs the search.merge job at start-up
// (and then every MergeIndexEvery) on SQLite; PostgreSQL has no segments
// and no such job.
func TestMergeIndexJobRuns(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		// The periodic jobs run when the server starts; search.reindex is
		// one of them on both engines.
		ran := func(kind, state string) bool {
			done, err := s.Jobs.List(ctx, job.Filter{Kind: kind, State: state})
			if err != nil {
				t.Fatal(err)
			}
			return len(done) > 0
		}
		deadline := time.Now().Add(10 * time.Second)
		for !ran(ticket.ReindexJob, job.Completed) || (d.Dialect == db.SQLite && !ran(ticket.MergeIndexJob, job.Completed)) {
			if time.Now().After(deadline) {
				t.Fatal("the start-up jobs did not run")
			}
			time.Sleep(20 * time.Millisecond)
		}
		// The leader queues every periodic job at once, before any runs:
		// once one has run, a search.merge job would be in the table in
		// some state.
		if d.Dialect == db.Postgres && ran(ticket.MergeIndexJob, "") {
			t.Fatal("a search.merge job was queued on PostgreSQL")
		}
	})
}

// TestFTSMergesSixteenSegmentsAtATime: a new SQLite database's ticket
// index merges a level's 16 segments at once when the 16th is written
// (FTS5's crisismerge), not a little at every commit (automerge 0,
// migration 0071): that incremental merging was 27 % of the server's CPU
// under replies at a million tickets, and FTS5's default of merging 4 at a
// time 40 % of a create's (0053 had made it 16); its "merge" command
// merges two (0057).
func TestFTSMergesSixteenSegmentsAtATime(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	var v int
	if err := d.R.QueryRowContext(ctx, `SELECT v FROM search_fts_ticket_config WHERE k = 'automerge'`).Scan(&v); err != nil || v != 0 {
		t.Fatalf("automerge %d, %v; want 0", v, err)
	}
	// crisismerge is FTS5's default, 16: no row.
	if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_fts_ticket_config WHERE k = 'crisismerge'`).Scan(&v); err != nil || v != 0 {
		t.Fatalf("crisismerge set (%d rows, %v); want FTS5's default", v, err)
	}
	// The background merge (MergeIndex) merges a level once it holds two.
	if err := d.R.QueryRowContext(ctx, `SELECT v FROM search_fts_ticket_config WHERE k = 'usermerge'`).Scan(&v); err != nil || v != 2 {
		t.Fatalf("usermerge %d, %v; want 2", v, err)
	}
}
