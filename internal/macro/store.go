package macro

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

func scan(sc db.Scanner) (*Macro, error) {
	var m Macro
	var acts string
	var created, updated int64
	if err := sc.Scan(&m.ID, &m.Name, &m.Body, &acts, &m.TeamID, &m.TeamName, &m.OwnerID, &m.OwnerEmail, &m.UsageCount,
		&created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(acts), &m.Actions); err != nil {
		return nil, fmt.Errorf("macro %d: %w", m.ID, err)
	}
	if m.Actions == nil {
		m.Actions = automation.Actions{}
	}
	switch {
	case m.OwnerID != 0:
		m.Visibility = Personal
	case m.TeamID != 0:
		m.Visibility = Team
	default:
		m.Visibility = Everyone
	}
	m.CreatedAt, m.UpdatedAt = db.Time(created), db.Time(updated)
	return &m, nil
}

func (s *Service) get(ctx context.Context, q db.Queryer, id int64) (*Macro, error) {
	m, err := scan(q.QueryRowContext(ctx, s.q.Get("get-macro"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("macro %d: %w", id, fault.ErrNotFound)
	}
	return m, err
}

// Get returns a macro a may use; another agent's personal macro, or a
// team's the agent is not in, is not found.
func (s *Service) Get(ctx context.Context, a *user.Actor, id int64) (*Macro, error) {
	if !a.IsAgent() {
		return nil, fault.Forbidden("only agents use macros")
	}
	m, err := s.get(ctx, s.DB.R, id)
	if err == nil && !Usable(a, m) {
		return nil, fmt.Errorf("macro %d: %w", id, fault.ErrNotFound)
	}
	return m, err
}

// List returns up to limit macros a may see, by name, after the macro
// with id after (0: from the first). Agents see every agent's macros,
// their teams' and their own; admins every one.
func (s *Service) List(ctx context.Context, a *user.Actor, after int64, limit int) ([]*Macro, error) {
	if !a.IsAgent() {
		return nil, fault.Forbidden("only agents use macros")
	}
	name := ""
	if after > 0 {
		m, err := s.Get(ctx, a, after)
		if err != nil {
			return nil, fault.Field("cursor", "the macro this page started after is gone; start again")
		}
		name = m.Name
	}
	rows, err := s.DB.R.QueryContext(ctx, s.q.Get("list-macros"), a.PersonID(), a.IsAdmin(), name, after, limit)
	if err != nil {
		return nil, fmt.Errorf("macro: list: %w", err)
	}
	return db.Collect(rows, scan)
}

// Usable lists the macros a may apply from the ticket page: every
// agent's, their teams' and their own (an admin's menu leaves out other
// agents' personal macros and other teams' ones).
func (s *Service) Usable(ctx context.Context, a *user.Actor) ([]*Macro, error) {
	if !a.IsAgent() {
		return nil, nil
	}
	rows, err := s.DB.R.QueryContext(ctx, s.q.Get("list-macros"), a.PersonID(), false, "", 0, 1000)
	if err != nil {
		return nil, fmt.Errorf("macro: usable: %w", err)
	}
	return db.Collect(rows, scan)
}

// settings are a macro's settings as its events show them.
func settings(m *Macro) map[string]any {
	acts, _ := json.Marshal(m.Actions)
	return map[string]any{"name": m.Name, "body": m.Body, "actions": string(acts), "visibility": m.Visibility,
		"team": m.TeamName, "owner": m.OwnerEmail}
}

func (s *Service) record(ctx context.Context, tx *db.Tx, a *user.Actor, kind string, id int64, payload any) error {
	_, err := s.Events.Append(ctx, tx, kind, a.EventActor(), "macro", id, 0, payload)
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Create stores a macro; nothing is stored when any part is invalid.
// Agents create personal macros; admins any.
func (s *Service) Create(ctx context.Context, a *user.Actor, in Input) (*Macro, error) {
	if !a.IsAgent() {
		return nil, fault.Forbidden("only agents have macros")
	}
	m := &Macro{Visibility: Everyone, Actions: automation.Actions{}}
	if !a.IsAdmin() {
		m.Visibility = Personal
	}
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		if err := s.check(ctx, tx, a, m, in); err != nil {
			return err
		}
		acts, _ := json.Marshal(m.Actions)
		if err := tx.QueryRowContext(ctx, s.q.Get("insert-macro"), m.Name, m.Body, string(acts), nullID(m.OwnerID),
			nullID(m.TeamID), db.Now()).Scan(&id); err != nil {
			return err
		}
		return s.record(ctx, tx, a, EventCreated, id, settings(m))
	})
	if err != nil {
		return nil, fmt.Errorf("macro: create: %w", err)
	}
	return s.get(ctx, s.DB.R, id)
}

// Update changes a macro a may edit; nothing is stored when any part is
// invalid.
func (s *Service) Update(ctx context.Context, a *user.Actor, id int64, in Input) (*Macro, error) {
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		before, err := s.editable(ctx, tx, a, id)
		if err != nil {
			return err
		}
		m := *before
		if err := s.check(ctx, tx, a, &m, in); err != nil {
			return err
		}
		acts, _ := json.Marshal(m.Actions)
		if _, err := tx.ExecContext(ctx, s.q.Get("update-macro"), id, m.Name, m.Body, string(acts), nullID(m.OwnerID),
			nullID(m.TeamID), db.Now()); err != nil {
			return err
		}
		c := event.Changes{}
		was := settings(before)
		for k, v := range settings(&m) {
			c.Note(k, was[k], v)
		}
		if len(c) == 0 {
			return nil
		}
		return s.record(ctx, tx, a, EventUpdated, id, map[string]any{"name": m.Name, "changes": c})
	})
	if err != nil {
		return nil, fmt.Errorf("macro: update %d: %w", id, err)
	}
	return s.get(ctx, s.DB.R, id)
}

// Delete removes a macro a may edit.
func (s *Service) Delete(ctx context.Context, a *user.Actor, id int64) error {
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		m, err := s.editable(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("delete-macro"), id); err != nil {
			return err
		}
		return s.record(ctx, tx, a, EventDeleted, id, map[string]any{"name": m.Name})
	})
}

// editable returns macro id when a may change it: not found when a may
// not even see it, forbidden when a sees but may not change it.
func (s *Service) editable(ctx context.Context, q db.Queryer, a *user.Actor, id int64) (*Macro, error) {
	if !a.IsAgent() {
		return nil, fault.Forbidden("only agents have macros")
	}
	m, err := s.get(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if !Usable(a, m) {
		return nil, fmt.Errorf("macro %d: %w", id, fault.ErrNotFound)
	}
	if !Editable(a, m) {
		return nil, fault.Forbidden("only admins change macros other than your personal ones")
	}
	return m, nil
}
