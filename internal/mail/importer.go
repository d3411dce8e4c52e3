package mail

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/docket/docket/internal/attachment"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/mail/message"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

//go:embed queries.sql
var queryFiles embed.FS

// Importer turns one raw message into the right ticket or reply, exactly
// once, and records why.
type Importer struct {
	db          *db.DB
	q           *db.Queries
	tickets     *ticket.Service
	users       *user.Service
	attachments *attachment.Service
	mailboxes   *mailbox.Service
	outbox      *outbox.Store
	events      *event.Log
	log         *slog.Logger
	// TrustedAuthservID names the receiving server whose
	// Authentication-Results headers are believed; "" trusts none.
	TrustedAuthservID string
	// MaxPerHour is how many messages one sender may send an hour before
	// further ones are folded into a single flagged ticket.
	MaxPerHour int
	// KeepRaw keeps every message as received, with its import record
	// (quarantined ones are always kept).
	KeepRaw bool
}

// ImporterDeps are what an Importer needs.
type ImporterDeps struct {
	DB          *db.DB
	Tickets     *ticket.Service
	Users       *user.Service
	Attachments *attachment.Service
	Mailboxes   *mailbox.Service
	Outbox      *outbox.Store // for bounces of what we sent; may be nil
	// Events records what waits in the inbound list and the agents'
	// decisions on it (mail.inbound_* events); may be nil.
	Events *event.Log
	Log    *slog.Logger
}

// NewImporter returns an Importer. Raw messages are kept in the database,
// in the row that records their import.
func NewImporter(d ImporterDeps) (*Importer, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.DB.Dialect)
	if err != nil {
		return nil, err
	}
	addInboundQueries(q, d.DB)
	return &Importer{db: d.DB, q: q, tickets: d.Tickets, users: d.Users, attachments: d.Attachments, mailboxes: d.Mailboxes,
		outbox: d.Outbox, events: d.Events, log: d.Log, MaxPerHour: 20, KeepRaw: true}, nil
}

// Queries exposes the named queries for start-up checks.
func (im *Importer) Queries() *db.Queries { return im.q }

// Result says what became of a message.
type Result struct {
	Ticket      int64  // the ticket it created or joined; 0 if none
	Decision    string // human-readable, recorded on the message
	Duplicate   bool   // seen before: nothing was done
	Quarantined bool
}

// Import stores raw and files it under the mailbox. An error means nothing
// was recorded and the caller must not acknowledge the message (IMAP keeps
// it, SMTP answers 451), so it will come again.
func (im *Importer) Import(ctx context.Context, mb *mailbox.Mailbox, raw []byte) (*Result, error) {
	return im.importMessage(ctx, mb, raw, false)
}

func (im *Importer) importMessage(ctx context.Context, mb *mailbox.Mailbox, raw []byte, released bool) (*Result, error) {
	sum := sha256.Sum256(raw)
	hash := hex.EncodeToString(sum[:])
	if r, ok, err := im.seen(ctx, hash, contentKey(raw)); !released && (err != nil || ok) {
		return r, err
	}
	msg, err := message.Parse(raw)
	if err != nil {
		// Unreadable: keep it, and say so, rather than lose it.
		return im.record(ctx, mb, hash, raw, &message.Message{}, 0, "rejected: unreadable message: "+err.Error(), StateRejected)
	}
	sender := strings.ToLower(msg.From.Email)
	switch {
	case sender == "":
		return im.record(ctx, mb, hash, raw, msg, 0, "rejected: no sender address", StateRejected)
	case im.ours(ctx, sender):
		return im.record(ctx, mb, hash, raw, msg, 0, "dropped: sent from one of our own mailbox addresses (mail loop)", StateRejected)
	}
	if reason := im.dmarcFail(msg); reason != "" && !released {
		return im.record(ctx, mb, hash, raw, msg, 0, "quarantined: "+reason, StateQuarantined)
	}
	if reason := im.unverifiedStaff(ctx, msg); reason != "" && !released {
		return im.record(ctx, mb, hash, raw, msg, 0, "quarantined: "+reason, StateQuarantined)
	}
	if msg.IsBounce {
		return im.bounce(ctx, mb, hash, raw, msg)
	}
	var recent int
	if err := im.db.R.QueryRowContext(ctx, im.q.Get("count-from-sender"), sender, time.Now().Add(-time.Hour).UnixMicro()).Scan(&recent); err != nil {
		return nil, err
	}
	if im.MaxPerHour > 0 && recent >= im.MaxPerHour {
		return im.flagged(ctx, mb, hash, raw, msg, recent)
	}
	number, reason := im.thread(ctx, mb, msg)
	reason += im.reusedID(ctx, msg)
	if msg.IsAutomatic() {
		// Recorded for the outbox: automatic mail gets no acknowledgement
		// (RFC 3834), so two robots never answer each other.
		reason += "\nAuto-Submitted: " + autoKind(msg)
	}
	if number != 0 {
		r, err := im.reply(ctx, mb, hash, raw, msg, number, reason)
		if err == nil || !errors.Is(err, fault.ErrNotFound) && !errors.Is(err, fault.ErrForbidden) {
			return r, err
		}
		reason = "new ticket: " + reason + ", but the reply could not be added there"
	}
	return im.create(ctx, mb, hash, raw, msg, reason, nil)
}

