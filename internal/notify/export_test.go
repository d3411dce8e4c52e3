package notify

import (
	"context"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
)

// Handle is the consumer's handler, for tests that count what it reads.
func (s *Service) Handle(ctx context.Context, tx *db.Tx, recs []event.Record) error {
	return s.handle(ctx, tx, recs)
}
