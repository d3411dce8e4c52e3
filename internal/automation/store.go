package automation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

func requireAdmin(a *user.Actor) error {
	if !a.IsAdmin() {
		return fault.Forbidden("only admins manage triggers")
	}
	return nil
}

func scanTrigger(sc db.Scanner) (*Trigger, error) {
	var t Trigger
	var events, conds, acts string
	var created, updated int64
	if err := sc.Scan(&t.ID, &t.Name, &t.Position, &t.Enabled, &events, &conds, &acts, &t.AuthorID, &t.AuthorEmail,
		&created, &updated); err != nil {
		return nil, err
	}
	if err := errors.Join(json.Unmarshal([]byte(events), &t.Events), json.Unmarshal([]byte(conds), &t.Conditions),
		json.Unmarshal([]byte(acts), &t.Actions)); err != nil {
		return nil, fmt.Errorf("trigger %d: %w", t.ID, err)
	}
	t.CreatedAt, t.UpdatedAt = db.Time(created), db.Time(updated)
	return &t, nil
}

func (s *Service) get(ctx context.Context, q db.Queryer, id int64) (*Trigger, error) {
	t, err := scanTrigger(q.QueryRowContext(ctx, s.q.Get("get-trigger"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("trigger %d: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("trigger %d: %w", id, err)
	}
	return t, nil
}

// Get returns one trigger (admins only).
func (s *Service) Get(ctx context.Context, a *user.Actor, id int64) (*Trigger, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	return s.get(ctx, s.DB.R, id)
}

// List returns up to limit triggers in the order they run, after the
// trigger with id after (0: from the first). Admins only.
func (s *Service) List(ctx context.Context, a *user.Actor, after int64, limit int) ([]*Trigger, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	pos := -1 << 31
	if after > 0 {
		t, err := s.get(ctx, s.DB.R, after)
		if err != nil {
			return nil, fault.Field("cursor", "the trigger this page started after is gone; start again")
		}
		pos = t.Position
	}
	rows, err := s.DB.R.QueryContext(ctx, s.q.Get("list-triggers"), pos, after, limit)
	if err != nil {
		return nil, fmt.Errorf("automation: list triggers: %w", err)
	}
	return db.Collect(rows, scanTrigger)
}

// enabled returns the enabled triggers in the order they run.
func (s *Service) enabled(ctx context.Context, q db.Queryer) ([]*Trigger, error) {
	rows, err := q.QueryContext(ctx, s.q.Get("enabled-triggers"))
	if err != nil {
		return nil, fmt.Errorf("automation: enabled triggers: %w", err)
	}
	return db.Collect(rows, scanTrigger)
}

// settings are a trigger's settings as its events show them.
func settings(t *Trigger) map[string]any {
	return map[string]any{"name": t.Name, "position": t.Position, "enabled": t.Enabled, "events": t.Events,
		"conditions": t.Conditions, "actions": t.Actions}
}

func (in Input) applyTo(t *Trigger) {
	if in.Name != nil {
		t.Name = *in.Name
	}
	if in.Position != nil {
		t.Position = *in.Position
	}
	if in.Enabled != nil {
		t.Enabled = *in.Enabled
	}
	if in.Events != nil {
		t.Events = *in.Events
	}
	if in.Conditions != nil {
		t.Conditions = *in.Conditions
	}
	if in.Actions != nil {
		t.Actions = *in.Actions
	}
	if t.Events == nil {
		t.Events = []string{}
	}
	if t.Conditions.All == nil {
		t.Conditions.All = []Condition{}
	}
	if t.Conditions.Any == nil {
		t.Conditions.Any = []Condition{}
	}
	if t.Actions == nil {
		t.Actions = Actions{}
	}
}

func encodeParts(t *Trigger) (events, conds, acts string) {
	e, _ := json.Marshal(t.Events)
	c, _ := json.Marshal(t.Conditions)
	a, _ := json.Marshal(t.Actions)
	return string(e), string(c), string(a)
}

func (s *Service) record(ctx context.Context, tx *db.Tx, a *user.Actor, kind string, id int64, payload any) error {
	_, err := s.Events.Append(ctx, tx, kind, a.EventActor(), "trigger", id, 0, payload)
	return err
}

// Create stores a trigger (admins only), last in the order unless in
// says where; nothing is stored when any part is invalid.
func (s *Service) Create(ctx context.Context, a *user.Actor, in Input) (*Trigger, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	t := &Trigger{Enabled: true}
	in.applyTo(t)
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		if err := s.check(ctx, tx, t); err != nil {
			return err
		}
		if in.Position == nil {
			if err := tx.QueryRowContext(ctx, s.q.Get("next-position"), 0).Scan(&t.Position); err != nil {
				return err
			}
		}
		events, conds, acts := encodeParts(t)
		if err := tx.QueryRowContext(ctx, s.q.Get("insert-trigger"), t.Name, t.Position, t.Enabled, events, conds, acts,
			nullID(a.PersonID()), db.Now()).Scan(&id); err != nil {
			return err
		}
		return s.record(ctx, tx, a, EventCreated, id, settings(t))
	})
	if err != nil {
		return nil, fmt.Errorf("automation: create trigger: %w", err)
	}
	return s.get(ctx, s.DB.R, id)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Update changes a trigger (admins only); nothing is stored when any
// part is invalid. The admin who saves it becomes the author of the notes
// and replies it writes.
func (s *Service) Update(ctx context.Context, a *user.Actor, id int64, in Input) (*Trigger, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		before, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		t := *before
		in.applyTo(&t)
		if err := s.check(ctx, tx, &t); err != nil {
			return err
		}
		events, conds, acts := encodeParts(&t)
		author := nullID(a.PersonID())
		if author == nil {
			author = nullID(before.AuthorID)
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("update-trigger"), id, t.Name, t.Position, t.Enabled, events, conds, acts,
			author, db.Now()); err != nil {
			return err
		}
		c := event.Changes{}
		was := settings(before)
		for k, v := range settings(&t) {
			c.Note(k, jsonValue(was[k]), jsonValue(v))
		}
		if len(c) == 0 {
			return nil
		}
		return s.record(ctx, tx, a, EventUpdated, id, map[string]any{"name": t.Name, "changes": c})
	})
	if err != nil {
		return nil, fmt.Errorf("automation: update trigger %d: %w", id, err)
	}
	return s.get(ctx, s.DB.R, id)
}

