package ticket

import (
	"context"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// everyTicket reads any ticket: Docket's own actors (a rule) see them all.
var everyTicket = &user.Actor{Role: user.RoleAdmin}

// Load returns ticket number through q, as Docket's own actors see it:
// inside a transaction (q), it includes what that transaction wrote. Its
// MissingFields are filled in, so a rule can ask for missing:required.
func (s *Service) Load(ctx context.Context, q db.Queryer, number int64) (*Ticket, error) {
	t, err := s.get(ctx, q, everyTicket, number)
	if err != nil {
		return nil, err
	}
	defs, err := s.fieldDefs(ctx, q)
	if err != nil {
		return nil, err
	}
	t.MissingFields = t.missing(defs)
	return t, nil
}

// MessageIn returns message id of ticket number, read in tx.
func (s *Service) MessageIn(ctx context.Context, tx *db.Tx, id, number int64) (*Message, error) {
	return s.messageTx(ctx, tx, id, number)
}
