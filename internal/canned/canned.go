// Package canned is the canned-response view of macros: a canned response
// is a macro with only a reply text, shared with every agent or personal.
// It keeps /api/v1/canned-responses and older callers working; the
// workspace shows one concept, macros.
package canned

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/macro"
	"github.com/docket/docket/internal/user"
)

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

// Service is the view over the macros service.
type Service struct {
	Macros *macro.Service
}

// New returns a Service.
func New(m *macro.Service) *Service { return &Service{Macros: m} }

// Input creates or changes a response.
type Input struct {
	Name   string
	Body   string
	Shared bool
}

func of(m *macro.Macro) *Response {
	return &Response{ID: m.ID, OwnerID: m.OwnerID, Name: m.Name, Body: m.Body, UpdatedAt: m.UpdatedAt}
}

// responseOnly answers what a canned response may be: a reply-only macro
// that every agent or one agent sees (a team's macros are macros only).
func responseOnly(m *macro.Macro) bool { return m.ReplyOnly() && m.Visibility != macro.Team }

func (in Input) macro() macro.Input {
	vis := macro.Personal
	if in.Shared {
		vis = macro.Everyone
	}
	return macro.Input{Name: &in.Name, Body: &in.Body, Visibility: &vis}
}

// Create saves a response; only admins share them.
func (s *Service) Create(ctx context.Context, a *user.Actor, in Input) (*Response, error) {
	if in.Shared && !a.IsAdmin() {
		return nil, fault.Forbidden("only admins share canned responses")
	}
	if err := check(in); err != nil {
		return nil, err
	}
	m, err := s.Macros.Create(ctx, a, in.macro())
	if err != nil {
		return nil, err
	}
	return of(m), nil
}

// check keeps a canned response's promise: a reply is required.
func check(in Input) error {
	inv := &fault.Invalid{}
	if strings.TrimSpace(in.Body) == "" {
		inv.Add("body", "is required")
	}
	return inv.Err()
}

// Update changes a response its actor may edit.
func (s *Service) Update(ctx context.Context, a *user.Actor, id int64, in Input) (*Response, error) {
	if _, err := s.Get(ctx, a, id); err != nil {
		return nil, err
	}
	if err := check(in); err != nil {
		return nil, err
	}
	mi := in.macro()
	if !a.IsAdmin() {
		mi.Visibility = nil // agents keep theirs personal; sharing is refused by the macro service
		if in.Shared {
			return nil, fault.Forbidden("only admins share canned responses")
		}
	}
	m, err := s.Macros.Update(ctx, a, id, mi)
	if err != nil {
		return nil, err
	}
	return of(m), nil
}

// Delete removes a response its actor may edit.
func (s *Service) Delete(ctx context.Context, a *user.Actor, id int64) error {
	if _, err := s.Get(ctx, a, id); err != nil {
		return err
	}
	return s.Macros.Delete(ctx, a, id)
}

// Get returns a response the actor may use: a macro with only a reply.
func (s *Service) Get(ctx context.Context, a *user.Actor, id int64) (*Response, error) {
	m, err := s.Macros.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !responseOnly(m) || m.OwnerID != 0 && m.OwnerID != a.PersonID() {
		return nil, fmt.Errorf("canned response %d: %w", id, fault.ErrNotFound)
	}
	return of(m), nil
}

// List returns the shared responses and the actor's own, by name.
func (s *Service) List(ctx context.Context, a *user.Actor) ([]*Response, error) {
	ms, err := s.Macros.Usable(ctx, a)
	if err != nil {
		return nil, err
	}
	out := []*Response{}
	for _, m := range ms {
		if responseOnly(m) {
			out = append(out, of(m))
		}
	}
	return out, nil
}