func (im *Importer) seen(ctx context.Context, hash, key string) (*Result, bool, error) {
	var decision string
	var number int64
	err := im.db.R.QueryRowContext(ctx, im.q.Get("inbound-seen"), hash, key).Scan(&decision, &number)
	if err == nil {
		return &Result{Ticket: number, Decision: decision, Duplicate: true}, true, nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return nil, false, err
}

// Reject records a message that cannot be filed, with the reason, keeping
// the raw message (regardless of KeepRaw) for an admin to look at.
func (im *Importer) Reject(ctx context.Context, mb *mailbox.Mailbox, raw []byte, reason string) (*Result, error) {
	sum := sha256.Sum256(raw)
	hash := hex.EncodeToString(sum[:])
	msg, err := message.Parse(raw)
	if err != nil {
		msg = &message.Message{}
	}
	return im.record(ctx, mb, hash, raw, msg, 0, "rejected: "+reason, StateRejected)
}

// releaseKey marks a context whose import carries out an agent's decision
// on a message that waited in the inbound list (the value is a *decided).
type releaseKey struct{}

// decided is an agent's decision on a waiting message: by whom, and the
// kind of the event that records it.
type decided struct {
	id     int64
	by     *user.Actor
	event  string
	prefix string // put before the decision recorded
}

// duplicate answers for a message a concurrent import recorded first (by
// its bytes or its content).
func (im *Importer) duplicate(ctx context.Context, hash string, raw []byte) (*Result, error) {
	if r, ok, err := im.seen(ctx, hash, contentKey(raw)); err != nil || ok {
		return r, err
	}
	return nil, errors.New("mail: import conflicted, but the other import is not visible yet")
}

// record stores a decision that filed nothing: the message waits in the
// inbound list, in state, with the decision as its reason.
func (im *Importer) record(ctx context.Context, mb *mailbox.Mailbox, hash string, raw []byte, msg *message.Message, number int64, decision, state string) (*Result, error) {
	err := im.db.WithTx(ctx, func(tx *db.Tx) error {
		return im.insert(ctx, tx, mb, hash, raw, msg, number, 0, decision, state)
	})
	if db.IsUniqueViolation(err) {
		return im.duplicate(ctx, hash, raw)
	}
	if err != nil {
		return nil, err
	}
	im.logStored(ctx, "mail not filed", "mailbox", mbAddress(mb), "state", state, "decision", decision)
	return &Result{Ticket: number, Decision: decision, Quarantined: state == StateQuarantined}, nil
}

// insert writes the import record of a message, or, for an agent's
// decision, turns the waiting message's record into it — in the same
// transaction as the ticket, so the message is never lost — with the event
// that tells the inbound list.
func (im *Importer) insert(ctx context.Context, tx *db.Tx, mb *mailbox.Mailbox, hash string, raw []byte, msg *message.Message, number, msgID int64, decision, state string) error {
	var mbID any
	if mb != nil {
		mbID = mb.ID
	}
	var mid any
	if msgID != 0 {
		mid = msgID
	}
	subject := msg.Subject
	if len([]rune(subject)) > 255 {
		subject = string([]rune(subject)[:255])
	}
	reason := ""
	if state != StateFiled {
		reason = decision
	}
	if d, ok := ctx.Value(releaseKey{}).(*decided); ok {
		decision = d.prefix + decision
		res, err := tx.ExecContext(ctx, im.q.Get("decide-inbound"), d.id, decision, number, mid, state, reason,
			nullID(d.by.PersonID()), db.Now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fault.Conflict("message %d was decided on meanwhile", d.id)
		}
		return im.inboundEvent(ctx, tx, d.event, d.by.EventActor(), d.id, inboundPayload{State: state, Decision: decision, Ticket: number})
	}
	var keep any
	if im.KeepRaw || state != StateFiled {
		keep = raw // what was not filed is always kept: an agent files it from there
	}
	var id int64
	err := tx.QueryRowContext(ctx, im.q.Get("insert-inbound"), mbID, msg.MessageID, hash, strings.ToLower(msg.From.Email),
		subject, number, mid, decision, state == StateQuarantined, db.Now(), keep, contentKey(raw), state, reason).Scan(&id)
	if err != nil || state == StateFiled {
		return err
	}
	return im.inboundEvent(ctx, tx, EventInboundHeld, user.MailImporter.EventActor(), id,
		inboundPayload{State: state, Decision: decision, Sender: strings.ToLower(msg.From.Email), Subject: subject})
}

// logStored logs what became of a message once it is stored: at once, or,
// when the import is part of a larger transaction (a batch), after that
// commits — never for a message that was rolled back.
func (im *Importer) logStored(ctx context.Context, msg string, args ...any) {
	if tx := db.TxFrom(ctx); tx != nil {
		tx.AfterCommit(func() { im.log.Info(msg, args...) })
		return
	}
	im.log.Info(msg, args...)
}

func mbAddress(mb *mailbox.Mailbox) string {
	if mb == nil {
		return ""
	}
	return mb.Address
}

// ours reports whether address is one of our mailboxes (a loop).
func (im *Importer) ours(ctx context.Context, address string) bool {
	_, err := im.mailboxes.ByAddress(ctx, address)
	return err == nil
}

var subjectTag = regexp.MustCompile(`\[(?:#|[A-Za-z]{1,10}-)(\d{1,18})\]`)

// thread finds the ticket a message belongs to, in the documented order,
// and says how; 0 means a new ticket, with the reason.
func (im *Importer) thread(ctx context.Context, mb *mailbox.Mailbox, msg *message.Message) (int64, string) {
	sender := msg.From.Email
	participant := func(n int64) bool {
		var c int
		return im.db.R.QueryRowContext(ctx, im.q.Get("participant"), n, sender).Scan(&c) == nil && c > 0
	}
	try := func(n int64, how string) (int64, string) {
		if participant(n) {
			return n, "threaded by " + how
		}
		return 0, fmt.Sprintf("new ticket: sender not a participant of #%d (matched by %s)", n, how)
	}
	// 1. A per-ticket reply address: support+<token>@…, read with the
	// outbox's codec, the one that wrote it.
	for _, a := range append(append([]message.Address{}, msg.To...), msg.Cc...) {
		local, _, _ := strings.Cut(a.Email, "@")
		if token, ok := outbox.ParseReplyToken(local); ok {
			var n int64
			if im.db.R.QueryRowContext(ctx, im.q.Get("ticket-by-uid-prefix"), outbox.UIDFromToken(token)).Scan(&n) == nil {
				return try(n, "reply address")
			}
		}
	}
	// 2. In-Reply-To, then References (newest first): a message filed here
	// (an agent's reply carries the Message-ID it was mailed under), mail
	// imported here, or email we sent (an acknowledgement, any notice).
	ids := append([]string{}, msg.InReplyTo...)
	for i := len(msg.References) - 1; i >= 0; i-- {
		ids = append(ids, msg.References[i])
	}
	for i, id := range ids {
		if id == "" {
			continue
		}
		var n int64
		if im.db.R.QueryRowContext(ctx, im.q.Get("ticket-by-message-id"), id, sender).Scan(&n) == nil ||
			im.db.R.QueryRowContext(ctx, im.q.Get("ticket-by-inbound-message-id"), id, sender).Scan(&n) == nil ||
			im.db.R.QueryRowContext(ctx, im.q.Get("ticket-by-outbox-message-id"), id).Scan(&n) == nil {
			how := "References"
			if i < len(msg.InReplyTo) {
				how = "In-Reply-To"
			}
			return try(n, how)
		}
	}
	// 3. The ticket number in the subject.
	if m := subjectTag.FindStringSubmatch(msg.Subject); m != nil {
		if n, ok := ticket.ParseNumber(m[1]); ok {
			var exists int64
			if im.db.R.QueryRowContext(ctx, im.q.Get("ticket-by-number"), n).Scan(&exists) == nil {
				return try(n, "the ticket number in the subject")
			}
		}
	}
	return 0, "new ticket: no reference to an existing ticket"
}

// body picks what becomes the message body: sanitized HTML when there is
// some, else the text.
func body(msg *message.Message) (string, ticket.Format) {
	if strings.TrimSpace(msg.HTML) != "" {
		return msg.HTML, ticket.FormatHTML
	}
	if strings.TrimSpace(msg.Text) != "" {
		if q := msg.QuoteStart; q > 0 && q < len(msg.Text) {
			// Plain text with quoted history: the history goes into a
			// blockquote, which the workspace folds away (never deletes).
			return textHTML(msg.Text[:q]) + "<blockquote>" + textHTML(msg.Text[q:]) + "</blockquote>", ticket.FormatHTML
		}
		return msg.Text, ticket.FormatText
	}
	return "(no text)", ticket.FormatText
}

// textHTML shows plain text as HTML, escaped, with its line breaks.
func textHTML(s string) string {
	return "<p>" + strings.ReplaceAll(html.EscapeString(strings.TrimRight(s, "\r\n")), "\n", "<br>\n") + "</p>"
}

// saveParts stores a message's attachments as uploaded by actor.
func (im *Importer) saveParts(ctx context.Context, a *user.Actor, msg *message.Message) ([]string, error) {
	var ids []string
	for _, p := range msg.Parts {
		if len(p.Data) == 0 || len(ids) >= ticket.MaxAttachments {
			continue
		}
		ct := p.ContentType
		if sniffed := http.DetectContentType(p.Data); ct == "" || strings.HasPrefix(sniffed, "image/") || ct == "application/octet-stream" {
			ct = sniffed
		}
		if i := strings.IndexByte(ct, ';'); i >= 0 {
			ct = ct[:i]
		}
		name := p.Filename
		if name == "" {
			name = "attachment"
		}
		att, err := im.attachments.Save(ctx, a, name, ct, strings.NewReader(string(p.Data)))
		if errors.Is(err, fault.ErrTooLarge) {
			im.log.Warn("attachment too large, skipped", "filename", name, "size", len(p.Data))
			continue
		}
		if err != nil {
			return nil, err
		}
		ids = append(ids, att.ID)
	}
	return ids, nil
}

// autoKind says why a message counts as automatic.
func autoKind(msg *message.Message) string {
	switch {
	case msg.AutoSubmitted != "" && !strings.EqualFold(msg.AutoSubmitted, "no"):
		return msg.AutoSubmitted
	case msg.Precedence != "":
		return "auto (Precedence: " + msg.Precedence + ")"
	case msg.ListID != "":
		return "auto (List-Id)"
	}
	return "auto"
}

// bounce files a delivery status notification: the email we sent is marked
// failed and the bounce becomes an internal note on its ticket. A bounce of
// nothing we sent is recorded and not filed.
func (im *Importer) bounce(ctx context.Context, mb *mailbox.Mailbox, hash string, raw []byte, msg *message.Message) (*Result, error) {
	reason := fmt.Sprintf("bounce: delivery to %s failed (%s)", msg.BounceRecipient, msg.BounceStatus)
	if im.outbox == nil {
		return im.record(ctx, mb, hash, raw, msg, 0, reason+"; not matched", StateBounce)
	}
	number, ok, err := im.outbox.Bounced(ctx, msg.BouncedMessageID, reason)
	if err != nil {
		return nil, err
	}
	if !ok {
		return im.record(ctx, mb, hash, raw, msg, 0, reason+"; it does not answer anything Docket sent", StateBounce)
	}
	a, err := im.actorFor(ctx, msg)
	if err != nil {
		return im.undeliverable(ctx, mb, hash, raw, msg, err)
	}
	b, format := body(msg)
	decision := reason + " — attached to the ticket whose email bounced"
	m, err := im.tickets.Reply(ctx, user.MailImporter, number, ticket.NewReply{Body: b, Format: format, Internal: true,
		Channel: ticket.ChannelEmail, Author: a.ID, MessageID: msg.MessageID, Threading: decision, InTx: im.recorder(mb, hash, raw, msg, &decision)})
	if db.IsUniqueViolation(err) {
		return im.duplicate(ctx, hash, raw)
	}
	if err != nil {
		return nil, err
	}
	return &Result{Ticket: m.TicketNumber, Decision: decision}, nil
}
