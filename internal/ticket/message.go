package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// Message is one entry of a ticket's conversation: a public reply or an
// internal note.
type Message struct {
	ID           int64
	UID          string
	TicketNumber int64
	Author       Person
	Internal     bool
	Body         string
	BodyHTML     string
	Format       Format
	Channel      Channel
	MessageID    string
	Threading    string
	Attachments  []AttachmentRef
	CreatedAt    time.Time
}

// AttachmentRef describes an attachment on a message.
type AttachmentRef struct {
	ID          string
	Filename    string
	ContentType string
	Size        int64
}

type newMessage struct {
	body        string
	format      Format
	internal    bool
	channel     Channel
	messageID   string
	threading   string
	attachments []string
	// rendered: html and doc are filled in (render), ahead of the write.
	rendered bool
	html     string
	doc      searchDoc
}

// render computes what the message's rows hold besides its input: the
// sanitized HTML and the search document. The importer renders in parallel
// workers before the single writer inserts.
func (m *newMessage) render() {
	if !m.rendered {
		m.html, m.doc, m.rendered = renderBody(m.body, m.format), newSearchDoc(m.body), true
	}
}

// insertMessage writes a message and then its search document, after
// docs (a new ticket's subject) in the same statement (on SQLite the
// full-text document is written when the transaction ends, once per
// ticket: insertSearchDocs). It returns the message as
// a read of it would give it, built from what was written (see
// writtenMessage).
func (s *Service) insertMessage(ctx context.Context, tx *db.Tx, ticketID int64, author Person, uploaderID int64, m newMessage, now int64, docs ...searchRow) (*Message, error) {
	m.render()
	uid := newUID(ctx, now)
	id, err := s.insertMessageRow(ctx, tx, ticketID, author.ID, uploaderID, uid, m, now)
	if err != nil {
		return nil, err
	}
	if err := s.insertSearchDocs(ctx, tx, append(docs, searchRow{ticketID, id, m.internal, m.doc})); err != nil {
		return nil, fmt.Errorf("message: %w", err)
	}
	return m.written(id, uid, 0, author, now), nil
}

// writtenMessage returns the message insertMessage wrote, m, with its
// ticket's number, as hooks and the caller read it: without reading it
// back when what was written says everything (no attachments, an author
// whose email and name are known), else read in tx.
func (s *Service) writtenMessage(ctx context.Context, tx *db.Tx, m *Message, number int64, in newMessage) (*Message, error) {
	if len(in.attachments) > 0 || m.Author.Email == "" {
		return s.messageTx(ctx, tx, m.ID, number)
	}
	w := *m
	w.TicketNumber = number
	return &w, nil
}

// insertMessageRow writes a rendered message and binds its attachments;
// its search document is the caller's to write.
func (s *Service) insertMessageRow(ctx context.Context, tx *db.Tx, ticketID, authorID, uploaderID int64, uid string, m newMessage, now int64) (int64, error) {
	id, err := tx.InsertID(ctx, s.q.Get("insert-message"), messageArgs(nil, ticketID, authorID, uid, m, now)...)
	if err != nil {
		return 0, fmt.Errorf("insert message: %w", err)
	}
	inv := &fault.Invalid{}
	seen := map[string]bool{}
	for i, att := range m.attachments {
		if seen[att] {
			continue
		}
		seen[att] = true
		res, err := tx.ExecContext(ctx, s.q.Get("bind-attachment"), att, id, uploaderID)
		if err != nil {
			return 0, err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			inv.Add("attachments["+strconv.Itoa(i)+"]", "no unused attachment %q uploaded by you", att)
		}
	}
	if err := inv.Err(); err != nil {
		return 0, err
	}
	return id, nil
}

// messageArgs appends the values of insert-message for m to args.
func messageArgs(args []any, ticketID, authorID int64, uid string, m newMessage, now int64) []any {
	return append(args, uid, ticketID, authorID, m.internal, m.body, m.html, string(m.format), string(m.channel),
		m.messageID, m.threading, now)
}

// messageChange is the history row of a reply (or, internal, a note)
// with message id.
func messageChange(internal bool, id int64) change {
	kind := "reply"
	if internal {
		kind = "note"
	}
	return change{"message", "", kind + " " + strconv.FormatInt(id, 10)}
}

