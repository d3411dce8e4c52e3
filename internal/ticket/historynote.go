package ticket

import (
	"context"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// NoteHistory appends one entry to the history of the ticket with id
// ticketID, in tx, with a as its actor: what another part of Docket did to
// the ticket as a whole ("applied macro …"), beside the field changes the
// service records itself. Requesters never see such entries.
func (s *Service) NoteHistory(ctx context.Context, tx *db.Tx, a *user.Actor, ticketID int64, field, old, new string) error {
	return s.appendEvents(ctx, tx, ticketID, a, db.Now(), []change{{field: field, old: old, new: new}})
}
