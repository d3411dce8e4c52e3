package ticket_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// allEvents reads the whole durable stream, numbering it first (PostgreSQL).
func allEvents(t *testing.T, s *app.Services) []event.Record {
	t.Helper()
	if _, err := s.Events.Sequence(ctx); err != nil {
		t.Fatal(err)
	}
	recs, err := s.Events.Read(ctx, s.DB.R, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestEveryTicketWriteRecordsItsDomainEvent(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		req := apptest.User(t, s, user.RoleRequester, "")
		a := apptest.Ticket(t, s, agent)
		b := apptest.Ticket(t, s, agent)
		c := apptest.Ticket(t, s, req)
		if _, err := s.Tickets.Reply(ctx, agent, a.Number, ticket.NewReply{Body: "On it."}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Tickets.Reply(ctx, agent, a.Number, ticket.NewReply{Body: "Note to self.", Internal: true}); err != nil {
			t.Fatal(err)
		}
		prio := "p1"
		if _, err := s.Tickets.Update(ctx, agent, a.Number, ticket.Patch{Priority: &prio}, 0); err != nil {
			t.Fatal(err)
		}
		if err := s.Tickets.AddLink(ctx, agent, a.Number, ticket.LinkRelated, b.Number); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Tickets.Merge(ctx, agent, b.Number, a.Number); err != nil {
			t.Fatal(err)
		}
		closed := ticket.StatusClosed
		res := ticket.Resolution("fixed")
		if _, err := s.Tickets.Update(ctx, agent, c.Number, ticket.Patch{Status: &closed, Resolution: &res}, 0); err != nil {
			t.Fatal(err)
		}
		follow, err := s.Tickets.Reply(ctx, req, c.Number, ticket.NewReply{Body: "It broke again."})
		if err != nil {
			t.Fatal(err)
		}

		var got []string
		var update *event.Record
		for _, r := range allEvents(t, s) {
			if r.SubjectType != "ticket" {
				continue
			}
			var p event.TicketPayload
			if err := json.Unmarshal(r.Payload, &p); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%s #%d by %s:%d", r.Kind, p.Number, r.Actor.Type, r.Actor.ID))
			if r.Kind == event.TicketUpdated && p.Number == a.Number && slices.Contains(p.Fields, "priority") {
				update = &r
			}
		}
		want := []string{
			fmt.Sprintf("ticket.created #%d by user:%d", a.Number, agent.ID),
			fmt.Sprintf("ticket.created #%d by user:%d", b.Number, agent.ID),
			fmt.Sprintf("ticket.created #%d by user:%d", c.Number, req.ID),
			fmt.Sprintf("message.created #%d by user:%d", a.Number, agent.ID),
			fmt.Sprintf("message.created #%d by user:%d", a.Number, agent.ID),
			fmt.Sprintf("ticket.updated #%d by user:%d", a.Number, agent.ID),
			fmt.Sprintf("link.created #%d by user:%d", a.Number, agent.ID),
			fmt.Sprintf("link.created #%d by user:%d", b.Number, agent.ID),
			fmt.Sprintf("ticket.updated #%d by user:%d", a.Number, agent.ID), // merged into
			fmt.Sprintf("ticket.merged #%d by user:%d", b.Number, agent.ID),
			fmt.Sprintf("ticket.updated #%d by user:%d", c.Number, agent.ID),
			fmt.Sprintf("ticket.created #%d by user:%d", follow.TicketNumber, req.ID), // the follow-up
			fmt.Sprintf("link.created #%d by user:%d", follow.TicketNumber, req.ID),
			fmt.Sprintf("link.created #%d by user:%d", c.Number, req.ID),
		}
		if !slices.Equal(got, want) {
			t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		var p event.TicketPayload
		_ = json.Unmarshal(update.Payload, &p)
		if len(p.Changes) != 1 || p.Changes[0] != (event.Change{Field: "priority", Old: "p3", New: "p1"}) {
			t.Fatalf("update payload: %s", update.Payload)
		}
	})
}

func TestMailImporterActsUnderItsOwnName(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		raw := "From: Ann <ann@example.test>\r\nTo: support@example.test\r\nSubject: Printer jam\r\nMessage-ID: <jam@example.test>\r\n\r\nThe printer jams.\r\n"
		res, err := s.Importer.Import(ctx, nil, []byte(raw))
		if err != nil || res.Ticket == 0 {
			t.Fatalf("import: %+v %v", res, err)
		}
		hist, err := s.Tickets.Events(ctx, admin, res.Ticket, 0, 10)
		if err != nil || len(hist) == 0 {
			t.Fatalf("history: %v %v", hist, err)
		}
		if hist[0].Actor.Name != "Mail importer" || hist[0].Actor.Email != "" {
			t.Fatalf("created by %+v, want the mail importer (not a made-up agent)", hist[0].Actor)
		}
		msgs, _ := s.Tickets.Messages(ctx, admin, res.Ticket, 0, 10)
		if len(msgs) != 1 || msgs[0].Author.Email != "ann@example.test" {
			t.Fatalf("the message is still the sender's: %+v", msgs)
		}
		for _, r := range allEvents(t, s) {
			if r.Kind == event.TicketCreated && r.TicketID != 0 && r.Actor.Type != event.ActorMail {
				t.Fatalf("ticket.created actor = %+v, want mail", r.Actor)
			}
		}
	})
}