// NewReply is the input to Reply.
type NewReply struct {
	Body        string
	Format      Format
	Internal    bool
	Attachments []string
	Channel     Channel
	MessageID   string
	Threading   string
	// InTx runs inside the reply's transaction (see NewTicket.InTx).
	InTx func(ctx context.Context, tx *db.Tx, number, messageID int64) error
	// Status, when set (agents only), moves the ticket in the same step:
	// "reply and resolve". Resolution goes with resolved or closed.
	Status     Status
	Resolution Resolution
	// Author is the user who wrote the message when the actor is not a
	// person (the mail importer adding a bounce as a note, say): the
	// message and its attachments are theirs, the change is the actor's.
	Author int64
}

// Reply adds a public reply or internal note to ticket number. It returns
// the stored message; when a requester writes to a closed ticket, the
// message opens a new follow-up ticket linked to it, and the message's
// TicketNumber says which.
func (s *Service) Reply(ctx context.Context, a *user.Actor, number int64, in NewReply) (*Message, error) {
	if err := tooDeep(ctx); err != nil {
		return nil, fmt.Errorf("ticket: reply %d: %w", number, err)
	}
	if err := checkReply(a, &in); err != nil {
		return nil, fmt.Errorf("ticket: reply %d: %w", number, err)
	}
	// Rendered before the transaction, as a create's (see Create).
	msg := newMessage{body: in.Body, format: in.Format, internal: in.Internal, channel: in.Channel,
		messageID: in.MessageID, threading: in.Threading, attachments: in.Attachments}
	msg.render()
	var msgID int64
	var t *Ticket
	var followUp *Ticket
	var changed []string
	// The message as stored: built from what was written (or read in the
	// transaction), so it is not read back after the commit.
	var reply *Message
	err := s.withRetry(ctx, func(tx *db.Tx) error {
		msgID, changed = 0, nil
		if err := s.lock(ctx, tx, number, number); err != nil {
			return err
		}
		var err error
		t, err = s.get(ctx, tx, a, number)
		if err != nil {
			return err
		}
		if t.MergedInto != 0 {
			// Replies to a merged ticket continue on the survivor.
			if err := s.lock(ctx, tx, t.MergedInto, t.MergedInto); err != nil {
				return err
			}
			if t, err = s.get(ctx, tx, a, t.MergedInto); err != nil {
				return err
			}
		}
		if t.Status == StatusClosed {
			if a.IsAgent() {
				return fault.Conflict("ticket %s is closed; open a new ticket instead", t.Reference)
			}
			return nil // handled below, outside this transaction
		}
		now := db.Now()
		author := a.ID
		if !a.IsPerson() {
			if in.Author == 0 {
				return fmt.Errorf("%s writes no message of its own: %w", a.EventActor().Name, fault.Field("author", "is required"))
			}
			author = in.Author
		}
		person := Person{ID: author}
		if a.IsPerson() {
			person.Email, person.Name = a.Email, a.Name
		}
		written, err := s.insertMessage(ctx, tx, t.ID, person, author, msg, now)
		if err != nil {
			return err
		}
		msgID = written.ID
		if reply, err = s.writtenMessage(ctx, tx, written, t.Number, msg); err != nil {
			return err
		}
		stored := *t // as read after the lock: t is changed in memory next
		var changes []change
		if changes, changed, err = s.replyChanges(a, t, in, now); err != nil {
			return err
		}
		changes = append(changes, messageChange(in.Internal, msgID))
		// The write hooks see the reply before the ticket row is written,
		// and may add to it (the SLA's due times).
		p, err := s.pending(ctx, tx, Write{Event: event.Event{Type: event.MessageCreated, At: db.Time(now), TicketID: t.ID,
			Number: t.Number, ActorID: a.ID, TeamID: refID(t.Team), MessageID: msgID, Internal: in.Internal, Fields: changed},
			Actor: a, Ticket: t, Message: reply, Fields: fieldChanges(changes)})
		if err != nil {
			return err
		}
		if err := s.writeTicketOver(ctx, tx, &stored, t, now, 0, false, p); err != nil {
			return err
		}
		if err := s.appendEvents(ctx, tx, t.ID, a, now, changes); err != nil {
			return err
		}
		if err := s.emit(ctx, tx, a, event.MessageCreated, t, event.TicketPayload{MessageID: msgID, Internal: in.Internal,
			Fields: changed, Changes: payloadChanges(changes)}); err != nil {
			return err
		}
		if in.InTx != nil {
			if err := in.InTx(ctx, tx, t.Number, msgID); err != nil {
				return err
			}
		}
		if len(s.hooks)+len(p.after) == 0 {
			return nil
		}
		return s.runHooks(ctx, tx, p.Write, p.after...)
	})
	if err != nil {
		return nil, fmt.Errorf("ticket: reply %d: %w", number, err)
	}
	if msgID == 0 {
		// A requester wrote to a closed ticket: open a follow-up.
		followUp, err = s.followUp(ctx, a, t, in)
		if err != nil {
			return nil, err
		}
		msgs, err := s.Messages(ctx, a, followUp.Number, 0, 1)
		if err != nil || len(msgs) == 0 {
			return nil, fmt.Errorf("ticket: follow-up of %d: %w", number, err)
		}
		return msgs[0], nil
	}
	return reply, nil
}

