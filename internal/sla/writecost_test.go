package sla_test

import (
	"context"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/sla"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// statements runs fn in a transaction and counts the statements it ran.
func statements(t *testing.T, s *app.Services, fn func(ctx context.Context) error) int {
	t.Helper()
	var n int
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		// Counted from here: a batched transaction (SQLite's group commit)
		// has run its savepoint statement before fn.
		before := tx.Statements()
		if err := fn(db.WithinTx(ctx, tx)); err != nil {
			return err
		}
		n = tx.Statements() - before
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The statements of a write without a policy (TestWriteStatements): they
// were 17, 17 and 15 before the history rows and a create's search
// documents went in one statement each, and the written ticket and message
// were no longer read back. A create's then went from 13 to 17: its search
// documents go in with the triggers held off (two statements) and its
// full-text document and search_terms row are written once after them
// (two), where the trigger wrote the full-text document twice and deleted
// it once between — about 6 % less CPU a create (BENCHMARKS.md, "A lighter
// load client for lists, and a new ticket's full-text document written
// once"). Migration 0061 dropped search_terms (a relevance counts words in
// its match): 16. Migration 0064 writes a new ticket's documents' sizes
// (search_sizes: a relevance tells the documents apart by them), one
// statement beside its full-text document: 17; no measurable cost
// (BENCHMARKS.md, "Pages past a shared priority, relevance without the
// separator"). Since a transaction's tickets have their full-text
// documents and sizes written when it ends (ticket.indexFinisher: two
// statements and one that ends the hold-off, once for all the writes of
// a group's batch, not counted here), a write holds the insert trigger off
// instead, once per transaction: 14, 13 and 13 (BENCHMARKS.md, "A batch's
// full-text documents written at its end"). A reply no longer runs the
// statement that takes PostgreSQL's row locks, which locks nothing on
// SQLite: 14, 12 and 12 (BENCHMARKS.md, "Fewer statements in the writer's
// turn").
const (
	wantCreate, wantAgentReply, wantRequesterReply = 14, 12, 12
)

// TestWriteStatements pins what a policy adds to a ticket write on SQLite,
// in statements: a create stores its two clocks (one statement; its due
// times ride in the ticket's INSERT, its timer is the scan's, the policy
// comes from the cache), and a reply that stops or starts a clock stores
// it (one; the ticket's due times ride in the reply's UPDATE of the
// ticket). No write queues a timer job.
func TestWriteStatements(t *testing.T) {
	s := apptest.Services(t, apptest.DB(t, db.SQLite))
	admin := apptest.User(t, s, user.RoleAdmin, "")
	agent := apptest.User(t, s, user.RoleAgent, "")
	requester := apptest.User(t, s, user.RoleRequester, "")
	cost := func() (create, agentReply, requesterReply int) {
		var tk *ticket.Ticket
		create = statements(t, s, func(ctx context.Context) error {
			var err error
			tk, err = s.Tickets.Create(ctx, requester, ticket.NewTicket{Subject: "Printer", Body: "It is on fire."})
			return err
		})
		agentReply = statements(t, s, func(ctx context.Context) error {
			_, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Looking."})
			return err
		})
		requesterReply = statements(t, s, func(ctx context.Context) error {
			_, err := s.Tickets.Reply(ctx, requester, tk.Number, ticket.NewReply{Body: "Still on fire."})
			return err
		})
		return
	}
	apptest.Pumped(t, s)
	cost() // every statement prepared once
	c0, a0, r0 := cost()
	// Without a policy, counted inside the caller's transaction (so with
	// the nested write's SAVEPOINT and RELEASE): a create reads its
	// requester and the custom fields, numbers, inserts the ticket, its
	// message, holds the insert trigger off and inserts both search
	// documents (one statement), its history row, its event and the time
	// rules' moments, and reads the mailboxes (outgoing mail) and,
	// answering, its followers; a reply reads the ticket,
	// inserts the message, holds the trigger off and inserts its search
	// document, updates the ticket, writes its history rows (one
	// statement) and its event, reads the mailboxes, updates the moments
	// and reads the ticket's clocks.
	if c0 != wantCreate || a0 != wantAgentReply || r0 != wantRequesterReply {
		t.Errorf("without a policy a create runs %d statements, an agent's reply %d, a requester's %d: want %d, %d, %d",
			c0, a0, r0, wantCreate, wantAgentReply, wantRequesterReply)
	}
	cal := roundTheClock(t, s, admin)
	policy(t, s, admin, cal.ID, "Standard", nil, nil)
	apptest.Pumped(t, s)
	cost() // the cache reads the new policy
	c1, a1, r1 := cost()
	if c1-c0 != 1 {
		t.Errorf("a create runs %d statements with a policy, %d without: want 1 more (the clocks)", c1, c0)
	}
	if a1-a0 != 1 || r1-r0 != 1 {
		t.Errorf("replies run %d (agent) and %d (requester) statements with a policy, %d and %d without: want 1 more (the clock)",
			a1, r1, a0, r0)
	}
	// The policy check itself is no statement (the baseline pays it too).
	draft := &ticket.Draft{Ticket: &ticket.Ticket{Type: ticket.Incident, Status: ticket.StatusNew, Priority: ticket.P3, CreatedAt: time.Now()}}
	if n := statements(t, s, func(ctx context.Context) error { return s.SLA.BeforeCreate(ctx, db.TxFrom(ctx), draft) }); n != 0 || draft.DueAt == nil {
		t.Errorf("choosing the policy and starting the clocks ran %d statements (due %v), want none", n, draft.DueAt)
	}
	if js := timers(t, s, sla.TimerJob); len(js) != 0 {
		t.Errorf("%d timers queued by writes whose instants are hours away, want none: the scan queues them", len(js))
	}
}

// TestPolicyEditSeenByOtherInstance edits a policy on one instance and
// creates a ticket on another that has the policy cached: once the other's
// event pump has read the edit (its delay, a second at most), its next
// create uses the new goals.
func TestPolicyEditSeenByOtherInstance(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		k := twoInstances(t, d)
		s, other, admin, requester := k.s, k.other, k.admin, k.requester
		p := policy(t, s, admin, k.cal.ID, "Standard", nil, nil)
		apptest.Pumped(t, other)
		if got := clocks(t, other, admin, apptest.Ticket(t, other, requester)).Target(sla.FirstResponse).Goal; got != 120 {
			t.Fatalf("first response goal %d before the edit, want 120", got)
		}
		// The other instance has the policy cached now; edit it on s.
		goals := []sla.TargetInput{{Priority: "p3", FirstResponse: minutes(30), Resolution: minutes(600)}}
		if _, err := s.SLA.Update(ctx, admin, p.ID, sla.Input{Targets: &goals}); err != nil {
			t.Fatal(err)
		}
		apptest.Pumped(t, other)
		if got := clocks(t, other, admin, apptest.Ticket(t, other, requester)).Target(sla.FirstResponse).Goal; got != 30 {
			t.Fatalf("first response goal %d after the other instance's edit, want 30", got)
		}
	})
}

