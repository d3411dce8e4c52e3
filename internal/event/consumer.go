package event

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/docket/docket/internal/db"
)

// Consumer is a durable reader of the event stream with a checkpoint of its
// own. Handle runs in the same transaction that moves the checkpoint, so an
// effect written to the database happens exactly once: a crash in the
// middle of a batch rolls back both, and the batch is read again. Effects
// outside the database must be idempotent (at least once). On PostgreSQL
// one instance at a time holds a consumer's checkpoint row; the others skip
// it until it is free.
type Consumer struct {
	Name string
	// FromStart reads the whole stream on first start; otherwise a new
	// consumer starts at the events written after it first runs.
	FromStart bool
	// Batch bounds the events handed to one Handle call (100).
	Batch  int
	Handle func(ctx context.Context, tx *db.Tx, events []Record) error

	consumed atomic.Int64
	position atomic.Int64
}

// Consumed counts events this process handled for the consumer.
func (c *Consumer) Consumed() int64 { return c.consumed.Load() }

// Position is the checkpoint as this process last saw it.
func (c *Consumer) Position() int64 { return c.position.Load() }

func (c *Consumer) init(ctx context.Context, l *Log, head int64) error {
	start := head
	if c.FromStart {
		start = 0
	}
	_, err := l.db.W.ExecContext(ctx, l.q.Get("init-checkpoint"), c.Name, start, db.Now())
	if err != nil {
		return err
	}
	var pos int64
	if err := l.db.R.QueryRowContext(ctx, l.q.Get("get-checkpoint"), c.Name).Scan(&pos); err == nil {
		c.position.Store(pos)
	}
	return nil
}

// Drain hands the consumer every event after its checkpoint, batch by
// batch, and reports how many it handled.
func (c *Consumer) Drain(ctx context.Context, l *Log) (int, error) {
	batch := c.Batch
	if batch <= 0 {
		batch = 100
	}
	total := 0
	for ctx.Err() == nil {
		n, err := c.step(ctx, l, batch)
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
	return total, ctx.Err()
}

// seen records that the checkpoint is at pos, unless it was seen further.
func (c *Consumer) seen(pos int64) {
	for {
		old := c.position.Load()
		if old >= pos || c.position.CompareAndSwap(old, pos) {
			return
		}
	}
}

// errBusy means another instance holds the checkpoint right now.
var errBusy = errors.New("busy")

func (c *Consumer) step(ctx context.Context, l *Log, batch int) (int, error) {
	n := 0
	err := l.db.WithTx(ctx, func(tx *db.Tx) error {
		var pos int64
		err := tx.QueryRowContext(ctx, l.q.Get("lock-checkpoint"), c.Name).Scan(&pos)
		if errors.Is(err, sql.ErrNoRows) {
			return errBusy // locked by another instance (or not initialised yet)
		}
		if err != nil {
			return err
		}
		c.seen(pos) // as committed: another instance may have moved it
		recs, err := l.Read(ctx, tx, pos, batch)
		if err != nil || len(recs) == 0 {
			return err
		}
		if err := c.Handle(ctx, tx, recs); err != nil {
			return fmt.Errorf("handle events %d..%d: %w", recs[0].Position, recs[len(recs)-1].Position, err)
		}
		last := recs[len(recs)-1].Position
		if _, err := tx.ExecContext(ctx, l.q.Get("save-checkpoint"), c.Name, last, db.Now()); err != nil {
			return err
		}
		n = len(recs)
		tx.AfterCommit(func() {
			c.consumed.Add(int64(n))
			c.seen(last)
		})
		return nil
	})
	if errors.Is(err, errBusy) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("event: consumer %s: %w", c.Name, err)
	}
	return n, nil
}

// TicketPayload is the payload of every ticket event.
type TicketPayload struct {
	Number    int64    `json:"number"`
	TeamID    int64    `json:"team_id,omitempty"`
	Fields    []string `json:"fields,omitempty"`
	MessageID int64    `json:"message_id,omitempty"`
	Internal  bool     `json:"internal,omitempty"`
	// Changes lists each changed field with its old and new value.
	Changes []Change `json:"changes,omitempty"`
	// Other is the other ticket of a merge, link or follow-up.
	Other    int64  `json:"other,omitempty"`
	LinkType string `json:"link_type,omitempty"`
	// Depth counts how many automatic writes led to this one: a rule's
	// write caused by another rule's write is one deeper.
	Depth int `json:"depth,omitempty"`
}

// Change is one field's old and new value.
type Change struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// BusEvent turns a record into the in-process event the live UI uses:
// ticket events, and the events of a change to a person's access (their
// user record, or their membership of a team), which carry that person in
// UserID and no ticket. Mailbox events carry only their type (the IMAP
// fetchers restart on them). It reports false for events about anything
// else.
func (r Record) BusEvent() (Event, bool) {
	switch r.SubjectType {
	case "mailbox":
		return Event{Type: r.Kind, At: r.At}, true
	case "user":
		if r.SubjectID == 0 {
			return Event{}, false
		}
		return Event{Type: r.Kind, At: r.At, UserID: r.SubjectID}, true
	case "team":
		var p struct {
			UserID int64 `json:"user_id"`
		}
		if json.Unmarshal(r.Payload, &p) != nil || p.UserID == 0 {
			return Event{}, false
		}
		return Event{Type: r.Kind, At: r.At, TeamID: r.SubjectID, UserID: p.UserID}, true
	case "inbound":
		// Mail that waits for an agent, or an agent's decision on it: the
		// workspace's "Mail not filed" count follows.
		return Event{Type: r.Kind, At: r.At, Internal: true}, true
	}
	if r.SubjectType != "ticket" || r.TicketID == 0 {
		return Event{}, false
	}
	var p TicketPayload
	if err := json.Unmarshal(r.Payload, &p); err != nil {
		return Event{}, false
	}
	e := Event{Type: r.Kind, At: r.At, TicketID: r.TicketID, Number: p.Number, TeamID: p.TeamID, Fields: p.Fields,
		MessageID: p.MessageID, Internal: p.Internal}
	if r.Actor.Type == ActorUser {
		e.ActorID = r.Actor.ID
	}
	return e, true
}

type depthKey struct{}

// MaxDepth bounds chains of automatic writes: a rule whose write triggers
// another rule, and so on. A write deeper than this is refused, which
// stops two rules that trigger each other.
const MaxDepth = 8

// CausedBy returns a context for writes made in reaction to r: one level
// deeper than the write that produced r.
func CausedBy(ctx context.Context, r Record) context.Context {
	var p struct {
		Depth int `json:"depth"`
	}
	_ = json.Unmarshal(r.Payload, &p)
	return context.WithValue(ctx, depthKey{}, p.Depth+1)
}

// DepthOf is how many automatic writes led to a write made under ctx (0 for
// a person's own action).
func DepthOf(ctx context.Context) int {
	d, _ := ctx.Value(depthKey{}).(int)
	return d
}

// ErrTooDeep refuses a write at the end of too long a chain of automatic
// writes.
var ErrTooDeep = errors.New("event: too many automatic writes in a chain (a rule loop?)")
