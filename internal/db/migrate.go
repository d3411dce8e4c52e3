package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrations embed.FS

// Migration is one numbered schema step.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the dialect's migrations in order.
func Migrations(dialect Dialect) ([]Migration, error) {
	dir := "migrations/" + string(dialect)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("db: migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("db: migration %s: name must start with a number and _", e.Name())
		}
		b, err := fs.ReadFile(migrations, dir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	// Numbers must be unique but may leave a gap: a number can be reserved
	// for a change made on another branch, and Migrate applies whatever is
	// missing by version, so 0015 arriving after 0016 is still applied.
	for i := range out {
		if out[i].Version < 1 || (i > 0 && out[i].Version == out[i-1].Version) {
			return nil, fmt.Errorf("db: migration %s: duplicate or invalid number", out[i].Name)
		}
	}
	return out, nil
}

const createMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`

// Migrate builds the indexes a bulk load deferred and did not build (see
// DeferIndexes), then applies every migration not yet applied, each in its
// own transaction, and returns how many it applied. On PostgreSQL an advisory
// lock keeps instances starting together from racing.
func (d *DB) Migrate(ctx context.Context) (int, error) {
	ms, err := Migrations(d.Dialect)
	if err != nil {
		return 0, err
	}
	// The bookkeeping tables, on PostgreSQL under the migrations' lock:
	// instances creating one at once collide in the catalog.
	err = d.WithTx(ctx, func(tx *Tx) error {
		if d.Dialect == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(727274)`); err != nil {
				return err
			}
		}
		for _, create := range []string{createMigrations, createDeferred} {
			if _, err := tx.ExecContext(ctx, create); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("db: create schema_migrations: %w", err)
	}
	// A bulk load killed before it built its deferred indexes left their
	// definitions behind: build them before any migration changes the
	// tables they index.
	if _, err := d.RestoreIndexes(ctx); err != nil {
		return 0, err
	}
	applied := 0
	for _, m := range ms {
		done := false
		err := d.WithTx(ctx, func(tx *Tx) error {
			if d.Dialect == Postgres {
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(727274)`); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, d.Rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = $1`), m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				done = true
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("db: migration %s: %w", m.Name, err)
			}
			_, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`), m.Version, Now())
			return err
		})
		if err != nil {
			return applied, err
		}
		if !done {
			applied++
		}
	}
	return applied, nil
}

// Pending reports how many migrations are not applied yet.
func (d *DB) Pending(ctx context.Context) (int, error) {
	ms, err := Migrations(d.Dialect)
	if err != nil {
		return 0, err
	}
	var n int
	if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		return len(ms), nil
	}
	return len(ms) - n, nil
}
