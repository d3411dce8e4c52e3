package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/password"
	"github.com/docket/docket/internal/user"
)

// Session lifetimes: a session ends after IdleTimeout without use, and in
// any case MaxAge after sign-in.
const (
	IdleTimeout = 7 * 24 * time.Hour
	MaxAge      = 30 * 24 * time.Hour
	touchEvery  = 5 * time.Minute
)

// Session is a signed-in browser.
type Session struct {
	ID        string // hash of the cookie secret
	UserID    int64
	CSRFToken string
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time
}

func randomSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("auth: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// ErrBadCredentials is the one answer to a failed sign-in, whether the
// account exists or not.
var ErrBadCredentials = fmt.Errorf("auth: %w", fault.ErrUnauthorized)

// ErrRequester answers a requester who signed in to the workspace with
// their correct password: requesters do not sign in here.
var ErrRequester = fmt.Errorf("auth: requesters do not sign in to the workspace: %w", fault.ErrForbidden)

// a fixed hash to verify against when the account does not exist, so both
// cases take the same time.
var dummyHash = sync.OnceValue(func() string {
	h, _ := password.HashWith(context.Background(), "docket-dummy-password", password.Default)
	return h
})

// SignInRequest is one attempt to sign in with a password.
type SignInRequest struct {
	Email, Password string
	UserAgent, IP   string
	// Device is the browser's device token from an earlier sign-in, if it
	// has one (see DeviceCookie).
	Device string
	// Portal admits requesters: the portal's sign-in. The workspace's
	// refuses them with ErrRequester.
	Portal bool
}

// SignedIn is a successful sign-in.
type SignedIn struct {
	// Secret is the session cookie's value, to send to the browser once.
	Secret  string
	Session *Session
	// Device is the browser's new device token, to keep for DeviceMaxAge.
	Device string
	// Slowed, when set, tells that sign-ins to this account were slowed
	// down since the person last signed in.
	Slowed *SlowedNotice
}

// SignIn checks an email and password under the sign-in throttle (see
// throttle.go) and starts a session. Every failure is ErrBadCredentials,
// whether or not the account exists, or a *LockedError while the attempt's
// keys are slowed down; a requester with the right password gets
// ErrRequester unless in.Portal.
func (s *Service) SignIn(ctx context.Context, in SignInRequest) (*SignedIn, error) {
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if len(email) > user.MaxEmail || len(in.Password) > password.MaxLength {
		return nil, ErrBadCredentials
	}
	now := s.now()
	u, uerr := s.users.ByEmail(ctx, email)
	if uerr != nil && !errors.Is(uerr, fault.ErrNotFound) {
		return nil, fmt.Errorf("auth: sign in: %w", uerr)
	}
	keys := s.keysFor(email, u, in.IP, in.Device)
	if err := s.checkDelay(ctx, keys, now); err != nil {
		return nil, err
	}
	hash := dummyHash()
	if u != nil && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	verr := password.Verify(ctx, hash, in.Password)
	if errors.Is(verr, context.Canceled) || errors.Is(verr, context.DeadlineExceeded) {
		return nil, verr
	}
	if u == nil || u.PasswordHash == "" || verr != nil || !u.Active {
		scope, failures, err := s.countFailure(ctx, keys, now)
		if err != nil {
			return nil, fmt.Errorf("auth: sign in: %w", err)
		}
		if scope != "" && u != nil {
			if err := s.noteSlowed(ctx, u, in.IP, scope, failures, now); err != nil {
				return nil, fmt.Errorf("auth: sign in: %w", err)
			}
		}
		return nil, ErrBadCredentials
	}
	if u.Role == user.RoleRequester && !in.Portal {
		// The right password: no guess to count, and nothing to hide from
		// the person who knows it.
		return nil, ErrRequester
	}
	if err := s.clearFailures(ctx, keys); err != nil {
		return nil, err
	}
	out := &SignedIn{}
	var err error
	if out.Slowed, err = s.takeAlert(ctx, u.ID); err != nil {
		return nil, err
	}
	if out.Device, err = s.DeviceToken(u.ID); err != nil {
		return nil, err
	}
	if out.Secret, out.Session, err = s.StartSession(ctx, u.ID, in.UserAgent, in.IP); err != nil {
		return nil, err
	}
	return out, nil
}

// StartSession creates a session for a user who has just proven who they
// are (signed in, or created the first admin).
func (s *Service) StartSession(ctx context.Context, userID int64, userAgent, ip string) (string, *Session, error) {
	secret := randomSecret(32)
	now := time.Now().UTC()
	sess := &Session{ID: hashToken(secret), UserID: userID, CSRFToken: randomSecret(24), CreatedAt: now, LastSeen: now,
		ExpiresAt: now.Add(MaxAge)}
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	if _, err := s.db.W.ExecContext(ctx, s.q.Get("insert-session"), sess.ID, userID, sess.CSRFToken, now.UnixMicro(),
		sess.ExpiresAt.UnixMicro(), userAgent, ip); err != nil {
		return "", nil, fmt.Errorf("auth: start session: %w", err)
	}
	return secret, sess, nil
}

// ErrNoSession means the cookie names no live session.
var ErrNoSession = fmt.Errorf("auth: no session: %w", fault.ErrUnauthorized)

// SessionActor returns the session behind a cookie secret and its user as an
// actor, whatever their role: each page decides whom it admits (requesters
// have portal sessions, which open no workspace page).
func (s *Service) SessionActor(ctx context.Context, secret string) (*Session, *user.Actor, error) {
	if secret == "" || len(secret) > 100 {
		return nil, nil, ErrNoSession
	}
	sess, a, err := s.session(ctx, hashToken(secret), true)
	if err == nil {
		s.wasActive(ctx, a)
	}
	return sess, a, err
}

// OnActive registers fn to be told of every request a person makes with a
// session or a token (not the re-checks of long-lived requests): agents'
// availability follows it. fn must be cheap; register before serving.
func (s *Service) OnActive(fn func(ctx context.Context, a *user.Actor)) {
	s.active = append(s.active, fn)
}

func (s *Service) wasActive(ctx context.Context, a *user.Actor) {
	for _, fn := range s.active {
		fn(ctx, a)
	}
}

// CheckSession reports whether the session with this id is still live
// and returns its person as they are now (their teams, their role). It
// does not count as use of the session: long-lived requests, such as the
// live event stream, re-check with it the session they started with.
func (s *Service) CheckSession(ctx context.Context, id string) (*user.Actor, error) {
	_, a, err := s.session(ctx, id, false)
	return a, err
}

func (s *Service) session(ctx context.Context, id string, touch bool) (*Session, *user.Actor, error) {
	// The session, its person and their teams in one statement: read on
	// every request, so an ended session or a deactivated person stops at
	// once, on every instance.
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("select-session-actor"), id)
	if err != nil {
		return nil, nil, fmt.Errorf("auth: session: %w", err)
	}
	var sess Session
	var created, seen, expires int64
	a, err := user.ScanActor(rows, &sess.ID, &sess.UserID, &sess.CSRFToken, &created, &seen, &expires)
	switch {
	case errors.Is(err, fault.ErrNotFound):
		return nil, nil, ErrNoSession
	case err != nil && !errors.Is(err, fault.ErrUnauthorized):
		return nil, nil, fmt.Errorf("auth: session: %w", err)
	}
	sess.CreatedAt, sess.LastSeen, sess.ExpiresAt = db.Time(created), db.Time(seen), db.Time(expires)
	now := s.now()
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeen) > IdleTimeout {
		_, _ = s.db.W.ExecContext(ctx, s.q.Get("delete-session"), sess.ID)
		return nil, nil, ErrNoSession
	}
	if err != nil { // deactivated
		return nil, nil, ErrNoSession
	}
	if touch && now.Sub(sess.LastSeen) > touchEvery {
		if _, err := s.db.W.ExecContext(ctx, s.q.Get("touch-session"), sess.ID, now.UnixMicro()); err == nil {
			sess.LastSeen = now.UTC()
		}
	}
	return &sess, a, nil
}

