package backup

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/docket/docket/internal/attachment"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/secret"
)

// Restore replaces the database d with the backup file at path, and puts
// the attachments into the store opts names. It refuses a damaged file, a
// backup of a schema newer than this Docket knows, a database an instance
// is running on, and (without opts.Force) a database that holds data. The
// database changes in one transaction: on any error it is left as it was.
func Restore(ctx context.Context, d *db.DB, path string, opts Options) (*Manifest, error) {
	m, keyFile, err := verify(path)
	if err != nil {
		return nil, err
	}
	r := &restorer{d: d, m: m, path: path, opts: opts, byFile: map[string]TableEntry{}}
	for _, t := range m.Tables {
		r.byFile[t.File] = t
	}
	if err := r.plan(keyFile); err != nil {
		return nil, err
	}
	w, _ := d.Pools()
	conn, err := w.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if d.Dialect == db.SQLite {
		// Rows go in table by table; the keys are checked once all are in.
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return nil, err
		}
		defer conn.ExecContext(context.Background(), `PRAGMA foreign_keys = ON`)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	r.tx = tx
	err = r.run(ctx)
	if err == nil {
		err = tx.Commit()
	} else {
		_ = tx.Rollback()
	}
	if err != nil {
		for _, f := range r.created {
			os.Remove(f)
		}
		return nil, err
	}
	return m, nil
}

type restorer struct {
	d      *db.DB
	tx     *sql.Tx
	m      *Manifest
	path   string
	opts   Options
	byFile map[string]TableEntry
	// tables is the target's schema once the backup's migrations are in.
	tables map[string]table
	// from and to open secrets sealed with the backup's key and seal them
	// with this instance's, when the two differ.
	from, to *secret.Box
	// installKey is the key file to write: the backup's key, for a SQLite
	// instance that has none yet.
	installKey []byte
	store      string
	dir        *attachment.DirStore
	finished   bool
	// created are the files written so far, removed if restore fails.
	created []string
}

// plan checks the backup against this Docket and decides what becomes of
// the key and the attachments, before anything is touched.
func (r *restorer) plan(keyFile []byte) error {
	if err := knownMigrations(r.d.Dialect, r.m.Migrations, r.path); err != nil {
		return err
	}
	r.store = r.opts.AttachmentStore
	if r.store == "" {
		r.store = "dir"
		if r.d.Dialect == db.Postgres {
			r.store = "database"
		}
	}
	if r.d.Dialect == db.Postgres {
		if err := secret.RequireEnv(r.opts.DataDir, r.opts.SecretKey); err != nil {
			return err
		}
	}
	if keyFile == nil {
		return nil
	}
	backupKey, err := decodeKey(string(keyFile), "the backup's secret key")
	if err != nil {
		return err
	}
	ours, err := readKey(r.opts)
	if err != nil {
		return err
	}
	switch {
	case ours == nil:
		r.installKey = backupKey
	case !bytes.Equal(ours, backupKey):
		if r.from, err = secret.Open("", base64.StdEncoding.EncodeToString(backupKey)); err != nil {
			return err
		}
		if r.to, err = secret.Open("", base64.StdEncoding.EncodeToString(ours)); err != nil {
			return err
		}
		r.opts.warn("this instance's secret key is not the backup's: the backup's secrets are sealed again with this instance's key")
	}
	return nil
}

