package macro_test

import (
	"context"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/macro"
	"github.com/docket/docket/internal/user"
)

// TestCannedResponsesMigrate: migration 0039 turns each canned response
// into a reply-only macro with the same id, name, text and owner (none:
// every agent's), drops the old table, and new macros number after them.
func TestCannedResponsesMigrate(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ms, err := db.Migrations(d.Dialect)
		if err != nil {
			t.Fatal(err)
		}
		var sql string
		for _, m := range ms {
			if m.Version == 39 {
				sql = m.SQL
			}
		}
		if sql == "" {
			t.Fatal("no migration 0039")
		}
		// Back to the schema before it, with two canned responses.
		id := "INTEGER PRIMARY KEY"
		if d.Dialect == db.Postgres {
			id = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
		}
		var owner int64
		err = d.WithTx(ctx, func(tx *db.Tx) error {
			for _, q := range []string{`DROP TABLE macros`, `CREATE TABLE canned_responses (id ` + id + `,
				owner_id BIGINT REFERENCES users (id) ON DELETE CASCADE, name TEXT NOT NULL, body TEXT NOT NULL,
				created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)`} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			if err := tx.QueryRowContext(ctx, d.Rebind(`INSERT INTO users (email, name, role, created_at, updated_at)
				VALUES ('ann@example.test', 'Ann', 'agent', 1, 1) RETURNING id`)).Scan(&owner); err != nil {
				return err
			}
			for _, c := range [][]any{{nil, "Thanks", "Thank you!"}, {owner, "Mine", "Hi {{requester.name}}"}} {
				if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO canned_responses (owner_id, name, body, created_at, updated_at)
					VALUES ($1, $2, $3, 1, 1)`), c...); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, sql)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		s := apptest.Services(t, d)
		ann, err := s.Users.Actor(ctx, owner)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Macros.Usable(ctx, ann)
		if err != nil || len(got) != 2 {
			t.Fatalf("macros after the migration: %v %v", got, err)
		}
		mine, thanks := got[0], got[1]
		if mine.Name != "Mine" || mine.Visibility != macro.Personal || mine.OwnerID != owner || len(mine.Actions) != 0 ||
			thanks.Name != "Thanks" || thanks.Visibility != macro.Everyone || thanks.Body != "Thank you!" || thanks.ID >= mine.ID {
			t.Fatalf("migrated: %+v %+v", mine, thanks)
		}
		cs, err := s.Canned.List(ctx, ann)
		if err != nil || len(cs) != 2 || cs[0].ID != mine.ID {
			t.Fatalf("the canned view: %v %v", cs, err)
		}
		admin := apptest.User(t, s, user.RoleAdmin, "")
		n, err := s.Macros.Create(ctx, admin, macro.Input{Name: ptr("New"), Body: ptr("x")})
		if err != nil || n.ID <= mine.ID {
			t.Fatalf("a new macro after the migrated ones: %+v %v", n, err)
		}
		var left int
		if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM macros`).Scan(&left); err != nil || left != 3 {
			t.Fatalf("%d macros (%v)", left, err)
		}
	})
}