// A durable consumer that fails in the middle of a batch (the process
// dies) leaves neither its checkpoint nor its effects behind; on the next
// run it handles the batch again and every effect exists exactly once.
func TestConsumerCrashMidBatchResumesWithoutLossOrRepeat(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		var crash atomic.Bool
		var s *app.Services
		c := &event.Consumer{Name: "test-effects", Batch: 50, Handle: func(ctx context.Context, tx *db.Tx, recs []event.Record) error {
			tickets := 0
			for _, r := range recs {
				if r.Kind != event.TicketCreated {
					continue // the agent's creation, an audit event
				}
				if tickets++; crash.Load() && tickets == 3 {
					return errors.New("power cut")
				}
				// The effect: a job row keyed by the event; a repeat would
				// either fail on the key or show up as a second row.
				if _, err := s.Jobs.Insert(ctx, tx, job.New{Kind: "effect", Args: r.ID, RunAt: time.Now().Add(time.Hour)}); err != nil {
					return err
				}
			}
			return nil
		}}
		crash.Store(true)
		s = apptest.ServicesWith(t, d, func(s *app.Services) { s.Pump.Register(c) })
		agent := apptest.User(t, s, user.RoleAgent, "")
		// Five tickets in one transaction: one commit, one batch of five.
		if err := d.WithTx(ctx, func(tx *db.Tx) error {
			for i := range 5 {
				if _, err := s.Tickets.Create(db.WithinTx(ctx, tx), agent, ticket.NewTicket{Subject: fmt.Sprint("Batch ", i),
					Body: "x", Requester: &ticket.Contact{Email: "batch@example.test"}}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // the pump retries and keeps failing
		consumed := c.Consumed()
		jobs, _ := s.Jobs.List(ctx, job.Filter{Kind: "effect"})
		if len(jobs) != 0 {
			t.Fatalf("a failed batch left %d effects behind", len(jobs))
		}
		crash.Store(false)
		s.Pump.Wake()
		// The count moves just after the batch's commit, so wait for both.
		waitUntil(t, "the consumer to catch up", func() bool {
			jobs, _ := s.Jobs.List(ctx, job.Filter{Kind: "effect"})
			return len(jobs) >= 5 && c.Consumed()-consumed >= 5
		})
		if n := c.Consumed() - consumed; n < 5 {
			t.Fatalf("%d events consumed after the crash, want the 5 of the failed batch", n)
		}
		jobs, _ = s.Jobs.List(ctx, job.Filter{Kind: "effect"})
		seen := map[string]bool{}
		for _, j := range jobs {
			if seen[string(j.Args)] {
				t.Fatalf("event %s handled twice", j.Args)
			}
			seen[string(j.Args)] = true
		}
		if len(jobs) != 5 {
			t.Fatalf("%d effects, want 5", len(jobs))
		}
	})
}

// A rule-like consumer changes the ticket whose event triggered it, inside
// its own transaction, without deadlock on either database; two rules
// that trigger each other stop at the depth limit instead of looping.
func TestRuleLikeWritesComposeAndLoopsStop(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		var s *app.Services
		var stopped atomic.Int32
		rule := &event.Consumer{Name: "test-rules", Handle: func(ctx context.Context, tx *db.Tx, recs []event.Record) error {
			for _, r := range recs {
				if r.Kind != event.TicketUpdated && r.Kind != event.TicketCreated {
					continue
				}
				var p event.TicketPayload
				_ = json.Unmarshal(r.Payload, &p)
				cctx := db.WithinTx(event.CausedBy(ctx, r), tx)
				actor := user.System(event.ActorRule, 1, "Rule ‘ping-pong’")
				var patch ticket.Patch
				switch {
				case r.Kind == event.TicketCreated:
					prio := "p1" // "escalate new tickets"
					patch.Priority = &prio
				case slices.Contains(p.Fields, "priority"):
					tags := []string{fmt.Sprintf("escalated-%d", p.Depth)}
					patch.Tags = &tags
				case slices.Contains(p.Fields, "tags"):
					prio := map[bool]string{true: "p2", false: "p1"}[p.Depth%4 == 2]
					patch.Priority = &prio
				default:
					continue
				}
				if _, err := s.Tickets.Update(cctx, actor, p.Number, patch, 0); errors.Is(err, event.ErrTooDeep) {
					stopped.Add(1) // a rule engine logs this with the rule's name, and carries on
				} else if err != nil {
					return err
				}
			}
			return nil
		}}
		s = apptest.ServicesWith(t, d, func(s *app.Services) { s.Pump.Register(rule) })
		agent := apptest.User(t, s, user.RoleAgent, "")
		tk := apptest.Ticket(t, s, agent)
		deadline := time.Now().Add(15 * time.Second)
		for stopped.Load() != 1 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if stopped.Load() != 1 {
			hist, _ := s.Tickets.Events(ctx, agent, tk.Number, 0, 100)
			for _, h := range hist {
				t.Logf("%s %s: %s → %s", h.Actor.Name, h.Field, h.Old, h.New)
			}
			for _, r := range allEvents(t, s) {
				t.Logf("%d %s %s", r.Position, r.Kind, r.Payload)
			}
			t.Fatal("the rule chain did not stop at the depth limit")
		}
		got, err := s.Tickets.Get(ctx, agent, tk.Number)
		if err != nil {
			t.Fatal(err)
		}
		hist, _ := s.Tickets.Events(ctx, agent, tk.Number, 0, 100)
		rules := 0
		for _, h := range hist {
			if h.Actor.Name == "Rule ‘ping-pong’" {
				rules++
			}
		}
		// created (depth 0) → priority (1) → tags (2) → … → depth MaxDepth.
		if rules != event.MaxDepth {
			t.Fatalf("%d rule writes in history, want %d; ticket %+v", rules, event.MaxDepth, got)
		}
		// The agent can still work on the ticket: nothing is left locked.
		prio := "p4"
		if _, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Priority: &prio}, 0); err != nil {
			t.Fatal(err)
		}
	})
}

func TestBackgroundStateKeepsTheAgentsETag(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		tk := apptest.Ticket(t, s, agent)
		held := tk.Version
		// A background writer (the SLA, say) records a due time.
		due := map[string]any{"resolution_due": time.Now().Add(4 * time.Hour).UTC()}
		if err := s.Tickets.PutState(ctx, tk.ID, "sla", due); err != nil {
			t.Fatal(err)
		}
		var back map[string]any
		if err := s.Tickets.State(ctx, tk.ID, "sla", &back); err != nil || back["resolution_due"] == nil {
			t.Fatalf("state: %v %v", back, err)
		}
		// The requester writes back: a message, not a field an agent edits.
		if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Looking", Internal: true}); err != nil {
			t.Fatal(err)
		}
		prio := "p2"
		got, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Priority: &prio}, held)
		if err != nil {
			t.Fatalf("the agent's ETag went stale after background writes: %v", err)
		}
		if got.Version != held+1 {
			t.Fatalf("version %d, want %d", got.Version, held+1)
		}
		// A stale ETag is still refused after a real change.
		if _, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Priority: &prio}, held); err == nil {
			t.Fatal("a stale ETag was accepted")
		}
	})
}
