// Package calendar stores the business-hours calendars that SLA targets
// are measured in: a unique name, an IANA time zone, weekly working
// intervals and holidays (see package bizhours for what they mean). Agents
// read calendars; admins change them, and every change is a domain event
// in the audit log.
package calendar

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

//go:embed queries.sql
var queryFiles embed.FS

// The kinds of domain events calendar changes write; the subject is the
// calendar.
const (
	EventCreated = "calendar.created"
	EventUpdated = "calendar.updated"
	EventDeleted = "calendar.deleted"
)

// Calendar is a stored calendar.
type Calendar struct {
	ID   int64
	Name string
	bizhours.Spec
	// Hours computes with the calendar; nil when the stored calendar no
	// longer builds (its time zone unknown to this host), and then Problem
	// says why.
	Hours     *bizhours.Calendar
	Problem   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Input creates or changes a calendar; nil fields are kept (on create:
// empty).
type Input struct {
	Name      *string
	TimeZone  *string
	Intervals *[]bizhours.IntervalSpec
	Holidays  *[]bizhours.HolidaySpec
}

// UseCounter counts what uses calendar id — SLA policies register one —
// reading with q, inside the deleting transaction. what names the users
// ("SLA policies") for the message.
type UseCounter func(ctx context.Context, q db.Queryer, id int64) (count int, what string, err error)

// Service stores calendars.
type Service struct {
	db     *db.DB
	q      *db.Queries
	events *event.Log
	uses   []UseCounter
}

// New returns the service, recording changes in events.
func New(d *db.DB, events *event.Log) (*Service, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.Dialect)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	return &Service{db: d, q: q, events: events}, nil
}

// Queries exposes the named queries for start-up checks.
func (s *Service) Queries() *db.Queries { return s.q }

// CountUsesWith adds a counter of a calendar's users: Delete refuses a
// calendar that any counter finds in use. Register before serving.
func (s *Service) CountUsesWith(c UseCounter) { s.uses = append(s.uses, c) }

func mayRead(a *user.Actor) error {
	if !a.IsAgent() {
		return fault.Forbidden("only agents may read business-hours calendars")
	}
	return nil
}

func mayWrite(a *user.Actor) error {
	if !a.IsAdmin() {
		return fault.Forbidden("only admins manage business-hours calendars")
	}
	return nil
}

// apply checks in against r (the calendar as it is) and sets r to the
// result, or returns every problem at once.
func (s *Service) apply(ctx context.Context, q db.Queryer, r *Calendar, in Input) error {
	inv := &fault.Invalid{}
	if in.Name != nil {
		r.Name = strings.TrimSpace(*in.Name)
	}
	if msg := bizhours.CheckName(r.Name); msg != "" {
		inv.Add("name", "%s", msg)
	} else if other, err := s.byName(ctx, q, r.Name); err == nil && other.ID != r.ID {
		inv.Add("name", "a calendar with this name already exists")
	} else if err != nil && !errors.Is(err, fault.ErrNotFound) {
		return err
	}
	if in.TimeZone != nil {
		r.TimeZone = strings.TrimSpace(*in.TimeZone)
	}
	if in.Intervals != nil {
		r.Intervals = *in.Intervals
	}
	if in.Holidays != nil {
		r.Holidays = *in.Holidays
	}
	hours, err := r.Spec.Calendar()
	if err != nil {
		var fe *fault.Invalid
		if !errors.As(err, &fe) {
			return err
		}
		inv.Fields = append(inv.Fields, fe.Fields...)
	}
	if err := inv.Err(); err != nil {
		return err
	}
	r.Hours, r.Spec = hours, hours.Spec()
	return nil
}

// Create adds a calendar (admins only).
func (s *Service) Create(ctx context.Context, a *user.Actor, in Input) (*Calendar, error) {
	if err := mayWrite(a); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		r := &Calendar{}
		if err := s.apply(ctx, tx, r, in); err != nil {
			return err
		}
		iv, hs, err := encode(r.Spec)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.q.Get("insert-calendar"), r.Name, r.TimeZone, iv, hs, db.Now()).Scan(&id); err != nil {
			return err
		}
		return s.record(ctx, tx, a, EventCreated, id, map[string]any{"name": r.Name, "time_zone": r.TimeZone,
			"intervals": intervalWords(r.Spec), "holidays": holidayWords(r.Spec)})
	})
	if err != nil {
		return nil, fmt.Errorf("calendar: create: %w", nameTaken(err))
	}
	return s.get(ctx, s.db.R, id)
}

// nameTaken turns the loser of a race to create the same name into a
// field error.
func nameTaken(err error) error {
	if db.IsUniqueViolation(err) {
		return fault.Field("name", "a calendar with this name already exists")
	}
	return err
}

// Update changes a calendar (admins only).
func (s *Service) Update(ctx context.Context, a *user.Actor, id int64, in Input) (*Calendar, error) {
	if err := mayWrite(a); err != nil {
		return nil, err
	}
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		return s.change(ctx, tx, a, id, func(r *Calendar) (map[string]any, error) {
			return nil, s.apply(ctx, tx, r, in)
		})
	})
	if err != nil {
		return nil, fmt.Errorf("calendar: update %d: %w", id, nameTaken(err))
	}
	return s.get(ctx, s.db.R, id)
}

