// Package webform owns the embeddable web forms: pages at /form/{uid},
// pasted into any site with a snippet, where anyone opens a ticket with
// their name and email. An admin sets each form's heading, introduction,
// ticket type, category (whose requester fields the form shows), team and
// the sites allowed to embed it. Submissions are filed by the form itself
// as the actor (history: Web form ‘Name’), for the requester they name.
package webform

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/secret"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// Events an admin's changes write (the audit log shows them).
const (
	EventCreated = "web_form.created"
	EventUpdated = "web_form.updated"
	EventDeleted = "web_form.deleted"
)

// Limits of a form's settings.
const (
	MaxName    = 100
	MaxIntro   = 4000
	MaxOrigins = 20
)

// Form is a web form.
type Form struct {
	ID          int64       `json:"id"`
	UID         string      `json:"uid"`
	Name        string      `json:"name"`
	Title       string      `json:"title"`
	Intro       string      `json:"intro"`
	Type        ticket.Type `json:"type"`
	Category    *string     `json:"category"`
	Team        *string     `json:"team"`
	Origins     []string    `json:"origins"`
	Enabled     bool        `json:"enabled"`
	Submissions int64       `json:"submissions"`
	Spam        int64       `json:"spam"`
	URL         string      `json:"url"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`

	categoryID, teamID int64
}

// Actor is the form as the actor of the tickets it opens.
func (f *Form) Actor() *user.Actor {
	return user.System(event.ActorSystem, f.ID, "Web form ‘"+f.Name+"’")
}

// Input creates or changes a form; nil fields keep their value (or get
// the default on create).
type Input struct {
	Name     *string      `json:"name"`
	Title    *string      `json:"title"`
	Intro    *string      `json:"intro"`
	Type     *ticket.Type `json:"type"`
	Category *string      `json:"category"`
	Team     *string      `json:"team"`
	Origins  *[]string    `json:"origins"`
	Enabled  *bool        `json:"enabled"`
}

// Service stores the forms.
type Service struct {
	db      *db.DB
	events  *event.Log
	tickets *ticket.Service
	users   *user.Service
	box     *secret.Box
	baseURL string
	now     func() time.Time
}

// New returns the forms' service.
// box seals the time a visitor opened a form (StartToken).
func New(d *db.DB, events *event.Log, tickets *ticket.Service, users *user.Service, box *secret.Box, baseURL string) *Service {
	return &Service{db: d, events: events, tickets: tickets, users: users, box: box, baseURL: strings.TrimRight(baseURL, "/"), now: time.Now}
}

const columns = `f.id, f.uid, f.name, f.title, f.intro, f.type, f.category_id, c.name, f.team_id, t.name, f.origins,
	f.enabled, f.submissions, f.spam, f.created_at, f.updated_at`

const from = ` FROM web_forms f LEFT JOIN categories c ON c.id = f.category_id LEFT JOIN teams t ON t.id = f.team_id`

func (s *Service) scan(row interface{ Scan(...any) error }) (*Form, error) {
	f := &Form{}
	var cat, team sql.NullInt64
	var catName, teamName sql.NullString
	var origins string
	var created, updated int64
	if err := row.Scan(&f.ID, &f.UID, &f.Name, &f.Title, &f.Intro, &f.Type, &cat, &catName, &team, &teamName, &origins,
		&f.Enabled, &f.Submissions, &f.Spam, &created, &updated); err != nil {
		return nil, err
	}
	f.categoryID, f.teamID = cat.Int64, team.Int64
	if catName.Valid {
		f.Category = &catName.String
	}
	if teamName.Valid {
		f.Team = &teamName.String
	}
	f.Origins = strings.Fields(origins)
	if f.Origins == nil {
		f.Origins = []string{}
	}
	f.CreatedAt, f.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	f.URL = s.baseURL + "/form/" + f.UID
	return f, nil
}