// CheckCSRF compares a submitted token with the session's in constant time.
func (sess *Session) CheckCSRF(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(sess.CSRFToken)) == 1
}

// OnSessionsEnded registers fn to be told, after the fact, whenever
// sessions of a user were ended here (sign-out, a password change,
// deactivation), so that what those sessions keep open — live event
// streams — can close at once. Register before serving.
func (s *Service) OnSessionsEnded(fn func(ctx context.Context, userID int64)) {
	s.ended = append(s.ended, fn)
}

func (s *Service) sessionsEnded(ctx context.Context, userID int64) {
	for _, fn := range s.ended {
		fn(ctx, userID)
	}
}

// EndSession signs a session out.
func (s *Service) EndSession(ctx context.Context, id string) error {
	var userID int64
	err := s.db.W.QueryRowContext(ctx, s.q.Get("end-session"), id).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("auth: end session: %w", err)
	}
	s.sessionsEnded(ctx, userID)
	return nil
}

// EndUserSessions signs a user out everywhere (password change,
// deactivation), except the session keep.
func (s *Service) EndUserSessions(ctx context.Context, userID int64, keep string) error {
	if _, err := s.db.W.ExecContext(ctx, s.q.Get("delete-user-sessions"), userID, keep); err != nil {
		return fmt.Errorf("auth: end sessions of user %d: %w", userID, err)
	}
	s.sessionsEnded(ctx, userID)
	return nil
}
