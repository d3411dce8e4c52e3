package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/docket/docket/internal/attachment"
	"github.com/docket/docket/internal/db"
)

// Rows go in by batches of one INSERT each, below both dialects' limits on
// parameters and with a bound on the memory a batch takes.
const (
	maxParams     = 30000
	maxBatchRows  = 500
	maxBatchBytes = 8 << 20
)

// loadTable inserts the rows of the table file rd into the target table
// of the same name. Columns that refer to the table itself are filled in
// after all its rows are in, since a row may point to a later one.
func (r *restorer) loadTable(ctx context.Context, t TableEntry, rd io.Reader) error {
	target, ok := r.tables[t.Name]
	if !ok {
		return fmt.Errorf("%s: table %s is not in the schema of the backup's migrations", r.path, t.Name)
	}
	to := make([]Column, len(t.Columns))
	names := make([]string, len(t.Columns))
	identity := false
	self := map[int]bool{}
	idCol := -1
	for i, c := range t.Columns {
		tc, ok := target.column(c.Name)
		if !ok {
			return fmt.Errorf("%s: column %s.%s is not in the schema of the backup's migrations", r.path, t.Name, c.Name)
		}
		to[i], names[i] = tc, quote(c.Name)
		identity = identity || tc.Identity
		if c.Name == "id" {
			idCol = i
		}
		for _, s := range target.SelfRefs {
			if s == c.Name {
				self[i] = true
			}
		}
	}
	if len(self) > 0 && idCol < 0 {
		return fmt.Errorf("table %s refers to itself but has no id column", t.Name)
	}
	// Rows a migration put in (the ticket counter) make way for the backup's.
	if _, err := r.tx.ExecContext(ctx, "DELETE FROM "+quote(t.Name)); err != nil {
		return err
	}
	prefix := "INSERT INTO " + quote(t.Name) + " (" + strings.Join(names, ", ") + ")"
	if identity {
		prefix += " OVERRIDING SYSTEM VALUE" // keep the ids: other tables refer to them
	}
	b := &batch{r: r, prefix: prefix + " VALUES ", width: len(names)}
	type later struct {
		col     int
		id, ref any
	}
	var refs []later
	lines := lineReader(rd)
	var n int64
	for {
		line, err := lines.ReadBytes('\n')
		if len(line) > 0 {
			n++
			vals, derr := decodeRow(line, t.Columns, to)
			if derr != nil {
				return fmt.Errorf("%s: table %s, row %d: %w", r.path, t.Name, n, derr)
			}
			for i, v := range vals {
				if s, ok := v.(string); ok && r.from != nil && strings.HasPrefix(s, "v1:") {
					if vals[i], derr = r.reseal(s); derr != nil {
						return derr
					}
				}
				if self[i] && v != nil {
					refs = append(refs, later{i, vals[idCol], v})
					vals[i] = nil
				}
			}
			if err := b.add(ctx, vals, len(line)); err != nil {
				return fmt.Errorf("restore table %s: %w", t.Name, err)
			}
		}
		if err == io.EOF {
			break
		} else if err != nil {
			return err
		}
	}
	if err := b.flush(ctx); err != nil {
		return fmt.Errorf("restore table %s: %w", t.Name, err)
	}
	for _, l := range refs {
		q := r.d.Rebind(fmt.Sprintf(`UPDATE %s SET %s = $1 WHERE id = $2`, quote(t.Name), names[l.col]))
		if _, err := r.tx.ExecContext(ctx, q, l.ref, l.id); err != nil {
			return fmt.Errorf("restore table %s: %w", t.Name, err)
		}
	}
	return nil
}

// reseal opens a value sealed with the backup's key and seals it with this
// instance's; a value that does not open with the backup's key is text
// that merely looks sealed, and stays as it is.
func (r *restorer) reseal(s string) (string, error) {
	plain, err := r.from.Unseal(s)
	if err != nil {
		return s, nil
	}
	return r.to.Seal(plain)
}

type batch struct {
	r      *restorer
	prefix string
	width  int
	args   []any
	rows   int
	bytes  int
}

func (b *batch) add(ctx context.Context, vals []any, size int) error {
	b.args = append(b.args, vals...)
	b.rows++
	b.bytes += size
	if b.rows >= maxBatchRows || len(b.args)+b.width > maxParams || b.bytes >= maxBatchBytes {
		return b.flush(ctx)
	}
	return nil
}

func (b *batch) flush(ctx context.Context) error {
	if b.rows == 0 {
		return nil
	}
	var q strings.Builder
	q.WriteString(b.prefix)
	p := 0
	for i := 0; i < b.rows; i++ {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for j := 0; j < b.width; j++ {
			if j > 0 {
				q.WriteString(", ")
			}
			p++
			fmt.Fprintf(&q, "$%d", p)
		}
		q.WriteByte(')')
	}
	_, err := b.r.tx.ExecContext(ctx, b.r.d.Rebind(q.String()), b.args...)
	b.args, b.rows, b.bytes = b.args[:0], 0, 0
	return err
}

// putContent stores one attachment content in the target's store: a row
// of attachment_blobs in the transaction, or a file in the directory store
// (removed again if the restore fails; files are named by their content,
// so one that is there already is kept).
func (r *restorer) putContent(ctx context.Context, sum string, size int64, rd io.Reader) error {
	if r.store == "database" {
		data, err := io.ReadAll(rd)
		if err != nil {
			return err
		}
		var at int64
		err = r.tx.QueryRowContext(ctx, r.d.Rebind(`SELECT COALESCE(MIN(created_at), $2) FROM attachments WHERE sha256 = $1`), sum, db.Now()).Scan(&at)
		if err != nil {
			return err
		}
		_, err = r.tx.ExecContext(ctx, r.d.Rebind(`INSERT INTO attachment_blobs (sha256, data, size, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING`),
			sum, data, size, at)
		return err
	}
	store, err := r.dirStore()
	if err != nil {
		return err
	}
	if ok, err := store.Exists(ctx, sum); err != nil || ok {
		return err
	}
	f, err := os.CreateTemp(store.SpoolDir(), "restore-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := io.Copy(f, rd); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if err := store.Put(ctx, sum, size, f); err != nil {
		return fmt.Errorf("attachment %s: %w", sum, err)
	}
	r.created = append(r.created, store.Path(sum))
	return nil
}

func (r *restorer) dirStore() (*attachment.DirStore, error) {
	if r.dir != nil {
		return r.dir, nil
	}
	if r.opts.DataDir == "" {
		return nil, errors.New("no data directory for the attachments")
	}
	var err error
	r.dir, err = attachment.NewDirStore(attachment.DirIn(r.opts.DataDir))
	return r.dir, err
}
