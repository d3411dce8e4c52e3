package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// ConsumerName is the durable consumer's checkpoint name.
const ConsumerName = "notify"

// TicketAssigned is the event of an automatic assignment, once it exists:
// its changes are read like a ticket.updated's.
const TicketAssigned = "ticket.assigned"

// Consumer raises the notifications of the domain events. It runs in the
// transaction that moves its checkpoint, so each event notifies each
// person once, across restarts and instances.
func (s *Service) Consumer() *event.Consumer {
	return &event.Consumer{Name: ConsumerName, Handle: s.handle, Batch: 100}
}

// payload is what the consumer reads of a ticket event (the SLA events add
// their target and policy).
type payload struct {
	event.TicketPayload
	Target string `json:"target"`
	Policy string `json:"policy"`
}

// candidate is one person to tell about an event.
type candidate struct {
	to   int64
	kind string // stored kind: a preference kind, with the SLA target
}

func (s *Service) handle(ctx context.Context, tx *db.Tx, recs []event.Record) error {
	var told []int64
	for _, r := range recs {
		if r.SubjectType != "ticket" || r.TicketID == 0 {
			continue
		}
		switch r.Kind {
		case event.TicketCreated, event.TicketUpdated, TicketAssigned, event.MessageCreated, event.SLAWarning, event.SLABreached:
		default:
			continue
		}
		ids, err := s.raise(ctx, tx, r)
		if err != nil {
			return fmt.Errorf("notify: event %d (%s): %w", r.ID, r.Kind, err)
		}
		told = append(told, ids...)
	}
	if len(told) > 0 {
		slices.Sort(told)
		told = slices.Compact(told)
		tx.AfterCommit(func() { s.changed(ctx, told...) })
	}
	return nil
}

// raise tells everyone r concerns and returns who got a notification in
// the app.
func (s *Service) raise(ctx context.Context, tx *db.Tx, r event.Record) ([]int64, error) {
	var p payload
	if err := json.Unmarshal(r.Payload, &p); err != nil {
		return nil, nil // not a ticket payload: nothing to tell
	}
	if r.Kind == event.MessageCreated {
		if quiet, err := s.quietMessage(ctx, tx, r, p); quiet || err != nil {
			return nil, err
		}
	}
	t, err := s.Tickets.ByIDTx(ctx, tx, r.TicketID)
	if errors.Is(err, fault.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	who, err := s.actor(ctx, tx, r.Actor)
	if err != nil {
		return nil, err
	}
	w := ticket.Write{Event: event.Event{Type: r.Kind, TicketID: t.ID, Number: t.Number}, Ticket: t, Actor: who}
	var cs []candidate
	switch r.Kind {
	case event.TicketCreated:
		assignee, err := s.assigneeAt(ctx, tx, r, t)
		if err != nil {
			return nil, err
		}
		if assignee != "" {
			if cs, err = s.assignedCandidate(ctx, tx, assignee, cs); err != nil {
				return nil, err
			}
		} else if p.TeamID != 0 {
			if cs, err = s.teamCandidates(ctx, tx, p.TeamID, cs); err != nil {
				return nil, err
			}
		}
	case event.TicketUpdated, TicketAssigned:
		if cs, err = s.changeCandidates(ctx, tx, r, t, p, cs); err != nil {
			return nil, err
		}
	case event.MessageCreated:
		if cs, err = s.changeCandidates(ctx, tx, r, t, p, cs); err != nil {
			return nil, err
		}
		if p.MessageID == 0 {
			break
		}
		m, err := s.Tickets.MessageIn(ctx, tx, p.MessageID, t.Number)
		if errors.Is(err, fault.ErrNotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		w.Message = m
		if cs, err = s.messageCandidates(ctx, tx, t, m, who, cs); err != nil {
			return nil, err
		}
	case event.SLAWarning, event.SLABreached:
		if cs, err = s.slaCandidates(ctx, tx, t, r, p, cs); err != nil {
			return nil, err
		}
	}
	var told []int64
	seen := map[int64]bool{}
	for _, c := range cs {
		if seen[c.to] || c.to == who.PersonID() || (w.Message != nil && c.to == w.Message.Author.ID) {
			continue // once per person and event; never to who caused it
		}
		seen[c.to] = true
		shown, err := s.deliver(ctx, tx, r, w, c, p)
		if err != nil {
			return nil, fmt.Errorf("tell user %d: %w", c.to, err)
		}
		if shown {
			told = append(told, c.to)
		}
	}
	return told, nil
}

// actor is who caused an event: the person, with their role, or Docket's
// own actor (a rule, the SLA, the mail importer) by name.
func (s *Service) actor(ctx context.Context, tx *db.Tx, a event.Actor) (*user.Actor, error) {
	if a.Type != event.ActorUser || a.ID == 0 {
		return user.System(a.Type, a.ID, a.Name), nil
	}
	u, _, err := s.user(ctx, tx, a.ID)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return user.System(event.ActorSystem, 0, a.Name), nil
	}
	return u, nil
}

// user reads person id: nil when there is no such person.
func (s *Service) user(ctx context.Context, tx *db.Tx, id int64) (*user.Actor, bool, error) {
	var u user.Actor
	var role string
	var active bool
	err := tx.QueryRowContext(ctx, s.q.Get("notified-user"), id).Scan(&u.ID, &u.Email, &u.Name, &role, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("user %d: %w", id, err)
	}
	u.Role = user.Role(role)
	return &u, active, nil
}

func (s *Service) ids(ctx context.Context, tx *db.Tx, query string, arg int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, s.q.Get(query), arg)
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, db.Int64)
}

