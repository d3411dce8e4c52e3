package auth

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/user"
)

// The portal's emailed links. A requester can sign in with a magic link,
// reset a forgotten password, or finish signing up, each by a link to
// their address: 256 random bits, stored only as a SHA-256 hash, good for
// LinkTTL and once. Using a reset link ends every other reset link of the
// account. Requests are rate-limited per address and per client through
// the sign-in throttle's table, and no answer says whether an account
// exists: an address without a requester account just gets no email.
// Neither does the time an answer takes: a request only queues a
// LinkJob, the same for every address, and the job decides whether an
// account gets a link.
const (
	LinkTTL = 15 * time.Minute
	// LinkSignIn is a magic sign-in link; LinkReset sets a password
	// (a forgotten one, or the first one after sign-up).
	LinkSignIn = "signin"
	LinkReset  = "reset"
	// LinksPerAddress and LinksPerClient bound link requests within
	// LinkWindow of the last one.
	LinksPerAddress = 3
	LinksPerClient  = 10
	LinkWindow      = 15 * time.Minute
)

// LinkMail is an emailed link to send; Token is in it and nowhere else.
type LinkMail struct {
	User *user.User
	// Kind is LinkSignIn, LinkReset, or "signup" (a reset link that
	// welcomes a new account).
	Kind    string
	Token   string
	Expires time.Time
}

// OnPortalLink registers fn to send the emailed links; it runs in the
// transaction that stores the link. Register before serving.
func (s *Service) OnPortalLink(fn func(ctx context.Context, tx *db.Tx, m LinkMail) error) {
	s.links = append(s.links, fn)
}

// TooManyError refuses a link request over the rate limit.
type TooManyError struct{ Wait time.Duration }

func (e *TooManyError) Error() string { return "auth: too many emailed links requested" }

// LinkRequest asks for an emailed link.
type LinkRequest struct {
	Email string
	IP    string
	// Purpose is LinkSignIn or LinkReset.
	Purpose string
	// TicketID, for a magic link, is the ticket it opens (0: the portal's
	// start page). It must be a ticket of the account's.
	TicketID int64
}

// LinkJob is the job kind that decides whether a link request gets an
// emailed link and sends it (RegisterJobs).
const LinkJob = "portal.link"

// linkJob is a LinkJob's arguments: a link request or a sign-up.
type linkJob struct {
	Email    string `json:"email"`
	Purpose  string `json:"purpose"` // LinkSignIn, LinkReset or "signup"
	TicketID int64  `json:"ticket_id,omitempty"`
	Name     string `json:"name,omitempty"`
}

// UseJobs queues link requests on q; RegisterJobs runs them.
func (s *Service) UseJobs(q *job.Queue) { s.jobs = q }

// RegisterJobs registers the handler of LinkJob on r.
func (s *Service) RegisterJobs(r *job.Runner) {
	r.Register(LinkJob, job.Kind{Handler: func(ctx context.Context, j *job.Job) error {
		var in linkJob
		if err := json.Unmarshal(j.Args, &in); err != nil {
			return job.Permanent(fmt.Errorf("auth: link job arguments: %w", err))
		}
		if in.Purpose == "signup" {
			return s.signUp(ctx, in.Email, in.Name)
		}
		return s.requestLink(ctx, in)
	}})
}

// queueLink queues the job that answers a link request or a sign-up.
func (s *Service) queueLink(ctx context.Context, in linkJob) error {
	if s.jobs == nil {
		return errors.New("auth: emailed links need the job queue (UseJobs)")
	}
	_, err := s.jobs.InsertNow(ctx, job.New{Kind: LinkJob, Args: in, MaxAttempts: 5})
	return err
}

// RequestLink queues an emailed link for the requester account at
// in.Email, if there is one; it answers the same either way, and in the
// same time, except over the rate limit (*TooManyError), which counts
// every request.
func (s *Service) RequestLink(ctx context.Context, in LinkRequest) error {
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if email == "" || len(email) > user.MaxEmail {
		return fault.Field("email", "enter your email address")
	}
	if in.Purpose != LinkSignIn && in.Purpose != LinkReset {
		return fmt.Errorf("auth: link purpose %q: %w", in.Purpose, fault.ErrInvalid)
	}
	if err := s.limitLinks(ctx, email, in.IP); err != nil {
		return err
	}
	return s.queueLink(ctx, linkJob{Email: email, Purpose: in.Purpose, TicketID: in.TicketID})
}