// TestTimersQueuedInTime: a ticket whose warning comes within the scan's
// reach gets its timer from the create itself; one whose warning is hours
// away gets it from the scan, once, however often and wherever it runs,
// at the warning's instant.
func TestTimersQueuedInTime(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		k := twoInstances(t, d)
		s, other, admin, requester, cal := k.s, k.other, k.admin, k.requester, k.cal.ID
		name := "Fast"
		targets := []sla.TargetInput{{Priority: "p1", FirstResponse: minutes(2), Resolution: minutes(600)},
			{Priority: "p3", FirstResponse: minutes(120), Resolution: minutes(600)}}
		if _, err := s.SLA.Create(ctx, admin, sla.Input{Name: &name, CalendarID: &cal, Targets: &targets}); err != nil {
			t.Fatal(err)
		}
		agent := apptest.User(t, s, user.RoleAgent, "")
		fast := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Priority = "p1" })
		js := timers(t, s, sla.TimerJob)
		if len(js) != 1 {
			t.Fatalf("%d timers after a create whose warning is in 2 minutes, want 1", len(js))
		}
		// 80 % of 2 minutes rounds up to 2: it warns as it falls due.
		if want := fast.CreatedAt.Add(2 * time.Minute); js[0].RunAt.Sub(want).Abs() > time.Second {
			t.Fatalf("fast ticket's timer at %v, want %v", js[0].RunAt, want)
		}
		slow := apptest.Ticket(t, s, requester)
		if n := len(timers(t, s, sla.TimerJob)); n != 1 {
			t.Fatalf("%d timers after a create whose warning is in 96 minutes, want still 1", n)
		}
		for _, svc := range []*app.Services{s, other, s} {
			if err := svc.SLA.ScanUntil(ctx, slow.CreatedAt.Add(97*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		js = timers(t, s, sla.TimerJob)
		if len(js) != 2 {
			t.Fatalf("%d timers after the scans, want 2", len(js))
		}
		var got *time.Time
		for _, j := range js {
			if j.RunAt.After(fast.CreatedAt.Add(time.Hour)) {
				got = &j.RunAt
			}
		}
		near(t, "slow ticket's timer", got, slow.CreatedAt.Add(96*time.Minute))
	})
}

