package mail

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// The states of an inbound message. Quarantined, rejected and bounce wait
// for an agent's decision in the inbound list ("Mail not filed"); filed
// and discarded are decided. Nothing accepted is ever deleted from it.
const (
	StateQuarantined = "quarantined" // held: DMARC failure reported by the trusted server
	StateRejected    = "rejected"    // unreadable, no usable sender, a mail loop, or not storable as a ticket
	StateBounce      = "bounce"      // a delivery report about nothing Docket sent
	StateFiled       = "filed"       // a ticket or a message on one
	StateDiscarded   = "discarded"   // an agent decided it needs nothing
)

// Filters of the inbound list besides the states themselves.
const (
	StateWaiting = "waiting" // quarantined, rejected and bounce: the default
	StateAll     = "all"
)

// InboundStates are the values of the inbound list's state filter.
var InboundStates = []string{StateWaiting, StateQuarantined, StateRejected, StateBounce, StateFiled, StateDiscarded, StateAll}

// waiting reports whether a message in state waits for a decision.
func waiting(state string) bool {
	return state == StateQuarantined || state == StateRejected || state == StateBounce
}

// The events of the inbound list (subject "inbound"): what came to wait
// there, and each agent's decision, with who made it.
const (
	EventInboundHeld      = "mail.inbound_held"
	EventInboundFiled     = "mail.inbound_filed"
	EventInboundAttached  = "mail.inbound_attached"
	EventInboundReleased  = "mail.inbound_released"
	EventInboundDiscarded = "mail.inbound_discarded"
)

type inboundPayload struct {
	State    string `json:"state"`
	Decision string `json:"decision"`
	Ticket   int64  `json:"ticket,omitempty"`
	Sender   string `json:"sender,omitempty"`
	Subject  string `json:"subject,omitempty"`
}