// requestLink sends the link a LinkJob asks for, if the address is an
// active requester's.
func (s *Service) requestLink(ctx context.Context, in linkJob) error {
	email := in.Email
	u, err := s.users.ByEmail(ctx, email)
	if errors.Is(err, fault.ErrNotFound) {
		return nil
	} else if err != nil {
		return fmt.Errorf("auth: request link: %w", err)
	}
	if !u.Active || u.Role != user.RoleRequester {
		// Agents sign in with their password only: an emailed link is no
		// way into the workspace.
		return nil
	}
	return s.db.WithTx(ctx, func(tx *db.Tx) error {
		return s.sendLink(ctx, tx, u, in.Purpose, in.Purpose, in.TicketID)
	})
}

// limitLinks counts a link request against the address and the client.
func (s *Service) limitLinks(ctx context.Context, email, ip string) error {
	return s.LimitRequests(ctx, LinkWindow, RequestLimit{"link:a:" + email, LinksPerAddress},
		RequestLimit{"link:c:" + network(ip), LinksPerClient})
}

// RequestLimit bounds the requests counted under Key.
type RequestLimit struct {
	Key   string
	Limit int
}

// LimitRequests counts one request against each limit's key, in the
// database (every instance counts together), and refuses with
// *TooManyError when a key had more than its limit within window of its
// last request.
func (s *Service) LimitRequests(ctx context.Context, window time.Duration, limits ...RequestLimit) error {
	now := s.now()
	for _, k := range limits {
		var n int
		if err := s.db.W.QueryRowContext(ctx, s.q.Get("count-signin-failure"), k.Key, now.UnixMicro(),
			now.Add(-window).UnixMicro()).Scan(&n); err != nil {
			return fmt.Errorf("auth: count requests: %w", err)
		}
		if n > k.Limit {
			return &TooManyError{Wait: window}
		}
	}
	return nil
}

// ClientNetwork is what limits count a client address as: the address,
// or its /64 for IPv6.
func ClientNetwork(ip string) string { return network(ip) }

// sendLink stores a new link for u and hands it to the senders.
func (s *Service) sendLink(ctx context.Context, tx *db.Tx, u *user.User, purpose, kind string, ticketID int64) error {
	token := randomSecret(32)
	now := s.now()
	exp := now.Add(LinkTTL)
	var ticket any
	if ticketID != 0 {
		ticket = ticketID
	}
	if _, err := tx.ExecContext(ctx, s.q.Get("insert-portal-link"), hashToken(token), u.ID, purpose, ticket,
		now.UnixMicro(), exp.UnixMicro()); err != nil {
		return fmt.Errorf("auth: store link: %w", err)
	}
	for _, fn := range s.links {
		if err := fn(ctx, tx, LinkMail{User: u, Kind: kind, Token: token, Expires: exp}); err != nil {
			return err
		}
	}
	return nil
}

// ErrBadLink answers a link that is unknown, used or expired.
var ErrBadLink = fmt.Errorf("auth: the link is not valid (used, expired or mistyped): %w", fault.ErrNotFound)

// LinkValid reports whether token is a live link for purpose, without
// using it (the page that asks for the new password).
func (s *Service) LinkValid(ctx context.Context, token, purpose string) bool {
	if token == "" || len(token) > 100 {
		return false
	}
	var id int64
	err := s.db.R.QueryRowContext(ctx, s.q.Get("select-portal-link"), hashToken(token), purpose, s.now().UnixMicro()).Scan(&id)
	return err == nil
}

// useLink marks token used inside tx and returns its account as an actor
// and the ticket it was for.
func (s *Service) useLink(ctx context.Context, tx *db.Tx, token, purpose string) (*user.Actor, int64, error) {
	if token == "" || len(token) > 100 {
		return nil, 0, ErrBadLink
	}
	var userID, ticketID int64
	err := tx.QueryRowContext(ctx, s.q.Get("use-portal-link"), hashToken(token), purpose, s.now().UnixMicro()).Scan(&userID, &ticketID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, ErrBadLink
	} else if err != nil {
		return nil, 0, fmt.Errorf("auth: use link: %w", err)
	}
	a, err := s.users.Actor(ctx, userID)
	if err != nil {
		if errors.Is(err, fault.ErrUnauthorized) || errors.Is(err, fault.ErrNotFound) {
			return nil, 0, ErrBadLink // deactivated meanwhile
		}
		return nil, 0, err
	}
	return a, ticketID, nil
}

