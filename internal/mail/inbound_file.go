package mail

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/mail/message"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// rereading is a waiting message read again from its raw form, to be
// filed by an agent's decision.
type rereading struct {
	mb     *mailbox.Mailbox // nil when it came through none, or that was deleted
	raw    []byte
	hash   string
	msg    *message.Message
	parsed bool // false: the message could not be read
}

func (im *Importer) reread(ctx context.Context, m *Inbound) (*rereading, error) {
	var raw []byte
	if err := im.db.R.QueryRowContext(ctx, im.q.Get("inbound-raw"), m.ID).Scan(&raw); err != nil || len(raw) == 0 {
		return nil, fmt.Errorf("inbound message %d: raw message missing: %v", m.ID, err)
	}
	sum := sha256.Sum256(raw)
	w := &rereading{raw: raw, hash: hex.EncodeToString(sum[:]), parsed: true}
	if m.MailboxID != 0 {
		mb, err := im.mailboxes.Get(ctx, m.MailboxID)
		if err != nil && !errors.Is(err, fault.ErrNotFound) {
			return nil, err
		}
		w.mb = mb
	}
	msg, err := message.Parse(raw)
	if err != nil {
		// Unreadable: the ticket gets the message as it was received, as
		// an attachment, and says so.
		w.parsed = false
		msg = &message.Message{Subject: m.Subject,
			Text:  "(Docket could not read this message; it is attached as it was received.)",
			Parts: []message.Part{{Filename: fmt.Sprintf("message-%d.eml", m.ID), ContentType: "message/rfc822", Data: raw}}}
	}
	w.msg = msg
	return w, nil
}

// File files a waiting message as a new ticket, whatever threading would
// say: agent a decided it is genuine and new. requester, when given,
// becomes the ticket's requester; it is needed when the message has no
// sender Docket can answer (none, unreadable, or one of its own
// addresses).
func (im *Importer) File(ctx context.Context, a *user.Actor, id int64, requester string) (*Result, error) {
	m, err := im.waitingMessage(ctx, a, id, "file mail")
	if err != nil {
		return nil, err
	}
	w, err := im.reread(ctx, m)
	if err != nil {
		return nil, err
	}
	msg := *w.msg
	if strings.TrimSpace(requester) != "" {
		email, err := user.NormalizeEmail("requester", requester)
		if err != nil {
			return nil, err
		}
		msg.From = message.Address{Email: email}
	}
	if msg.From.Email == "" || im.ours(ctx, strings.ToLower(msg.From.Email)) {
		return nil, fault.Field("requester", "is required: the message has no sender address Docket can answer")
	}
	decision := fmt.Sprintf("filed as a new ticket by %s from the inbound list (it was %s: %s)", actorName(a), m.State, m.Reason)
	ctx = context.WithValue(ctx, releaseKey{}, &decided{id: id, by: a, event: EventInboundFiled})
	r, err := im.create(ctx, w.mb, w.hash, w.raw, &msg, decision, nil)
	return r, senderError(err)
}

// Attach adds a waiting message to ticket number, which agent a must be
// able to see. From a participant of the ticket it lands as their reply
// would have, had it threaded; from anyone else as an internal note, so a
// stranger's mail is never sent on to the requester.
func (im *Importer) Attach(ctx context.Context, a *user.Actor, id, number int64) (*Result, error) {
	m, err := im.waitingMessage(ctx, a, id, "attach mail to tickets")
	if err != nil {
		return nil, err
	}
	if number <= 0 {
		return nil, fault.Field("ticket", "must be a ticket number")
	}
	t, err := im.tickets.Get(ctx, a, number)
	if errors.Is(err, fault.ErrNotFound) {
		return nil, fault.Field("ticket", "no ticket #%d that you can see", number)
	} else if err != nil {
		return nil, err
	}
	w, err := im.reread(ctx, m)
	if err != nil {
		return nil, err
	}
	if w.msg.From.Email == "" || im.ours(ctx, strings.ToLower(w.msg.From.Email)) {
		return nil, fault.Field("ticket", "this message has no sender address Docket can answer: file it as a new ticket with a requester, or discard it")
	}
	decision := fmt.Sprintf("attached to #%d by %s from the inbound list (it was %s: %s)", t.Number, actorName(a), m.State, m.Reason)
	ctx = context.WithValue(ctx, releaseKey{}, &decided{id: id, by: a, event: EventInboundAttached})
	var c int
	if im.db.R.QueryRowContext(ctx, im.q.Get("participant"), t.Number, w.msg.From.Email).Scan(&c) == nil && c > 0 {
		r, err := im.reply(ctx, w.mb, w.hash, w.raw, w.msg, t.Number, decision)
		if err == nil || !errors.Is(err, fault.ErrNotFound) && !errors.Is(err, fault.ErrForbidden) {
			return r, senderError(err)
		}
	}
	sender, err := im.actorFor(ctx, w.msg)
	if err != nil {
		return nil, senderError(err)
	}
	ids, err := im.saveParts(ctx, sender, w.msg)
	if err != nil {
		return nil, err
	}
	b, format := body(w.msg)
	decision += "; the sender does not take part in the ticket: kept as an internal note"
	msg, err := im.tickets.Reply(ctx, user.MailImporter, t.Number, ticket.NewReply{Body: b, Format: format, Internal: true,
		Channel: ticket.ChannelEmail, Author: sender.ID, Attachments: ids, MessageID: w.msg.MessageID, Threading: decision,
		InTx: im.recorder(w.mb, w.hash, w.raw, w.msg, &decision)})
	if err != nil {
		return nil, err
	}
	im.log.Info("inbound message attached", "inbound_id", id, "ticket", msg.TicketNumber, "by", a.ID)
	return &Result{Ticket: msg.TicketNumber, Decision: decision}, nil
}

// senderError names the field at fault when an agent's decision fails on
// the sender's address (the message's From is not an address Docket can
// keep): the requester to give instead.
func senderError(err error) error {
	var inv *fault.Invalid
	if err == nil || !errors.As(err, &inv) {
		return err
	}
	for i := range inv.Fields {
		if inv.Fields[i].Field == "from" {
			inv.Fields[i].Field = "requester"
		}
	}
	return err
}