// checkReply validates a reply's input before anything is read, filling
// in the defaults: Reply's first step, and the importer's.
func checkReply(a *user.Actor, in *NewReply) error {
	inv := &fault.Invalid{}
	if in.Format == "" {
		in.Format = FormatMarkdown
	}
	checkBody(inv, in.Body, in.Format)
	if in.Channel == "" {
		in.Channel = ChannelAPI
	} else if !in.Channel.Valid() {
		inv.Add("channel", "must be one of email, portal, api, phone, monitoring, web")
	}
	if len(in.Attachments) > MaxAttachments {
		inv.Add("attachments", "at most %d attachments", MaxAttachments)
	}
	if err := inv.Err(); err != nil {
		return err
	}
	if in.Internal && !a.IsAgent() {
		return fault.Forbidden("requesters can only reply publicly")
	}
	if (in.Status != "" || in.Resolution != "") && !a.IsAgent() {
		return fault.Forbidden("only agents can change the status")
	}
	return nil
}

// replyChanges applies a reply's effect on t at now (microseconds) in
// memory — the first response, new → open, a requester's reply reopening,
// the "reply and set status" — and returns the history entries and the
// changed fields, the message's own entry not included: Reply's rules, and
// the importer's.
func (s *Service) replyChanges(a *user.Actor, t *Ticket, in NewReply, now int64) ([]change, []string, error) {
	var changed []string
	var changes []change
	rec := func(field, old, new string) {
		if old != new {
			changes = append(changes, change{field, old, new})
		}
	}
	before := t.Status
	if a.IsAgent() && a.IsPerson() && !in.Internal {
		if t.FirstResponseAt == nil && a.ID != t.Requester.ID {
			at := db.Time(now)
			t.FirstResponseAt = &at
		}
		if t.Status == StatusNew {
			t.Status = StatusOpen
		}
	}
	if !a.IsAgent() && (t.Status == StatusResolved || t.Status == StatusPending) {
		// The requester wrote back: the ball is in our court again.
		if t.Status == StatusResolved {
			rec("resolution", string(t.Resolution), "")
			t.Resolution, t.Solution, t.ResolvedAt = "", "", nil
		}
		t.Status = StatusOpen
	}
	rec("status", string(before), string(t.Status))
	if in.Status != "" {
		// "Reply and set status": validated like a PATCH, in the same
		// transaction, so either both happen or neither.
		st, res := in.Status, in.Resolution
		p := Patch{Status: &st}
		if res != "" {
			p.Resolution = &res
		}
		inv := &fault.Invalid{}
		s.applyStatus(inv, t, p, db.Time(now), func(field, old, new string) {
			if field == "status" {
				return // recorded once below
			}
			rec(field, old, new)
		})
		if err := inv.Err(); err != nil {
			return nil, nil, err
		}
		if i := slices.IndexFunc(changes, func(c change) bool { return c.field == "status" }); i >= 0 {
			changes = slices.Delete(changes, i, i+1)
		}
		rec("status", string(before), string(t.Status))
	}
	if t.Status != before {
		changed = append(changed, "status")
	}
	return changes, changed, nil
}

