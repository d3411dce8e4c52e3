package mail_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
)

// A ticket opened for a suspected mail loop is not acknowledged: the
// acknowledgement would feed the loop. Nor is mail whose second
// Precedence field says bulk.
func TestSuspectedLoopsAndBulkMailAreNotAcknowledged(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setupStaff(t, d)
		ctx := context.Background()
		e.s.Importer.MaxPerHour = 2
		var numbers []int64
		for i := 0; i < 4; i++ {
			res, err := e.s.Importer.Import(ctx, e.mb, raw("robot@example.org", "support@example.test", fmt.Sprint("Alert ", i), fmt.Sprintf("loop%d@x", i), "", "disk full"))
			if err != nil || res.Ticket == 0 {
				t.Fatalf("alert %d: %+v %v", i, res, err)
			}
			numbers = append(numbers, res.Ticket)
		}
		for i, n := range numbers[:2] {
			if q := e.queued(t, n); q != 1 {
				t.Fatalf("alert %d under the limit got %d acknowledgements, want 1", i, q)
			}
		}
		flagged, _, _ := e.s.Tickets.List(ctx, &userAdmin, ticket.Filter{Tag: []string{"mail-loop"}})
		if len(flagged) != 1 || numbers[2] != flagged[0].Number || numbers[3] != flagged[0].Number {
			t.Fatalf("flagged tickets = %+v, numbers %v", flagged, numbers)
		}
		if q := e.queued(t, flagged[0].Number); q != 0 {
			t.Fatalf("the suspected mail loop was acknowledged (%d emails queued)", q)
		}

		res, err := e.s.Importer.Import(ctx, e.mb, raw("news@example.org", "support@example.test", "Our newsletter", "bulk1@x", "", "News.",
			"Precedence: normal", "Precedence: bulk"))
		if err != nil || res.Ticket == 0 {
			t.Fatalf("bulk mail: %+v %v", res, err)
		}
		if q := e.queued(t, res.Ticket); q != 0 {
			t.Fatalf("bulk mail was acknowledged (%d emails queued)", q)
		}
	})
}
