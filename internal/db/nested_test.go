package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/db/pgtest"
)

// eachDialect runs fn on an empty database of each dialect with a table
// n (a unique integer).
func eachDialect(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			opts := db.Options{DataDir: t.TempDir()}
			if dialect == db.Postgres {
				opts = db.Options{URL: pgtest.NewDatabase(t, "")}
			}
			d, err := db.Open(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			if _, err := d.W.ExecContext(context.Background(), `CREATE TABLE n (v INTEGER PRIMARY KEY)`); err != nil {
				t.Fatal(err)
			}
			fn(t, d)
		})
	}
}

func values(t *testing.T, ctx context.Context, q db.Queryer) []int {
	t.Helper()
	rows, err := q.QueryContext(ctx, `SELECT v FROM n ORDER BY v`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func insert(ctx context.Context, d *db.DB, q db.Queryer, v int) error {
	_, err := q.ExecContext(ctx, d.Rebind(`INSERT INTO n (v) VALUES ($1)`), v)
	return err
}

// A nested WithTx that fails undoes its own writes and nothing else, drops
// the functions it registered to run after commit, and leaves the
// transaction usable — on PostgreSQL too, after a failed statement.
func TestNestedTxFailureUndoesOnlyItsOwnWrites(t *testing.T) {
	eachDialect(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var ran []string
		err := d.WithTx(ctx, func(tx *db.Tx) error {
			in := db.WithinTx(ctx, tx)
			if err := insert(ctx, d, tx, 1); err != nil {
				return err
			}
			broken := errors.New("broken")
			err := d.WithTx(in, func(tx *db.Tx) error {
				tx.AfterCommit(func() { ran = append(ran, "failed") })
				if err := insert(ctx, d, tx, 2); err != nil {
					return err
				}
				return broken
			})
			if !errors.Is(err, broken) {
				return err
			}
			// A failed statement (here a duplicate key) aborts a PostgreSQL
			// transaction unless a savepoint catches it.
			err = d.WithTx(in, func(tx *db.Tx) error { return insert(ctx, d, tx, 1) })
			if !db.IsUniqueViolation(err) {
				t.Errorf("duplicate key inside a nested transaction: %v", err)
			}
			return d.WithTx(in, func(tx *db.Tx) error {
				tx.AfterCommit(func() { ran = append(ran, "kept") })
				return insert(ctx, d, tx, 3)
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := values(t, ctx, d.R); len(got) != 2 || got[0] != 1 || got[1] != 3 {
			t.Fatalf("rows %v, want [1 3]: the failed nested writes undone, the others kept", got)
		}
		if len(ran) != 1 || ran[0] != "kept" {
			t.Fatalf("after commit ran %v, want only the nested call that succeeded", ran)
		}
	})
}

// Under WithinTx, R reads what the transaction wrote and W writes in it
// (on SQLite W would otherwise wait for the writer connection the
// transaction holds); once the transaction has ended, the context carries
// none.
func TestPoolsJoinTheContextsTransaction(t *testing.T) {
	eachDialect(t, func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var in context.Context
		undo := errors.New("undo")
		err := d.WithTx(ctx, func(tx *db.Tx) error {
			in = db.WithinTx(ctx, tx)
			if err := insert(in, d, d.W, 7); err != nil {
				return err
			}
			if got := values(t, in, d.R); len(got) != 1 || got[0] != 7 {
				t.Errorf("R inside the transaction reads %v, want its own write [7]", got)
			}
			return undo
		})
		if !errors.Is(err, undo) {
			t.Fatal(err)
		}
		if db.InTx(in) {
			t.Fatal("a context still carries a transaction that rolled back")
		}
		if got := values(t, in, d.R); len(got) != 0 {
			t.Fatalf("rows %v after the rollback, want none: W wrote outside the transaction", got)
		}
		if err := insert(in, d, d.W, 8); err != nil {
			t.Fatalf("W under the context of an ended transaction: %v", err)
		}
	})
}