func (r *restorer) run(ctx context.Context) error {
	if r.d.Dialect == db.Postgres {
		// The lock migrations take: no instance starting now migrates under us.
		if _, err := r.tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(727274)`); err != nil {
			return err
		}
	}
	if err := r.checkTarget(ctx); err != nil {
		return err
	}
	if err := r.dropSchema(ctx); err != nil {
		return err
	}
	if _, err := r.tx.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return err
	}
	inBackup := map[int]bool{}
	for _, v := range r.m.Migrations {
		inBackup[v] = true
	}
	if err := r.migrate(ctx, func(v int) bool { return inBackup[v] }); err != nil {
		return err
	}
	ts, err := readTables(ctx, r.tx, r.d.Dialect)
	if err != nil {
		return err
	}
	r.tables = map[string]table{}
	for _, t := range ts {
		r.tables[t.Name] = t
	}
	loaded := map[string]bool{}
	err = eachEntry(r.path, func(h *tar.Header, rd io.Reader) error {
		if t, ok := r.byFile[h.Name]; ok {
			loaded[t.Name] = true
			return r.loadTable(ctx, t, rd)
		}
		if sum, ok := strings.CutPrefix(h.Name, filesDir); ok {
			if err := r.finish(ctx, loaded, inBackup); err != nil {
				return err
			}
			return r.putContent(ctx, sum, h.Size, rd)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := r.finish(ctx, loaded, inBackup); err != nil {
		return err
	}
	if r.d.Dialect == db.SQLite {
		var tname string
		err := r.tx.QueryRowContext(ctx, `SELECT "table" FROM pragma_foreign_key_check LIMIT 1`).Scan(&tname)
		if err == nil {
			return fmt.Errorf("%s: rows of table %s refer to rows that are not there", r.path, tname)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	return r.writeKeyFile()
}

// checkTarget refuses a database an instance runs on, one migrated by a
// newer Docket, and one holding data unless Force.
func (r *restorer) checkTarget(ctx context.Context) error {
	existing, err := existingTables(ctx, r.tx, r.d.Dialect)
	if err != nil {
		return err
	}
	if existing["leases"] {
		var name, holder string
		var until int64
		err := r.tx.QueryRowContext(ctx, db.Rebind(r.d.Dialect, `SELECT name, holder, expires_at FROM leases WHERE expires_at > $1 ORDER BY name LIMIT 1`), db.Now()).Scan(&name, &holder, &until)
		if err == nil {
			return fmt.Errorf("a Docket instance (%s) is running on this database until at least %s: stop every instance, then restore",
				holder, db.Time(until).Format(time.RFC3339))
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	if existing["schema_migrations"] {
		var versions []int
		if err := scanEach(ctx, r.tx, `SELECT version FROM schema_migrations ORDER BY version`, nil, func(rows *sql.Rows) error {
			var v int
			err := rows.Scan(&v)
			versions = append(versions, v)
			return err
		}); err != nil {
			return err
		}
		if err := knownMigrations(r.d.Dialect, versions, "the database restored into"); err != nil {
			return err
		}
	}
	if r.opts.Force {
		return nil
	}
	names, _, err := docketObjects(r.d.Dialect)
	if err != nil {
		return err
	}
	var full []string
	for _, name := range names {
		if !existing[name] || housekeeping[name] || derived(name) {
			continue
		}
		var one int
		err := r.tx.QueryRowContext(ctx, `SELECT 1 FROM `+quote(name)+` LIMIT 1`).Scan(&one)
		if err == nil {
			full = append(full, name)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	if len(full) > 0 {
		sort.Strings(full)
		return fmt.Errorf("the database already holds data (in %s): restore replaces it only with --force", strings.Join(full, ", "))
	}
	return nil
}

// knownMigrations checks that this Docket knows every migration applied
// to what is named (a database or a backup file).
func knownMigrations(dialect db.Dialect, applied []int, what string) error {
	known, err := db.Migrations(dialect)
	if err != nil {
		return err
	}
	have := map[int]bool{}
	for _, mg := range known {
		have[mg.Version] = true
	}
	for _, v := range applied {
		if !have[v] {
			return fmt.Errorf("%s has schema version %d, which this Docket (%d) does not know: use the Docket that made it, or a newer one",
				what, applied[len(applied)-1], known[len(known)-1].Version)
		}
	}
	return nil
}

// existingTables names the tables of the database.
func existingTables(ctx context.Context, q queryer, dialect db.Dialect) (map[string]bool, error) {
	query := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if dialect == db.Postgres {
		query = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	out := map[string]bool{}
	err := scanEach(ctx, q, query, nil, func(rows *sql.Rows) error {
		var n string
		err := rows.Scan(&n)
		out[n] = true
		return err
	})
	return out, err
}

// dropSchema drops every table, sequence, function and aggregate a
// migration creates: the schema is laid out again as the backup had it.
func (r *restorer) dropSchema(ctx context.Context) error {
	tables, sequences, err := docketObjects(r.d.Dialect)
	if err != nil {
		return err
	}
	if r.d.Dialect == db.Postgres {
		quoted := make([]string, len(tables))
		for i, t := range tables {
			quoted[i] = quote(t)
		}
		if _, err := r.tx.ExecContext(ctx, `DROP TABLE IF EXISTS `+strings.Join(quoted, ", ")+` CASCADE`); err != nil {
			return fmt.Errorf("drop the old tables: %w", err)
		}
		for _, s := range sequences {
			if _, err := r.tx.ExecContext(ctx, `DROP SEQUENCE IF EXISTS `+quote(s)); err != nil {
				return fmt.Errorf("drop sequence %s: %w", s, err)
			}
		}
		routines, err := docketRoutines()
		if err != nil {
			return err
		}
		for _, rt := range routines {
			if _, err := r.tx.ExecContext(ctx, `DROP `+rt+` CASCADE`); err != nil {
				return fmt.Errorf("drop %s: %w", rt, err)
			}
		}
		return nil
	}
	for _, t := range tables {
		if _, err := r.tx.ExecContext(ctx, `DROP TABLE IF EXISTS `+quote(t)); err != nil {
			return fmt.Errorf("drop table %s: %w", t, err)
		}
	}
	return nil
}

// migrate applies, in order, the migrations want selects.
func (r *restorer) migrate(ctx context.Context, want func(int) bool) error {
	ms, err := db.Migrations(r.d.Dialect)
	if err != nil {
		return err
	}
	for _, mg := range ms {
		if !want(mg.Version) {
			continue
		}
		if _, err := r.tx.ExecContext(ctx, mg.SQL); err != nil {
			return fmt.Errorf("migration %s: %w", mg.Name, err)
		}
		if _, err := r.tx.ExecContext(ctx, r.d.Rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`), mg.Version, db.Now()); err != nil {
			return err
		}
	}
	return nil
}

