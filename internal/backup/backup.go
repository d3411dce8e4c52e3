// Package backup writes and restores Docket backups: one file holding a
// consistent copy of the database, every attachment's content and the
// secret key, in a portable form that restores into SQLite or PostgreSQL
// whichever the backup came from.
//
// Backup reads everything in one read-only transaction (SQLite: a read
// transaction on a WAL snapshot; PostgreSQL: REPEATABLE READ), so it runs
// while Docket serves and writes. Restore checks the whole file first, then
// lays out the schema, the rows, the sequences and the contents in one
// transaction: it either completes or leaves the database as it was.
package backup

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/docket/docket/internal/attachment"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/secret"
)

// Options configure Backup and Restore.
type Options struct {
	// DataDir is --data: where a directory store keeps attachments
	// (attachments/) and SQLite its key file.
	DataDir string
	// SecretKey is DOCKET_SECRET_KEY; empty means the key file under
	// DataDir (SQLite only).
	SecretKey string
	// AttachmentStore is where Restore puts attachment contents: "dir",
	// "database", or empty for the dialect's default (as serve decides).
	AttachmentStore string
	// Force lets Restore replace a database that holds data.
	Force bool
	// Version is this Docket's version, recorded in the manifest.
	Version string
	// Warn is told what the operator should know that does not stop the
	// work (nil: nobody is told).
	Warn func(string)
}

func (o Options) warn(format string, args ...any) {
	if o.Warn != nil {
		o.Warn(fmt.Sprintf(format, args...))
	}
}

// Backup writes a backup of d, its attachments and the secret key to path,
// replacing the file only once the backup is complete. The file holds the
// secret key: it is created readable by its owner only.
func Backup(ctx context.Context, d *db.DB, path string, opts Options) (*Manifest, error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return nil, err
	}
	m := &Manifest{Format: formatName, FormatVersion: formatVersion, DocketVersion: opts.Version,
		CreatedAt: time.Now().UTC().Truncate(time.Second), Dialect: d.Dialect}
	w := newArchiveWriter(tmp, m.CreatedAt)
	if err := write(ctx, d, w, m, opts); err != nil {
		return nil, err
	}
	if err := errors.Join(w.close(), tmp.Sync(), tmp.Close()); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, err
	}
	ok = true
	if f, err := os.Open(dir); err == nil {
		_ = f.Sync() // make the rename durable
		f.Close()
	}
	return m, nil
}

// write fills the archive from one read-only snapshot of d.
func write(ctx context.Context, d *db.DB, w *archiveWriter, m *Manifest, opts Options) error {
	txOpts := &sql.TxOptions{ReadOnly: true}
	if d.Dialect == db.Postgres {
		txOpts.Isolation = sql.LevelRepeatableRead
	}
	_, r := d.Pools()
	tx, err := db.Begin(ctx, r, txOpts)
	if err != nil {
		return fmt.Errorf("begin the snapshot: %w", err)
	}
	defer tx.Rollback()
	if err := scanEach(ctx, tx, `SELECT version FROM schema_migrations ORDER BY version`, nil, func(r *sql.Rows) error {
		var v int
		err := r.Scan(&v)
		m.Migrations = append(m.Migrations, v)
		m.SchemaVersion = v
		return err
	}); err != nil || len(m.Migrations) == 0 {
		return fmt.Errorf("no Docket database to back up (%v)", err)
	}
	if err := knownMigrations(d.Dialect, m.Migrations, "this database"); err != nil {
		return err
	}
	tables, err := readTables(ctx, tx, d.Dialect)
	if err != nil {
		return err
	}
	spool, err := os.CreateTemp("", "docket-backup-table-*")
	if err != nil {
		return err
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	for _, t := range tables {
		if skipped[t.Name] {
			continue
		}
		e, err := writeTable(ctx, tx, t, w, spool)
		if err != nil {
			return fmt.Errorf("back up table %s: %w", t.Name, err)
		}
		m.Tables = append(m.Tables, e)
	}
	if m.TicketNumber, err = lastTicketNumber(ctx, tx, d.Dialect); err != nil {
		return fmt.Errorf("read the ticket number: %w", err)
	}
	if err := writeContents(ctx, tx, tables, w, m, opts); err != nil {
		return err
	}
	if err := writeKey(w, m, opts); err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if _, err := w.add(manifestName, int64(len(b)), bytes.NewReader(b)); err != nil {
		return err
	}
	return tx.Commit()
}

// writeTable spools the rows of t as JSON lines, then adds them to the
// archive (a tar entry needs its size first).
func writeTable(ctx context.Context, tx *sql.Tx, t table, w *archiveWriter, spool *os.File) (TableEntry, error) {
	e := TableEntry{Name: t.Name, File: tablesDir + t.Name + ".jsonl", Columns: t.Columns}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return e, err
	}
	if err := spool.Truncate(0); err != nil {
		return e, err
	}
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = quote(c.Name)
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+strings.Join(names, ", ")+" FROM "+quote(t.Name)+" ORDER BY 1")
	if err != nil {
		return e, err
	}
	defer rows.Close()
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var buf bytes.Buffer
	var size int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return e, err
		}
		buf.Reset()
		if err := encodeRow(&buf, t.Columns, vals); err != nil {
			return e, fmt.Errorf("row %d: %w", e.Rows+1, err)
		}
		n, err := spool.Write(buf.Bytes())
		if err != nil {
			return e, err
		}
		size += int64(n)
		e.Rows++
	}
	if err := rows.Err(); err != nil {
		return e, err
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return e, err
	}
	e.SHA256, err = w.add(e.File, size, spool)
	return e, err
}

