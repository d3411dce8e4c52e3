package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/docket/docket/internal/backup"
	"github.com/docket/docket/internal/config"
	"github.com/docket/docket/internal/db"
)

// backupCmd writes a backup of the database, the attachments and the
// secret key to one file, while Docket may be serving.
func backupCmd(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet("backup")
	cfg, validate := config.Bind(fs, config.ScopeDB, env.Getenv)
	file, err := parseArgs(env, fs, args, validate, "FILE")
	if err != nil {
		return err
	}
	// Never create or migrate the database backed up: it may belong to a
	// running Docket of another version.
	if cfg.DatabaseURL == "" {
		if _, err := os.Stat(db.SQLitePath(cfg.Data)); err != nil {
			return fmt.Errorf("no Docket database at %s (see --data and --database-url)", db.SQLitePath(cfg.Data))
		}
	}
	d, err := db.Open(ctx, db.Options{URL: cfg.DatabaseURL, DataDir: cfg.Data, Synchronous: cfg.SQLiteSync})
	if err != nil {
		return err
	}
	defer d.Close()
	m, err := backup.Backup(ctx, d, file, options(env, cfg))
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(env.Stdout, "backed up %s to %s\n", summary(m), file)
	return nil
}

// restoreCmd replaces the database with a backup.
func restoreCmd(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet("restore")
	cfg, validate := config.Bind(fs, config.ScopeRestore, env.Getenv)
	force := fs.Bool("force", false, "replace a database that holds data")
	file, err := parseArgs(env, fs, args, validate, "FILE")
	if err != nil {
		return err
	}
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("restore: %w", unwrapPath(err))
	}
	// What restore creates for a SQLite database it removes again on failure.
	freshDir, freshDB := false, false
	if cfg.DatabaseURL == "" {
		_, err := os.Stat(cfg.Data)
		freshDir = errors.Is(err, os.ErrNotExist)
		_, err = os.Stat(db.SQLitePath(cfg.Data))
		freshDB = errors.Is(err, os.ErrNotExist)
	}
	d, err := db.Open(ctx, db.Options{URL: cfg.DatabaseURL, DataDir: cfg.Data, Synchronous: cfg.SQLiteSync})
	if err != nil {
		return err
	}
	opts := options(env, cfg)
	opts.Force = *force
	m, err := backup.Restore(ctx, d, file, opts)
	d.Close()
	if err != nil {
		if freshDB {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(db.SQLitePath(cfg.Data) + suffix)
			}
		}
		if freshDir {
			os.RemoveAll(cfg.Data)
		}
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(env.Stdout, "restored %s from %s into %s\n", summary(m), file, d.Dialect)
	return nil
}

func options(env Env, cfg *config.Config) backup.Options {
	return backup.Options{DataDir: cfg.Data, SecretKey: cfg.SecretKey, AttachmentStore: cfg.AttachmentStore, Version: Version,
		Warn: func(s string) { fmt.Fprintln(env.Stderr, "docket: warning: "+oneLine(s)) }}
}

func summary(m *backup.Manifest) string {
	var rows int64
	for _, t := range m.Tables {
		rows += t.Rows
	}
	return fmt.Sprintf("%s database of %s (schema %d): %d tables, %d rows, %d attachments (%d bytes)",
		m.Dialect, m.CreatedAt.Format("2006-01-02 15:04:05 UTC"), m.SchemaVersion, len(m.Tables), rows, m.Attachments.Count, m.Attachments.Bytes)
}

// unwrapPath shortens "stat FILE: no such file" to "FILE: no such file".
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}