// LinkSession is a session started from an emailed link.
type LinkSession struct {
	Secret   string
	Session  *Session
	TicketID int64 // the ticket a magic link was for, or 0
}

// SignInWithLink uses a magic link and starts a session.
func (s *Service) SignInWithLink(ctx context.Context, token, userAgent, ip string) (*LinkSession, error) {
	var a *user.Actor
	var ticketID int64
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		var err error
		a, ticketID, err = s.useLink(ctx, tx, token, LinkSignIn)
		return err
	})
	if err != nil {
		return nil, err
	}
	secret, sess, err := s.StartSession(ctx, a.ID, userAgent, ip)
	if err != nil {
		return nil, err
	}
	return &LinkSession{Secret: secret, Session: sess, TicketID: ticketID}, nil
}

// ResetPassword uses a reset link to set the account's password: it ends
// every other reset link and every session of the account, and starts a
// new session.
func (s *Service) ResetPassword(ctx context.Context, token, password, userAgent, ip string) (*LinkSession, error) {
	if !s.LinkValid(ctx, token, LinkReset) {
		return nil, ErrBadLink
	}
	hash, err := user.HashNewPassword(ctx, password)
	if err != nil {
		return nil, err
	}
	var a *user.Actor
	err = s.db.WithTx(ctx, func(tx *db.Tx) error {
		if a, _, err = s.useLink(ctx, tx, token, LinkReset); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("end-portal-links"), a.ID, LinkReset, s.now().UnixMicro()); err != nil {
			return err
		}
		return s.users.SetPasswordHash(ctx, tx, a, a.ID, hash)
	})
	if err != nil {
		return nil, err
	}
	if err := s.EndUserSessions(ctx, a.ID, ""); err != nil {
		return nil, err
	}
	secret, sess, err := s.StartSession(ctx, a.ID, userAgent, ip)
	if err != nil {
		return nil, err
	}
	return &LinkSession{Secret: secret, Session: sess}, nil
}

// SignUpRequest asks for a requester account in the portal.
type SignUpRequest struct {
	Email, Name, IP string
}

// SignUp creates a requester account when the policy allows it, and
// emails a link to choose a password. An address that has an account
// already gets a reset link (a requester) or nothing (anyone else), so
// the answer is the same whether or not the account existed.
func (s *Service) SignUp(ctx context.Context, in SignUpRequest) error {
	p, err := s.PortalSettings(ctx)
	if err != nil {
		return err
	}
	email, err := user.NormalizeEmail("email", in.Email)
	if err != nil {
		return err
	}
	if err := p.SignUpAllowed(email); err != nil {
		return err
	}
	if err := s.limitLinks(ctx, strings.ToLower(email), in.IP); err != nil {
		return err
	}
	return s.queueLink(ctx, linkJob{Email: email, Purpose: "signup", Name: in.Name})
}

// signUp sends a LinkJob's sign-up link: a reset link to an existing
// requester, a sign-up link to a new account.
func (s *Service) signUp(ctx context.Context, email, name string) error {
	return s.db.WithTx(ctx, func(tx *db.Tx) error {
		existing, err := s.users.ByEmailTx(ctx, tx, email)
		if err != nil && !errors.Is(err, fault.ErrNotFound) {
			return err
		}
		if existing != nil {
			if !existing.Active || existing.Role != user.RoleRequester {
				return nil
			}
			return s.sendLink(ctx, tx, existing, LinkReset, LinkReset, 0)
		}
		u, err := s.users.FindOrCreateRequester(ctx, tx, "signup", email, name)
		if err != nil {
			return err
		}
		return s.sendLink(ctx, tx, u, LinkReset, "signup", 0)
	})
}

// PrunePortalLinks deletes the emailed links past their expiry.
func (s *Service) PrunePortalLinks(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.W.ExecContext(ctx, s.q.Get("prune-portal-links"), now.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("auth: prune portal links: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
