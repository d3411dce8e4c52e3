// Package audit reads the audit log for admins: the domain events of admin
// changes (users, teams, organizations, categories, custom fields,
// mailboxes, templates, tokens, calendars) and, on request, of tickets,
// filtered and paged newest first. It writes nothing: the audit log is the
// event log that the services append to in the transactions of their
// changes.
package audit

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

//go:embed queries.sql
var queryFiles embed.FS

// Service reads the audit log.
type Service struct {
	db    *db.DB
	q     *db.Queries
	users *user.Service
}

// New loads and checks the package's queries against d; users resolves
// the people that filters name by email.
func New(ctx context.Context, d *db.DB, users *user.Service) (*Service, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.Dialect)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if err := d.Prepare(ctx, q); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return &Service{db: d, q: q, users: users}, nil
}

// ActorTypes are the kinds of actor a filter may name.
var ActorTypes = []string{event.ActorUser, event.ActorSystem, event.ActorMail, event.ActorRule, event.ActorSLA}

// Filter selects entries. Every field is optional.
type Filter struct {
	// Actor is a person's email or user id, an actor type (user, system,
	// mail, rule, sla), or a type and id ("rule:4").
	Actor string
	// Kind is an event kind ("team.updated"), or a prefix of kinds: "team."
	// or "team" (all team events), or "team.member_*".
	Kind string
	// Subject is what changed: a type ("mailbox") or type and id
	// ("mailbox:3").
	Subject string
	// Since and Until bound the time: Since <= at < Until.
	Since, Until time.Time
	// IncludeTickets adds the events about tickets, left out by default:
	// the audit log is about administration. A Subject of type ticket
	// includes them too.
	IncludeTickets bool
	// Before is the keyset: entries with ids below it (0: the newest).
	Before int64
	// Limit bounds the page: 1 to MaxLimit, 50 when 0.
	Limit int
}

// MaxLimit bounds a page.
const MaxLimit = 200

// Entry is one event in the audit log.
type Entry struct {
	ID    int64
	At    time.Time
	Kind  string
	Actor Actor
	// SubjectType and SubjectID say what changed ("mailbox", 3). Templates
	// have no id: their payload names the key.
	SubjectType string
	SubjectID   int64
	// TicketNumber is the ticket's number for ticket events, else 0.
	TicketNumber int64
	Payload      json.RawMessage
}

// Actor is who caused an entry: a person (Type user, with their email) or
// one of Docket's own actors.
type Actor struct {
	Type  string
	ID    int64
	Name  string
	Email string
}

