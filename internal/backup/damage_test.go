package backup_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/backup"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// rewrite copies the backup file at path to a new file, changing entries
// with edit (which returns an entry's new content).
func rewrite(t *testing.T, path string, edit func(name string, b []byte) []byte) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "edited.backup")
	o, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	gw := gzip.NewWriter(o)
	tw := tar.NewWriter(gw)
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		b = edit(h.Name, b)
		h.Size = int64(len(b))
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := errors.Join(tw.Close(), gw.Close()); err != nil {
		t.Fatal(err)
	}
	return out
}

// editManifest changes the manifest of a backup file.
func editManifest(t *testing.T, path string, fn func(m map[string]any)) string {
	return rewrite(t, path, func(name string, b []byte) []byte {
		if name != "manifest.json" {
			return b
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		fn(m)
		out, _ := json.Marshal(m)
		return out
	})
}

// sum is the hex SHA-256 of b.
func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestRestoreRefusesBadFiles: a damaged or altered file, or one of a newer
// schema, is refused with a one-line reason before anything is touched.
func TestRestoreRefusesBadFiles(t *testing.T) {
	src := newSource(t, db.SQLite)
	file := src.backup(t)
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	write := func(b []byte) string {
		p := filepath.Join(t.TempDir(), "bad.backup")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := bytes.Clone(raw)
	flipped[len(flipped)/2] ^= 0xff
	cases := []struct{ name, file, want string }{
		{"not a backup", write([]byte("hello, world\n")), "not a gzip file"},
		{"truncated", write(raw[:len(raw)/2]), "not a usable Docket backup"},
		{"a flipped byte", write(flipped), "not a usable Docket backup"},
		{"a changed row", rewrite(t, file, func(name string, b []byte) []byte {
			if name == "tables/tickets.jsonl" {
				return bytes.Replace(b, []byte("VPN disconnects"), []byte("VPN disconnectz"), 1)
			}
			return b
		}), "table tickets: checksum mismatch"},
		{"a changed attachment", rewrite(t, file, func(name string, b []byte) []byte {
			if strings.HasPrefix(name, "attachments/") {
				b = bytes.Clone(b)
				b[0]++
			}
			return b
		}), "checksum mismatch"},
		{"no manifest", rewrite(t, file, func(name string, b []byte) []byte {
			if name == "manifest.json" {
				return []byte(`{"format":"something else"}`)
			}
			return b
		}), `format "something else"`},
		{"a newer format", editManifest(t, file, func(m map[string]any) { m["format_version"] = 99 }), "made by a newer Docket"},
		{"a newer schema", editManifest(t, file, func(m map[string]any) {
			m["migrations"] = append(m["migrations"].([]any), 9999)
			m["schema_version"] = 9999
		}), "schema version 9999, which this Docket"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dst, data := emptyDB(t, db.SQLite)
			_, err := backup.Restore(context.Background(), dst, c.file, backup.Options{DataDir: data})
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("restore: %v, want one line with %q", err, c.want)
			}
			var n int
			if err := dst.R.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM sqlite_master`).Scan(&n); err != nil || n != 0 {
				t.Errorf("the refused restore left %d schema objects (%v)", n, err)
			}
			if _, err := os.Stat(filepath.Join(data, "secret.key")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the refused restore installed a key: %v", err)
			}
		})
	}
}

// TestRestoreIsAtomic: a restore that fails late (a row that refers to a
// ticket that is not there, with checksums that match: PostgreSQL refuses
// it at once, SQLite when it checks the keys after the attachments are
// written) leaves the database, the attachments directory and the key as
// they were.
func TestRestoreIsAtomic(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect db.Dialect) {
		src := newSource(t, dialect)
		if _, err := src.s.Attachments.Save(context.Background(), apptest.User(t, src.s, user.RoleAgent, ""), "only.txt", "text/plain",
			strings.NewReader("only in the source")); err != nil {
			t.Fatal(err)
		}
		const table = "tables/ticket_tags.jsonl"
		var edited []byte
		bad := rewrite(t, src.backup(t), func(name string, b []byte) []byte {
			if name == table {
				edited = append(bytes.Clone(b), []byte(`[99999,"ghost"]`+"\n")...)
				return edited
			}
			return b
		})
		bad = editManifest(t, bad, func(m map[string]any) {
			for _, tb := range m["tables"].([]any) {
				if e := tb.(map[string]any); e["file"] == table {
					e["sha256"] = sum(edited)
					e["rows"] = e["rows"].(float64) + 1
				}
			}
		})
		other := newSource(t, dialect)
		before := backup.Dump(t, other.s.DB)
		files := countFiles(t, other.cfg.Data)
		opts := backup.Options{DataDir: other.cfg.Data, SecretKey: other.cfg.SecretKey, AttachmentStore: "dir", Force: true}
		if _, err := backup.Restore(context.Background(), other.s.DB, bad, opts); err == nil {
			t.Fatal("restore of a tag of a missing ticket succeeded")
		}
		if diff := backup.DiffDumps(before, backup.Dump(t, other.s.DB)); diff != "" {
			t.Fatalf("a failed restore changed the database:\n%s", diff)
		}
		if n := countFiles(t, other.cfg.Data); n != files {
			t.Errorf("a failed restore left %d files under the data directory, want %d", n, files)
		}
	})
}

func countFiles(t *testing.T, dir string) int {
	n := 0
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			n++
		}
		return err
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return n
}

// TestNewerDatabaseRefused: a database migrated by a newer Docket is
// neither backed up (its newer tables would be missed) nor restored into.
func TestNewerDatabaseRefused(t *testing.T) {
	ctx := context.Background()
	src := newSource(t, db.SQLite)
	file := src.backup(t)
	if _, err := src.s.DB.W.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	const want = "schema version 9999, which this Docket"
	if _, err := backup.Backup(ctx, src.s.DB, filepath.Join(t.TempDir(), "b"), backup.Options{DataDir: src.cfg.Data}); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("backup of a newer database: %v, want %q", err, want)
	}
	_, err := backup.Restore(ctx, src.s.DB, file, backup.Options{DataDir: src.cfg.Data, SecretKey: src.cfg.SecretKey, Force: true})
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("restore into a newer database: %v, want %q", err, want)
	}
}
