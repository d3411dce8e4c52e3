package attachment_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

func TestSaveDedupesAndLimits(t *testing.T) {
	ctx := context.Background()
	d := apptest.DB(t, db.SQLite)
	cfg := apptest.Config(t)
	s := apptest.Services(t, d)
	a := apptest.User(t, s, user.RoleAgent, "")
	other := apptest.User(t, s, user.RoleAgent, "")
	files, err := attachment.NewDirStore(filepath.Join(cfg.Data, "attachments"))
	if err != nil {
		t.Fatal(err)
	}
	att, err := attachment.New(d, s.Tickets, attachment.Options{Store: files, SpoolDir: files.SpoolDir(), MaxSize: 10})
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
	var blobs int
	filepath.Walk(filepath.Join(cfg.Data, "attachments"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			blobs++
		}
		return nil
	})
	if blobs != 1 {
		t.Errorf("%d files on disk for identical content, want 1", blobs)
	}
	if _, err := att.Save(ctx, a, "big.txt", "text/plain", strings.NewReader("01234567890")); !errors.Is(err, fault.ErrTooLarge) {
		t.Errorf("11 bytes over a 10-byte limit: %v", err)
	}
	got, f, err := att.Open(ctx, a, one.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if string(b) != "0123456789" || got.Filename != "a.txt" {
		t.Errorf("read back %q as %q", b, got.Filename)
	}
	if _, _, err := att.Open(ctx, other, one.ID); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("another agent opened an unattached upload: %v", err)
	}
}