// finish, once every table is in, renumbers events for this dialect,
// applies the migrations the backup did not have yet, and moves the
// sequences past the restored rows.
func (r *restorer) finish(ctx context.Context, loaded map[string]bool, inBackup map[int]bool) error {
	if r.finished {
		return nil
	}
	r.finished = true
	for _, t := range r.m.Tables {
		if !loaded[t.Name] {
			return fmt.Errorf("%s: table %s was not restored", r.path, t.Name)
		}
	}
	if loaded["domain_events"] && r.m.Dialect != r.d.Dialect {
		if err := r.renumberEvents(ctx); err != nil {
			return fmt.Errorf("renumber events: %w", err)
		}
	}
	if err := r.migrate(ctx, func(v int) bool { return !inBackup[v] }); err != nil {
		return err
	}
	return r.resetSequences(ctx)
}

// renumberEvents keeps consumers' checkpoints pointing where they did.
// SQLite orders events by id and leaves seq empty; PostgreSQL orders them
// by seq, which its sequencer gives committed events. From SQLite, each
// event's seq becomes its id; from PostgreSQL, each event's id becomes its
// seq (events not sequenced yet follow, in id order) and seq is emptied.
func (r *restorer) renumberEvents(ctx context.Context) error {
	if r.d.Dialect == db.Postgres {
		_, err := r.tx.ExecContext(ctx, `UPDATE domain_events SET seq = id WHERE seq IS NULL`)
		return err
	}
	// Ids are negated first, so that no new id meets an old one.
	for _, s := range []string{`UPDATE domain_events SET id = -id`, `UPDATE domain_events SET id = seq WHERE seq IS NOT NULL`} {
		if _, err := r.tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	var next int64
	if err := r.tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM domain_events`).Scan(&next); err != nil {
		return err
	}
	var unsequenced []int64 // negated ids: the highest is the oldest
	if err := scanEach(ctx, r.tx, `SELECT id FROM domain_events WHERE id < 0 ORDER BY id DESC`, nil, func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		unsequenced = append(unsequenced, id)
		return err
	}); err != nil {
		return err
	}
	for _, id := range unsequenced {
		next++
		if _, err := r.tx.ExecContext(ctx, `UPDATE domain_events SET id = ?1 WHERE id = ?2`, next, id); err != nil {
			return err
		}
	}
	_, err := r.tx.ExecContext(ctx, `UPDATE domain_events SET seq = NULL`)
	return err
}

// resetSequences makes the next ticket number and, on PostgreSQL, the next
// id of every table follow the restored ones.
func (r *restorer) resetSequences(ctx context.Context) error {
	if r.d.Dialect == db.SQLite {
		_, err := r.tx.ExecContext(ctx, `UPDATE counters SET value = MAX(value, ?1, (SELECT COALESCE(MAX(number), 0) FROM tickets)) WHERE name = 'ticket_number'`, r.m.TicketNumber)
		return err
	}
	if _, err := r.tx.ExecContext(ctx, `SELECT setval('ticket_number_seq', GREATEST($1::bigint, (SELECT COALESCE(MAX(number), 0) FROM tickets), 1000))`, r.m.TicketNumber); err != nil {
		return fmt.Errorf("ticket numbers: %w", err)
	}
	ts, err := readTables(ctx, r.tx, r.d.Dialect)
	if err != nil {
		return err
	}
	for _, t := range ts {
		for _, c := range t.Columns {
			if !c.Identity {
				continue
			}
			q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX(%s), 0) + 1, false) FROM %s`, quote(c.Name), quote(t.Name))
			if _, err := r.tx.ExecContext(ctx, q, quote(t.Name), c.Name); err != nil {
				return fmt.Errorf("sequence of %s.%s: %w", t.Name, c.Name, err)
			}
		}
	}
	return nil
}

// writeKeyFile installs the backup's key as the key file of a SQLite
// instance that had none.
func (r *restorer) writeKeyFile() error {
	if r.installKey == nil {
		return nil
	}
	if err := os.MkdirAll(r.opts.DataDir, 0o750); err != nil {
		return err
	}
	path := filepath.Join(r.opts.DataDir, secret.KeyFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("install the secret key: %w", err)
	}
	r.created = append(r.created, path)
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(r.installKey) + "\n")
	return errors.Join(werr, f.Sync(), f.Close())
}

// lineReader reads the JSON lines of a table file, however long.
func lineReader(rd io.Reader) *bufio.Reader { return bufio.NewReaderSize(rd, 1<<20) }
