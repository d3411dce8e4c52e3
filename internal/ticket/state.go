package ticket

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
)

// PutState stores v (as JSON) under key for ticket id: state agents do not
// edit (SLA clocks, counters, what a rule did). It runs in the caller's
// transaction when ctx carries one (db.WithinTx). It never moves the
// ticket's version, so an agent holding the ETag is not disturbed.
func (s *Service) PutState(ctx context.Context, ticketID int64, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("ticket: state %s: %w", key, err)
	}
	return s.db.WithTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q.Get("put-ticket-state"), ticketID, key, string(b), db.Now()); err != nil {
			return fmt.Errorf("ticket: state %s of %d: %w", key, ticketID, err)
		}
		return nil
	})
}

// State reads what PutState stored under key into v; ErrNotFound when
// nothing is stored.
func (s *Service) State(ctx context.Context, ticketID int64, key string, v any) error {
	var b string
	err := s.db.R.QueryRowContext(ctx, s.q.Get("get-ticket-state"), ticketID, key).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("ticket: state %s of %d: %w", key, ticketID, fault.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("ticket: state %s of %d: %w", key, ticketID, err)
	}
	return json.Unmarshal([]byte(b), v)
}
