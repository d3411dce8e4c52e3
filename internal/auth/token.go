// Package auth authenticates callers: API tokens today, browser sessions
// with the agent workspace. Tokens are random secrets stored only as
// SHA-256 hashes, shown once, revocable, with their last-used time.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/secret"
	"github.com/docket/docket/internal/user"
)

//go:embed queries.sql
var queryFiles embed.FS

// TokenPrefix starts every API token, so leaked tokens are easy to spot.
const TokenPrefix = "dkt_"

// The token scopes. A token with no scope has all of its user's rights.
const (
	ScopeRead  = "read"  // GET requests only
	ScopeWrite = "write" // everything the user may do
)

// Token is an API token's record; the secret itself is never stored.
type Token struct {
	ID         int64
	UserID     int64
	UserEmail  string
	Name       string
	Prefix     string
	Scopes     []string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// ReadOnly reports whether the token may only read.
func (t *Token) ReadOnly() bool {
	return slices.Contains(t.Scopes, ScopeRead) && !slices.Contains(t.Scopes, ScopeWrite)
}

// Service issues and checks API tokens.
type Service struct {
	db    *db.DB
	q     *db.Queries
	users *user.Service
	// secrets seals the setup token, so every instance can print it.
	secrets *secret.Box
	events  *event.Log
	// ended are told when sessions end (OnSessionsEnded).
	ended []func(ctx context.Context, userID int64)
	// now is the clock of sessions and sign-in throttling (tests move it).
	now func() time.Time
	// slowed are told when sign-ins to an account are slowed down.
	slowed []func(ctx context.Context, tx *db.Tx, a SlowedAlert) error
	// links send the portal's emailed links (OnPortalLink).
	links []func(ctx context.Context, tx *db.Tx, m LinkMail) error
	// jobs queues link requests (UseJobs).
	jobs *job.Queue
	// active are told of each request a person authenticates (OnActive).
	active []func(ctx context.Context, a *user.Actor)
}

// New returns a Service recording token changes in events.
func New(d *db.DB, users *user.Service, secrets *secret.Box, events *event.Log) (*Service, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.Dialect)
	if err != nil {
		return nil, err
	}
	return &Service{db: d, q: q, users: users, secrets: secrets, events: events, now: time.Now}, nil
}

// The kinds of domain events tokens write; the subject is the token. The
// payload names the token and its owner, and carries its prefix — never
// the secret or its hash.
const (
	EventTokenCreated = "token.created"
	EventTokenRevoked = "token.revoked"
)

// Queries exposes the named queries for start-up checks.
func (s *Service) Queries() *db.Queries { return s.q }

func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// NewToken is the input to CreateToken.
type NewToken struct {
	UserEmail string // whose token; "" = the actor's own
	Name      string
	Scopes    []string
}

// CreateToken issues a token and returns its secret, which is not stored
// and cannot be shown again. Users create their own; admins anyone's.
func (s *Service) CreateToken(ctx context.Context, a *user.Actor, in NewToken) (string, *Token, error) {
	inv := &fault.Invalid{}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		inv.Add("name", "is required")
	} else if utf8.RuneCountInString(name) > 100 {
		inv.Add("name", "must be at most 100 characters")
	}
	var scopes []string
	for i, sc := range in.Scopes {
		if sc != ScopeRead && sc != ScopeWrite {
			inv.Add(fmt.Sprintf("scopes[%d]", i), "must be read or write")
		} else if !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	if err := inv.Err(); err != nil {
		return "", nil, err
	}
	owner, ownerEmail := a.ID, a.Email
	if !a.IsPerson() && in.UserEmail == "" {
		return "", nil, fault.Field("user", "is required")
	}
	if in.UserEmail != "" && !strings.EqualFold(in.UserEmail, a.Email) {
		if !a.IsAdmin() {
			return "", nil, fault.Forbidden("only admins may create tokens for other users")
		}
		u, err := s.users.ByEmail(ctx, in.UserEmail)
		if err != nil {
			return "", nil, fault.Field("user", "no user with email %q", in.UserEmail)
		}
		if !u.Active {
			return "", nil, fault.Field("user", "%s is deactivated", in.UserEmail)
		}
		owner, ownerEmail = u.ID, u.Email
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	secret := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	prefix := secret[:len(TokenPrefix)+6]
	var id int64
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, s.q.Get("insert-token"), owner, name, hashToken(secret), prefix,
			strings.Join(scopes, " "), db.Now()).Scan(&id); err != nil {
			return err
		}
		if scopes == nil {
			scopes = []string{}
		}
		return s.record(ctx, tx, a, EventTokenCreated, id, map[string]any{"name": name, "prefix": prefix, "scopes": scopes,
			"user_id": owner, "user": ownerEmail})
	})
	if err != nil {
		return "", nil, fmt.Errorf("auth: create token: %w", err)
	}
	t, err := s.token(ctx, id)
	return secret, t, err
}

