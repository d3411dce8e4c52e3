package ticket

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// Category is a service or help topic a ticket is about.
type Category struct {
	ID          int64
	Name        string
	Description string
	Active      bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func scanCategory(row scanner) (*Category, error) {
	var c Category
	var cr, up int64
	if err := row.Scan(&c.ID, &c.Name, &c.Description, &c.Active, &cr, &up); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = db.Time(cr), db.Time(up)
	return &c, nil
}

// CategoryInput creates or changes a category; nil fields are kept.
type CategoryInput struct {
	Name        *string
	Description *string
	Active      *bool
}

func (s *Service) checkCategory(ctx context.Context, q db.Queryer, c *Category, in CategoryInput) error {
	inv := &fault.Invalid{}
	if in.Name != nil {
		c.Name = strings.TrimSpace(*in.Name)
	}
	if c.Name == "" {
		inv.Add("name", "is required")
	} else if utf8.RuneCountInString(c.Name) > 200 || hasControl(c.Name) {
		inv.Add("name", "must be at most 200 characters, without control characters")
	} else if other, err := s.categoryByName(ctx, q, c.Name); err == nil && other.ID != c.ID {
		inv.Add("name", "a category with this name already exists")
	}
	if in.Description != nil {
		c.Description = strings.TrimSpace(*in.Description)
		if utf8.RuneCountInString(c.Description) > 2000 || strings.ContainsRune(c.Description, 0) {
			inv.Add("description", "must be at most 2000 characters")
		}
	}
	if in.Active != nil {
		c.Active = *in.Active
	}
	return inv.Err()
}

// The kinds of domain events the admin changes of this package write.
const (
	EventCategoryCreated    = "category.created"
	EventCategoryUpdated    = "category.updated"
	EventCustomFieldCreated = "custom_field.created"
	EventCustomFieldUpdated = "custom_field.updated"
)

// record writes the domain event of an admin change (not about a ticket)
// in tx, as a.
func (s *Service) record(ctx context.Context, tx *db.Tx, a *user.Actor, kind, subject string, id int64, payload any) error {
	_, err := s.events.Append(ctx, tx, kind, a.EventActor(), subject, id, 0, payload)
	return err
}

// CreateCategory adds a category (admins only).
func (s *Service) CreateCategory(ctx context.Context, a *user.Actor, in CategoryInput) (*Category, error) {
	if !a.IsAdmin() {
		return nil, fault.Forbidden("only admins may manage categories")
	}
	var id int64
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		c := &Category{Active: true}
		if err := s.checkCategory(ctx, tx, c, in); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.q.Get("insert-category"), c.Name, c.Description, c.Active, db.Now()).Scan(&id); err != nil {
			return err
		}
		return s.record(ctx, tx, a, EventCategoryCreated, "category", id,
			map[string]any{"name": c.Name, "description": c.Description, "active": c.Active})
	})
	if err != nil {
		if db.IsUniqueViolation(err) {
			err = fault.Field("name", "a category with this name already exists") // lost a race with a concurrent create
		}
		return nil, fmt.Errorf("ticket: create category: %w", err)
	}
	return s.Category(ctx, id)
}

// UpdateCategory changes a category (admins only).
func (s *Service) UpdateCategory(ctx context.Context, a *user.Actor, id int64, in CategoryInput) (*Category, error) {
	if !a.IsAdmin() {
		return nil, fault.Forbidden("only admins may manage categories")
	}
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		c, err := scanCategory(tx.QueryRowContext(ctx, s.q.Get("select-category"), id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("category %d: %w", id, fault.ErrNotFound)
		} else if err != nil {
			return err
		}
		before := *c
		if err := s.checkCategory(ctx, tx, c, in); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("update-category"), id, c.Name, c.Description, c.Active, db.Now()); err != nil {
			return err
		}
		ch := event.Changes{}
		ch.Note("name", before.Name, c.Name)
		ch.Note("description", before.Description, c.Description)
		ch.Note("active", before.Active, c.Active)
		if len(ch) == 0 {
			return nil
		}
		return s.record(ctx, tx, a, EventCategoryUpdated, "category", id, map[string]any{"name": c.Name, "changes": ch})
	})
	if err != nil {
		if db.IsUniqueViolation(err) {
			err = fault.Field("name", "a category with this name already exists") // lost a race with a concurrent create
		}
		return nil, fmt.Errorf("ticket: update category %d: %w", id, err)
	}
	return s.Category(ctx, id)
}

// Category returns one category.
func (s *Service) Category(ctx context.Context, id int64) (*Category, error) {
	c, err := scanCategory(s.db.R.QueryRowContext(ctx, s.q.Get("select-category"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("category %d: %w", id, fault.ErrNotFound)
	}
	return c, err
}

func (s *Service) categoryByName(ctx context.Context, q db.Queryer, name string) (*Category, error) {
	c, err := scanCategory(q.QueryRowContext(ctx, s.q.Get("select-category-by-name"), strings.TrimSpace(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("category %q: %w", name, fault.ErrNotFound)
	}
	return c, err
}

// Categories lists categories by id after the keyset cursor.
func (s *Service) Categories(ctx context.Context, after int64, limit int) ([]*Category, error) {
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("list-categories"), after, limit)
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, scanCategory)
}

// CategoryID resolves a category name (for configuration that names one).
func (s *Service) CategoryID(ctx context.Context, q db.Queryer, name string) (int64, error) {
	c, err := s.categoryByName(ctx, q, name)
	if err != nil {
		return 0, err
	}
	return c.ID, nil
}