// change loads calendar id in tx, lets fn change it, and stores it with
// an event naming what changed (and what fn adds to the payload). Nothing
// is written when nothing changed.
func (s *Service) change(ctx context.Context, tx *db.Tx, a *user.Actor, id int64, fn func(r *Calendar) (map[string]any, error)) error {
	r, err := s.get(ctx, tx, id)
	if err != nil {
		return err
	}
	before := *r
	extra, err := fn(r)
	if err != nil {
		return err
	}
	c := event.Changes{}
	c.Note("name", before.Name, r.Name)
	c.Note("time_zone", before.TimeZone, r.TimeZone)
	c.Note("intervals", intervalWords(before.Spec), intervalWords(r.Spec))
	c.Note("holidays", holidayWords(before.Spec), holidayWords(r.Spec))
	if len(c) == 0 {
		return nil
	}
	iv, hs, err := encode(r.Spec)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.q.Get("update-calendar"), id, r.Name, r.TimeZone, iv, hs, db.Now()); err != nil {
		return err
	}
	p := map[string]any{"name": r.Name, "changes": c}
	for k, v := range extra {
		p[k] = v
	}
	return s.record(ctx, tx, a, EventUpdated, id, p)
}

// Delete removes a calendar (admins only), unless something uses it.
func (s *Service) Delete(ctx context.Context, a *user.Actor, id int64) error {
	if err := mayWrite(a); err != nil {
		return err
	}
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		r, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		var used []string
		for _, count := range s.uses {
			n, what, err := count(ctx, tx, id)
			if err != nil {
				return err
			}
			if n > 0 {
				used = append(used, fmt.Sprintf("%d %s", n, what))
			}
		}
		if len(used) > 0 {
			return fault.Conflict("calendar %q is in use by %s; change those first", r.Name, strings.Join(used, " and "))
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("delete-calendar"), id); err != nil {
			return err
		}
		return s.record(ctx, tx, a, EventDeleted, id, map[string]any{"name": r.Name, "time_zone": r.TimeZone})
	})
	if err != nil {
		return fmt.Errorf("calendar: delete %d: %w", id, err)
	}
	return nil
}

func (s *Service) record(ctx context.Context, tx *db.Tx, a *user.Actor, kind string, id int64, payload any) error {
	_, err := s.events.Append(ctx, tx, kind, a.EventActor(), "calendar", id, 0, payload)
	return err
}

// Get returns calendar id (agents only).
func (s *Service) Get(ctx context.Context, a *user.Actor, id int64) (*Calendar, error) {
	if !a.IsAgent() {
		// Requesters learn nothing, not even that it exists.
		return nil, fmt.Errorf("calendar %d: %w", id, fault.ErrNotFound)
	}
	return s.get(ctx, s.db.R, id)
}

// List returns up to limit calendars by id after the keyset cursor
// (agents only).
func (s *Service) List(ctx context.Context, a *user.Actor, after int64, limit int) ([]*Calendar, error) {
	if err := mayRead(a); err != nil {
		return nil, err
	}
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("list-calendars"), after, limit)
	if err != nil {
		return nil, fmt.Errorf("calendar: list: %w", err)
	}
	return db.Collect(rows, scan)
}

// Count is how many calendars there are.
func (s *Service) Count(ctx context.Context) (int, error) {
	var n int
	err := s.db.R.QueryRowContext(ctx, s.q.Get("count-calendars")).Scan(&n)
	return n, err
}

func (s *Service) get(ctx context.Context, q db.Queryer, id int64) (*Calendar, error) {
	c, err := scan(q.QueryRowContext(ctx, s.q.Get("select-calendar"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("calendar %d: %w", id, fault.ErrNotFound)
	}
	return c, err
}

func (s *Service) byName(ctx context.Context, q db.Queryer, name string) (*Calendar, error) {
	c, err := scan(q.QueryRowContext(ctx, s.q.Get("select-calendar-by-name"), name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("calendar %q: %w", name, fault.ErrNotFound)
	}
	return c, err
}

func scan(sc db.Scanner) (*Calendar, error) {
	var c Calendar
	var iv, hs string
	var cr, up int64
	if err := sc.Scan(&c.ID, &c.Name, &c.TimeZone, &iv, &hs, &cr, &up); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = db.Time(cr), db.Time(up)
	if err := json.Unmarshal([]byte(iv), &c.Intervals); err != nil {
		return nil, fmt.Errorf("calendar %d: intervals: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(hs), &c.Holidays); err != nil {
		return nil, fmt.Errorf("calendar %d: holidays: %w", c.ID, err)
	}
	hours, err := c.Spec.Calendar()
	if err != nil {
		c.Problem = err.Error()
	} else {
		c.Hours = hours
	}
	return &c, nil
}

func encode(sp bizhours.Spec) (string, string, error) {
	iv, err := json.Marshal(sp.Intervals)
	if err != nil {
		return "", "", err
	}
	hs, err := json.Marshal(sp.Holidays)
	return string(iv), string(hs), err
}

// intervalWords and holidayWords are the lists as the audit log shows
// them.
func intervalWords(sp bizhours.Spec) []string {
	out := []string{}
	for _, iv := range sp.Intervals {
		out = append(out, iv.String())
	}
	return out
}

func holidayWords(sp bizhours.Spec) []string {
	out := []string{}
	for _, h := range sp.Holidays {
		out = append(out, h.String())
	}
	return out
}