// tokenRow holds a token's columns as a query selects them: k.id,
// k.user_id, u.email, k.name, k.prefix, k.scopes, k.created_at,
// k.last_used_at, k.revoked_at.
type tokenRow struct {
	t             Token
	scopes        string
	created       int64
	used, revoked sql.NullInt64
}

func (r *tokenRow) dests() []any {
	return []any{&r.t.ID, &r.t.UserID, &r.t.UserEmail, &r.t.Name, &r.t.Prefix, &r.scopes, &r.created, &r.used, &r.revoked}
}

func (r *tokenRow) token() *Token {
	t := r.t
	t.Scopes = strings.Fields(r.scopes)
	if t.Scopes == nil {
		t.Scopes = []string{}
	}
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = db.Time(r.created), db.NullTime(r.used), db.NullTime(r.revoked)
	return &t
}

func scanToken(row db.Scanner) (*Token, error) {
	var r tokenRow
	if err := row.Scan(r.dests()...); err != nil {
		return nil, err
	}
	return r.token(), nil
}

func (s *Service) token(ctx context.Context, id int64) (*Token, error) {
	t, err := scanToken(s.db.W.QueryRowContext(ctx, s.q.Get("select-token"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("token %d: %w", id, fault.ErrNotFound)
	}
	return t, err
}

// ErrBadToken means the presented token is unknown, revoked, or its user
// is deactivated.
var ErrBadToken = fmt.Errorf("auth: invalid token: %w", fault.ErrUnauthorized)

// Authenticate returns the actor behind a token secret.
func (s *Service) Authenticate(ctx context.Context, secret string) (*user.Actor, *Token, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 100 {
		return nil, nil, ErrBadToken
	}
	// The token, its person and their teams in one statement: read on
	// every request, so a revoked token or a deactivated person stops at
	// once, on every instance.
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("select-token-actor"), hashToken(secret))
	if err != nil {
		return nil, nil, fmt.Errorf("auth: token: %w", err)
	}
	var r tokenRow
	a, err := user.ScanActor(rows, r.dests()...)
	if err != nil {
		if errors.Is(err, fault.ErrUnauthorized) || errors.Is(err, fault.ErrNotFound) {
			return nil, nil, ErrBadToken
		}
		return nil, nil, fmt.Errorf("auth: token: %w", err)
	}
	t := r.token()
	if t.RevokedAt != nil {
		return nil, nil, ErrBadToken
	}
	// Record use at most once a minute per token, so reads stay reads.
	now := time.Now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		if _, err := s.db.W.ExecContext(ctx, s.q.Get("touch-token"), t.ID, now.UnixMicro()); err == nil {
			u := now.UTC()
			t.LastUsedAt = &u
		}
	}
	s.wasActive(ctx, a)
	return a, t, nil
}

// Tokens lists a's own tokens; admins may pass all to list everyone's.
func (s *Service) Tokens(ctx context.Context, a *user.Actor, all bool, after int64, limit int) ([]*Token, error) {
	var owner int64 = a.ID
	if all && a.IsAdmin() {
		owner = 0
	}
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("list-tokens"), owner, after, limit)
	if err != nil {
		return nil, fmt.Errorf("auth: list tokens: %w", err)
	}
	return db.Collect(rows, scanToken)
}

// Revoke ends a token at once. Users revoke their own; admins anyone's.
// Someone else's token is not found, so ids reveal nothing.
func (s *Service) Revoke(ctx context.Context, a *user.Actor, id int64) error {
	t, err := s.token(ctx, id)
	if err != nil {
		return err
	}
	if t.UserID != a.ID && !a.IsAdmin() {
		return fmt.Errorf("token %d: %w", id, fault.ErrNotFound)
	}
	if t.RevokedAt != nil {
		return nil
	}
	return s.db.WithTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.Get("revoke-token"), id, db.Now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // revoked meanwhile, by another request
		}
		return s.record(ctx, tx, a, EventTokenRevoked, id, map[string]any{"name": t.Name, "prefix": t.Prefix,
			"user_id": t.UserID, "user": t.UserEmail})
	})
}

func (s *Service) record(ctx context.Context, tx *db.Tx, a *user.Actor, kind string, id int64, payload any) error {
	_, err := s.events.Append(ctx, tx, kind, a.EventActor(), "token", id, 0, payload)
	return err
}
