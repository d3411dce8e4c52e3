package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/markup"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// Config says who Docket's email comes from.
type Config struct {
	// FromAddress and FromName are the mailbox the email is sent as.
	FromAddress string
	FromName    string
	// Domain is the Message-ID domain; empty means FromAddress's domain.
	Domain string
	// ReplyAddress is the base of the per-ticket Reply-To address
	// (local+<token>@domain); empty means FromAddress.
	ReplyAddress string
	// BaseURL, when set, puts links to the ticket into notices.
	BaseURL string
	// OwnAddresses are more addresses of ours (other mailboxes) that must
	// never receive notifications, to avoid mail loops.
	OwnAddresses []string
	// Ratings, when set, gives the resolution notice its rating links.
	Ratings RatingLinks
}

// RatingLinks returns the rating page of ticket t and its one-click links
// per score, under baseURL, reading through q (the write's transaction);
// none when ratings are off.
type RatingLinks func(ctx context.Context, q db.Queryer, t *ticket.Ticket, baseURL string) (string, []RatingLink, error)

// Notifier turns ticket writes into outbox rows, in the write's transaction.
//
// Who gets what:
//   - ack: the requester of a new ticket whose channel is email, portal, api
//     or web, unless the first message was itself automatic mail (the
//     inbound pipeline records an Auto-Submitted header other than "no" in
//     the message's Threading; see IsAutoSubmitted). Phone and monitoring
//     tickets get none. Auto-Submitted: auto-generated.
//   - reply: an agent's public reply, to the requester with the followers
//     in Cc. Internal notes never leave. No Auto-Submitted header: a person
//     wrote it.
//   - resolution: the status became resolved: notice to the requester
//     (also when a reply resolved the ticket).
//
// What agents are told (assignment, requester_notice, mention, team_ticket,
// sla_warning, sla_breach) the notify package decides, by each agent's
// preferences, and writes through Agent.
//
// Nobody deactivated, nobody who made the change (except the requester's
// own acknowledgement), and none of our own addresses ever gets email.
type Notifier struct {
	store *Store
	cfg   Config
	log   *slog.Logger
	// beforeEnqueue lets tests make the hook fail.
	beforeEnqueue func() error
}

// NewNotifier checks cfg and returns a Notifier writing to store.
func NewNotifier(store *Store, cfg Config, log *slog.Logger) (*Notifier, error) {
	if _, _, ok := strings.Cut(cfg.FromAddress, "@"); !ok {
		return nil, fmt.Errorf("outbox: from address %q is not an email address", cfg.FromAddress)
	}
	if cfg.Domain == "" {
		cfg.Domain = domainOf(cfg.FromAddress)
	}
	if cfg.ReplyAddress == "" {
		cfg.ReplyAddress = cfg.FromAddress
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Notifier{store: store, cfg: cfg, log: log.With("component", "outbox")}, nil
}

// Register hooks the Notifier into every ticket write of tickets.
func (n *Notifier) Register(tickets *ticket.Service) { tickets.OnWrite(n.Hook) }

// Hook is the ticket.TxHook: it writes the outbox rows for w through tx.
func (n *Notifier) Hook(ctx context.Context, tx *db.Tx, w ticket.Write) error {
	if w.Ticket == nil {
		return nil
	}
	if err := n.hook(ctx, tx, w); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}

func (n *Notifier) hook(ctx context.Context, tx *db.Tx, w ticket.Write) error {
	t := w.Ticket
	switch w.Event.Type {
	case event.TicketCreated:
		if ackChannel(t.Channel) && (w.Message == nil || !IsAutoSubmitted(w.Message.Threading)) {
			if err := n.notify(ctx, tx, w, KindAck, t.Requester.ID, 0); err != nil {
				return err
			}
		}
	case event.MessageCreated:
		m := w.Message
		if m == nil || m.Internal {
			return nil
		}
		if w.Actor.IsAgent() && m.Author.ID != t.Requester.ID {
			if err := n.reply(ctx, tx, w); err != nil {
				return err
			}
		}
	}
	for _, f := range w.Fields {
		if f.Field == "status" && f.New == string(ticket.StatusResolved) && f.Old != f.New {
			return n.resolution(ctx, tx, w)
		}
	}
	return nil
}

func ackChannel(c ticket.Channel) bool {
	switch c {
	case ticket.ChannelEmail, ticket.ChannelPortal, ticket.ChannelAPI, ticket.ChannelWeb:
		return true
	}
	return false
}

// IsAutoSubmitted reports whether a message's Threading record says the
// inbound mail was automatic: an "Auto-Submitted:" line with any value but
// "no" (RFC 3834). Such mail gets no acknowledgement, so two robots do not
// answer each other forever.
func IsAutoSubmitted(threading string) bool {
	for _, line := range strings.Split(threading, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), "Auto-Submitted") {
			v = strings.ToLower(strings.TrimSpace(v))
			return v != "" && v != "no"
		}
	}
	return false
}

