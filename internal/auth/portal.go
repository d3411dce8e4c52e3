package auth

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// SignUpPolicy says who may create a requester account in the portal.
type SignUpPolicy string

// The sign-up policies.
const (
	SignUpClosed  SignUpPolicy = "closed"  // invited only: accounts come from email or admins
	SignUpOpen    SignUpPolicy = "open"    // anyone
	SignUpDomains SignUpPolicy = "domains" // addresses at the listed domains
)

// PortalSettings are the requester portal's settings, set by admins.
type PortalSettings struct {
	// Root makes the portal the site root for requesters and for visitors
	// who are not signed in (agents still get the workspace at /).
	Root    bool         `json:"root"`
	SignUp  SignUpPolicy `json:"signup"`
	Domains []string     `json:"domains"`
	// ReopenDays is how long after resolution a requester may reopen a
	// ticket; later, they open a follow-up instead.
	ReopenDays int `json:"reopen_days"`
}

// DefaultPortalSettings are the settings before an admin changed any.
var DefaultPortalSettings = PortalSettings{SignUp: SignUpClosed, Domains: []string{}, ReopenDays: 7}

// EventPortalSettingsUpdated is the kind of the event an admin's change of
// the portal settings writes (the audit log shows it).
const EventPortalSettingsUpdated = "settings.portal_updated"

const portalSettingsKey = "portal"

// PortalSettings returns the portal's settings.
func (s *Service) PortalSettings(ctx context.Context) (PortalSettings, error) {
	return s.portalSettings(ctx, s.db.R)
}

func (s *Service) portalSettings(ctx context.Context, q db.Queryer) (PortalSettings, error) {
	p := DefaultPortalSettings
	var v string
	err := q.QueryRowContext(ctx, s.q.Get("select-setting"), portalSettingsKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	} else if err != nil {
		return p, fmt.Errorf("auth: portal settings: %w", err)
	}
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return p, fmt.Errorf("auth: portal settings: %w", err)
	}
	return p, nil
}

// SetPortalSettings stores new portal settings (admins only), recording
// what changed.
func (s *Service) SetPortalSettings(ctx context.Context, a *user.Actor, p PortalSettings) (PortalSettings, error) {
	if !a.IsAdmin() {
		return p, fmt.Errorf("auth: portal settings: %w", fault.Forbidden("only admins change the portal settings"))
	}
	inv := &fault.Invalid{}
	switch p.SignUp {
	case SignUpClosed, SignUpOpen, SignUpDomains:
	default:
		inv.Add("signup", "must be closed, open or domains")
	}
	var domains []string
	for _, d := range p.Domains {
		d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
		if d == "" || slices.Contains(domains, d) {
			continue
		}
		if len(d) > 253 || !strings.Contains(d, ".") || strings.ContainsAny(d, " @/\\,;") {
			inv.Add("domains", "%q is not a domain name", d)
		}
		domains = append(domains, d)
	}
	if domains == nil {
		domains = []string{}
	}
	p.Domains = domains
	if p.SignUp == SignUpDomains && len(domains) == 0 {
		inv.Add("domains", "name at least one domain to limit sign-up to")
	}
	if p.ReopenDays < 0 || p.ReopenDays > 365 {
		inv.Add("reopen_days", "must be 0 to 365")
	}
	if err := inv.Err(); err != nil {
		return p, fmt.Errorf("auth: portal settings: %w", err)
	}
	b, _ := json.Marshal(p)
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		before, err := s.portalSettings(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("put-setting"), portalSettingsKey, string(b), db.Now()); err != nil {
			return err
		}
		c := event.Changes{}
		c.Note("root", before.Root, p.Root)
		c.Note("signup", before.SignUp, p.SignUp)
		c.Note("domains", strings.Join(before.Domains, " "), strings.Join(p.Domains, " "))
		c.Note("reopen_days", before.ReopenDays, p.ReopenDays)
		if len(c) == 0 {
			return nil
		}
		_, err = s.events.Append(ctx, tx, EventPortalSettingsUpdated, a.EventActor(), "settings", 0, 0, map[string]any{"changes": c})
		return err
	})
	if err != nil {
		return p, fmt.Errorf("auth: portal settings: %w", err)
	}
	return p, nil
}

// SignUpAllowed reports whether the policy lets email sign up, with the
// field error to show when it does not.
func (p PortalSettings) SignUpAllowed(email string) error {
	switch p.SignUp {
	case SignUpOpen:
		return nil
	case SignUpDomains:
		at := strings.LastIndexByte(email, '@')
		if at > 0 && slices.Contains(p.Domains, strings.ToLower(email[at+1:])) {
			return nil
		}
		return fault.Field("email", "sign-up is open to addresses at %s only", strings.Join(p.Domains, ", "))
	}
	return fault.Forbidden("sign-up is closed: accounts are by invitation")
}
