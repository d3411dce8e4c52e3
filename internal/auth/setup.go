package auth

import (
	"context"
	"fmt"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// SetupToken returns a fresh one-time token for creating the first admin
// when no user exists yet, and "" otherwise. Each call replaces the
// previous token: only the link printed last works.
func (s *Service) SetupToken(ctx context.Context) (string, error) {
	n, err := s.users.Count(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	secret := randomSecret(24)
	if _, err := s.db.W.ExecContext(ctx, s.q.Get("put-setting"), "setup_token", hashToken(secret), db.Now()); err != nil {
		return "", fmt.Errorf("auth: setup token: %w", err)
	}
	return secret, nil
}

// SetupValid reports whether token is the current setup token.
func (s *Service) SetupValid(ctx context.Context, token string) bool {
	var v string
	err := s.db.R.QueryRowContext(ctx, s.q.Get("get-setting"), "setup_token").Scan(&v)
	return err == nil && token != "" && v == hashToken(token)
}

// ErrSetupUsed means the setup link was used already (or never valid).
var ErrSetupUsed = fault.Conflict("this setup link has been used already; sign in instead")

// CompleteSetup creates the first admin with the one-time token, consuming
// it in the same transaction, so the link works exactly once.
func (s *Service) CompleteSetup(ctx context.Context, token string, in user.NewUser) (*user.User, error) {
	in.Role = user.RoleAdmin
	if in.Password == "" {
		return nil, fault.Field("password", "is required")
	}
	return s.users.CreateWith(ctx, in, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.Get("take-setting"), "setup_token", hashToken(token))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrSetupUsed
		}
		return nil
	})
}
