// Package outbox sends Docket's outbound email through a durable outbox.
//
// A Notifier hooks into ticket writes (ticket.Service.OnWrite) and, inside
// the very transaction that stores the reply or change, writes one outbox
// row per email: the acknowledgement of a new ticket, an agent's public
// reply, notices to agents and the resolution notice. Each row carries the
// rendered text and HTML, every header, and a Message-ID generated once on
// our domain. The same transaction queues a job (SendJob) that sends the
// row: the job runner retries it with backoff, and when an instance dies
// mid-send another one takes the job over.
//
// The delivery guarantee is at-least-once with a stable Message-ID: a row
// is marked "sending" before the SMTP transaction and "sent" after it. If
// the process dies in between, the job runs again and the row is sent again
// with the same Message-ID, so recipients' mail clients recognise the
// duplicate and keep one copy in the thread. A row is never lost, and never
// sent under a different identity.
package outbox

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/job"
)

//go:embed queries.sql
var queryFS embed.FS

// The statuses of an outbox row.
const (
	StatusQueued  = "queued"
	StatusSending = "sending"
	StatusSent    = "sent"
	StatusFailed  = "failed"
)

// The kinds of email the Notifier writes. They are also the template keys.
const (
	KindAck             = "ack"              // new ticket acknowledged to the requester
	KindReply           = "reply"            // an agent's public reply
	KindRequesterNotice = "requester_notice" // the requester wrote: notice to the assignee
	KindAssignment      = "assignment"       // the ticket was assigned: notice to the assignee
	KindResolution      = "resolution"       // the ticket was resolved: notice to the requester
	KindMention         = "mention"          // an agent was mentioned in an internal note
	KindSLABreach       = "sla_breach"       // an SLA target was breached: notice to the assignee and team leads
	KindSLAWarning      = "sla_warning"      // an SLA target is due soon: notice to the assignee
	KindTeamTicket      = "team_ticket"      // an unassigned ticket arrived in a team: notice to its members
)

// Kinds lists every kind, in display order.
var Kinds = []string{KindAck, KindReply, KindRequesterNotice, KindAssignment, KindTeamTicket, KindResolution, KindMention,
	KindSLAWarning, KindSLABreach}

// Store reads and writes the outbox and mail_templates tables.
type Store struct {
	db     *db.DB
	q      *db.Queries
	events *event.Log // where template changes are recorded
	jobs   *job.Queue // where the jobs that send the emails go
}

// New loads and prepares the outbox's queries against d; template changes
// are recorded in events, and each email written is sent by a SendJob
// queued on jobs.
func New(ctx context.Context, d *db.DB, events *event.Log, jobs *job.Queue) (*Store, error) {
	q, err := db.LoadQueries(queryFS, ".", d.Dialect)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	if err := d.Prepare(ctx, q); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return &Store{db: d, q: q, events: events, jobs: jobs}, nil
}

// Email is one outbound message as the outbox stores it.
type Email struct {
	TicketID  int64 // 0 when not about a ticket
	MessageID int64 // the Docket message it carries, 0 for notices
	Kind      string
	From      Address // the mailbox it is sent as
	ReplyTo   string
	// RFC822MessageID is the Message-ID without angle brackets, generated
	// once when the row is written.
	RFC822MessageID string
	To, Cc          []Address
	Subject         string
	Text, HTML      string
	InReplyTo       string   // without angle brackets
	References      []string // without angle brackets, oldest first
	Headers         map[string]string
	// Attachments are the ids of MessageID's attachments the email
	// attaches; the sender reads their contents when it sends.
	Attachments []string
}

// Address is a mailbox: a display name and an address.
type Address struct {
	Name, Email string
}

// Delivery is the state of one outbox row, as the UI shows it on a message.
type Delivery struct {
	ID              int64
	TicketID        int64
	MessageID       int64
	Kind            string
	RFC822MessageID string
	To, Cc          string
	Subject         string
	Status          string
	Attempts        int
	NextAttemptAt   time.Time
	LastError       string
	CreatedAt       time.Time
	SentAt          *time.Time
}

// row is a full outbox row, for the sender.
type row struct {
	Delivery
	From         Address
	ReplyTo      string
	Text, HTML   string
	InReplyTo    string
	References   string
	HeadersJSON  string
	MailboxEmail string
	Attachments  string // attachment ids, space-separated
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func scanRow(sc interface{ Scan(...any) error }) (*row, error) {
	var r row
	var ticketID, messageID, sentAt sql.NullInt64
	var next, created int64
	if err := sc.Scan(&r.ID, &ticketID, &messageID, &r.Kind, &r.From.Email, &r.From.Name, &r.ReplyTo,
		&r.RFC822MessageID, &r.To, &r.Cc, &r.Subject, &r.Text, &r.HTML, &r.InReplyTo, &r.References,
		&r.HeadersJSON, &r.Status, &r.Attempts, &next, &r.LastError, &created, &sentAt, &r.Attachments); err != nil {
		return nil, err
	}
	r.TicketID, r.MessageID = ticketID.Int64, messageID.Int64
	r.NextAttemptAt, r.CreatedAt, r.SentAt = db.Time(next), db.Time(created), db.NullTime(sentAt)
	return &r, nil
}

// Get returns one outbox row's delivery state.
func (s *Store) Get(ctx context.Context, id int64) (*Delivery, error) {
	r, err := s.get(ctx, s.db.R, id)
	if err != nil {
		return nil, err
	}
	return &r.Delivery, nil
}

func (s *Store) get(ctx context.Context, q db.Queryer, id int64) (*row, error) {
	r, err := scanRow(q.QueryRowContext(ctx, s.q.Get("select-outbox"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("outbox: email %d: %w", id, fault.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("outbox: email %d: %w", id, err)
	}
	return r, nil
}

// StatusForMessage lists the emails that carry a ticket message (an agent's
// reply), with their delivery state, oldest first. A message that was not
// emailed has none.
func (s *Store) StatusForMessage(ctx context.Context, messageID int64) ([]Delivery, error) {
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("outbox-of-message"), messageID)
	if err != nil {
		return nil, fmt.Errorf("outbox: status of message %d: %w", messageID, err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, fmt.Errorf("outbox: status of message %d: %w", messageID, err)
		}
		out = append(out, r.Delivery)
	}
	return out, rows.Err()
}

// Bounced marks the email with our Message-ID id as failed with reason (a
// delivery status notification came back) and returns the number of its
// ticket; ok is false when no such email was sent.
func (s *Store) Bounced(ctx context.Context, id, reason string) (number int64, ok bool, err error) {
	id = strings.Trim(strings.TrimSpace(id), "<>")
	if id == "" {
		return 0, false, nil
	}
	err = s.db.R.QueryRowContext(ctx, s.q.Get("bounced-ticket"), id).Scan(&number)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	} else if err != nil {
		return 0, false, err
	}
	if len(reason) > 500 {
		reason = reason[:500]
	}
	if _, err := s.db.W.ExecContext(ctx, s.q.Get("mark-bounced"), id, reason); err != nil {
		return 0, false, err
	}
	return number, true, nil
}
