package apptest

import (
	"context"
	"fmt"
	"strconv"

	"github.com/docket/docket/internal/db"
)

// BulkTickets adds n tickets with their search documents straight in SQL,
// for benchmarks at scale: numbered from 100001 (clear of the service's
// numbers), a second apart in 2023. status, requester, assignee and team
// are SQL expressions over i, the row's sequence number.
func BulkTickets(ctx context.Context, d *db.DB, n int, status, requester, assignee, team string) error {
	gen := "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < " + strconv.Itoa(n) + ") SELECT i FROM s"
	for _, q := range []string{
		`INSERT INTO tickets (uid, number, type, subject, status, priority, requester_id, assignee_id, team_id, channel, created_at, updated_at)
		 SELECT 'bulk-' || i, 100000 + i, 'incident', 'Bulk ticket ' || i, ` + status + `,
		        1 + i % 4, ` + requester + `, ` + assignee + `, ` + team + `, 'api',
		        1700000000000000 + CAST(i AS BIGINT) * 1000000, 1700000000000000 + CAST(i AS BIGINT) * 1000000
		 FROM (` + gen + `) g`,
		`UPDATE tickets SET resolution = 'solved', resolved_at = updated_at, closed_at = updated_at WHERE status = 'closed' AND uid LIKE 'bulk-%'`,
		`INSERT INTO search_docs (ticket_id, internal, body, terms) SELECT id, FALSE, subject, LOWER(subject) FROM tickets WHERE uid LIKE 'bulk-%'`,
		`ANALYZE`,
	} {
		if _, err := d.W.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("bulk insert: %w", err)
		}
	}
	return nil
}