// lastTicketNumber is the last ticket number handed out: SQLite counts in
// a row of counters, PostgreSQL in a sequence (which is read outside the
// snapshot, and so may be ahead of it: numbers are never handed out twice).
func lastTicketNumber(ctx context.Context, tx *sql.Tx, dialect db.Dialect) (int64, error) {
	var n int64
	if dialect == db.Postgres {
		var called bool
		if err := tx.QueryRowContext(ctx, `SELECT last_value, is_called FROM ticket_number_seq`).Scan(&n, &called); err != nil {
			return 0, err
		}
		if !called {
			n--
		}
		return n, nil
	}
	err := tx.QueryRowContext(ctx, `SELECT value FROM counters WHERE name = 'ticket_number'`).Scan(&n)
	return n, err
}

// writeContents adds the content of every attachment the rows name, and
// of every content kept in the database, from whichever store has it: the
// database (attachment_blobs, read in the snapshot) or the directory store
// under DataDir (files never change once written, since they are named by
// their content).
func writeContents(ctx context.Context, tx *sql.Tx, tables []table, w *archiveWriter, m *Manifest, opts Options) error {
	inDB := map[string]bool{}
	hasBlobs := false
	for _, t := range tables {
		hasBlobs = hasBlobs || t.Name == "attachment_blobs"
	}
	sums := map[string]string{} // sum → a file name, for messages
	if hasBlobs {
		if err := scanEach(ctx, tx, `SELECT sha256 FROM attachment_blobs`, nil, func(r *sql.Rows) error {
			var s string
			err := r.Scan(&s)
			inDB[s], sums[s] = true, ""
			return err
		}); err != nil {
			return err
		}
	}
	if err := scanEach(ctx, tx, `SELECT sha256, MIN(filename) FROM attachments GROUP BY sha256`, nil, func(r *sql.Rows) error {
		var s, name string
		err := r.Scan(&s, &name)
		sums[s] = name
		return err
	}); err != nil {
		return err
	}
	order := make([]string, 0, len(sums))
	for s := range sums {
		order = append(order, s)
	}
	sort.Strings(order)
	for _, s := range order {
		if !shaName.MatchString(s) {
			return fmt.Errorf("attachment %q: not a SHA-256", s)
		}
		var sum string
		var size int64
		var err error
		if inDB[s] {
			var data []byte
			if err := tx.QueryRowContext(ctx, db.Rebind(m.Dialect, `SELECT data FROM attachment_blobs WHERE sha256 = $1`), s).Scan(&data); err != nil {
				return fmt.Errorf("attachment %s: %w", s, err)
			}
			size = int64(len(data))
			sum, err = w.add(filesDir+s, size, bytes.NewReader(data))
		} else {
			size, sum, err = addFile(w, s, opts.DataDir)
			if errors.Is(err, fs.ErrNotExist) {
				opts.warn("attachment %s (%s) is in no store; the backup names it without its content", s, sums[s])
				m.Attachments.Missing = append(m.Attachments.Missing, s)
				continue
			}
		}
		if err != nil {
			return fmt.Errorf("attachment %s: %w", s, err)
		}
		if sum != s {
			return fmt.Errorf("attachment %s: its stored content does not match its checksum (damaged store)", s)
		}
		m.Attachments.Count++
		m.Attachments.Bytes += size
	}
	return nil
}

func addFile(w *archiveWriter, sum, dataDir string) (int64, string, error) {
	f, err := os.Open(attachment.ContentPath(attachment.DirIn(dataDir), sum))
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, "", err
	}
	got, err := w.add(filesDir+sum, info.Size(), f)
	return info.Size(), got, err
}

// writeKey adds the secret key: DOCKET_SECRET_KEY, else the key file.
func writeKey(w *archiveWriter, m *Manifest, opts Options) error {
	key, err := readKey(opts)
	if err != nil {
		return err
	}
	if key == nil {
		opts.warn("there is no secret key (no DOCKET_SECRET_KEY and no %s): the backup has none", filepath.Join(opts.DataDir, secret.KeyFile))
		return nil
	}
	text := []byte(base64.StdEncoding.EncodeToString(key) + "\n")
	sum, err := w.add(keyName, int64(len(text)), bytes.NewReader(text))
	m.SecretKey = &FileEntry{File: keyName, SHA256: sum}
	return err
}

// readKey returns the raw key in use, or nil when there is none yet.
func readKey(opts Options) ([]byte, error) {
	text := opts.SecretKey
	source := "DOCKET_SECRET_KEY"
	if strings.TrimSpace(text) == "" {
		path := filepath.Join(opts.DataDir, secret.KeyFile)
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		text, source = string(b), path
	}
	return decodeKey(text, source)
}

func decodeKey(text, source string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("%s is not a valid key (32 bytes in base64)", source)
	}
	return k, nil
}
