package auth

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// SetupToken returns the one-time token for creating the first admin while
// no user exists, and "" once one does. There is one token per database:
// the first call creates it, and every later call, from this instance or
// another one sharing the database, returns the same token, so every
// instance prints a link that works (once).
func (s *Service) SetupToken(ctx context.Context) (string, error) {
	for range 3 {
		n, err := s.users.Count(ctx)
		if err != nil || n > 0 {
			return "", err
		}
		fresh := randomSecret(24)
		sealed, err := s.secrets.Seal(fresh)
		if err != nil {
			return "", fmt.Errorf("auth: setup token: %w", err)
		}
		// Insert-if-absent: of instances starting together, one token wins.
		if _, err := s.db.W.ExecContext(ctx, s.q.Get("insert-setup-token"), hashToken(fresh)+":"+sealed, db.Now()); err != nil {
			return "", fmt.Errorf("auth: setup token: %w", err)
		}
		stored, err := s.storedSetup(ctx)
		if errors.Is(err, errNoSetup) {
			return "", nil // the first admin was created meanwhile
		} else if err != nil {
			return "", err
		}
		if token, ok := s.openSetup(stored); ok {
			return token, nil
		}
		// Nobody can print a link for a token this key cannot open (one
		// stored by an older version as a bare hash, or sealed under
		// another key): replace it.
		if _, err := s.db.W.ExecContext(ctx, s.q.Get("delete-setup-token"), stored); err != nil {
			return "", fmt.Errorf("auth: setup token: %w", err)
		}
	}
	return "", errors.New("auth: setup token: the stored setup token cannot be opened with this secret key")
}

var errNoSetup = errors.New("auth: no setup token")

// storedSetup reads the stored setup token while no user exists.
func (s *Service) storedSetup(ctx context.Context) (string, error) {
	var v string
	err := s.db.R.QueryRowContext(ctx, s.q.Get("select-setup-token")).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errNoSetup
	} else if err != nil {
		return "", fmt.Errorf("auth: setup token: %w", err)
	}
	return v, nil
}

// openSetup unseals a stored setup token and checks it against its hash.
func (s *Service) openSetup(stored string) (string, bool) {
	hash, sealed, ok := strings.Cut(stored, ":")
	if !ok {
		return "", false
	}
	token, err := s.secrets.Unseal(sealed)
	if err != nil || token == "" || subtle.ConstantTimeCompare([]byte(hashToken(token)), []byte(hash)) != 1 {
		return "", false
	}
	return token, true
}

// SetupValid reports whether token is the current setup token.
func (s *Service) SetupValid(ctx context.Context, token string) bool {
	stored, err := s.storedSetup(ctx)
	if err != nil || token == "" {
		return false
	}
	hash, _, _ := strings.Cut(stored, ":")
	return subtle.ConstantTimeCompare([]byte(hash), []byte(hashToken(token))) == 1
}

// setupActor is who the first admin's creation is recorded as: nobody is
// signed in yet, and the one-time link stands for whoever ran the server.
var setupActor = user.System(event.ActorSystem, 0, "Setup link")

// ErrSetupUsed means the setup link was used already (or never valid).
var ErrSetupUsed = fault.Conflict("this setup link has been used already; sign in instead")

// CompleteSetup creates the first admin with the one-time token, consuming
// it in the same transaction, so the link works exactly once, and only
// while there is no user at all.
func (s *Service) CompleteSetup(ctx context.Context, token string, in user.NewUser) (*user.User, error) {
	in.Role = user.RoleAdmin
	if in.Password == "" {
		return nil, fault.Field("password", "is required")
	}
	return s.users.CreateWith(ctx, setupActor, in, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.Get("take-setup-token"), hashToken(token)+":")
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrSetupUsed
		}
		return nil
	})
}
