// Package view owns saved views: named ticket searches in Docket's query
// language that agents keep for themselves or admins share with everyone.
package view

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

//go:embed queries.sql
var queryFiles embed.FS

// View is a saved search.
type View struct {
	ID        int64
	OwnerID   int64 // 0: shared with every agent
	Name      string
	Query     string
	Sort      string
	CreatedAt time.Time
}

// Shared reports whether every agent sees the view.
func (v *View) Shared() bool { return v.OwnerID == 0 }

// Service stores views.
type Service struct {
	db *db.DB
	q  *db.Queries
}

// New returns a Service.
func New(d *db.DB) (*Service, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.Dialect)
	if err != nil {
		return nil, err
	}
	return &Service{db: d, q: q}, nil
}

// Queries exposes the named queries for start-up checks.
func (s *Service) Queries() *db.Queries { return s.q }

// Input creates a view.
type Input struct {
	Name   string
	Query  string
	Sort   string
	Shared bool
}

var sorts = map[string]bool{"": true, "-updated_at": true, "updated_at": true, "-created_at": true, "created_at": true,
	"priority": true, "-priority": true, "number": true, "-number": true, "due_at": true, "-due_at": true}

// Create saves a view; only admins share views with everyone.
func (s *Service) Create(ctx context.Context, a *user.Actor, in Input) (*View, error) {
	if !a.IsAgent() {
		return nil, fault.Forbidden("only agents have views")
	}
	if in.Shared && !a.IsAdmin() {
		return nil, fault.Forbidden("only admins share views with everyone")
	}
	inv := &fault.Invalid{}
	in.Name = checkName(inv, in.Name)
	in.Query = strings.TrimSpace(in.Query)
	if in.Query == "" {
		inv.Add("query", "is required")
	} else {
		// The same translation the queue applies, so a view saved is a view
		// that lists.
		var f ticket.Filter
		var qe *fault.Invalid
		if errors.As(f.ApplySearch(in.Query, time.Now()), &qe) {
			for _, fe := range qe.Fields {
				inv.Add("query", "%s", fe.Message)
			}
		}
	}
	if !sorts[in.Sort] {
		inv.Add("sort", "is not a known sort")
	}
	if err := inv.Err(); err != nil {
		return nil, err
	}
	owner := any(a.ID)
	if in.Shared {
		owner = nil
	}
	var id int64
	if err := s.db.W.QueryRowContext(ctx, s.q.Get("insert-view"), owner, in.Name, in.Query, in.Sort, db.Now()).Scan(&id); err != nil {
		return nil, nameTaken(err, in.Shared)
	}
	return s.Get(ctx, a, id)
}

func scan(row db.Scanner) (*View, error) {
	var v View
	var owner sql.NullInt64
	var created int64
	if err := row.Scan(&v.ID, &owner, &v.Name, &v.Query, &v.Sort, &created); err != nil {
		return nil, err
	}
	v.OwnerID, v.CreatedAt = owner.Int64, db.Time(created)
	return &v, nil
}

// Get returns a view the actor may use: shared, or their own.
func (s *Service) Get(ctx context.Context, a *user.Actor, id int64) (*View, error) {
	v, err := scan(s.db.R.QueryRowContext(ctx, s.q.Get("select-view"), id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !v.Shared() && v.OwnerID != a.ID {
		return nil, fmt.Errorf("view %d: %w", id, fault.ErrNotFound)
	}
	return v, err
}

// List returns the shared views and the actor's own.
func (s *Service) List(ctx context.Context, a *user.Actor) ([]*View, error) {
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("list-views"), a.ID)
	if err != nil {
		return nil, fmt.Errorf("view: list: %w", err)
	}
	return db.Collect(rows, scan)
}

// Delete removes a view: its owner, or an admin for a shared one.
func (s *Service) Delete(ctx context.Context, a *user.Actor, id int64) error {
	v, err := s.Get(ctx, a, id)
	if err != nil {
		return err
	}
	if v.Shared() && !a.IsAdmin() {
		return fault.Forbidden("only admins delete shared views")
	}
	_, err = s.db.W.ExecContext(ctx, s.q.Get("delete-view"), id)
	return err
}

// checkName trims a view's name and checks its length.
func checkName(inv *fault.Invalid, name string) string {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 60 {
		inv.Add("name", "must be 1 to 60 characters")
	}
	return name
}

// nameTaken turns the unique index's refusal (names are unique per owner,
// and among shared views, whatever their case) into a field error.
func nameTaken(err error, shared bool) error {
	if !db.IsUniqueViolation(err) {
		return fmt.Errorf("view: save: %w", err)
	}
	if shared {
		return fault.Field("name", "is already the name of a shared view")
	}
	return fault.Field("name", "is already the name of one of your views")
}

// Rename gives a view a new name: its owner, or an admin for a shared one.
func (s *Service) Rename(ctx context.Context, a *user.Actor, id int64, name string) (*View, error) {
	v, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if v.Shared() && !a.IsAdmin() {
		return nil, fault.Forbidden("only admins rename shared views")
	}
	inv := &fault.Invalid{}
	name = checkName(inv, name)
	if err := inv.Err(); err != nil {
		return nil, err
	}
	if _, err := s.db.W.ExecContext(ctx, s.q.Get("rename-view"), id, name, db.Now()); err != nil {
		return nil, nameTaken(err, v.Shared())
	}
	return s.Get(ctx, a, id)
}