func (im *Importer) inboundEvent(ctx context.Context, tx *db.Tx, kind string, actor event.Actor, id int64, p inboundPayload) error {
	if im.events == nil {
		return nil
	}
	_, err := im.events.Append(ctx, tx, kind, actor, "inbound", id, 0, p)
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// addInboundQueries derives the inbound list's queries from its columns.
func addInboundQueries(q *db.Queries, d *db.DB) {
	base := q.Get("select-inbound")
	base = strings.TrimSuffix(strings.TrimSpace(base), ";")
	page := " AND i.id < $1 ORDER BY i.id DESC LIMIT $2"
	q.Add("inbound-by-id", base+d.Rebind(" WHERE i.id = $1"))
	q.Add("list-inbound-waiting", base+d.Rebind(" WHERE i.state IN ('quarantined', 'rejected', 'bounce')"+page))
	q.Add("list-inbound-state", base+d.Rebind(" WHERE i.state = $3"+page))
	q.Add("list-inbound-all", base+d.Rebind(" WHERE TRUE"+page))
}

// Inbound is one message as the inbound list shows it.
type Inbound struct {
	ID             int64
	MailboxID      int64
	Mailbox        string // its address; "" when none or deleted
	MessageID      string
	Sender         string
	Subject        string
	State          string
	Reason         string // why it was not filed; "" for mail filed on arrival
	Decision       string // what became of it
	Ticket         int64  // the ticket it was filed on, 0 if none
	ReceivedAt     time.Time
	DecidedByName  string // the agent who decided on it, if one did
	DecidedByEmail string
	DecidedAt      *time.Time
	Size           int64 // of the raw message kept; 0 when none is
}

// Waiting reports whether the message still waits for a decision.
func (m *Inbound) Waiting() bool { return waiting(m.State) }

func scanInbound(row db.Scanner) (*Inbound, error) {
	var m Inbound
	var at, decidedAt int64
	if err := row.Scan(&m.ID, &m.MailboxID, &m.Mailbox, &m.MessageID, &m.Sender, &m.Subject, &m.State, &m.Reason,
		&m.Decision, &m.Ticket, &at, &m.DecidedByName, &m.DecidedByEmail, &decidedAt, &m.Size); err != nil {
		return nil, err
	}
	m.ReceivedAt = db.Time(at)
	if decidedAt != 0 {
		t := db.Time(decidedAt)
		m.DecidedAt = &t
	}
	return &m, nil
}

// InboundFilter selects a page of the inbound list, newest first.
type InboundFilter struct {
	State  string // one of InboundStates; "" is waiting
	Before int64  // ids below this one (0: from the newest)
	Limit  int    // 1 to 200; 50 when 0
}

// agentsOnly refuses everyone but agents: the inbound list holds any
// sender's mail, for any team.
func agentsOnly(a *user.Actor, what string) error {
	if !a.IsAgent() {
		return fault.Forbidden("only agents %s", what)
	}
	return nil
}

// ListInbound returns a page of the inbound list.
func (im *Importer) ListInbound(ctx context.Context, a *user.Actor, f InboundFilter) ([]*Inbound, error) {
	if err := agentsOnly(a, "see mail that was not filed"); err != nil {
		return nil, err
	}
	if f.State == "" {
		f.State = StateWaiting
	}
	if !slices.Contains(InboundStates, f.State) {
		return nil, fault.Field("state", "must be one of %s", strings.Join(InboundStates, ", "))
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 200)
	if f.Before <= 0 {
		f.Before = 1<<63 - 1
	}
	var rows *sql.Rows
	var err error
	switch f.State {
	case StateWaiting:
		rows, err = im.db.R.QueryContext(ctx, im.q.Get("list-inbound-waiting"), f.Before, f.Limit)
	case StateAll:
		rows, err = im.db.R.QueryContext(ctx, im.q.Get("list-inbound-all"), f.Before, f.Limit)
	default:
		rows, err = im.db.R.QueryContext(ctx, im.q.Get("list-inbound-state"), f.Before, f.Limit, f.State)
	}
	if err != nil {
		return nil, fmt.Errorf("mail: inbound list: %w", err)
	}
	return db.Collect(rows, scanInbound)
}

// InboundMessage returns one message of the inbound list.
func (im *Importer) InboundMessage(ctx context.Context, a *user.Actor, id int64) (*Inbound, error) {
	if err := agentsOnly(a, "see mail that was not filed"); err != nil {
		return nil, err
	}
	m, err := scanInbound(im.db.R.QueryRowContext(ctx, im.q.Get("inbound-by-id"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("inbound message %d: %w", id, fault.ErrNotFound)
	}
	return m, err
}

// InboundRaw returns a message with its raw form as received; 404 when
// none was kept (mail filed while raw mail was not kept).
func (im *Importer) InboundRaw(ctx context.Context, a *user.Actor, id int64) (*Inbound, []byte, error) {
	m, err := im.InboundMessage(ctx, a, id)
	if err != nil {
		return nil, nil, err
	}
	var raw []byte
	if err := im.db.R.QueryRowContext(ctx, im.q.Get("inbound-raw"), id).Scan(&raw); err != nil {
		return nil, nil, err
	}
	if len(raw) == 0 {
		return nil, nil, fault.NotFound("inbound message %d was filed without keeping its raw form", id)
	}
	return m, raw, nil
}

// Waiting counts the messages that wait for an agent's decision.
func (im *Importer) Waiting(ctx context.Context) (int, error) {
	var n int
	err := im.db.R.QueryRowContext(ctx, im.q.Get("count-waiting-inbound")).Scan(&n)
	return n, err
}

// Discard records that an agent decided a waiting message needs nothing.
// The record and the raw message stay; the list shows who and when.
func (im *Importer) Discard(ctx context.Context, a *user.Actor, id int64) (*Inbound, error) {
	m, err := im.waitingMessage(ctx, a, id, "discard mail")
	if err != nil {
		return nil, err
	}
	decision := "discarded by " + actorName(a) + " (" + m.Reason + ")"
	err = im.db.WithTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, im.q.Get("discard-inbound"), id, decision, nullID(a.PersonID()), db.Now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fault.Conflict("message %d was decided on meanwhile", id)
		}
		return im.inboundEvent(ctx, tx, EventInboundDiscarded, a.EventActor(), id, inboundPayload{State: StateDiscarded, Decision: decision})
	})
	if err != nil {
		return nil, err
	}
	im.log.Info("inbound message discarded", "inbound_id", id, "by", a.ID)
	return im.InboundMessage(ctx, a, id)
}

// waitingMessage loads a message an agent wants to decide on: 409 when it
// no longer waits.
func (im *Importer) waitingMessage(ctx context.Context, a *user.Actor, id int64, what string) (*Inbound, error) {
	if err := agentsOnly(a, what); err != nil {
		return nil, err
	}
	m, err := im.InboundMessage(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !m.Waiting() {
		return nil, fault.Conflict("message %d is %s already", id, m.State)
	}
	return m, nil
}

// actorName is how a decision names the agent who made it.
func actorName(a *user.Actor) string {
	if a.Name != "" {
		return a.Name
	}
	if a.Email != "" {
		return a.Email
	}
	if a.IsPerson() {
		return "an agent"
	}
	return a.EventActor().Name
}