func actorID(a *user.Actor) int64 {
	if a == nil {
		return 0
	}
	return a.ID
}

type recipient struct {
	ID     int64
	Addr   Address
	Agent  bool
	Active bool
}

func (n *Notifier) recipient(ctx context.Context, tx *db.Tx, id int64) (*recipient, error) {
	var r recipient
	var role string
	if err := tx.QueryRowContext(ctx, n.store.q.Get("recipient"), id).Scan(&r.ID, &r.Addr.Email, &r.Addr.Name, &role, &r.Active); err != nil {
		return nil, fmt.Errorf("recipient %d: %w", id, err)
	}
	r.Agent = role == string(user.RoleAgent) || role == string(user.RoleAdmin)
	return &r, nil
}

// mayReceive reports whether we may email r at all.
func (n *Notifier) mayReceive(r *recipient) bool {
	if r == nil || !r.Active || r.Addr.Email == "" {
		return false
	}
	return !n.ours(r.Addr.Email)
}

func (n *Notifier) ours(addr string) bool {
	a := strings.ToLower(strings.TrimSpace(addr))
	if a == strings.ToLower(n.cfg.FromAddress) {
		return true
	}
	if local, dom, ok := strings.Cut(a, "@"); ok {
		if i := strings.IndexByte(local, '+'); i >= 0 && local[:i]+"@"+dom == strings.ToLower(n.cfg.ReplyAddress) {
			return true
		}
	}
	if a == strings.ToLower(n.cfg.ReplyAddress) {
		return true
	}
	for _, o := range n.cfg.OwnAddresses {
		if a == strings.ToLower(strings.TrimSpace(o)) {
			return true
		}
	}
	return false
}

// ticketURL is the ticket's page for the recipient: the workspace's for
// agents; for requesters the portal's link by the ticket's unguessable id,
// which opens the ticket for a signed-in requester and offers anyone else
// a sign-in link by email to it.
func (n *Notifier) ticketURL(t *ticket.Ticket, agent bool) string {
	switch {
	case n.cfg.BaseURL == "":
		return ""
	case agent:
		return n.cfg.BaseURL + "/tickets/" + strconv.FormatInt(t.Number, 10)
	case t.UID == "":
		return ""
	}
	return n.cfg.BaseURL + "/portal/t/" + t.UID
}

func (n *Notifier) data(w ticket.Write, to *recipient) TemplateData {
	t := w.Ticket
	d := TemplateData{
		Ticket: TicketData{Number: t.Number, Reference: t.Reference, Subject: t.Subject, Status: string(t.Status),
			Solution: t.Solution, URL: n.ticketURL(t, to.Agent)},
		Recipient: to.Addr,
	}
	if w.Actor != nil {
		d.Actor = Address{Name: w.Actor.Name, Email: w.Actor.Email}
		if d.Actor.Name == "" {
			d.Actor.Name = w.Actor.Email
		}
	}
	if d.Recipient.Name == "" {
		d.Recipient.Name = d.Recipient.Email
	}
	return d
}

