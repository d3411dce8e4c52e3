package sla

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// Hook is the ticket.TxHook that moves the clocks of a written ticket, in
// the write's transaction, for the writes BeforeWrite did not see (the
// importer's replies): it stores the ticket's due times itself. A create's
// clocks start in BeforeCreate.
func (s *Service) Hook(ctx context.Context, tx *db.Tx, w ticket.Write) error {
	if w.Prepared || w.Ticket == nil || w.Event.Type != event.MessageCreated && w.Event.Type != event.TicketUpdated {
		return nil
	}
	if ticket.Importing(ctx) {
		// An import's tickets are new and got no clocks when created; on a
		// desk without policies no write can start one. Asked once per
		// import batch, not once per reply (a seeded million's replies
		// read their none: 12 s of the seed's single writer).
		none, err := ticket.Remember(ctx, noPoliciesKey{}, func() (bool, error) {
			var some bool
			err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sla_policies)`).Scan(&some)
			return !some, err
		})
		if err != nil {
			return fmt.Errorf("sla: %w", err)
		}
		if none {
			return nil
		}
	}
	r, err := s.moved(ctx, tx, w)
	if err == nil && r != nil {
		err = r.save()
	}
	if err != nil {
		return fmt.Errorf("sla: %w", err)
	}
	return nil
}

// noPoliciesKey is whether the desk has no policy, remembered during an
// import (ticket.Remember).
type noPoliciesKey struct{}

// BeforeWrite is the ticket.WriteHook that moves the clocks of a reply or
// update before the ticket row is written, as BeforeCreate does a
// create's: the row's UPDATE carries their new due and warning times, and
// the clocks (their history, breaches, timer) are stored once it is
// written.
func (s *Service) BeforeWrite(ctx context.Context, tx *db.Tx, p *ticket.Pending) error {
	if p.Ticket == nil || p.Event.Type != event.MessageCreated && p.Event.Type != event.TicketUpdated {
		return nil
	}
	r, err := s.moved(ctx, tx, p.Write)
	if err != nil {
		return fmt.Errorf("sla: %w", err)
	}
	if r == nil || len(r.dirty) == 0 && len(r.gone) == 0 && r.history == nil {
		return nil
	}
	if after := marksOf(r.clocks); after.moved(r.before) {
		p.SetDue(after.due, after.warn)
	}
	p.After(func(ctx context.Context, tx *db.Tx, w ticket.Write) error {
		// The row holds the marks already: save writes the clocks and,
		// when the scan would not, the timer.
		r.ctx, r.tx, r.t, r.inRow = ctx, tx, w.Ticket, true
		if err := r.save(); err != nil {
			return fmt.Errorf("sla: %w", err)
		}
		return nil
	})
	return nil
}

// run is the clocks of one ticket while a write moves them.
type run struct {
	s      *Service
	ctx    context.Context
	tx     *db.Tx
	t      *ticket.Ticket
	at     time.Time
	clocks map[string]*Clock
	dirty  map[string]bool
	gone   map[string]bool
	policy *Policy
	cal    *bizhours.Calendar
	// cache is the policies and calendars, checked once per write.
	cache *cache
	// breached are the clocks a stop found past their due time.
	breached []*Clock
	// before is what the clocks left on the ticket before this write.
	before marks
	// inRow: the ticket's own INSERT or UPDATE stored what the clocks
	// leave on its row; save writes no due times.
	inRow bool
	// history is the entry rechoose wrote, stored by save.
	history *historyEntry
}

// historyEntry is a change of policy as the ticket's history says it.
type historyEntry struct {
	actor    *user.Actor
	from, to string
}

func (s *Service) newRun(ctx context.Context, tx *db.Tx, t *ticket.Ticket, at time.Time) *run {
	return &run{s: s, ctx: ctx, tx: tx, t: t, at: at, clocks: map[string]*Clock{}, dirty: map[string]bool{}, gone: map[string]bool{}}
}

// BeforeCreate is the ticket.CreateHook that chooses a new ticket's
// policy and starts first response and resolution before the ticket row is
// written: the row's INSERT carries their due and warning times, and the
// clocks are stored once the ticket exists.
func (s *Service) BeforeCreate(ctx context.Context, tx *db.Tx, d *ticket.Draft) error {
	c, err := s.current(ctx, tx)
	if err != nil {
		return fmt.Errorf("sla: %w", err)
	}
	p := choose(c.policies, d.Ticket)
	if p == nil {
		return nil
	}
	r := s.newRun(ctx, tx, d.Ticket, d.Ticket.CreatedAt)
	r.cache = c
	if err := r.use(p); err != nil {
		return fmt.Errorf("sla: %w", err)
	}
	for _, target := range []string{FirstResponse, Resolution} {
		r.start(target, d.Ticket.CreatedAt)
	}
	m := marksOf(r.clocks)
	d.DueAt, d.WarnAt = m.due, m.warn
	d.After(func(ctx context.Context, tx *db.Tx, w ticket.Write) error {
		// The row holds the marks already: save writes the clocks and,
		// when the scan would not, the timer.
		r.ctx, r.tx, r.t, r.inRow = ctx, tx, w.Ticket, true
		if err := r.save(); err != nil {
			return fmt.Errorf("sla: %w", err)
		}
		return nil
	})
	return nil
}

// use makes p the policy the clocks are measured by.
func (r *run) use(p *Policy) error {
	r.policy = p
	if p == nil {
		r.cal = nil
		return nil
	}
	var err error
	r.cal, err = r.cache.calendar(r.ctx, r.s, r.tx, p.CalendarID)
	return err
}

// start starts target's clock at from, when the policy measures it at the
// ticket's priority; paused when the ticket waits.
func (r *run) start(target string, from time.Time) {
	goal := r.policy.Goal(r.t.Priority, target)
	if goal <= 0 {
		return
	}
	c := Start(r.cal, target, r.policy.ID, goal, r.policy.WarnPercent, from)
	if waiting(r.t.Status) {
		c.Pause(r.at)
	}
	r.clocks[target] = c
	r.dirty[target] = true
	delete(r.gone, target)
}

// waiting statuses pause the clocks.
func waiting(st ticket.Status) bool { return st == ticket.StatusPending || st == ticket.StatusOnHold }

// moved moves the clocks of w's ticket in memory, as the write moves
// them, and returns them for save; nil when it moves none. It writes
// nothing: it reads the clocks, and the policies when the cache may be
// stale.
func (s *Service) moved(ctx context.Context, tx *db.Tx, w ticket.Write) (*run, error) {
	t, m := w.Ticket, w.Message
	var oldStatus, newStatus string
	var why []string
	for _, f := range w.Fields {
		if f.Field == "status" && f.Old != f.New {
			oldStatus, newStatus = f.Old, f.New
		}
		if relevant(f.Field) && f.Old != f.New {
			why = append(why, strings.Replace(f.Field, CustomFieldPrefix, "custom field ", 1))
		}
	}
	agentReply := m != nil && !m.Internal && w.Actor.IsPerson() && w.Actor.IsAgent() && m.Author.ID != t.Requester.ID
	requesterMessage := m != nil && !m.Internal && m.Author.ID == t.Requester.ID
	if newStatus == "" && len(why) == 0 && !agentReply && !requesterMessage {
		return nil, nil
	}
	r := s.newRun(ctx, tx, t, w.Event.At)
	if err := r.load(); err != nil {
		return nil, err
	}
	if len(why) == 0 && len(r.clocks) == 0 {
		return nil, nil
	}
	c, err := s.current(ctx, tx)
	if err != nil {
		return nil, err
	}
	if r.cache, err = s.knowing(ctx, tx, c, policyIDs(r.clocks)...); err != nil {
		return nil, err
	}
	if len(why) > 0 {
		if err := r.rechoose(why); err != nil {
			return nil, err
		}
	} else if err := r.clocksPolicy(); err != nil {
		return nil, err
	}
	if r.policy == nil {
		return r, nil
	}
	if newStatus != "" {
		r.status(ticket.Status(oldStatus), ticket.Status(newStatus))
	}
	if agentReply {
		r.stop(FirstResponse)
		r.stop(NextResponse)
	}
	if requesterMessage && t.Status.Active() && !r.counting(FirstResponse) && !r.counting(NextResponse) {
		r.start(NextResponse, r.at)
	}
	return r, nil
}

// load reads the ticket's clocks.
func (r *run) load() error {
	cs, err := r.s.loadClocks(r.ctx, r.tx, r.t.ID)
	if err != nil {
		return err
	}
	r.clocks, r.before = cs, marksOf(cs)
	return nil
}

// clocksPolicy uses the policy of the clocks.
func (r *run) clocksPolicy() error {
	for _, c := range r.clocks {
		if p := r.cache.policy(c.PolicyID); p != nil {
			return r.use(p)
		}
	}
	return nil
}

// counting reports whether target's clock exists and has not stopped.
func (r *run) counting(target string) bool {
	c := r.clocks[target]
	return c != nil && c.StoppedAt == nil
}

func (r *run) stop(target string) {
	c := r.clocks[target]
	if c == nil {
		return
	}
	if changed, breached := c.Stop(r.cal, r.at); changed {
		r.dirty[target] = true
		if breached {
			r.breached = append(r.breached, c)
		}
	}
}

// status moves the clocks for a change of status from old to new.
func (r *run) status(old, new ticket.Status) {
	wp := r.policy.WarnPercent
	switch {
	case !new.Active():
		for _, target := range Targets {
			r.stop(target)
		}
	case !old.Active():
		if c := r.clocks[Resolution]; c != nil && c.Reopen(r.cal, wp, r.at, waiting(new)) {
			r.dirty[Resolution] = true
		}
	case waiting(new) && !waiting(old):
		for target, c := range r.clocks {
			if c.Pause(r.at) {
				r.dirty[target] = true
			}
		}
	case waiting(old) && !waiting(new):
		for target, c := range r.clocks {
			if c.Resume(r.cal, wp, r.at) {
				r.dirty[target] = true
			}
		}
	}
}

// rechoose picks the policy again after fields in why changed and
// measures the clocks by it, from their own starts, in memory: the
// history entry saying why is save's to write.
func (r *run) rechoose(why []string) error {
	policies := r.cache.policies
	// The clocks' policy: a counting clock's, else a stopped one's.
	var old *Policy
	for _, c := range r.clocks {
		for _, p := range policies {
			if p.ID == c.PolicyID && (old == nil || c.StoppedAt == nil) {
				old = p
			}
		}
	}
	p := choose(policies, r.t)
	if p == nil && old == nil {
		return nil
	}
	if err := r.use(p); err != nil {
		return err
	}
	changed := false
	for _, target := range Targets {
		c := r.clocks[target]
		goal := 0
		if p != nil {
			goal = p.Goal(r.t.Priority, target)
		}
		switch {
		case c != nil && c.StoppedAt != nil:
		case c != nil && goal == 0 && c.BreachedAt != nil:
			// Not measured any more, but its breach stays on record.
			r.stop(target)
			changed = true
		case c != nil && goal == 0:
			delete(r.clocks, target)
			r.gone[target] = true
			changed = true
		case c != nil:
			if c.Regoal(r.cal, p.ID, goal, p.WarnPercent) {
				r.dirty[target] = true
				changed = true
			}
		case goal > 0 && r.t.Status.Active() && (target == Resolution || target == FirstResponse && r.t.FirstResponseAt == nil):
			r.start(target, r.t.CreatedAt)
			changed = true
		}
	}
	if !changed && old == p {
		return nil
	}
	from, to := "none", "none"
	if old != nil {
		from = old.Name
	}
	if p != nil {
		to = p.Name
	}
	by := p
	if by == nil {
		by = old
	}
	r.history = &historyEntry{actor: Actor(by.ID, by.Name), from: from,
		to: fmt.Sprintf("%s (due times recomputed: %s changed)", to, strings.Join(why, ", "))}
	return nil
}

// save writes rechoose's history entry, stores the clocks that moved and
// what they leave on the ticket (putMarks; only the timer when the row
// holds the marks already, inRow), and records the breaches found at a
// stop: their event and history now, their escalation by a timer queued
// now, which escalates them as it escalates its own breaches, once
// (escalate-clock).
func (r *run) save() error {
	if h := r.history; h != nil {
		r.history = nil
		if err := r.s.Tickets.AppendHistory(r.ctx, r.tx, r.t.ID, h.actor, "sla", h.from, h.to); err != nil {
			return err
		}
	}
	if len(r.dirty) == 0 && len(r.gone) == 0 {
		return nil
	}
	for target := range r.gone {
		if _, err := r.tx.ExecContext(r.ctx, r.s.q.Get("delete-clock"), r.t.ID, target); err != nil {
			return err
		}
	}
	var dirty []*Clock
	for _, target := range Targets {
		if r.dirty[target] {
			dirty = append(dirty, r.clocks[target])
		}
	}
	if err := r.s.putClocks(r.ctx, r.tx, r.t.ID, dirty...); err != nil {
		return err
	}
	after := marksOf(r.clocks)
	if r.inRow {
		if err := r.s.queueNext(r.ctx, r.tx, r.t.ID, r.before, after, false); err != nil {
			return err
		}
	} else {
		if err := r.s.putMarks(r.ctx, r.tx, r.t.ID, r.before, after, false); err != nil {
			return err
		}
		r.t.DueAt = after.due
	}
	r.before = after
	for _, c := range r.breached {
		if err := r.s.breached(r.ctx, r.tx, r.t, c, r.policy); err != nil {
			return err
		}
	}
	if len(r.breached) > 0 {
		r.breached = nil
		return r.s.Jobs.InsertAll(r.ctx, r.tx, timerJob(r.t.ID, r.at))
	}
	return nil
}
