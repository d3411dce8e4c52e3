package auth

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// Sign-in throttling. A hard lock after a few wrong passwords lets anyone
// who knows an address lock its owner out, the admin included; so instead
// failed password checks are counted per key, and a key past its free
// failures is slowed down: each further failure delays the next attempt
// twice as long as the last, from DelayBase up to DelayMax. The keys of an
// attempt are
//
//   - on a browser that signed in to the account before (it holds a device
//     token, see DeviceToken): that account on that browser, FreeFailures
//     free — nobody elsewhere can slow its owner down there;
//   - otherwise that account from the client's address (its /64 network
//     for IPv6), FreeFailures free, and that account from any address
//     without a device token, AccountFreeFailures free — so guessing from
//     many addresses is slowed down too, though not on the owner's own
//     browsers.
//
// Keys are counted whether or not an account has the address, so the
// answers do not tell which accounts exist. A failure is forgotten after
// failureMemory without another one; a successful sign-in clears its own
// key (never the any-address one, which only time clears). When sign-ins
// to the account of an agent or admin are slowed down the person is told
// the next time they sign in, and a user.signin_slowed event records it:
// the audit log; in the same transaction the OnSignInSlowed hooks queue the
// email to the person (see mail.SignInAlertMail).
const (
	FreeFailures        = 5
	AccountFreeFailures = 20
	DelayBase           = 30 * time.Second
	DelayMax            = time.Hour
	failureMemory       = 24 * time.Hour
	// deviceMaxAge is how long a device token is good for; signing in
	// renews it.
	deviceMaxAge = 180 * 24 * time.Hour
	// alertEvery bounds the signin_slowed events of one account while its
	// person does not sign in.
	alertEvery = 24 * time.Hour
)

// EventSignInSlowed is the kind of the event recorded when sign-ins to an
// account start being slowed down; its subject is the user.
const EventSignInSlowed = "user.signin_slowed"

// throttleKey is one counter an attempt is checked against.
type throttleKey struct {
	key   string
	free  int
	scope string // device, address or account: which key, for the record
}

// keysFor returns the counters of an attempt on the account email (u, when
// it exists) from ip, with the browser's device token.
func (s *Service) keysFor(email string, u *user.User, ip, device string) []throttleKey {
	if u != nil {
		if id, ok := s.openDevice(device, u.ID); ok {
			return []throttleKey{{key: "d:" + strconv.FormatInt(u.ID, 10) + ":" + id, free: FreeFailures, scope: "device"}}
		}
	}
	return []throttleKey{
		{key: "a:" + email + " " + network(ip), free: FreeFailures, scope: "address"},
		{key: "u:" + email, free: AccountFreeFailures, scope: "account"},
	}
}

// network is the address failures are counted for: the address itself,
// or for IPv6 its /64 network, which one client usually holds whole.
func network(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// delayFor is the delay after a key's nth failure.
func delayFor(failures, free int) time.Duration {
	if failures <= free {
		return 0
	}
	d := time.Duration(float64(DelayBase) * math.Pow(2, float64(min(failures-free-1, 20))))
	return min(d, DelayMax)
}

// LockedError says sign-in is slowed down: the next attempt is taken at
// Until. It matches fault.ErrUnauthorized.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string { return "auth: too many failed sign-ins; slowed down" }

// Is makes a LockedError match fault.ErrUnauthorized.
func (e *LockedError) Is(target error) bool { return target == fault.ErrUnauthorized }

// checkDelay refuses an attempt while any of its keys is slowed down.
func (s *Service) checkDelay(ctx context.Context, keys []throttleKey, now time.Time) error {
	var until int64
	for _, k := range keys {
		var failures int
		var delayed, updated int64
		err := s.db.R.QueryRowContext(ctx, s.q.Get("select-throttle"), k.key).Scan(&failures, &delayed, &updated)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		} else if err != nil {
			return fmt.Errorf("auth: sign-in throttle: %w", err)
		}
		if delayed > now.UnixMicro() {
			until = max(until, delayed)
		}
	}
	if until > 0 {
		return &LockedError{Until: db.Time(until)}
	}
	return nil
}

// countFailure counts a failure on every key and slows down the keys past
// their free failures. It returns the scope of the key slowed down the
// longest ("" when none is) and the most failures any key has counted: how
// many wrong passwords at least were tried.
func (s *Service) countFailure(ctx context.Context, keys []throttleKey, now time.Time) (string, int, error) {
	var scope string
	var longest time.Duration
	most := 0
	for _, k := range keys {
		var failures int
		// Count atomically: parallel guesses must not share one count.
		if err := s.db.W.QueryRowContext(ctx, s.q.Get("count-signin-failure"), k.key, now.UnixMicro(),
			now.Add(-failureMemory).UnixMicro()).Scan(&failures); err != nil {
			return "", 0, fmt.Errorf("auth: sign-in throttle: %w", err)
		}
		most = max(most, failures)
		d := delayFor(failures, k.free)
		if d == 0 {
			continue
		}
		if _, err := s.db.W.ExecContext(ctx, s.q.Get("delay-signin"), k.key, now.Add(d).UnixMicro()); err != nil {
			return "", 0, fmt.Errorf("auth: sign-in throttle: %w", err)
		}
		if d > longest {
			scope, longest = k.scope, d
		}
	}
	return scope, most, nil
}

// clearFailures forgets the failures of a successful attempt's own key:
// its device, or its address. The any-address key stays, or a person
// signing in would hand an attacker elsewhere new free guesses.
func (s *Service) clearFailures(ctx context.Context, keys []throttleKey) error {
	for _, k := range keys {
		if k.scope == "account" {
			continue
		}
		if _, err := s.db.W.ExecContext(ctx, s.q.Get("clear-signin-failures"), k.key); err != nil {
			return fmt.Errorf("auth: sign-in throttle: %w", err)
		}
	}
	return nil
}