// subjectTag is the ticket's tag in subjects: "[#1042]" or "[INC-1042]".
func subjectTag(t *ticket.Ticket) string {
	ref := t.Reference
	if ref == "" {
		ref = "#" + strconv.FormatInt(t.Number, 10)
	}
	return "[" + ref + "]"
}

func tagSubject(t *ticket.Ticket, subject string) string {
	tag := subjectTag(t)
	if strings.Contains(subject, tag) {
		return subject
	}
	return tag + " " + subject
}

// notify writes one automatic notice of kind to user id.
func (n *Notifier) notify(ctx context.Context, tx *db.Tx, w ticket.Write, kind string, to int64, messageID int64) error {
	return n.notifyWith(ctx, tx, w, kind, to, messageID, nil)
}

// resolution writes the resolution notice to the requester, with the
// links that rate the help when ratings are on.
func (n *Notifier) resolution(ctx context.Context, tx *db.Tx, w ticket.Write) error {
	var page string
	var links []RatingLink
	if n.cfg.Ratings != nil && n.cfg.BaseURL != "" {
		var err error
		if page, links, err = n.cfg.Ratings(ctx, tx, w.Ticket, n.cfg.BaseURL); err != nil {
			return err
		}
	}
	return n.notifyWith(ctx, tx, w, KindResolution, w.Ticket.Requester.ID, 0, func(d *TemplateData) {
		d.SatisfactionURL, d.Satisfaction = page, links
	})
}