// List returns a page of the entries matching f, newest first, and the
// Before of the next page (0 at the end). Only admins read the audit log.
func (s *Service) List(ctx context.Context, a *user.Actor, f Filter) ([]Entry, int64, error) {
	if !a.IsAdmin() {
		return nil, 0, fault.Forbidden("only admins may read the audit log")
	}
	w, err := s.where(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > MaxLimit {
		return nil, 0, fault.Field("limit", "must be from 1 to %d", MaxLimit)
	}
	query := s.q.Get("select-entries") + " AND " + strings.Join(w.conds, " AND ") +
		" ORDER BY e.id DESC LIMIT " + strconv.Itoa(limit+1)
	rows, err := s.db.R.QueryContext(ctx, s.db.Rebind(query), w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("audit: list: %w", err)
	}
	out, err := db.Collect(rows, scanEntry)
	if err != nil {
		return nil, 0, fmt.Errorf("audit: list: %w", err)
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}

func scanEntry(sc db.Scanner) (Entry, error) {
	var e Entry
	var at int64
	var payload string
	err := sc.Scan(&e.ID, &at, &e.Kind, &e.Actor.Type, &e.Actor.ID, &e.Actor.Name, &e.Actor.Email, &e.SubjectType,
		&e.SubjectID, &e.TicketNumber, &payload)
	e.At, e.Payload = db.Time(at), json.RawMessage(payload)
	return e, err
}

// whereBuilder collects conditions and their numbered arguments.
type whereBuilder struct {
	conds []string
	args  []any
}

func (w *whereBuilder) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

// adminOnly leaves out ticket events. It is written out, not bound, so
// both engines use the partial index domain_events_admin.
const adminOnly = "e.subject_type <> 'ticket'"

var (
	kindRe    = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]*)?$`)
	subjectRe = regexp.MustCompile(`^([a-z][a-z0-9_]*)(?::([0-9]+))?$`)
)

// where turns f into conditions, refusing values it cannot mean with the
// field at fault.
func (s *Service) where(ctx context.Context, f Filter) (*whereBuilder, error) {
	w := &whereBuilder{}
	inv := &fault.Invalid{}
	if f.Before > 0 {
		w.add("e.id < ?", f.Before)
	}
	if err := s.actor(ctx, w, strings.TrimSpace(f.Actor)); err != nil {
		var fe *fault.Invalid
		if !errors.As(err, &fe) {
			return nil, err
		}
		inv.Fields = append(inv.Fields, fe.Fields...)
	}
	if k := strings.ToLower(strings.TrimSpace(f.Kind)); k != "" {
		prefix := strings.HasSuffix(k, "*") || strings.HasSuffix(k, ".") || !strings.Contains(k, ".")
		k = strings.TrimSuffix(k, "*")
		switch {
		case len(k) > 64 || !kindRe.MatchString(k):
			inv.Add("kind", "must be an event kind such as team.updated, or a prefix such as team. or team")
		case !prefix:
			w.add("e.kind = ?", k)
		default:
			if !strings.Contains(k, ".") {
				k += "."
			}
			// substr, not LIKE: "_" in kinds is a LIKE wildcard.
			w.add("substr(e.kind, 1, "+strconv.Itoa(len(k))+") = ?", k)
		}
	}
	includeTickets := f.IncludeTickets
	if sub := strings.ToLower(strings.TrimSpace(f.Subject)); sub != "" {
		m := subjectRe.FindStringSubmatch(sub)
		if m == nil || len(sub) > 64 {
			inv.Add("subject", "must be a type such as mailbox, or a type and id such as mailbox:3")
		} else {
			w.add("e.subject_type = ?", m[1])
			if m[2] != "" {
				id, err := strconv.ParseInt(m[2], 10, 64)
				if err != nil || id <= 0 {
					inv.Add("subject", "has an id that is not a positive number")
				}
				w.add("e.subject_id = ?", id)
			}
			includeTickets = includeTickets || m[1] == "ticket"
		}
	}
	if !f.Since.IsZero() {
		w.add("e.at >= ?", f.Since.UnixMicro())
	}
	if !f.Until.IsZero() {
		if !f.Since.IsZero() && !f.Until.After(f.Since) {
			inv.Add("until", "must be after since")
		}
		w.add("e.at < ?", f.Until.UnixMicro())
	}
	if !includeTickets {
		w.conds = append(w.conds, adminOnly)
	}
	if err := inv.Err(); err != nil {
		return nil, err
	}
	if len(w.conds) == 0 {
		w.conds = append(w.conds, "TRUE")
	}
	return w, nil
}

// actor adds the condition of an actor filter: an email, a user id, a
// type, or type:id.
func (s *Service) actor(ctx context.Context, w *whereBuilder, v string) error {
	bad := fault.Field("actor", "must be a person's email or user id, or one of %s (optionally with :id)", strings.Join(ActorTypes, ", "))
	switch {
	case v == "":
		return nil
	case strings.Contains(v, "@"):
		u, err := s.users.ByEmail(ctx, v)
		if errors.Is(err, fault.ErrNotFound) {
			return fault.Field("actor", "no user with email %q", v)
		} else if err != nil {
			return err
		}
		w.add("e.actor_type = ? AND e.actor_id = ?", event.ActorUser, u.ID)
		return nil
	}
	typ, id, hasID := strings.Cut(strings.ToLower(v), ":")
	if n, err := strconv.ParseInt(typ, 10, 64); err == nil && !hasID {
		typ, id, hasID = event.ActorUser, strconv.FormatInt(n, 10), true
	}
	if !slices.Contains(ActorTypes, typ) {
		return bad
	}
	if !hasID {
		w.add("e.actor_type = ?", typ)
		return nil
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return bad
	}
	w.add("e.actor_type = ? AND e.actor_id = ?", typ, n)
	return nil
}
