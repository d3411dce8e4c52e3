package event

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/docket/docket/internal/db"
)

//go:embed queries*.sql
var queryFiles embed.FS

// Actor types: who did something. A person acts through a session or a
// token; everything else is named for what it is, never dressed up as an
// agent.
const (
	ActorUser   = "user"   // a person: ActorID is their user id
	ActorSystem = "system" // Docket itself: maintenance, the command line
	ActorMail   = "mail"   // the mail importer
	ActorRule   = "rule"   // an automation rule: ActorID is the rule's id
	ActorSLA    = "sla"    // the SLA clocks
)

// Actor is who caused an event.
type Actor struct {
	Type string `json:"type"`
	ID   int64  `json:"id,omitempty"`
	Name string `json:"name"`
}

// Record is one durable domain event: a row of domain_events.
type Record struct {
	// ID is the row id; Position orders the stream (the id on SQLite, the
	// sequencer's number on PostgreSQL). Consumers checkpoint Position.
	ID, Position int64
	At           time.Time
	Kind         string
	Actor        Actor
	// Subject is what changed: "ticket", "user", "team", "mailbox"…
	SubjectType string
	SubjectID   int64
	TicketID    int64
	Payload     json.RawMessage
}

// Log writes domain events inside the transactions that cause them and
// reads them back in order.
type Log struct {
	db       *db.DB
	q        *db.Queries
	written  func() // woken after a commit that wrote events
	appended []func(tx *db.Tx, kind string)
	bufs     buffers
}

// NewLog returns the event log over d.
func NewLog(d *db.DB) (*Log, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.Dialect)
	if err != nil {
		return nil, err
	}
	return &Log{db: d, q: q}, nil
}

// Queries exposes the named queries for start-up checks.
func (l *Log) Queries() *db.Queries { return l.q }

// OnWritten sets the function called after each commit that wrote events:
// the pump's wake-up. Set it before serving.
func (l *Log) OnWritten(fn func()) { l.written = fn }

// OnAppend adds fn, called in the writing transaction for each event this
// process appends: a cache of what the event's kind changes can drop itself
// when tx commits (tx.AfterCommit), before the pump reads the event. Set it
// before serving.
func (l *Log) OnAppend(fn func(tx *db.Tx, kind string)) { l.appended = append(l.appended, fn) }

// Append writes r in tx. payload is marshalled to JSON (nil: {}).
func (l *Log) Append(ctx context.Context, tx *db.Tx, kind string, actor Actor, subjectType string, subjectID, ticketID int64, payload any) (int64, error) {
	return l.AppendAt(ctx, tx, db.Now(), kind, actor, subjectType, subjectID, ticketID, payload)
}

// AppendAt is Append for an event that happened at (microseconds since the
// epoch): a bulk import writes each ticket's events at the ticket's time.
func (l *Log) AppendAt(ctx context.Context, tx *db.Tx, at int64, kind string, actor Actor, subjectType string, subjectID, ticketID int64, payload any) (int64, error) {
	b := []byte("{}")
	if payload != nil {
		var err error
		if b, err = json.Marshal(payload); err != nil {
			return 0, fmt.Errorf("event: %s payload: %w", kind, err)
		}
	}
	if actor.Type == "" {
		actor.Type = ActorSystem
	}
	args := []any{at, kind, actor.Type, nullID(actor.ID), actor.Name, subjectType, nullID(subjectID), nullID(ticketID), string(b)}
	id, ok := l.buffered(tx, args...)
	if !ok {
		var err error
		if id, err = tx.InsertID(ctx, l.q.Get("insert-domain-event"), args...); err != nil {
			return 0, fmt.Errorf("event: append %s: %w", kind, err)
		}
	}
	if l.written != nil {
		tx.AfterCommit(l.written)
	}
	for _, fn := range l.appended {
		fn(tx, kind)
	}
	return id, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Read returns up to limit events after position, in order, as q sees them.
func (l *Log) Read(ctx context.Context, q db.Queryer, after int64, limit int) ([]Record, error) {
	rows, err := q.QueryContext(ctx, l.q.Get("read-events"), after, limit)
	if err != nil {
		return nil, fmt.Errorf("event: read after %d: %w", after, err)
	}
	return db.Collect(rows, scanRecord)
}

func scanRecord(s db.Scanner) (Record, error) {
	var r Record
	var at int64
	var payload string
	err := s.Scan(&r.ID, &r.Position, &at, &r.Kind, &r.Actor.Type, &r.Actor.ID, &r.Actor.Name, &r.SubjectType,
		&r.SubjectID, &r.TicketID, &payload)
	r.At = db.Time(at)
	r.Payload = json.RawMessage(payload)
	return r, err
}

// Head is the position of the newest event consumers can see.
func (l *Log) Head(ctx context.Context) (int64, error) {
	var n int64
	if err := l.db.R.QueryRowContext(ctx, l.q.Get("head-position")).Scan(&n); err != nil {
		return 0, fmt.Errorf("event: head: %w", err)
	}
	return n, nil
}

// Sequence gives committed events their position in the stream and
// reports how many it numbered. Only PostgreSQL needs it: there
// transactions commit concurrently, so a lower id can become visible after
// a higher one, and a reader following ids would skip it. Any instance
// may run it; an advisory lock makes them take turns.
func (l *Log) Sequence(ctx context.Context) (int64, error) {
	return l.sequence(ctx, "sequence-events")
}

// SequenceAll is Sequence for every unnumbered event at once, in one
// statement: for a bulk load (docket seed), whose millions of events
// Sequence would number a thousand at a time. Until they are numbered,
// the log's head stands before them, and the consumers a server starts
// after the load would act on all of them (a year of seeded history's
// notifications and triggers), where on SQLite they start after them.
func (l *Log) SequenceAll(ctx context.Context) (int64, error) {
	return l.sequence(ctx, "sequence-all-events")
}

func (l *Log) sequence(ctx context.Context, query string) (int64, error) {
	if l.db.Dialect != db.Postgres {
		return 0, nil
	}
	var n int64
	err := l.db.WithTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, l.q.Get("sequencer-lock")); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, l.q.Get(query))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		if n > 0 {
			_, err = tx.ExecContext(ctx, l.q.Get("notify-events"))
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("event: sequence: %w", err)
	}
	return n, nil
}
