package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// Category is a node of the category tree.
type Category struct {
	ID          int64
	ParentID    int64 // 0: a top-level category
	Name        string
	Slug        string
	Description string
	Position    int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// CategoryInput creates or changes a category; nil fields stay as they are
// (a new category's slug comes from its name). Parent is the parent's
// slug, "" for the top level.
type CategoryInput struct {
	Name        *string
	Slug        *string
	Parent      *string
	Description *string
	Position    *int
}

const categoryCols = `id, parent_id, name, slug, description, position, created_at, updated_at`

func scanCategory(row db.Scanner) (*Category, error) {
	var c Category
	var parent sql.NullInt64
	var created, updated int64
	if err := row.Scan(&c.ID, &parent, &c.Name, &c.Slug, &c.Description, &c.Position, &created, &updated); err != nil {
		return nil, err
	}
	c.ParentID, c.CreatedAt, c.UpdatedAt = parent.Int64, db.Time(created), db.Time(updated)
	return &c, nil
}

// Categories returns every category, ordered by position and name. The
// tree is public: a category says nothing its articles do not.
func (s *Service) Categories(ctx context.Context) ([]*Category, error) {
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("list-categories"))
	if err != nil {
		return nil, fmt.Errorf("kb: categories: %w", err)
	}
	return db.Collect(rows, scanCategory)
}

// Category returns one category by id.
func (s *Service) Category(ctx context.Context, id int64) (*Category, error) {
	c, err := scanCategory(s.db.R.QueryRowContext(ctx, s.q.Get("select-category"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("category", id)
	}
	return c, err
}

// CategoryBySlug returns one category by slug.
func (s *Service) CategoryBySlug(ctx context.Context, slug string) (*Category, error) {
	c, err := scanCategory(s.db.R.QueryRowContext(ctx, s.q.Get("select-category-slug"), slug))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("category", slug)
	}
	return c, err
}

// CreateCategory adds a category (admins only).
func (s *Service) CreateCategory(ctx context.Context, a *user.Actor, in CategoryInput) (*Category, error) {
	if err := requireAdmin(a, "write knowledge-base categories"); err != nil {
		return nil, err
	}
	c := &Category{}
	if in.Name == nil {
		return nil, fault.Field("name", "is required")
	}
	if in.Slug == nil {
		slug := Slugify(*in.Name)
		in.Slug = &slug
	}
	var id int64
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		if err := s.applyCategory(ctx, tx, c, in); err != nil {
			return err
		}
		t := db.Now()
		return tx.QueryRowContext(ctx, s.q.Get("insert-category"), nullID(c.ParentID), c.Name, c.Slug, c.Description, c.Position, t).Scan(&id)
	})
	if db.IsUniqueViolation(err) {
		return nil, fault.Field("slug", "is already used by another category")
	}
	if err != nil {
		return nil, err
	}
	return s.Category(ctx, id)
}

// UpdateCategory changes a category (admins only).
func (s *Service) UpdateCategory(ctx context.Context, a *user.Actor, id int64, in CategoryInput) (*Category, error) {
	if err := requireAdmin(a, "write knowledge-base categories"); err != nil {
		return nil, err
	}
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		c, err := scanCategory(tx.QueryRowContext(ctx, s.q.Get("select-category"), id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("category", id)
		}
		if err != nil {
			return err
		}
		if err := s.applyCategory(ctx, tx, c, in); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q.Get("update-category"), id, nullID(c.ParentID), c.Name, c.Slug, c.Description, c.Position, db.Now())
		return err
	})
	if db.IsUniqueViolation(err) {
		return nil, fault.Field("slug", "is already used by another category")
	}
	if err != nil {
		return nil, err
	}
	return s.Category(ctx, id)
}

// applyCategory checks the input and sets it on c; the parent must exist
// and must not be c or one of its descendants.
func (s *Service) applyCategory(ctx context.Context, tx *db.Tx, c *Category, in CategoryInput) error {
	inv := &fault.Invalid{}
	if in.Name != nil {
		c.Name = strings.TrimSpace(*in.Name)
		if c.Name == "" || utf8.RuneCountInString(c.Name) > 100 || !validText(c.Name) {
			inv.Add("name", "must be 1 to 100 characters")
		}
	}
	if in.Slug != nil {
		c.Slug = strings.TrimSpace(*in.Slug)
		checkSlug(inv, "slug", c.Slug)
	}
	if in.Description != nil {
		c.Description = strings.TrimSpace(*in.Description)
		if utf8.RuneCountInString(c.Description) > 1000 || !validText(c.Description) {
			inv.Add("description", "must be at most 1000 characters")
		}
	}
	if in.Position != nil {
		c.Position = *in.Position
		if c.Position < 0 || c.Position > 1_000_000 {
			inv.Add("position", "must be from 0 to 1000000")
		}
	}
	if in.Parent != nil {
		c.ParentID = 0
		if *in.Parent != "" {
			p, err := scanCategory(tx.QueryRowContext(ctx, s.q.Get("select-category-slug"), *in.Parent))
			switch {
			case errors.Is(err, sql.ErrNoRows):
				inv.Add("parent", "is not a category")
			case err != nil:
				return err
			default:
				c.ParentID = p.ID
			}
		}
	}
	// Walk up from the new parent: meeting c itself would make a loop.
	for up, depth := c.ParentID, 0; up != 0 && c.ID != 0; depth++ {
		if up == c.ID || depth > 100 {
			inv.Add("parent", "must not be the category itself or one of its subcategories")
			break
		}
		var next sql.NullInt64
		if err := tx.QueryRowContext(ctx, s.q.Get("category-parent"), up).Scan(&next); err != nil {
			return err
		}
		up = next.Int64
	}
	return inv.Err()
}

// DeleteCategory removes an empty category (admins only): one that still
// holds articles or subcategories is a conflict.
func (s *Service) DeleteCategory(ctx context.Context, a *user.Actor, id int64) error {
	if err := requireAdmin(a, "delete knowledge-base categories"); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q.Get("category-use"), id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fault.Conflict("the category still holds articles or subcategories; move them first")
		}
		res, err := tx.ExecContext(ctx, s.q.Get("delete-category"), id)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return notFound("category", id)
		}
		return nil
	})
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