// jsonValue makes settings comparable: lists and objects as their JSON.
func jsonValue(v any) any {
	switch v.(type) {
	case string, int, bool:
		return v
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Delete removes a trigger and its run log (admins only).
func (s *Service) Delete(ctx context.Context, a *user.Actor, id int64) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		t, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("delete-trigger"), id); err != nil {
			return err
		}
		return s.record(ctx, tx, a, EventDeleted, id, map[string]any{"name": t.Name})
	})
}

// Move swaps trigger id with its neighbour before it (up) or after it in
// the order (admins only), in one transaction; at either end nothing
// changes. Positions are renumbered 1, 2, 3… on the way.
func (s *Service) Move(ctx context.Context, a *user.Actor, id int64, up bool) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q.Get("list-triggers"), -1<<31, 0, 1<<30)
		if err != nil {
			return err
		}
		ts, err := db.Collect(rows, scanTrigger)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(ts, func(t *Trigger) bool { return t.ID == id })
		if i < 0 {
			return fmt.Errorf("trigger %d: %w", id, fault.ErrNotFound)
		}
		j := i + 1
		if up {
			j = i - 1
		}
		if j < 0 || j >= len(ts) {
			return nil
		}
		ts[i], ts[j] = ts[j], ts[i]
		for k, t := range ts {
			if t.Position == k+1 {
				continue
			}
			if _, err := tx.ExecContext(ctx, s.q.Get("set-position"), t.ID, k+1, db.Now()); err != nil {
				return err
			}
			if err := s.record(ctx, tx, a, EventUpdated, t.ID, map[string]any{"name": t.Name,
				"changes": event.Changes{"position": {Old: t.Position, New: k + 1}}}); err != nil {
				return err
			}
		}
		return nil
	})
}

// Run outcomes.
const (
	RunApplied = "applied"
	RunFailed  = "failed"
	RunTooDeep = "too_deep"
)

// Run is one entry of a trigger's run log.
type Run struct {
	ID      int64
	EventID int64
	Ticket  int64
	Outcome string
	Detail  string
	At      time.Time
}

func (s *Service) logRun(ctx context.Context, tx *db.Tx, triggerID, eventID, ticketID int64, outcome, detail string) error {
	_, err := tx.ExecContext(ctx, s.q.Get("insert-run"), triggerID, eventID, nullID(ticketID), outcome, detail, db.Now())
	return err
}

// Runs returns a page of trigger id's run log, newest first: at most
// limit, with ids below before (0: the newest). Admins only.
func (s *Service) Runs(ctx context.Context, a *user.Actor, id, before int64, limit int) ([]Run, error) {
	if _, err := s.Get(ctx, a, id); err != nil {
		return nil, err
	}
	rows, err := s.DB.R.QueryContext(ctx, s.q.Get("list-runs"), id, before, limit)
	if err != nil {
		return nil, fmt.Errorf("trigger %d: runs: %w", id, err)
	}
	return db.Collect(rows, func(sc db.Scanner) (Run, error) {
		var r Run
		var at int64
		err := sc.Scan(&r.ID, &r.EventID, &r.Ticket, &r.Outcome, &r.Detail, &at)
		r.At = db.Time(at)
		return r, err
	})
}

// PruneRuns deletes run log entries older than before, 1,000 at a time,
// and reports how many.
func (s *Service) PruneRuns(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		res, err := s.DB.W.ExecContext(ctx, s.q.Get("prune-runs"), before.UnixMicro())
		if err != nil {
			return total, fmt.Errorf("automation: prune runs: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
		if n < 1000 {
			return total, nil
		}
	}
}
