package user

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
)

func scanOrg(row db.Scanner) (*Organization, error) {
	var o Organization
	var c, u int64
	if err := row.Scan(&o.ID, &o.Name, &o.Domain, &o.SharedTickets, &c, &u); err != nil {
		return nil, err
	}
	o.CreatedAt, o.UpdatedAt = db.Time(c), db.Time(u)
	return &o, nil
}

// OrganizationInput is the input to Create/UpdateOrganization; nil is kept.
type OrganizationInput struct {
	Name          *string
	Domain        *string
	SharedTickets *bool
}

func checkDomain(inv *fault.Invalid, d string) string {
	d = strings.ToLower(strings.TrimSpace(d))
	if d == "" {
		return ""
	}
	if len(d) > 253 || strings.ContainsAny(d, " @/\\") || !strings.Contains(d, ".") {
		inv.Add("domain", "is not a valid domain name")
	}
	return d
}

// CreateOrganization adds an organization (admins only).
func (s *Service) CreateOrganization(ctx context.Context, actor *Actor, in OrganizationInput) (*Organization, error) {
	if err := requireAdmin(actor, "create organization"); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		inv := &fault.Invalid{}
		var name, domain string
		if in.Name != nil {
			name = *in.Name
		}
		if in.Domain != nil {
			domain = *in.Domain
		}
		name = checkText(inv, "name", name, MaxName, true)
		domain = checkDomain(inv, domain)
		if err := inv.Err(); err != nil {
			return err
		}
		if _, err := s.orgByName(ctx, tx, name); err == nil {
			return fault.Field("name", "an organization with this name already exists")
		}
		shared := in.SharedTickets != nil && *in.SharedTickets
		if err := tx.QueryRowContext(ctx, s.q.Get("insert-organization"), name, domain, shared, db.Now()).Scan(&id); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, EventOrganizationCreated, "organization", id,
			map[string]any{"name": name, "domain": domain, "shared_tickets": shared})
	})
	if err != nil {
		if db.IsUniqueViolation(err) {
			err = fault.Field("name", "an organization with this name already exists") // lost a race with a concurrent create
		}
		return nil, fmt.Errorf("user: create organization: %w", err)
	}
	return s.Organization(ctx, id)
}

// UpdateOrganization changes an organization (admins only).
func (s *Service) UpdateOrganization(ctx context.Context, actor *Actor, id int64, in OrganizationInput) (*Organization, error) {
	if err := requireAdmin(actor, "update organization"); err != nil {
		return nil, err
	}
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		o, err := scanOrg(tx.QueryRowContext(ctx, s.q.Get("select-organization"), id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("organization %d: %w", id, fault.ErrNotFound)
		} else if err != nil {
			return err
		}
		before := *o
		inv := &fault.Invalid{}
		if in.Name != nil {
			o.Name = checkText(inv, "name", *in.Name, MaxName, true)
			if other, err := s.orgByName(ctx, tx, o.Name); err == nil && other.ID != id {
				inv.Add("name", "an organization with this name already exists")
			}
		}
		if in.Domain != nil {
			o.Domain = checkDomain(inv, *in.Domain)
		}
		if in.SharedTickets != nil {
			o.SharedTickets = *in.SharedTickets
		}
		if err := inv.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("update-organization"), id, o.Name, o.Domain, o.SharedTickets, db.Now()); err != nil {
			return err
		}
		c := event.Changes{}
		c.Note("name", before.Name, o.Name)
		c.Note("domain", before.Domain, o.Domain)
		c.Note("shared_tickets", before.SharedTickets, o.SharedTickets)
		if len(c) == 0 {
			return nil
		}
		return s.record(ctx, tx, actor, EventOrganizationUpdated, "organization", id, map[string]any{"name": o.Name, "changes": c})
	})
	if err != nil {
		if db.IsUniqueViolation(err) {
			err = fault.Field("name", "an organization with this name already exists") // lost a race with a concurrent create
		}
		return nil, fmt.Errorf("user: update organization %d: %w", id, err)
	}
	return s.Organization(ctx, id)
}

// Organization returns one organization.
func (s *Service) Organization(ctx context.Context, id int64) (*Organization, error) {
	o, err := scanOrg(s.db.R.QueryRowContext(ctx, s.q.Get("select-organization"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("organization %d: %w", id, fault.ErrNotFound)
	}
	return o, err
}

// OrganizationByName returns one organization by name.
func (s *Service) OrganizationByName(ctx context.Context, q db.Queryer, name string) (*Organization, error) {
	return s.orgByName(ctx, q, name)
}

func (s *Service) orgByName(ctx context.Context, q db.Queryer, name string) (*Organization, error) {
	o, err := scanOrg(q.QueryRowContext(ctx, s.q.Get("select-organization-by-name"), strings.TrimSpace(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("organization %q: %w", name, fault.ErrNotFound)
	}
	return o, err
}

// Organizations lists organizations by id after the keyset cursor.
func (s *Service) Organizations(ctx context.Context, after int64, limit int) ([]*Organization, error) {
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("list-organizations"), after, limit)
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, scanOrg)
}