func (s *Service) teamCandidates(ctx context.Context, tx *db.Tx, teamID int64, cs []candidate) ([]candidate, error) {
	members, err := s.ids(ctx, tx, "team-members", teamID)
	if err != nil {
		return nil, err
	}
	for _, id := range members {
		cs = append(cs, candidate{id, KindTeam})
	}
	return cs, nil
}

// changeCandidates reads the assignee and team changes of an event: the
// new assignee is told; a team given a ticket with nobody assigned tells
// its members.
func (s *Service) changeCandidates(ctx context.Context, tx *db.Tx, r event.Record, t *ticket.Ticket, p payload, cs []candidate) ([]candidate, error) {
	assignee, team := changesOf(p)
	var err error
	if assigned(assignee) {
		if cs, err = s.assignedCandidate(ctx, tx, assignee.New, cs); err != nil {
			return nil, err
		}
	}
	if !moved(team, p) {
		return cs, nil
	}
	now := ""
	if assignee != nil {
		now = assignee.New
	} else if now, err = s.assigneeAt(ctx, tx, r, t); err != nil {
		return nil, err
	}
	if now == "" {
		return s.teamCandidates(ctx, tx, p.TeamID, cs)
	}
	return cs, nil
}

// changesOf are p's changes of assignee and of team (nil: unchanged).
func changesOf(p payload) (assignee, team *event.Change) {
	for i := range p.Changes {
		switch p.Changes[i].Field {
		case "assignee":
			assignee = &p.Changes[i]
		case "team":
			team = &p.Changes[i]
		}
	}
	return assignee, team
}

// assigned reports whether an assignee change tells its new assignee.
func assigned(c *event.Change) bool { return c != nil && c.New != "" && c.New != c.Old }

// moved reports whether a team change of p may tell the team: with nobody
// assigned, its members are told.
func moved(c *event.Change, p payload) bool {
	return c != nil && c.New != "" && c.New != c.Old && p.TeamID != 0
}

// assignedCandidate adds the active agent with address email, told of an
// assignment.
func (s *Service) assignedCandidate(ctx context.Context, tx *db.Tx, email string, cs []candidate) ([]candidate, error) {
	var id int64
	err := tx.QueryRowContext(ctx, s.q.Get("user-by-email"), email).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return cs, nil
	}
	if err != nil {
		return nil, err
	}
	return append(cs, candidate{id, KindAssigned}), nil
}

// assigneeAt is the address of whom t was assigned to right after event r:
// the old value of the first assignee change written after r, else the
// assignee now. The consumer may read r after later changes committed.
func (s *Service) assigneeAt(ctx context.Context, tx *db.Tx, r event.Record, t *ticket.Ticket) (string, error) {
	rows, err := tx.QueryContext(ctx, s.q.Get("later-ticket-changes"), t.ID, r.ID)
	if err != nil {
		return "", err
	}
	later, err := db.Collect(rows, func(sc db.Scanner) (string, error) {
		var b string
		return b, sc.Scan(&b)
	})
	if err != nil {
		return "", err
	}
	for _, b := range later {
		var lp event.TicketPayload
		if json.Unmarshal([]byte(b), &lp) != nil {
			continue
		}
		for _, c := range lp.Changes {
			if c.Field == "assignee" {
				return c.Old, nil
			}
		}
	}
	if t.Assignee == nil {
		return "", nil
	}
	return t.Assignee.Email, nil
}

