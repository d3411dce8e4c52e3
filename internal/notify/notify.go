// Package notify tells agents what concerns them inside the workspace:
// a mention in an internal note, a ticket assigned to them or arriving
// unassigned in one of their teams, the requester writing on a ticket of
// theirs, an SLA warning or breach. A durable consumer of the domain
// events raises each notification once per event and person, never to
// the person who caused it; each person chooses per kind whether it shows
// in the app and whether it is emailed at once, in a daily digest, or
// never.
package notify

import (
	"context"
	"embed"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

//go:embed queries.sql
var queryFiles embed.FS

// Mailer writes the emails of notifications through tx (the outbox).
type Mailer interface {
	// Notification emails agent n.To about one notification.
	Notification(ctx context.Context, tx *db.Tx, n Notice) error
	// Digest emails agent to the day's notifications in one email.
	Digest(ctx context.Context, tx *db.Tx, to int64, items []*Notification) error
}

// Notice is one notification to email at once.
type Notice struct {
	Kind  string // a preference kind: KindMention…
	Write ticket.Write
	To    int64
	// SLATarget and SLAPolicy name the target ("first response") and its
	// policy, for the SLA kinds.
	SLATarget, SLAPolicy string
}

// Broadcaster tells every instance that the notifications of some people
// changed (event.Pump.Broadcast).
type Broadcaster interface {
	Broadcast(ctx context.Context, channel string, payload []byte) error
}

// Channel is the broadcast channel of changed notifications: the payload
// is a JSON array of user ids.
const Channel = "notifications"

// Deps are what the Service needs; Mailer and Broadcaster may be nil.
type Deps struct {
	DB          *db.DB
	Tickets     *ticket.Service
	Mailer      Mailer
	Broadcaster Broadcaster
	Log         *slog.Logger
	// DigestHour is the local hour from which a person's daily digest is
	// sent (8).
	DigestHour int
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Service stores notifications and each person's preferences.
type Service struct {
	Deps
	q *db.Queries
}

// New returns a Service.
func New(d Deps) (*Service, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.DB.Dialect)
	if err != nil {
		return nil, err
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.DigestHour <= 0 {
		d.DigestHour = 8
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &Service{Deps: d, q: q}
	// What each role may read: the notifications about tickets they can
	// see now (leaving a restricted team hides its tickets' notifications).
	for _, role := range []user.Role{user.RoleAdmin, user.RoleAgent} {
		n := 1
		arg := func(any) string { n++; return "$" + strconv.Itoa(n) }
		vis := ticket.Visibility(&user.Actor{Role: role}, arg)
		next := "$" + strconv.Itoa(n+1)
		q.Add("list-"+string(role), d.DB.Rebind(q.Get("select-notifications")+" AND n.in_app = TRUE AND "+vis+
			" AND n.id < "+next+" AND ($"+strconv.Itoa(n+2)+" = FALSE OR n.read_at IS NULL) ORDER BY n.id DESC LIMIT $"+strconv.Itoa(n+3)))
		q.Add("count-unread-"+string(role), d.DB.Rebind(q.Get("count-unread-base")+" AND "+vis))
		// A digest's items: unread, not emailed, waiting for the digest.
		q.Add("digest-items-"+string(role), d.DB.Rebind(q.Get("select-notifications")+
			" AND n.digest = TRUE AND n.emailed_at IS NULL AND n.read_at IS NULL AND "+vis+" ORDER BY n.id"))
	}
	return s, nil
}

// Queries exposes the named queries for start-up checks.
func (s *Service) Queries() *db.Queries { return s.q }

// visArgs are the visibility arguments of a's queries after the user id.
func visArgs(a *user.Actor) []any {
	if a.IsAdmin() {
		return nil
	}
	return []any{a.ID}
}

func roleOf(a *user.Actor) string {
	if a.IsAdmin() {
		return string(user.RoleAdmin)
	}
	return string(user.RoleAgent)
}

// Notification is one thing an agent was told.
type Notification struct {
	ID         int64
	Kind       string
	At         time.Time
	Read       bool
	Number     int64 // the ticket the message is on now (after a merge, the survivor)
	Reference  string
	Subject    string
	MessageUID string // empty when the notification is about no message
	Actor      string // who caused it: a name, else an email; empty for Docket's own
}

// Lead is what the notification says before the ticket's reference:
// "Ann mentioned you on", "SLA first response breached on".
func (n *Notification) Lead() string {
	kind, target := SplitKind(n.Kind)
	target = TargetLabel(target)
	who := n.Actor
	if who == "" {
		who = "Docket"
	}
	switch kind {
	case KindSLABreach:
		return "SLA " + target + " breached on"
	case KindSLAWarning:
		return "SLA " + target + " due soon on"
	case KindAssigned:
		return who + " assigned you"
	case KindTeam:
		return "Unassigned in your team:"
	case KindReply:
		return who + " replied on"
	}
	return who + " mentioned you on"
}

// URL is the workspace page the notification leads to.
func (n *Notification) URL() string {
	u := "/tickets/" + strconv.FormatInt(n.Number, 10)
	if n.MessageUID != "" {
		u += "#m-" + n.MessageUID
	}
	return u
}

// ListOptions page through a person's notifications.
type ListOptions struct {
	Before     int64 // only ids below (0: from the newest)
	Limit      int
	UnreadOnly bool
}

// List returns a's notifications that a may still see, newest first.
func (s *Service) List(ctx context.Context, a *user.Actor, o ListOptions) ([]*Notification, error) {
	if !a.IsPerson() || !a.IsAgent() {
		return nil, nil
	}
	if o.Before <= 0 {
		o.Before = 1 << 62
	}
	if o.Limit <= 0 {
		o.Limit = 50
	}
	args := append(append([]any{a.ID}, visArgs(a)...), o.Before, o.UnreadOnly, o.Limit)
	rows, err := s.DB.R.QueryContext(ctx, s.q.Get("list-"+roleOf(a)), args...)
	if err != nil {
		return nil, fmt.Errorf("notify: list: %w", err)
	}
	return db.Collect(rows, s.scan)
}

// scan reads one row of select-notifications (or of the digest's items).
func (s *Service) scan(r db.Scanner) (*Notification, error) {
	var n Notification
	var at int64
	var typ, email string
	if err := r.Scan(&n.ID, &n.Kind, &at, &n.Read, &n.Number, &typ, &n.Subject, &n.MessageUID, &n.Actor, &email); err != nil {
		return nil, err
	}
	n.At = db.Time(at)
	n.Reference = s.Tickets.Reference(ticket.Type(typ), n.Number)
	if n.Actor == "" {
		n.Actor = email
	}
	return &n, nil
}

// Get returns a's notification id; someone else's, or one about a ticket
// a may no longer see, is not found.
func (s *Service) Get(ctx context.Context, a *user.Actor, id int64) (*Notification, error) {
	ns, err := s.List(ctx, a, ListOptions{Before: id + 1, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(ns) == 0 || ns[0].ID != id {
		return nil, fmt.Errorf("notification %d: %w", id, fault.ErrNotFound)
	}
	return ns[0], nil
}

// Unread counts a's unread notifications that a may still see.
func (s *Service) Unread(ctx context.Context, a *user.Actor) (int, error) {
	if !a.IsPerson() || !a.IsAgent() {
		return 0, nil
	}
	var n int
	args := append([]any{a.ID}, visArgs(a)...)
	if err := s.DB.R.QueryRowContext(ctx, s.q.Get("count-unread-"+roleOf(a)), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("notify: unread: %w", err)
	}
	return n, nil
}

// MarkRead marks one of a's notifications read; someone else's, or one a
// may no longer see, is not found.
func (s *Service) MarkRead(ctx context.Context, a *user.Actor, id int64) error {
	if _, err := s.Get(ctx, a, id); err != nil {
		return err
	}
	if _, err := s.DB.W.ExecContext(ctx, s.q.Get("mark-read"), id, a.ID, db.Now()); err != nil {
		return fmt.Errorf("notify: mark %d read: %w", id, err)
	}
	s.changed(ctx, a.ID)
	return nil
}

// MarkAllRead marks all of a's notifications read.
func (s *Service) MarkAllRead(ctx context.Context, a *user.Actor) error {
	if _, err := s.DB.W.ExecContext(ctx, s.q.Get("mark-all-read"), a.ID, db.Now()); err != nil {
		return fmt.Errorf("notify: mark all read: %w", err)
	}
	s.changed(ctx, a.ID)
	return nil
}

// changed tells every instance that the notifications of users changed:
// their bells show the new count.
func (s *Service) changed(ctx context.Context, users ...int64) {
	if s.Broadcaster == nil {
		return
	}
	// A broadcast is small (PostgreSQL NOTIFY): 400 ids at most each.
	for len(users) > 0 {
		part := users[:min(len(users), 400)]
		users = users[len(part):]
		b := []byte("[")
		for i, u := range part {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, u, 10)
		}
		b = append(b, ']')
		if err := s.Broadcaster.Broadcast(context.WithoutCancel(ctx), Channel, b); err != nil {
			s.Log.WarnContext(ctx, "broadcast changed notifications", "err", err)
		}
	}
}
