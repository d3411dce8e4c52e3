package ticket_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestTransactionReadsFieldDefsOnce: the creates of one transaction (a
// group's batch on SQLite) read the custom field definitions once; a field
// added in the transaction binds the creates after it, and one added in a
// savepoint that rolls back does not, though a create inside that
// savepoint read the definitions with it.
func TestTransactionReadsFieldDefsOnce(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		agent := apptest.User(t, s, user.RoleAgent, "")
		create := func(ctx context.Context) error {
			_, err := s.Tickets.Create(ctx, agent, ticket.NewTicket{Subject: "Printer", Body: "On fire.",
				Requester: &ticket.Contact{Email: "req@example.test"}})
			return err
		}
		required := func(ctx context.Context, key string) error {
			typ, label, req := ticket.FieldText, strings.ToUpper(key), true
			_, err := s.Tickets.CreateFieldDef(ctx, admin, ticket.FieldDefInput{Key: &key, Label: &label, Type: &typ, Required: &req})
			return err
		}
		isRequired := func(err error, key string) bool {
			return err != nil && strings.Contains(err.Error(), "custom_fields."+key)
		}
		// The caches settled first: one that learns of the setup's changes
		// late checks its mark once, a statement in whichever write uses it.
		apptest.Pumped(t, s)
		rolledBack := errors.New("rolled back")
		err := d.WithTx(ctx, func(tx *db.Tx) error {
			in := db.WithinTx(ctx, tx)
			cost := func() int {
				before := tx.Statements()
				if err := create(in); err != nil {
					t.Fatal(err)
				}
				return tx.Statements() - before
			}
			cost() // the first reads them, and sets up what a transaction's first write does
			kept := cost()
			typ, key, label := ticket.FieldText, "notes", "Notes"
			if _, err := s.Tickets.CreateFieldDef(in, admin, ticket.FieldDefInput{Key: &key, Label: &label, Type: &typ}); err != nil {
				return err
			}
			if again, next := cost(), cost(); again != kept+1 || next != kept {
				t.Errorf("creates ran %d statements, then %d after a field was added, then %d: want the definitions read once more, then not",
					kept, again, next)
			}
			// In a savepoint that rolls back: the field binds the create
			// made there, then is gone with it.
			err := d.WithTx(in, func(tx *db.Tx) error {
				if err := required(in, "asset"); err != nil {
					return err
				}
				if err := create(in); !isRequired(err, "asset") {
					t.Errorf("a create after adding a required field in its savepoint: %v, want it required", err)
				}
				return rolledBack
			})
			if !errors.Is(err, rolledBack) {
				return err
			}
			if err := create(in); err != nil {
				t.Errorf("a create after the field's savepoint rolled back: %v, want none required", err)
			}
			// Added in the transaction itself: it binds the creates after it.
			if err := required(in, "location"); err != nil {
				return err
			}
			if err := create(in); !isRequired(err, "location") {
				t.Errorf("a create after adding a required field: %v, want it required", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