// quietMessage reports whether the event of a new message tells nobody,
// from its payload and one small read: what changeCandidates and
// messageCandidates would find. Most messages are agents' public replies,
// which tell nobody, and reading their ticket, author and message as the
// candidates' reading does took four statements or more, in the writer's
// turn on SQLite (7.5 % of its time under replies). Like that reading, it
// reads the message by id and the ticket the event was written on.
func (s *Service) quietMessage(ctx context.Context, tx *db.Tx, r event.Record, p payload) (bool, error) {
	if assignee, team := changesOf(p); assigned(assignee) || moved(team, p) {
		return false, nil
	}
	if p.MessageID == 0 {
		return true, nil
	}
	var internal bool
	var author, requester int64
	var note string
	err := tx.QueryRowContext(ctx, s.q.Get("message-author"), p.MessageID, r.TicketID).Scan(&internal, &author, &requester, &note)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil // the message or the ticket is gone
	}
	if err != nil {
		return false, err
	}
	if internal {
		return len(Mentions(note)) == 0, nil
	}
	return author != requester, nil
}

// messageCandidates: an agent's internal note tells the agents it
// mentions; the requester's message tells the assignee and the agents who
// follow the ticket.
func (s *Service) messageCandidates(ctx context.Context, tx *db.Tx, t *ticket.Ticket, m *ticket.Message, who *user.Actor, cs []candidate) ([]candidate, error) {
	if m.Internal {
		if !who.IsPerson() || !who.IsAgent() {
			return cs, nil
		}
		handles := Mentions(m.Body)
		if len(handles) == 0 {
			return cs, nil
		}
		agents, err := s.mentionable(ctx, tx)
		if err != nil {
			return nil, err
		}
		for _, a := range resolve(handles, agents) {
			cs = append(cs, candidate{a.ID, KindMention})
		}
		return cs, nil
	}
	if m.Author.ID != t.Requester.ID {
		return cs, nil
	}
	if t.Assignee != nil {
		cs = append(cs, candidate{t.Assignee.ID, KindReply})
	}
	followers, err := s.ids(ctx, tx, "agent-followers", t.ID)
	if err != nil {
		return nil, err
	}
	for _, id := range followers {
		cs = append(cs, candidate{id, KindReply})
	}
	return cs, nil
}

// slaCandidates: a warning tells the assignee (nobody assigned: the
// team's leads); a breach tells the assignee, and the team's leads when
// the policy's escalation says to notify.
func (s *Service) slaCandidates(ctx context.Context, tx *db.Tx, t *ticket.Ticket, r event.Record, p payload, cs []candidate) ([]candidate, error) {
	if p.Target == "" {
		return cs, nil
	}
	kind := KindSLAWarning
	if r.Kind == event.SLABreached {
		kind = KindSLABreach
	}
	stored := kind + "_" + p.Target
	if t.Assignee != nil {
		cs = append(cs, candidate{t.Assignee.ID, stored})
	}
	// The leads of the team the ticket was in when the target was missed
	// (an escalation may have moved it since).
	leads := p.TeamID != 0 && kind == KindSLAWarning && t.Assignee == nil
	if kind == KindSLABreach && p.TeamID != 0 && r.Actor.Type == event.ActorSLA {
		var esc string
		err := tx.QueryRowContext(ctx, s.q.Get("sla-policy-escalation"), r.Actor.ID).Scan(&esc)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		var e struct {
			Notify bool `json:"notify"`
		}
		_ = json.Unmarshal([]byte(esc), &e)
		leads = e.Notify
	}
	if !leads {
		return cs, nil
	}
	ids, err := s.ids(ctx, tx, "team-leads", p.TeamID)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		cs = append(cs, candidate{id, stored})
	}
	return cs, nil
}

func (s *Service) mentionable(ctx context.Context, q db.Queryer) ([]agent, error) {
	rows, err := q.QueryContext(ctx, s.q.Get("mentionable"))
	if err != nil {
		return nil, fmt.Errorf("agents: %w", err)
	}
	return db.Collect(rows, func(r db.Scanner) (agent, error) {
		var a agent
		err := r.Scan(&a.ID, &a.Email, &a.Role)
		return a, err
	})
}
