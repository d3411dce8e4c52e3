package mail

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/mail/message"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// actorFor returns the sender as an actor, creating a requester for an
// unknown address.
func (im *Importer) actorFor(ctx context.Context, msg *message.Message) (*user.Actor, error) {
	var u *user.User
	err := im.db.WithTx(ctx, func(tx *db.Tx) error {
		var err error
		u, err = im.users.FindOrCreateRequester(ctx, tx, "from", msg.From.Email, msg.From.Name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return im.users.Actor(ctx, u.ID)
}

// recorder is the work done inside the ticket's transaction: the inbound
// row whose unique content hash makes the import happen once.
func (im *Importer) recorder(mb *mailbox.Mailbox, hash string, raw []byte, msg *message.Message, decision *string) func(ctx context.Context, tx *db.Tx, number, msgID int64) error {
	return func(ctx context.Context, tx *db.Tx, number, msgID int64) error {
		return im.insert(ctx, tx, mb, hash, raw, msg, number, msgID, *decision, StateFiled)
	}
}

// create opens a new ticket from msg.
func (im *Importer) create(ctx context.Context, mb *mailbox.Mailbox, hash string, raw []byte, msg *message.Message, decision string, tags []string) (*Result, error) {
	a, err := im.actorFor(ctx, msg)
	if err != nil {
		return im.undeliverable(ctx, mb, hash, raw, msg, err)
	}
	ids, err := im.saveParts(ctx, a, msg)
	if err != nil {
		return nil, err
	}
	subject := strings.TrimSpace(msg.Subject)
	if subject == "" {
		subject = "(no subject)"
	}
	if r := []rune(subject); len(r) > ticket.MaxSubject {
		subject = string(r[:ticket.MaxSubject])
	}
	b, format := body(msg)
	var followers []string
	for _, c := range append(append([]message.Address{}, msg.To...), msg.Cc...) {
		e := strings.ToLower(c.Email)
		if e != "" && e != strings.ToLower(msg.From.Email) && !im.ours(ctx, e) && len(followers) < ticket.MaxFollowers {
			followers = append(followers, e)
		}
	}
	in := ticket.NewTicket{Subject: subject, Body: b, Format: format, Channel: ticket.ChannelEmail, Attachments: ids,
		Followers: followers, Tags: tags, MessageID: msg.MessageID, Threading: decision,
		InTx: im.recorder(mb, hash, raw, msg, &decision)}
	if mb != nil {
		in.Team, in.Category, in.Priority, in.MailboxID = mb.Team, mb.Category, mb.Priority, mb.ID
	}
	// The mail system files the ticket on the sender's behalf: the history
	// names the sender, and the mailbox's defaults (team, category,
	// priority) apply as an agent would set them.
	creator := user.MailImporter
	in.Requester = &ticket.Contact{Email: msg.From.Email, Name: msg.From.Name}
	t, err := im.tickets.Create(ctx, creator, in)
	if db.IsUniqueViolation(err) {
		return im.duplicate(ctx, hash, raw)
	}
	if err != nil {
		var inv *fault.Invalid
		if errors.As(err, &inv) {
			return im.undeliverable(ctx, mb, hash, raw, msg, err)
		}
		return nil, err
	}
	im.logStored(ctx, "mail filed", "mailbox", mbAddress(mb), "ticket", t.Number, "decision", decision)
	return &Result{Ticket: t.Number, Decision: decision}, nil
}

// reply adds msg to ticket number.
func (im *Importer) reply(ctx context.Context, mb *mailbox.Mailbox, hash string, raw []byte, msg *message.Message, number int64, decision string) (*Result, error) {
	a, err := im.actorFor(ctx, msg)
	if err != nil {
		return im.undeliverable(ctx, mb, hash, raw, msg, err)
	}
	ids, err := im.saveParts(ctx, a, msg)
	if err != nil {
		return nil, err
	}
	b, format := body(msg)
	internal := false
	if a.IsAgent() && !im.verified(msg) {
		// Unverified staff mail is held (see unverifiedStaff); one an agent
		// released still never speaks to the requester in the agent's name.
		internal = true
		decision += "; from a staff address without authentication: kept as an internal note"
	}
	m, err := im.tickets.Reply(ctx, a, number, ticket.NewReply{Body: b, Format: format, Internal: internal, Channel: ticket.ChannelEmail,
		Attachments: ids, MessageID: msg.MessageID, Threading: decision, InTx: im.recorder(mb, hash, raw, msg, &decision)})
	if db.IsUniqueViolation(err) {
		return im.duplicate(ctx, hash, raw)
	}
	if err != nil {
		return nil, err
	}
	im.logStored(ctx, "mail filed", "mailbox", mbAddress(mb), "ticket", m.TicketNumber, "decision", decision)
	return &Result{Ticket: m.TicketNumber, Decision: decision}, nil
}

// flagged folds a sender's messages beyond the hourly limit into one
// ticket tagged mail-loop, as internal notes, so a loop makes one ticket
// and sends nothing.
func (im *Importer) flagged(ctx context.Context, mb *mailbox.Mailbox, hash string, raw []byte, msg *message.Message, recent int) (*Result, error) {
	reason := fmt.Sprintf("flagged: %d messages from %s within an hour (possible mail loop)", recent+1, msg.From.Email)
	var n int64
	if err := im.db.R.QueryRowContext(ctx, im.q.Get("flagged-ticket"), msg.From.Email).Scan(&n); err != nil {
		// Recorded as automatic mail for the outbox: an acknowledgement
		// would feed the loop.
		return im.create(ctx, mb, hash, raw, msg, reason+"\nAuto-Submitted: auto (suspected mail loop)", []string{"mail-loop"})
	}
	b, format := body(msg)
	a, err := im.actorFor(ctx, msg)
	if err != nil {
		return im.undeliverable(ctx, mb, hash, raw, msg, err)
	}
	m, err := im.tickets.Reply(ctx, user.MailImporter, n, ticket.NewReply{Body: b, Format: format, Internal: true, Channel: ticket.ChannelEmail,
		Author: a.ID, MessageID: msg.MessageID, Threading: reason, InTx: im.recorder(mb, hash, raw, msg, &reason)})
	if db.IsUniqueViolation(err) {
		return im.duplicate(ctx, hash, raw)
	}
	if err != nil {
		return nil, err
	}
	return &Result{Ticket: m.TicketNumber, Decision: reason}, nil
}

// undeliverable records a message that cannot become a ticket (an invalid
// sender address, say) with the reason, instead of dropping it silently.
func (im *Importer) undeliverable(ctx context.Context, mb *mailbox.Mailbox, hash string, raw []byte, msg *message.Message, cause error) (*Result, error) {
	var inv *fault.Invalid
	if !errors.As(cause, &inv) {
		return nil, cause
	}
	if _, ok := ctx.Value(releaseKey{}).(*decided); ok {
		return nil, cause // an agent's decision: they see why, and the message keeps waiting
	}
	reason := "rejected: " + inv.Error()
	return im.record(ctx, mb, hash, raw, msg, 0, reason, StateRejected)
}