func (s *Service) followUp(ctx context.Context, a *user.Actor, closed *Ticket, in NewReply) (*Ticket, error) {
	subject := closed.Subject
	if !strings.HasPrefix(strings.ToLower(subject), "follow-up:") {
		subject = "Follow-up: " + subject
	}
	if r := []rune(subject); len(r) > MaxSubject {
		subject = string(r[:MaxSubject])
	}
	threading := in.Threading
	if threading != "" {
		threading += "; "
	}
	threading += "follow-up: " + closed.Reference + " is closed"
	nt := NewTicket{Subject: subject, Body: in.Body, Format: in.Format, Type: closed.Type,
		Channel: in.Channel, Attachments: in.Attachments, MessageID: in.MessageID, Threading: threading, InTx: in.InTx}
	if a.IsAgent() {
		// An agent opens it for the requester, as the closed ticket was
		// filed (FollowUp).
		nt.Requester = &Contact{Email: closed.Requester.Email, Name: closed.Requester.Name}
		nt.Category, nt.Team, nt.CustomFields = refName(closed.Category), refName(closed.Team), closed.CustomFields
		nt.Author = a.Email // the agent's own words (their draft), not the requester's
		for range 3 {
			created, err := s.Create(ctx, a, nt)
			if err == nil || !dropCarried(err, &nt) {
				return s.linkFollowUp(ctx, a, created, closed, err)
			}
		}
	}
	created, err := s.Create(ctx, a, nt)
	return s.linkFollowUp(ctx, a, created, closed, err)
}

// linkFollowUp links a follow-up that was created to the closed ticket.
func (s *Service) linkFollowUp(ctx context.Context, a *user.Actor, nt, closed *Ticket, err error) (*Ticket, error) {
	if err != nil {
		return nil, err
	}
	// The writer can see both tickets (the closed one is theirs to write
	// to, the new one they just opened), so the link is theirs too.
	if err := s.link(ctx, a, nt.Number, LinkRelated, closed.Number); err != nil {
		return nil, err
	}
	return nt, nil
}

func timePtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := t.UnixMicro()
	return &v
}

func (s *Service) scanMessage(row scanner) (*Message, error) {
	var m Message
	var created int64
	if err := row.Scan(&m.ID, &m.UID, &m.Internal, &m.Body, &m.BodyHTML, &m.Format, &m.Channel, &m.MessageID,
		&m.Threading, &created, &m.Author.ID, &m.Author.Email, &m.Author.Name); err != nil {
		return nil, err
	}
	m.CreatedAt = db.Time(created)
	m.Attachments = []AttachmentRef{}
	return &m, nil
}

func (s *Service) message(ctx context.Context, id, number int64) (*Message, error) {
	m, err := s.scanMessage(s.db.R.QueryRowContext(ctx, s.q.Get("select-message"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("message %d: %w", id, fault.ErrNotFound)
	} else if err != nil {
		return nil, err
	}
	m.TicketNumber = number
	return m, s.loadAttachments(ctx, []*Message{m})
}

// Messages returns ticket number's conversation, oldest first, after the
// message id after; internal notes only for agents.
func (s *Service) Messages(ctx context.Context, a *user.Actor, number, after int64, limit int) ([]*Message, error) {
	t, err := s.get(ctx, s.db.R, a, number)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("list-messages"), t.ID, after, a.IsAgent(), limit)
	if err != nil {
		return nil, fmt.Errorf("ticket: messages %d: %w", number, err)
	}
	defer rows.Close()
	var out []*Message
	for rows.Next() {
		m, err := s.scanMessage(rows)
		if err != nil {
			return nil, err
		}
		m.TicketNumber = t.Number
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.loadAttachments(ctx, out)
}

func (s *Service) loadAttachments(ctx context.Context, msgs []*Message) error {
	if len(msgs) == 0 {
		return nil
	}
	byID := map[int64]*Message{}
	for _, m := range msgs {
		byID[m.ID] = m
	}
	var rows *sql.Rows
	var err error
	if len(msgs) == 1 {
		rows, err = s.db.R.QueryContext(ctx, s.q.Get("attachments-of-message"), msgs[0].ID)
	} else {
		rows, err = s.db.R.QueryContext(ctx, s.q.Get("attachments-of-messages"), msgs[0].ID, msgs[len(msgs)-1].ID)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a AttachmentRef
		var mid int64
		if err := rows.Scan(&a.ID, &a.Filename, &a.ContentType, &a.Size, &mid); err != nil {
			return err
		}
		if m := byID[mid]; m != nil {
			m.Attachments = append(m.Attachments, a)
		}
	}
	return rows.Err()
}