// noteSlowed records that sign-ins to u were slowed down after a failure
// from ip, with at least failures wrong passwords: the alert its person
// sees when they next sign in, and (at most once per alertEvery) the
// signin_slowed event.
func (s *Service) noteSlowed(ctx context.Context, u *user.User, ip, scope string, failures int, now time.Time) error {
	if u.Role == user.RoleRequester {
		return nil // they do not sign in: nobody to tell
	}
	return s.db.WithTx(ctx, func(tx *db.Tx) error {
		var notified int64
		if err := tx.QueryRowContext(ctx, s.q.Get("note-signin-alert"), u.ID, now.UnixMicro(), ip, failures).Scan(&failures,
			&notified); err != nil {
			return err
		}
		if notified > now.Add(-alertEvery).UnixMicro() {
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("signin-alert-notified"), u.ID, now.UnixMicro()); err != nil {
			return err
		}
		if _, err := s.events.Append(ctx, tx, EventSignInSlowed, event.Actor{Type: event.ActorSystem, Name: "Sign-in throttle"},
			"user", u.ID, 0, map[string]any{"email": u.Email, "address": ip, "scope": scope, "failures": failures}); err != nil {
			return err
		}
		for _, fn := range s.slowed {
			if err := fn(ctx, tx, SlowedAlert{User: u, Address: ip, Failures: failures, At: now}); err != nil {
				return err
			}
		}
		return nil
	})
}

// SlowedAlert says that sign-ins to User's account were slowed down after
// at least Failures wrong passwords, the last from Address at At.
type SlowedAlert struct {
	User     *user.User
	Address  string
	Failures int
	At       time.Time
}

// OnSignInSlowed registers fn to run in the transaction that records that
// sign-ins to an agent's or admin's account are being slowed down (at most
// once a day per account, with its user.signin_slowed event): the place to
// queue an email telling the person. An error from fn rolls the record
// back. Register before serving.
func (s *Service) OnSignInSlowed(fn func(ctx context.Context, tx *db.Tx, a SlowedAlert) error) {
	s.slowed = append(s.slowed, fn)
}

// SlowedNotice tells a person who just signed in that sign-ins to their
// account were slowed down since they last did.
type SlowedNotice struct {
	// Failures is how many wrong passwords were tried, at least.
	Failures    int
	First, Last time.Time
	LastAddress string
}

// takeAlert returns and forgets u's pending alert (nil when none).
func (s *Service) takeAlert(ctx context.Context, userID int64) (*SlowedNotice, error) {
	var n SlowedNotice
	var first, last int64
	err := s.db.W.QueryRowContext(ctx, s.q.Get("take-signin-alert"), userID).Scan(&n.Failures, &first, &last, &n.LastAddress)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("auth: sign-in alert: %w", err)
	}
	n.First, n.Last = db.Time(first), db.Time(last)
	return &n, nil
}

// DeviceCookie names the cookie that holds a browser's device token.
const DeviceCookie = "docket_device"

// DeviceMaxAge is how long a browser keeps its device token.
const DeviceMaxAge = deviceMaxAge

// DeviceToken returns a device token for a browser that userID has just
// proven themselves in (SignIn returns one; first-run setup asks for one):
// sealed with the secret key, so it cannot be made up, and naming the user,
// so it counts only for their account.
func (s *Service) DeviceToken(userID int64) (string, error) {
	sealed, err := s.secrets.Seal(fmt.Sprintf("device:%d:%s:%d", userID, randomSecret(12), s.now().Unix()))
	if err != nil {
		return "", fmt.Errorf("auth: device token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(sealed)), nil
}

// openDevice returns the id of the browser behind a device token, when the
// token is good and belongs to userID.
func (s *Service) openDevice(token string, userID int64) (string, bool) {
	if token == "" || len(token) > 400 {
		return "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", false
	}
	plain, err := s.secrets.Unseal(string(raw))
	if err != nil {
		return "", false
	}
	parts := strings.Split(plain, ":")
	if len(parts) != 4 || parts[0] != "device" || parts[1] != strconv.FormatInt(userID, 10) {
		return "", false
	}
	issued, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil || s.now().Sub(time.Unix(issued, 0)) > deviceMaxAge {
		return "", false
	}
	return parts[2], true
}

// GuardPassword runs check — which verifies the current password of the
// account email and acts on it, such as user.Service.Update changing it —
// under the sign-in throttle: while the account is slowed down from this
// address (or browser, with its device token) it refuses with a
// *LockedError, and a check failing with user.ErrWrongPassword counts as a
// failed sign-in. So a stolen session or a leaked API token guesses the
// password no faster than the sign-in form does.
func (s *Service) GuardPassword(ctx context.Context, email, ip, device string, check func() error) error {
	email = strings.ToLower(strings.TrimSpace(email))
	u, err := s.users.ByEmail(ctx, email)
	if err != nil {
		return err
	}
	keys := s.keysFor(email, u, ip, device)
	now := s.now()
	if err := s.checkDelay(ctx, keys, now); err != nil {
		return err
	}
	cerr := check()
	if cerr == nil {
		return s.clearFailures(ctx, keys)
	}
	if !errors.Is(cerr, user.ErrWrongPassword) {
		return cerr
	}
	scope, failures, err := s.countFailure(ctx, keys, now)
	if err != nil {
		return err
	}
	if scope != "" {
		if err := s.noteSlowed(ctx, u, ip, scope, failures, now); err != nil {
			return err
		}
	}
	return cerr
}
