package kb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// Votes are the answers to "was this helpful?".
type Votes struct {
	Yes, No int
}

// Vote records whether an article helped, once per client: client is the
// person's id when signed in, else the browser's voter cookie; voting
// again changes the earlier vote. Only articles the actor may read on the
// public pages can be voted on.
func (s *Service) Vote(ctx context.Context, actor *user.Actor, slug, client string, helpful bool) error {
	a, err := s.Published(ctx, actor, slug)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(client))
	_, err = s.db.W.ExecContext(ctx, s.q.Get("upsert-vote"), a.ID, hex.EncodeToString(sum[:]), helpful, db.Now())
	return err
}

// Deflect records that an article solved a signed-in person's problem
// instead of a new request ("this solved my problem" in the portal).
func (s *Service) Deflect(ctx context.Context, actor *user.Actor, slug string) error {
	if !actor.IsPerson() {
		return fault.ErrUnauthorized
	}
	a, err := s.Published(ctx, actor, slug)
	if err != nil {
		return err
	}
	_, err = s.db.W.ExecContext(ctx, s.q.Get("deflect"), a.ID)
	return err
}

// Votes counts an article's votes; agents only (others get zeros, never
// an error, so pages need not care).
func (s *Service) Votes(ctx context.Context, actor *user.Actor, id int64) (Votes, error) {
	var v Votes
	if !actor.IsAgent() {
		return v, nil
	}
	err := s.db.R.QueryRowContext(ctx, s.q.Get("vote-counts"), id).Scan(&v.Yes, &v.No)
	return v, err
}