// notifyWith is notify with set adjusting the template's data.
func (n *Notifier) notifyWith(ctx context.Context, tx *db.Tx, w ticket.Write, kind string, to int64, messageID int64, set func(*TemplateData)) error {
	r, err := n.recipient(ctx, tx, to)
	if err != nil {
		return err
	}
	if !n.mayReceive(r) {
		return nil
	}
	if kind != KindAck && r.ID == actorID(w.Actor) {
		return nil // nobody needs to hear about what they did themselves
	}
	d := n.data(w, r)
	if set != nil {
		set(&d)
	}
	var parts []rich
	if w.Message != nil {
		msg := newRich(w.Message.BodyHTML)
		d.Message, parts = msg.token, append(parts, msg)
	}
	subject, text, body, err := n.store.compose(ctx, tx, kind, d, parts...)
	if err != nil {
		return err
	}
	e := &Email{TicketID: w.Ticket.ID, MessageID: messageID, Kind: kind, To: []Address{r.Addr},
		Subject: tagSubject(w.Ticket, subject), Text: text, HTML: body,
		Headers: map[string]string{"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}}
	return n.enqueue(ctx, tx, w.Ticket, e)
}

// Agent writes the notice of kind (a template key) about w to agent to,
// with set (if not nil) adjusting the template's data; someone who is
// not an agent gets nothing: notes and notices are for agents' eyes only.
func (n *Notifier) Agent(ctx context.Context, tx *db.Tx, kind string, w ticket.Write, to int64, set func(*TemplateData)) error {
	if w.Ticket == nil {
		return nil
	}
	r, err := n.recipient(ctx, tx, to)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if !r.Agent {
		return nil
	}
	if err := n.notifyWith(ctx, tx, w, kind, to, 0, set); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}

// reply writes an agent's public reply to the requester, followers in Cc.
func (n *Notifier) reply(ctx context.Context, tx *db.Tx, w ticket.Write) error {
	t, m := w.Ticket, w.Message
	req, err := n.recipient(ctx, tx, t.Requester.ID)
	if err != nil {
		return err
	}
	var to, cc []Address
	seen := map[string]bool{strings.ToLower(m.Author.Email): true}
	if n.mayReceive(req) && !seen[strings.ToLower(req.Addr.Email)] {
		to = append(to, req.Addr)
		seen[strings.ToLower(req.Addr.Email)] = true
	}
	rows, err := tx.QueryContext(ctx, n.store.q.Get("ticket-followers"), t.ID)
	if err != nil {
		return err
	}
	var followers []*recipient
	for rows.Next() {
		var f recipient
		var role string
		if err := rows.Scan(&f.ID, &f.Addr.Email, &f.Addr.Name, &role, &f.Active); err != nil {
			rows.Close()
			return err
		}
		followers = append(followers, &f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, f := range followers {
		if n.mayReceive(f) && !seen[strings.ToLower(f.Addr.Email)] {
			cc = append(cc, f.Addr)
			seen[strings.ToLower(f.Addr.Email)] = true
		}
	}
	if len(to) == 0 && len(cc) == 0 {
		return nil
	}
	if len(to) == 0 {
		to, cc = cc, nil
	}
	// The message and the author's signature, in both parts alike.
	d := n.data(w, req)
	msg := newRich(m.BodyHTML)
	files := attachments(m, &msg)
	d.Message = msg.token
	parts := []rich{msg}
	var signature string
	if err := tx.QueryRowContext(ctx, n.store.q.Get("signature"), m.Author.ID).Scan(&signature); err != nil {
		return fmt.Errorf("signature of user %d: %w", m.Author.ID, err)
	}
	if strings.TrimSpace(signature) != "" {
		sig := newRich(markup.Markdown(signature))
		sig.signature = true
		d.Signature, parts = sig.token, append(parts, sig)
	}
	subject, text, body, err := n.store.compose(ctx, tx, KindReply, d, parts...)
	if err != nil {
		return err
	}
	e := &Email{TicketID: t.ID, MessageID: m.ID, Kind: KindReply, To: to, Cc: cc,
		Subject: tagSubject(t, subject), Text: text, HTML: body, Attachments: files}
	if err := n.enqueue(ctx, tx, t, e); err != nil {
		return err
	}
	// The Message-ID the reply is mailed under becomes the message's own,
	// in this transaction: a reply to it finds the ticket even after the
	// outbox row is pruned.
	if _, err := tx.ExecContext(ctx, n.store.q.Get("set-message-id"), m.ID, e.RFC822MessageID); err != nil {
		return fmt.Errorf("message id of message %d: %w", m.ID, err)
	}
	m.MessageID = e.RFC822MessageID
	return nil
}

// enqueue fills in the sender and threading headers and writes e.
func (n *Notifier) enqueue(ctx context.Context, tx *db.Tx, t *ticket.Ticket, e *Email) error {
	if n.beforeEnqueue != nil {
		if err := n.beforeEnqueue(); err != nil {
			return err
		}
	}
	e.From = Address{Name: n.cfg.FromName, Email: n.cfg.FromAddress}
	e.ReplyTo = ReplyAddress(n.cfg.ReplyAddress, t.UID)
	ids, err := n.threadIDs(ctx, tx, t.ID)
	if err != nil {
		return err
	}
	if len(ids) > 0 {
		e.References = ids
		e.InReplyTo = ids[len(ids)-1]
	}
	if _, err := n.store.Enqueue(ctx, tx, e, n.cfg.Domain); err != nil {
		return err
	}
	return nil
}

// threadIDs lists the Message-IDs of the ticket's conversation so far,
// oldest first: the ids of messages that came by email (the ticket's first
// message among them) and of the email we sent to the requester.
func (n *Notifier) threadIDs(ctx context.Context, tx *db.Tx, ticketID int64) ([]string, error) {
	rows, err := tx.QueryContext(ctx, n.store.q.Get("thread-ids"), ticketID)
	if err != nil {
		return nil, fmt.Errorf("thread ids: %w", err)
	}
	defer rows.Close()
	var ids []string
	seen := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		id = stripBrackets(id)
		if id == "" || seen[id] || strings.ContainsAny(id, " \t\r\n<>") {
			continue
		}
		seen[id] = true
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
