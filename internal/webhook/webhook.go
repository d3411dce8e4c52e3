// Package webhook sends Docket's domain events to HTTP endpoints that
// admins register: each matching event becomes a delivery, queued in the
// event consumer's transaction and sent by a job, signed with the
// webhook's secret, in order per ticket, at least once, retried with
// exponential backoff for a retry window (24 hours), after which the
// webhook is disabled and admins are told. Secrets are sealed with the
// instance's key and write-only. See guard.go for the addresses webhooks
// never reach.
package webhook

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/secret"
	"github.com/docket/docket/internal/user"
)

//go:embed queries*.sql
var queryFiles embed.FS

// Webhook is one registered endpoint. The secret is never returned:
// HasSecret says one is set.
type Webhook struct {
	ID     int64
	URL    string
	Events []string
	// HasSecret is true once a secret is set (always, after creation).
	HasSecret bool
	Enabled   bool
	// AllowPrivateHost is an admin's explicit permission for the URL's
	// host to be on a loopback, private or link-local address.
	AllowPrivateHost bool
	CreatedBy        int64
	CreatedByEmail   string
	// DisabledReason says why Docket disabled the webhook ("" when enabled
	// or disabled by an admin).
	DisabledReason string
	DisabledAt     *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time

	secret string // sealed
}

// Input creates or changes a webhook; nil fields are kept.
type Input struct {
	URL    *string
	Events *[]string
	// Secret replaces the signing secret; it is required on creation.
	Secret           *string
	Enabled          *bool
	AllowPrivateHost *bool
}

// Options tune deliveries; zero values take the defaults.
type Options struct {
	// RetryWindow is how long a failing delivery is retried before the
	// webhook is disabled (24 h).
	RetryWindow time.Duration
	// FirstRetry is the delay before the first retry (10 s), doubled for
	// each further one up to MaxBackoff (1 h).
	FirstRetry time.Duration
	MaxBackoff time.Duration
	// Timeout bounds one delivery: connecting, sending and the answer (10 s).
	Timeout time.Duration
	// Lookup resolves a host when a webhook is saved (net.DefaultResolver).
	// Deliveries always dial through the system resolver and check the
	// address dialled.
	Lookup func(ctx context.Context, host string) ([]netip.Addr, error)
}

