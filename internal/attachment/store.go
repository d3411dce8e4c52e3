package attachment

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/docket/docket/internal/db"
)

// Store keeps file contents, once per SHA-256 of the content. The Service
// decides who may read them; a Store only stores.
type Store interface {
	// Put stores the size bytes spooled in f under sum (lower-case hex
	// SHA-256) unless the store has them already. f is positioned at its
	// start; the store may take it over by renaming it, and the caller
	// removes it afterwards if it is still there.
	Put(ctx context.Context, sum string, size int64, f *os.File) error
	// Open returns the content stored under sum, or an error wrapping
	// fs.ErrNotExist when there is none.
	Open(ctx context.Context, sum string) (io.ReadSeekCloser, error)
	// Exists reports whether content is stored under sum.
	Exists(ctx context.Context, sum string) (bool, error)
	// Delete removes the content stored under sum, if any. A store in the
	// database deletes it in the transaction ctx carries (db.WithinTx).
	Delete(ctx context.Context, sum string) error
}

// DirStore keeps contents as files in a directory, named by their hash and
// fanned out over two levels of subdirectories.
type DirStore struct {
	dir string
}

// NewDirStore stores files under dir, creating it (and its tmp directory
// for uploads in progress) if needed.
func NewDirStore(dir string) (*DirStore, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o750); err != nil {
		return nil, fmt.Errorf("attachment: create %s: %w", dir, err)
	}
	return &DirStore{dir: dir}, nil
}

// SpoolDir is where uploads should be spooled: on the same file system as
// the store, so Put is a rename.
func (s *DirStore) SpoolDir() string { return filepath.Join(s.dir, "tmp") }

// DirIn is the directory store's directory inside a data directory.
func DirIn(dataDir string) string { return filepath.Join(dataDir, "attachments") }

// ContentPath is where a directory store in dir keeps the content with
// this hash.
func ContentPath(dir, sum string) string {
	return filepath.Join(dir, sum[0:2], sum[2:4], sum)
}

// Path is where the store keeps the content with this hash.
func (s *DirStore) Path(sum string) string { return ContentPath(s.dir, sum) }

// Put moves f into place unless a file with this hash exists already.
func (s *DirStore) Put(ctx context.Context, sum string, size int64, f *os.File) error {
	final := s.Path(sum)
	if _, err := os.Stat(final); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), final); err != nil {
		// f was spooled on another file system: copy it next to final first.
		tmp, cerr := os.CreateTemp(filepath.Join(s.dir, "tmp"), "put-*")
		if cerr != nil {
			return errors.Join(err, cerr)
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		if _, err := io.Copy(tmp, f); err != nil {
			return err
		}
		if err := tmp.Sync(); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), final); err != nil {
			return err
		}
	}
	if d, err := os.Open(filepath.Dir(final)); err == nil {
		_ = d.Sync() // make the rename durable before the row that points to it exists
		d.Close()
	}
	return nil
}

// Open opens the file with this hash.
func (s *DirStore) Open(ctx context.Context, sum string) (io.ReadSeekCloser, error) {
	return os.Open(s.Path(sum))
}

// Exists reports whether the file with this hash is there.
func (s *DirStore) Exists(ctx context.Context, sum string) (bool, error) {
	_, err := os.Stat(s.Path(sum))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// Delete removes the file with this hash.
func (s *DirStore) Delete(ctx context.Context, sum string) error {
	if err := os.Remove(s.Path(sum)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// DBStore keeps contents in the database itself (table attachment_blobs),
// so instances sharing a PostgreSQL database need no shared directory.
type DBStore struct {
	db *db.DB
	q  *db.Queries
}

// NewDBStore stores contents in d.
func NewDBStore(d *db.DB) (*DBStore, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.Dialect)
	if err != nil {
		return nil, err
	}
	return &DBStore{db: d, q: q}, nil
}

// Put inserts the content unless a row with this hash exists already.
func (s *DBStore) Put(ctx context.Context, sum string, size int64, f *os.File) error {
	var one int
	err := s.db.R.QueryRowContext(ctx, s.q.Get("blob-exists"), sum).Scan(&one)
	if err == nil {
		return nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return err
	}
	// Two uploads of the same content may race to here: the second insert
	// does nothing, and the rows would have been equal anyway.
	_, err = s.db.W.ExecContext(ctx, s.q.Get("insert-blob"), sum, data, size, db.Now())
	return err
}

// Open reads the whole content from the database into memory; contents are
// bounded by --max-upload.
func (s *DBStore) Open(ctx context.Context, sum string) (io.ReadSeekCloser, error) {
	var data []byte
	err := s.db.R.QueryRowContext(ctx, s.q.Get("select-blob"), sum).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("content %s: %w", sum, fs.ErrNotExist)
	} else if err != nil {
		return nil, err
	}
	return nopCloser{bytes.NewReader(data)}, nil
}

// Exists reports whether a row with this hash is there.
func (s *DBStore) Exists(ctx context.Context, sum string) (bool, error) {
	var one int
	err := s.db.R.QueryRowContext(ctx, s.q.Get("blob-exists"), sum).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// Delete deletes the row with this hash, in the transaction ctx carries.
func (s *DBStore) Delete(ctx context.Context, sum string) error {
	return s.db.WithTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, s.q.Get("delete-blob"), sum)
		return err
	})
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }
