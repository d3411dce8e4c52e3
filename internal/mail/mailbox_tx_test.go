package mail_test

import (
	"context"
	"errors"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
)

// TestTransactionReadsMailboxesOnce: the ticket writes of one transaction
// (a group's batch on SQLite) read the mailboxes once to choose the
// address their emails go out from; a mailbox changed in the transaction
// is read again by the writes after it, and one changed in a savepoint
// that rolls back is not kept.
func TestTransactionReadsMailboxesOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		agent, tk := bobsTicket(t, e, "127.0.0.1", 9) // nothing listens: the emails stay queued
		rename := func(ctx context.Context, addr string) error {
			_, err := e.s.Mailboxes.Update(ctx, &userAdmin, e.mb.ID, mailbox.Input{Address: &addr})
			return err
		}
		// The caches settled first: one that learns of the setup's changes
		// late checks its mark once, a statement in whichever write uses it.
		apptest.Pumped(t, e.s)
		rolledBack := errors.New("rolled back")
		err := e.s.DB.WithTx(ctx, func(tx *db.Tx) error {
			in := db.WithinTx(ctx, tx)
			// reply answers bob and returns what it cost and the address its
			// email goes out from.
			reply := func() (int, string) {
				t.Helper()
				before := tx.Statements()
				if _, err := e.s.Tickets.Reply(in, agent, tk.Number, ticket.NewReply{Body: "On it."}); err != nil {
					t.Fatal(err)
				}
				n := tx.Statements() - before
				var from string
				if err := tx.QueryRowContext(in, `SELECT mailbox_address FROM outbox ORDER BY id DESC LIMIT 1`).Scan(&from); err != nil {
					t.Fatal(err)
				}
				return n, from
			}
			reply() // the first reads them, and sets up what a transaction's first write does
			kept, from := reply()
			if from != "support@example.test" {
				t.Errorf("a reply's email went out from %q, want support@example.test", from)
			}
			if err := rename(in, "help@example.test"); err != nil {
				return err
			}
			again, from := reply()
			next, _ := reply()
			if again <= kept || next != kept {
				t.Errorf("replies ran %d statements, then %d after the mailbox changed, then %d: want the mailboxes read once more, then not",
					kept, again, next)
			}
			if from != "help@example.test" {
				t.Errorf("after the mailbox was renamed in the transaction, a reply's email went out from %q, want help@example.test", from)
			}
			// Renamed in a savepoint that rolls back: its reply goes out
			// from the new address, and the replies after it from the old.
			err := e.s.DB.WithTx(in, func(tx *db.Tx) error {
				if err := rename(in, "gone@example.test"); err != nil {
					return err
				}
				if _, from := reply(); from != "gone@example.test" {
					t.Errorf("in the savepoint that renamed the mailbox, a reply's email went out from %q, want gone@example.test", from)
				}
				return rolledBack
			})
			if !errors.Is(err, rolledBack) {
				return err
			}
			if _, from := reply(); from != "help@example.test" {
				t.Errorf("after the savepoint that renamed the mailbox rolled back, a reply's email went out from %q, want help@example.test", from)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
