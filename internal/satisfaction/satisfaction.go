// Package satisfaction keeps the requesters' satisfaction ratings: after
// resolution a ticket's requester rates the help (good/bad or 1–5, as an
// admin sets), with an optional comment; one rating per ticket, which the
// requester may change for 7 days. A rating writes the
// satisfaction.received domain event (webhooks and triggers take it) and a
// history entry. Resolution mails carry one link per score; the links are
// signed per ticket and requester (see Token), so nobody can guess them.
package satisfaction

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/secret"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

//go:embed queries.sql
var queryFiles embed.FS

// Scale is how requesters rate.
type Scale string

// The scales.
const (
	GoodBad Scale = "good_bad" // 👍 good or 👎 bad
	Five    Scale = "five"     // 1 (very dissatisfied) to 5 (very satisfied)
)

// Scales are the scales an admin may choose, in the settings' order.
var Scales = []Scale{GoodBad, Five}

// Score is one value of a scale: its Value in links, forms and the API,
// and its Label as people read it.
type Score struct {
	Value, Label string
	Sentiment    int // 1 positive, 0 neutral, -1 negative: what CSAT counts
}

// SentimentName names a sentiment as the API and events do: positive,
// neutral or negative.
func SentimentName(n int) string {
	switch {
	case n > 0:
		return "positive"
	case n < 0:
		return "negative"
	}
	return "neutral"
}

// Scores are the scale's values, best first.
func (s Scale) Scores() []Score {
	if s == Five {
		return []Score{{"5", "5 – Very satisfied", 1}, {"4", "4 – Satisfied", 1}, {"3", "3 – Neutral", 0},
			{"2", "2 – Dissatisfied", -1}, {"1", "1 – Very dissatisfied", -1}}
	}
	return []Score{{"good", "Good, I'm satisfied", 1}, {"bad", "Bad, I'm unsatisfied", -1}}
}

// Score looks value up on the scale.
func (s Scale) Score(value string) (Score, bool) {
	i := slices.IndexFunc(s.Scores(), func(sc Score) bool { return sc.Value == value })
	if i < 0 {
		return Score{}, false
	}
	return s.Scores()[i], true
}

// Label is the scale as the settings page names it.
func (s Scale) Label() string {
	if s == Five {
		return "1 to 5"
	}
	return "Good or bad"
}

// Settings are what an admin sets: whether requesters are asked to rate,
// and on which scale.
type Settings struct {
	Enabled bool  `json:"enabled"`
	Scale   Scale `json:"scale"`
}

// DefaultSettings are the settings before an admin changed any: requesters
// rate good or bad.
var DefaultSettings = Settings{Enabled: true, Scale: GoodBad}

// EventSettingsUpdated is the kind of the event an admin's change of the
// settings writes (the audit log shows it).
const EventSettingsUpdated = "settings.satisfaction_updated"

const settingsKey = "satisfaction"

// ChangeWindow is how long after the first rating the requester may
// change it.
const ChangeWindow = 7 * 24 * time.Hour

// MaxComment bounds a comment, in characters.
const MaxComment = 4000

// Service stores ratings and the settings.
type Service struct {
	db      *db.DB
	q       *db.Queries
	events  *event.Log
	tickets *ticket.Service
	users   *user.Service
	box     *secret.Box
}

// New returns a Service; box signs the rating links.
func New(d *db.DB, events *event.Log, tickets *ticket.Service, users *user.Service, box *secret.Box) (*Service, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.Dialect)
	if err != nil {
		return nil, err
	}
	return &Service{db: d, q: q, events: events, tickets: tickets, users: users, box: box}, nil
}

// Queries exposes the named queries for start-up checks.
func (s *Service) Queries() *db.Queries { return s.q }

// Settings returns the settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) { return s.settings(ctx, s.db.R) }

func (s *Service) settings(ctx context.Context, q db.Queryer) (Settings, error) {
	set := DefaultSettings
	var v string
	err := q.QueryRowContext(ctx, s.q.Get("select-setting"), settingsKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return set, nil
	} else if err != nil {
		return set, fmt.Errorf("satisfaction: settings: %w", err)
	}
	if err := json.Unmarshal([]byte(v), &set); err != nil {
		return set, fmt.Errorf("satisfaction: settings: %w", err)
	}
	return set, nil
}

// SetSettings stores new settings (admins only), recording what changed.
func (s *Service) SetSettings(ctx context.Context, a *user.Actor, set Settings) (Settings, error) {
	if !a.IsAdmin() {
		return set, fmt.Errorf("satisfaction: settings: %w", fault.Forbidden("only admins change the satisfaction settings"))
	}
	if !slices.Contains(Scales, set.Scale) {
		return set, fmt.Errorf("satisfaction: settings: %w", fault.Field("scale", "must be good_bad or five"))
	}
	b, _ := json.Marshal(set)
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		before, err := s.settings(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("put-setting"), settingsKey, string(b), db.Now()); err != nil {
			return err
		}
		c := event.Changes{}
		c.Note("enabled", before.Enabled, set.Enabled)
		c.Note("scale", before.Scale, set.Scale)
		if len(c) == 0 {
			return nil
		}
		_, err = s.events.Append(ctx, tx, EventSettingsUpdated, a.EventActor(), "settings", 0, 0, map[string]any{"changes": c})
		return err
	})
	if err != nil {
		return set, fmt.Errorf("satisfaction: settings: %w", err)
	}
	return set, nil
}