func (s *Service) one(ctx context.Context, q db.Queryer, where string, arg any) (*Form, error) {
	f, err := s.scan(q.QueryRowContext(ctx, s.db.Rebind(`SELECT `+columns+from+` WHERE `+where), arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("web form: %w", fault.ErrNotFound)
	}
	return f, err
}

func agentsOnly(a *user.Actor) error {
	if !a.IsAgent() {
		return fmt.Errorf("web form: %w", fault.ErrNotFound)
	}
	return nil
}

func adminsOnly(a *user.Actor) error {
	if !a.IsAdmin() {
		return fmt.Errorf("web form: %w", fault.Forbidden("only admins manage web forms"))
	}
	return nil
}

// Get returns a form (agents).
func (s *Service) Get(ctx context.Context, a *user.Actor, id int64) (*Form, error) {
	if err := agentsOnly(a); err != nil {
		return nil, err
	}
	return s.one(ctx, s.db.R, `f.id = $1`, id)
}

// Public returns the enabled form with this uid, for anyone.
func (s *Service) Public(ctx context.Context, uid string) (*Form, error) {
	if uid == "" || len(uid) > 64 {
		return nil, fmt.Errorf("web form: %w", fault.ErrNotFound)
	}
	f, err := s.one(ctx, s.db.R, `f.uid = $1`, uid)
	if err != nil {
		return nil, err
	}
	if !f.Enabled {
		return nil, fmt.Errorf("web form: disabled: %w", fault.ErrNotFound)
	}
	return f, nil
}

// List returns the forms by id after the keyset cursor (agents).
func (s *Service) List(ctx context.Context, a *user.Actor, after int64, limit int) ([]*Form, error) {
	if err := agentsOnly(a); err != nil {
		return nil, err
	}
	rows, err := s.db.R.QueryContext(ctx, s.db.Rebind(`SELECT `+columns+from+` WHERE f.id > $1 ORDER BY f.id LIMIT $2`), after, limit)
	if err != nil {
		return nil, fmt.Errorf("web form: list: %w", err)
	}
	return db.Collect(rows, s.scan)
}

func newUID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("webform: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Create adds a form (admins).
func (s *Service) Create(ctx context.Context, a *user.Actor, in Input) (*Form, error) {
	if err := adminsOnly(a); err != nil {
		return nil, err
	}
	f := &Form{Type: ticket.Request, Enabled: true, Origins: []string{}}
	if in.Name == nil {
		in.Name = new(string) // reported as missing
	}
	var id int64
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		if err := s.apply(ctx, tx, f, in); err != nil {
			return err
		}
		if f.Title == "" {
			f.Title = f.Name
		}
		now := db.Now()
		if err := tx.QueryRowContext(ctx, s.db.Rebind(`INSERT INTO web_forms (uid, name, title, intro, type, category_id,
			team_id, origins, enabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`),
			newUID(), f.Name, f.Title, f.Intro, string(f.Type), nullID(f.categoryID), nullID(f.teamID),
			strings.Join(f.Origins, " "), f.Enabled, now).Scan(&id); err != nil {
			return err
		}
		_, err := s.events.Append(ctx, tx, EventCreated, a.EventActor(), "web_form", id, 0, map[string]any{"name": f.Name})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("web form: create: %w", err)
	}
	return s.one(ctx, s.db.R, `f.id = $1`, id)
}

// Update changes a form (admins).
func (s *Service) Update(ctx context.Context, a *user.Actor, id int64, in Input) (*Form, error) {
	if err := adminsOnly(a); err != nil {
		return nil, err
	}
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		f, err := s.one(ctx, tx, `f.id = $1`, id)
		if err != nil {
			return err
		}
		before := *f
		if err := s.apply(ctx, tx, f, in); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE web_forms SET name = $2, title = $3, intro = $4, type = $5,
			category_id = $6, team_id = $7, origins = $8, enabled = $9, updated_at = $10 WHERE id = $1`), id, f.Name, f.Title,
			f.Intro, string(f.Type), nullID(f.categoryID), nullID(f.teamID), strings.Join(f.Origins, " "), f.Enabled, db.Now()); err != nil {
			return err
		}
		c := event.Changes{}
		c.Note("name", before.Name, f.Name)
		c.Note("title", before.Title, f.Title)
		c.Note("type", string(before.Type), string(f.Type))
		c.Note("category", before.categoryID, f.categoryID)
		c.Note("team", before.teamID, f.teamID)
		c.Note("origins", strings.Join(before.Origins, " "), strings.Join(f.Origins, " "))
		c.Note("enabled", before.Enabled, f.Enabled)
		if before.Intro != f.Intro {
			c.Note("intro", "(before)", "(changed)")
		}
		if len(c) == 0 {
			return nil
		}
		_, err = s.events.Append(ctx, tx, EventUpdated, a.EventActor(), "web_form", id, 0, map[string]any{"changes": c})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("web form: update: %w", err)
	}
	return s.one(ctx, s.db.R, `f.id = $1`, id)
}

// Delete removes a form (admins); its page answers 404 from then on, and
// the tickets it opened stay.
func (s *Service) Delete(ctx context.Context, a *user.Actor, id int64) error {
	if err := adminsOnly(a); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *db.Tx) error {
		f, err := s.one(ctx, tx, `f.id = $1`, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.db.Rebind(`DELETE FROM web_forms WHERE id = $1`), id); err != nil {
			return fmt.Errorf("web form: delete: %w", err)
		}
		_, err = s.events.Append(ctx, tx, EventDeleted, a.EventActor(), "web_form", id, 0, map[string]any{"name": f.Name})
		return err
	})
}

// apply checks in and applies it to f; nothing is applied on error.
func (s *Service) apply(ctx context.Context, tx *db.Tx, f *Form, in Input) error {
	inv := &fault.Invalid{}
	g := *f
	if in.Name != nil {
		g.Name = strings.TrimSpace(*in.Name)
		if g.Name == "" {
			inv.Add("name", "is required")
		} else if utf8.RuneCountInString(g.Name) > MaxName {
			inv.Add("name", "at most %d characters", MaxName)
		}
	}
	if in.Title != nil {
		g.Title = strings.TrimSpace(*in.Title)
		if utf8.RuneCountInString(g.Title) > MaxName {
			inv.Add("title", "at most %d characters", MaxName)
		}
		if g.Title == "" {
			g.Title = g.Name
		}
	}
	if in.Intro != nil {
		g.Intro = strings.TrimSpace(*in.Intro)
		if utf8.RuneCountInString(g.Intro) > MaxIntro {
			inv.Add("intro", "at most %d characters", MaxIntro)
		}
	}
	if in.Type != nil {
		g.Type = *in.Type
		if !g.Type.Valid() {
			inv.Add("type", "must be one of incident, request, problem, change")
		}
	}
	if in.Category != nil {
		g.categoryID = 0
		if name := strings.TrimSpace(*in.Category); name != "" {
			id, err := s.tickets.CategoryID(ctx, tx, name)
			if errors.Is(err, fault.ErrNotFound) {
				inv.Add("category", "no category %q", name)
			} else if err != nil {
				return err
			}
			g.categoryID = id
		}
	}
	if in.Team != nil {
		g.teamID = 0
		if name := strings.TrimSpace(*in.Team); name != "" {
			t, err := s.users.TeamByName(ctx, tx, name)
			if errors.Is(err, fault.ErrNotFound) {
				inv.Add("team", "no team %q", name)
			} else if err != nil {
				return err
			}
			if t != nil {
				g.teamID = t.ID
			}
		}
	}
	if in.Origins != nil {
		g.Origins = []string{}
		if len(*in.Origins) > MaxOrigins {
			inv.Add("origins", "at most %d sites", MaxOrigins)
		}
		for i, o := range *in.Origins {
			o = strings.TrimSpace(o)
			if o == "" {
				continue
			}
			norm, ok := origin(o)
			if !ok {
				inv.Add(fmt.Sprintf("origins[%d]", i), "%q is not a site address like https://www.example.com", o)
				continue
			}
			g.Origins = append(g.Origins, norm)
		}
	}
	if in.Enabled != nil {
		g.Enabled = *in.Enabled
	}
	if err := inv.Err(); err != nil {
		return err
	}
	*f = g
	return nil
}

// origin normalises a site address to a CSP source: scheme, host and
// port, nothing else.
func origin(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" ||
		strings.ContainsAny(u.Host, " ;,'\"*") {
		return "", false
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), true
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