func (o Options) withDefaults() Options {
	if o.RetryWindow <= 0 {
		o.RetryWindow = 24 * time.Hour
	}
	if o.FirstRetry <= 0 {
		o.FirstRetry = 10 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Lookup == nil {
		o.Lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	return o
}

// Deps are what the service needs. Mailboxes and Outbox send the notice of
// a disabled webhook to admins (when a mailbox can send); BaseURL links it.
type Deps struct {
	DB        *db.DB
	Secrets   *secret.Box
	Events    *event.Log
	Jobs      *job.Queue
	Mailboxes *mailbox.Service
	Outbox    *outbox.Store
	BaseURL   string
	Log       *slog.Logger
}

// Service stores webhooks and delivers events to them.
type Service struct {
	Deps
	q      *db.Queries
	opts   Options
	strict *http.Client // for hosts that must be public
	open   *http.Client // for hosts an admin allowed to be private
}

// New returns the service with default options.
func New(d Deps) (*Service, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.DB.Dialect)
	if err != nil {
		return nil, err
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	d.Log = d.Log.With("component", "webhooks")
	s := &Service{Deps: d, q: q}
	s.Configure(Options{})
	return s, nil
}

// Configure sets the options; call it before the job runner starts.
func (s *Service) Configure(o Options) {
	s.opts = o.withDefaults()
	s.strict = newClient(false, s.opts.Timeout)
	s.open = newClient(true, s.opts.Timeout)
}

// Queries exposes the named queries for start-up checks.
func (s *Service) Queries() *db.Queries { return s.q }

func requireAdmin(a *user.Actor) error {
	if !a.IsAdmin() {
		return fault.Forbidden("only admins manage webhooks")
	}
	return nil
}

func scanWebhook(sc db.Scanner) (*Webhook, error) {
	var w Webhook
	var events string
	var disabled sql.NullInt64
	var created, updated int64
	if err := sc.Scan(&w.ID, &w.URL, &events, &w.secret, &w.Enabled, &w.AllowPrivateHost, &w.CreatedBy,
		&w.CreatedByEmail, &w.DisabledReason, &disabled, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(events), &w.Events); err != nil {
		return nil, fmt.Errorf("webhook %d: events: %w", w.ID, err)
	}
	w.HasSecret = w.secret != ""
	w.DisabledAt = db.NullTime(disabled)
	w.CreatedAt, w.UpdatedAt = db.Time(created), db.Time(updated)
	return &w, nil
}

func (s *Service) get(ctx context.Context, q db.Queryer, id int64) (*Webhook, error) {
	w, err := scanWebhook(q.QueryRowContext(ctx, s.q.Get("get-webhook"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("webhook %d: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("webhook %d: %w", id, err)
	}
	return w, nil
}

// Get returns one webhook (admins only).
func (s *Service) Get(ctx context.Context, a *user.Actor, id int64) (*Webhook, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	return s.get(ctx, s.DB.R, id)
}

// List returns every webhook, oldest first (admins only).
func (s *Service) List(ctx context.Context, a *user.Actor) ([]*Webhook, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	rows, err := s.DB.R.QueryContext(ctx, s.q.Get("list-webhooks"))
	if err != nil {
		return nil, fmt.Errorf("webhook: list: %w", err)
	}
	return db.Collect(rows, scanWebhook)
}

// minSecret is the shortest secret accepted: the signature is only as
// strong as the secret.
const minSecret = 16

// validate applies in to w and reports every invalid field.
func (s *Service) validate(ctx context.Context, w *Webhook, in Input, creating bool) error {
	inv := &fault.Invalid{}
	if in.AllowPrivateHost != nil {
		w.AllowPrivateHost = *in.AllowPrivateHost
	}
	if in.URL != nil || creating || in.AllowPrivateHost != nil {
		raw := w.URL
		if in.URL != nil {
			raw = *in.URL
		}
		u, err := checkURL(ctx, s.opts.Lookup, raw, w.AllowPrivateHost)
		if err != nil {
			inv.Add("url", "%s", err.Error())
		}
		w.URL = u
	}
	if in.Events != nil {
		w.Events = normalizeEvents(inv, *in.Events)
	} else if creating {
		inv.Add("events", "is required: a list of event kinds, or [\"*\"] for all")
	}
	if in.Secret != nil {
		sec := *in.Secret
		switch {
		case utf8.RuneCountInString(sec) < minSecret:
			inv.Add("secret", "must be at least %d characters (a long random string)", minSecret)
		case len(sec) > 500:
			inv.Add("secret", "must be at most 500 characters")
		default:
			sealed, err := s.Secrets.Seal(sec)
			if err != nil {
				return err
			}
			w.secret, w.HasSecret = sealed, true
		}
	} else if creating {
		inv.Add("secret", "is required: it signs every delivery")
	}
	if in.Enabled != nil {
		if *in.Enabled && !w.Enabled {
			w.DisabledReason, w.DisabledAt = "", nil
		}
		w.Enabled = *in.Enabled
	}
	return inv.Err()
}

// normalizeEvents checks a list of event kinds: known kinds or "*", at
// least one, each once, sorted (with "*" alone).
func normalizeEvents(inv *fault.Invalid, kinds []string) []string {
	if len(kinds) == 0 {
		inv.Add("events", "must name at least one event kind, or \"*\" for all")
		return nil
	}
	var out []string
	for i, k := range kinds {
		k = strings.TrimSpace(k)
		switch {
		case k == All:
			return []string{All}
		case !slices.Contains(Kinds, k):
			inv.Add(fmt.Sprintf("events[%d]", i), "unknown event kind %q (known: %s, or \"*\")", k, strings.Join(Kinds, ", "))
		case !slices.Contains(out, k):
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// fields are a webhook's settings as its events show them: never the
// secret, only whether it changed.
func fields(w *Webhook) map[string]any {
	return map[string]any{"url": w.URL, "events": w.Events, "enabled": w.Enabled, "allow_private_host": w.AllowPrivateHost}
}

func (s *Service) record(ctx context.Context, tx *db.Tx, actor event.Actor, kind string, id int64, payload any) error {
	_, err := s.Events.Append(ctx, tx, kind, actor, "webhook", id, 0, payload)
	return err
}

// Create registers a webhook (admins only).
func (s *Service) Create(ctx context.Context, a *user.Actor, in Input) (*Webhook, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	w := &Webhook{Enabled: true}
	if err := s.validate(ctx, w, in, true); err != nil {
		return nil, fmt.Errorf("webhook: create: %w", err)
	}
	events, _ := json.Marshal(w.Events)
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var by any
		if p := a.PersonID(); p != 0 {
			by = p
		}
		if err := tx.QueryRowContext(ctx, s.q.Get("insert-webhook"), w.URL, string(events), w.secret, w.Enabled,
			w.AllowPrivateHost, by, db.Now()).Scan(&id); err != nil {
			return err
		}
		p := fields(w)
		p["secret_changed"] = true
		return s.record(ctx, tx, a.EventActor(), EventCreated, id, p)
	})
	if err != nil {
		return nil, fmt.Errorf("webhook: create: %w", err)
	}
	return s.get(ctx, s.DB.R, id)
}

// Update changes a webhook (admins only). Enabling a disabled webhook
// resumes its waiting deliveries.
func (s *Service) Update(ctx context.Context, a *user.Actor, id int64, in Input) (*Webhook, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	before, err := s.get(ctx, s.DB.R, id)
	if err != nil {
		return nil, err
	}
	w := *before
	if err := s.validate(ctx, &w, in, false); err != nil {
		return nil, fmt.Errorf("webhook: update %d: %w", id, err)
	}
	events, _ := json.Marshal(w.Events)
	err = s.DB.WithTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q.Get("lock-webhook"), id); err != nil {
			return err
		}
		cur, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if !cur.UpdatedAt.Equal(before.UpdatedAt) {
			return fault.Conflict("the webhook changed while this change was checked; load it again")
		}
		var disabledAt any
		if w.DisabledAt != nil {
			disabledAt = w.DisabledAt.UnixMicro()
		}
		res, err := tx.ExecContext(ctx, s.q.Get("update-webhook"), id, w.URL, string(events), w.secret, w.Enabled,
			w.AllowPrivateHost, w.DisabledReason, disabledAt, db.Now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("webhook %d: %w", id, fault.ErrNotFound)
		}
		if w.Enabled && !before.Enabled {
			if err := s.resume(ctx, tx, id); err != nil {
				return err
			}
		}
		c := event.Changes{}
		was := fields(before)
		for k, v := range fields(&w) {
			c.Note(k, was[k], v)
		}
		secretChanged := w.secret != before.secret
		if len(c) == 0 && !secretChanged {
			return nil
		}
		p := map[string]any{"url": w.URL, "changes": c}
		if secretChanged {
			p["secret_changed"] = true
		}
		return s.record(ctx, tx, a.EventActor(), EventUpdated, id, p)
	})
	if err != nil {
		return nil, fmt.Errorf("webhook: update %d: %w", id, err)
	}
	return s.get(ctx, s.DB.R, id)
}

// Delete removes a webhook and its delivery log (admins only).
func (s *Service) Delete(ctx context.Context, a *user.Actor, id int64) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		w, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("delete-webhook"), id); err != nil {
			return err
		}
		return s.record(ctx, tx, a.EventActor(), EventDeleted, id, map[string]any{"url": w.URL})
	})
}
