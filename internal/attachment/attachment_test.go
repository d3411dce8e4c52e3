package attachment_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/attachment"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

func TestCleanFilename(t *testing.T) {
	cases := map[string]string{
		"report.pdf":                      "report.pdf",
		"../../etc/passwd":                "passwd",
		`C:\Users\bob\evil.exe`:           "evil.exe",
		"a\x00b\nc.txt":                   "a_b_c.txt",
		"":                                "attachment",
		"..":                              "attachment",
		`quote".txt`:                      "quote_.txt",
		strings.Repeat("x", 300) + ".log": strings.Repeat("x", 196) + ".log",
	}
	for in, want := range cases {
		if got := attachment.CleanFilename(in); got != want {
			t.Errorf("CleanFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSaveDedupesAndLimits runs on both stores on both databases.
func TestSaveDedupesAndLimits(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		t.Run("dir", func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "attachments")
			files, err := attachment.NewDirStore(dir)
			if err != nil {
				t.Fatal(err)
			}
			testSave(t, d, s, files, files.SpoolDir(), func() int {
				n := 0
				filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
					if err == nil && e.Type().IsRegular() {
						n++
					}
					return nil
				})
				return n
			})
		})
		t.Run("database", func(t *testing.T) {
			blobs, err := attachment.NewDBStore(d)
			if err != nil {
				t.Fatal(err)
			}
			testSave(t, d, s, blobs, t.TempDir(), func() int {
				var n int
				if err := d.R.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM attachment_blobs").Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			})
		})
	})
}

// testSave saves identical content twice and checks it is stored once
// (count tells how many contents the store holds), reads back, is
// refused over the limit and is hidden from others.
func testSave(t *testing.T, d *db.DB, s *app.Services, store attachment.Store, spool string, count func() int) {
	ctx := context.Background()
	a := apptest.User(t, s, user.RoleAgent, "")
	other := apptest.User(t, s, user.RoleAgent, "")
	att, err := attachment.New(d, s.Tickets, attachment.Options{Store: store, SpoolDir: spool, MaxSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	one, err := att.Save(ctx, a, "a.txt", "text/plain", strings.NewReader("0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	two, err := att.Save(ctx, a, "b.txt", "text/plain", strings.NewReader("0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	if one.ID == two.ID || one.SHA256 != two.SHA256 {
		t.Fatalf("ids %s %s, hashes %s %s", one.ID, two.ID, one.SHA256, two.SHA256)
	}
	if n := count(); n != 1 {
		t.Errorf("%d contents stored for identical content, want 1", n)
	}
	if _, err := att.Save(ctx, a, "big.txt", "text/plain", strings.NewReader("01234567890")); !errors.Is(err, fault.ErrTooLarge) {
		t.Errorf("11 bytes over a 10-byte limit: %v", err)
	}
	for _, up := range []*attachment.Attachment{one, two} {
		got, f, err := att.Open(ctx, a, up.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(f)
		f.Close()
		if string(b) != "0123456789" || got.Filename != up.Filename {
			t.Errorf("read back %q as %q, want %q", b, got.Filename, up.Filename)
		}
	}
	if _, _, err := att.Open(ctx, other, one.ID); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("another agent opened an unattached upload: %v", err)
	}
	if _, err := store.Open(ctx, strings.Repeat("0", 64)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("opening content that was never stored: %v, want fs.ErrNotExist", err)
	}
	if entries, _ := os.ReadDir(spool); len(entries) != 0 {
		t.Errorf("%d files left in the spool directory", len(entries))
	}
}
