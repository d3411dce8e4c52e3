package outbox_test

import (
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
)

// TestThreadIDsAreReadFromTheIndexes: the Message-IDs of a ticket's
// conversation, read at every email sent to its requester in the writer's
// turn, come from the indexes of messages and of the outbox by ticket
// alone, not from a random page of each row (migration 0072).
func TestThreadIDsAreReadFromTheIndexes(t *testing.T) {
	d := apptest.DB(t, db.SQLite)
	s := apptest.Services(t, d)
	plan := apptest.SQLitePlan(t, d.R, s.Outbox.Query("thread-ids"), 1)
	for _, want := range []string{"USING COVERING INDEX messages_ticket", "USING COVERING INDEX outbox_ticket"} {
		if !strings.Contains(plan, want) {
			t.Errorf("the plan of thread-ids does not say %q:\n%s", want, plan)
		}
	}
}
