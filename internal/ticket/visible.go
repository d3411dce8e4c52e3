package ticket

import (
	"context"
	"errors"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// VisibleTo reports whether a may see ticket number, reading through q: a
// write hook asks inside the write's transaction whether someone else may
// hear of the ticket.
func (s *Service) VisibleTo(ctx context.Context, q db.Queryer, a *user.Actor, number int64) (bool, error) {
	_, err := s.get(ctx, q, a, number)
	if errors.Is(err, fault.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Visibility is the SQL condition on a ticket row aliased t that holds when
// a may see it, with arg adding an argument and returning its placeholder:
// reports over tickets apply the same rule as lists.
func Visibility(a *user.Actor, arg func(any) string) string { return visibility(a, arg) }
