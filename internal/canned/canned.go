// Package canned owns canned responses: reply templates agents insert into
// a reply, personal or shared with every agent, with placeholders filled
// from the ticket.
package canned

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
	"github.com/docket/docket/internal/user"
)

//go:embed queries.sql
var queryFiles embed.FS

// Response is a reply template.
type Response struct {
	ID        int64
	OwnerID   int64 // 0: shared
	Name      string
	Body      string
	UpdatedAt time.Time
}

// Shared reports whether every agent may use it.
func (r *Response) Shared() bool { return r.OwnerID == 0 }

// Service stores canned responses.
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

// MaxBody bounds a template.
const MaxBody = 32 * 1024

// Input creates or changes a response.
type Input struct {
	Name   string
	Body   string
	Shared bool
}

func check(in *Input) error {
	inv := &fault.Invalid{}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		inv.Add("name", "must be 1 to 100 characters")
	}
	if strings.TrimSpace(in.Body) == "" {
		inv.Add("body", "is required")
	} else if len(in.Body) > MaxBody || !utf8.ValidString(in.Body) {
		inv.Add("body", "must be valid text of at most %d bytes", MaxBody)
	}
	return inv.Err()
}

// Create saves a response; only admins share them.
func (s *Service) Create(ctx context.Context, a *user.Actor, in Input) (*Response, error) {
	if !a.IsAgent() {
		return nil, fault.Forbidden("only agents have canned responses")
	}
	if in.Shared && !a.IsAdmin() {
		return nil, fault.Forbidden("only admins share canned responses")
	}
	if err := check(&in); err != nil {
		return nil, err
	}
	owner := any(a.ID)
	if in.Shared {
		owner = nil
	}
	var id int64
	if err := s.db.W.QueryRowContext(ctx, s.q.Get("insert-canned"), owner, in.Name, in.Body, db.Now()).Scan(&id); err != nil {
		return nil, fmt.Errorf("canned: create: %w", err)
	}
	return s.Get(ctx, a, id)
}

// Update changes a response its actor may edit.
func (s *Service) Update(ctx context.Context, a *user.Actor, id int64, in Input) (*Response, error) {
	r, err := s.editable(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := check(&in); err != nil {
		return nil, err
	}
	if _, err := s.db.W.ExecContext(ctx, s.q.Get("update-canned"), r.ID, in.Name, in.Body, db.Now()); err != nil {
		return nil, fmt.Errorf("canned: update: %w", err)
	}
	return s.Get(ctx, a, id)
}

// Delete removes a response its actor may edit.
func (s *Service) Delete(ctx context.Context, a *user.Actor, id int64) error {
	if _, err := s.editable(ctx, a, id); err != nil {
		return err
	}
	_, err := s.db.W.ExecContext(ctx, s.q.Get("delete-canned"), id)
	return err
}

func (s *Service) editable(ctx context.Context, a *user.Actor, id int64) (*Response, error) {
	r, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if r.Shared() && !a.IsAdmin() {
		return nil, fault.Forbidden("only admins change shared canned responses")
	}
	return r, nil
}

func scan(row db.Scanner) (*Response, error) {
	var r Response
	var owner sql.NullInt64
	var updated int64
	if err := row.Scan(&r.ID, &owner, &r.Name, &r.Body, &updated); err != nil {
		return nil, err
	}
	r.OwnerID, r.UpdatedAt = owner.Int64, db.Time(updated)
	return &r, nil
}

// Get returns a response the actor may use.
func (s *Service) Get(ctx context.Context, a *user.Actor, id int64) (*Response, error) {
	r, err := scan(s.db.R.QueryRowContext(ctx, s.q.Get("select-canned"), id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !r.Shared() && r.OwnerID != a.ID {
		return nil, fmt.Errorf("canned response %d: %w", id, fault.ErrNotFound)
	}
	return r, err
}

// List returns the shared responses and the actor's own, by name.
func (s *Service) List(ctx context.Context, a *user.Actor) ([]*Response, error) {
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("list-canned"), a.ID)
	if err != nil {
		return nil, fmt.Errorf("canned: list: %w", err)
	}
	return db.Collect(rows, scan)
}

// Fill replaces the placeholders {{requester.name}}, {{requester.email}},
// {{ticket.number}}, {{ticket.subject}}, {{agent.name}} and
// {{agent.signature}} with their values; unknown ones stay as written.
func Fill(body string, values map[string]string) string {
	var b strings.Builder
	for {
		i := strings.Index(body, "{{")
		if i < 0 {
			b.WriteString(body)
			return b.String()
		}
		j := strings.Index(body[i:], "}}")
		if j < 0 {
			b.WriteString(body)
			return b.String()
		}
		key := strings.TrimSpace(body[i+2 : i+j])
		b.WriteString(body[:i])
		if v, ok := values[key]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(body[i : i+j+2])
		}
		body = body[i+j+2:]
	}
}
