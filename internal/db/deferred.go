package db

import (
	"context"
	"fmt"
	"strings"
)

// A bulk load into empty tables (docket seed) is several times faster
// without their secondary indexes, built once at the end from sorted
// rows, than with every row inserted into each of them: tickets alone has
// some thirty. DeferIndexes drops them and RestoreIndexes creates them
// again. Their definitions are kept in deferred_indexes, written in the
// same transaction as the drop, and Migrate restores whatever is listed
// there before anything else: a load killed midway leaves a database whose
// next start builds its indexes, never one without them.
//
// Only indexes that enforce nothing are deferred: unique indexes, primary
// keys and constraints stay, so a load still fails on the row that breaks
// one, not at the end.

const createDeferred = `CREATE TABLE IF NOT EXISTS deferred_indexes (name TEXT PRIMARY KEY, tbl TEXT NOT NULL, definition TEXT NOT NULL)`

// DeferIndexes drops the non-unique indexes of tables, recording each
// one's definition, and returns how many it dropped. The database must be
// migrated (Migrate creates deferred_indexes).
func (d *DB) DeferIndexes(ctx context.Context, tables ...string) (int, error) {
	n := 0
	err := d.WithTxAlone(ctx, func(tx *Tx) error {
		for _, table := range tables {
			idx, err := d.plainIndexes(ctx, tx, table)
			if err != nil {
				return err
			}
			for _, ix := range idx {
				if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO deferred_indexes (name, tbl, definition) VALUES ($1, $2, $3)`),
					ix.name, table, ix.def); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `DROP INDEX `+quoteIdent(ix.name)); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("db: defer indexes: %w", err)
	}
	return n, nil
}

// RestoreIndexes creates every index DeferIndexes dropped, each in a
// transaction with the removal of its record, and returns how many it
// built (not those another instance built meanwhile).
func (d *DB) RestoreIndexes(ctx context.Context) (int, error) {
	rows, err := d.wpool.QueryContext(ctx, `SELECT name, definition FROM deferred_indexes ORDER BY tbl, name`)
	if err != nil {
		return 0, fmt.Errorf("db: restore indexes: %w", err)
	}
	idx, err := Collect(rows, scanIndex)
	if err != nil {
		return 0, fmt.Errorf("db: restore indexes: %w", err)
	}
	built := 0
	for _, ix := range idx {
		err := d.WithTxAlone(ctx, func(tx *Tx) error {
			// The record first: an instance starting beside this one waits
			// on its row and then finds it gone.
			res, err := tx.ExecContext(ctx, d.Rebind(`DELETE FROM deferred_indexes WHERE name = $1`), ix.name)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return err
			}
			if _, err = tx.ExecContext(ctx, ifNotExists(ix.def)); err == nil {
				built++
			}
			return err
		})
		if err != nil {
			return built, fmt.Errorf("db: restore index %s: %w", ix.name, err)
		}
	}
	return built, nil
}

type index struct{ name, def string }

func scanIndex(sc Scanner) (index, error) {
	var ix index
	return ix, sc.Scan(&ix.name, &ix.def)
}

// plainIndexes lists table's indexes that are neither unique nor a
// constraint's, with the statements that create them.
func (d *DB) plainIndexes(ctx context.Context, tx *Tx, table string) ([]index, error) {
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL ORDER BY name`
	if d.Dialect == Postgres {
		q = `SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
			JOIN pg_class c ON c.oid = i.indexrelid
			WHERE i.indrelid = to_regclass($1) AND NOT i.indisunique AND NOT i.indisprimary
				AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
			ORDER BY c.relname`
	}
	rows, err := tx.QueryContext(ctx, d.Rebind(q), table)
	if err != nil {
		return nil, err
	}
	idx, err := Collect(rows, scanIndex)
	if err != nil {
		return nil, err
	}
	out := idx[:0]
	for _, ix := range idx {
		if d.Dialect == SQLite && strings.HasPrefix(strings.ToUpper(strings.TrimSpace(ix.def)), "CREATE UNIQUE") {
			continue
		}
		out = append(out, ix)
	}
	return out, nil
}

// ifNotExists makes an index's definition a no-op where the index exists
// already (created again by hand, or by a migration the restore runs
// before). SQLite keeps the definition without the
// clause, PostgreSQL's pg_get_indexdef never writes it.
func ifNotExists(def string) string {
	const plain = "CREATE INDEX "
	if len(def) > len(plain) && strings.EqualFold(def[:len(plain)], plain) &&
		!strings.HasPrefix(strings.ToUpper(def[len(plain):]), "IF NOT EXISTS") {
		return plain + "IF NOT EXISTS " + def[len(plain):]
	}
	return def
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