// TestOfWithoutPolicies: on a desk without policies and clocks, reading
// tickets' SLA costs no statement; a clock that outlived its policy (a
// ticket's write crossing the policy's deletion on PostgreSQL leaves one
// with no policy) is still read once the deletion is known.
func TestOfWithoutPolicies(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		tk := apptest.Ticket(t, s, apptest.User(t, s, user.RoleRequester, ""))
		apptest.Pumped(t, s)
		clocks(t, s, admin, tk) // the cache learns there is nothing
		counted, n := db.CountStatements(ctx)
		if m, err := s.SLA.Of(counted, admin, []int64{tk.ID}, time.Now()); err != nil || len(m) != 0 || n() != 0 {
			t.Fatalf("SLA of a ticket on a desk without policies: %v %v in %d statements, want none in none", m, err, n())
		}
		unused := policy(t, s, admin, roundTheClock(t, s, admin).ID, "Unused", []sla.ConditionInput{{Field: "priority", Op: "is", Value: "p1"}}, nil)
		// The clock left behind, as the crossing leaves it: no policy, and
		// no event of its own.
		if _, err := d.W.ExecContext(ctx, d.Rebind(`INSERT INTO sla_clocks (ticket_id, target, goal_minutes, started_at)
			VALUES ($1, 'resolution', 60, $2)`), tk.ID, db.Now()); err != nil {
			t.Fatal(err)
		}
		if err := s.SLA.Delete(ctx, admin, unused.ID); err != nil {
			t.Fatal(err)
		}
		if got := clocks(t, s, admin, tk).Target(sla.Resolution); got == nil || got.Goal != 60 {
			t.Fatalf("resolution clock %+v after the last policy went, want the one left behind", got)
		}
	})
}

// TestImportWithoutPoliciesReadsNoClocks: an import's reply reads its
// ticket's clocks only on a desk with a policy (docket seed's million
// replies read their none, one statement each, on the single writer).
func TestImportWithoutPoliciesReadsNoClocks(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		req := apptest.User(t, s, user.RoleRequester, "")
		imp, err := s.Tickets.NewImporter(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// statements is what writing one ticket with n replies costs.
		statements := func(n int) int {
			at := time.Now().UnixMicro()
			in := ticket.Import{Actor: admin, At: at, Ticket: ticket.NewTicket{Subject: "Printer", Body: "It jams.",
				Requester: &ticket.Contact{Email: req.Email}}}
			for i := range n {
				in.Replies = append(in.Replies, ticket.ImportReply{Actor: admin, At: at + int64(i+1),
					Reply: ticket.NewReply{Body: "Try again?"}})
			}
			p, err := imp.Prepare(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			counted, count := db.CountStatements(ctx)
			if err := d.WithTxAlone(counted, func(tx *db.Tx) error { return imp.Write(counted, tx, []*ticket.Prepared{p}) }); err != nil {
				t.Fatal(err)
			}
			return count()
		}
		perReply := func() int { return (statements(5) - statements(1)) / 4 }
		without := perReply()
		policy(t, s, admin, roundTheClock(t, s, admin).ID, "Urgent only", []sla.ConditionInput{{Field: "priority", Op: "is", Value: "p1"}}, nil)
		if with := perReply(); with != without+1 {
			t.Fatalf("a reply costs %d statements with a policy and %d without: want the clocks read (one) only with one", with, without)
		}
	})
}
