package attachment_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/attachment"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// hookStore runs afterPut once after a Put, to prune at the worst moment.
type hookStore struct {
	attachment.Store
	afterPut func()
}

func (h *hookStore) Put(ctx context.Context, sum string, size int64, f *os.File) error {
	err := h.Store.Put(ctx, sum, size, f)
	if fn := h.afterPut; fn != nil {
		h.afterPut = nil
		fn()
	}
	return err
}

// TestPruneUnattached runs on both stores on both databases: uploads older
// than the cutoff that were never attached go, with their content unless
// another attachment has the same content; attached and recent uploads
// stay. An upload of the same content while its last copy is pruned keeps
// its content.
func TestPruneUnattached(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		// Services without their job runner: its own pruning must not
		// race this test's.
		s, err := app.Build(context.Background(), d, apptest.Config(t), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Run("dir", func(t *testing.T) {
			files, err := attachment.NewDirStore(filepath.Join(t.TempDir(), "attachments"))
			if err != nil {
				t.Fatal(err)
			}
			testPrune(t, d, s, files, files.SpoolDir())
		})
		t.Run("database", func(t *testing.T) {
			blobs, err := attachment.NewDBStore(d)
			if err != nil {
				t.Fatal(err)
			}
			testPrune(t, d, s, blobs, t.TempDir())
		})
	})
}

func testPrune(t *testing.T, d *db.DB, s *app.Services, inner attachment.Store, spool string) {
	ctx := context.Background()
	store := &hookStore{Store: inner}
	att, err := attachment.New(d, s.Tickets, attachment.Options{Store: store, SpoolDir: spool, MaxSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	a := apptest.User(t, s, user.RoleAgent, "")
	now := time.Now()
	save := func(name, content string, age time.Duration) *attachment.Attachment {
		t.Helper()
		up, err := att.Save(ctx, a, name, "text/plain", strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.W.ExecContext(ctx, d.Rebind(`UPDATE attachments SET created_at = $2 WHERE id = $1`), up.ID,
			now.Add(-age).UnixMicro()); err != nil {
			t.Fatal(err)
		}
		return up
	}
	day := 24 * time.Hour
	abandoned := save("abandoned.txt", "only here "+t.Name(), 2*day)
	sharedOld := save("shared-old.txt", "shared "+t.Name(), 2*day)
	sharedNew := save("shared-new.txt", "shared "+t.Name(), time.Hour)
	recent := save("recent.txt", "recent "+t.Name(), day-time.Hour)
	attached := save("attached.txt", "attached "+t.Name(), 3*day)
	tk := apptest.Ticket(t, s, a)
	if _, err := s.Tickets.Reply(ctx, a, tk.Number, ticket.NewReply{Body: "see file", Internal: true,
		Attachments: []string{attached.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := att.PruneUnattached(ctx, now.Add(-day)); err != nil {
		t.Fatal(err)
	}
	exists := func(id string) bool {
		var n int
		if err := d.R.QueryRowContext(ctx, d.Rebind(`SELECT COUNT(*) FROM attachments WHERE id = $1`), id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	stored := func(sum string) bool {
		ok, err := inner.Exists(ctx, sum)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for _, c := range []struct {
		up         *attachment.Attachment
		row, bytes bool
	}{{abandoned, false, false}, {sharedOld, false, true}, {sharedNew, true, true}, {recent, true, true}, {attached, true, true}} {
		if row, bytes := exists(c.up.ID), stored(c.up.SHA256); row != c.row || bytes != c.bytes {
			t.Errorf("%s: row kept %v, content kept %v; want %v, %v", c.up.Filename, row, bytes, c.row, c.bytes)
		}
	}
	if _, f, err := att.Open(ctx, a, attached.ID); err != nil {
		t.Errorf("the attached file: %v", err)
	} else {
		f.Close()
	}

	// The same content is uploaded again just as its only, abandoned copy
	// is pruned: after Put found the content there, pruning deletes it.
	last := save("last.txt", "last copy "+t.Name(), 2*day)
	store.afterPut = func() {
		if _, err := att.PruneUnattached(ctx, now.Add(-day)); err != nil {
			t.Error(err)
		}
		if exists(last.ID) || stored(last.SHA256) {
			t.Error("the abandoned copy was not pruned")
		}
	}
	again := save("again.txt", "last copy "+t.Name(), 0)
	_, f, err := att.Open(ctx, a, again.ID)
	if err != nil {
		t.Fatalf("the upload made while its content was pruned: %v", err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if string(b) != "last copy "+t.Name() {
		t.Fatalf("read back %q", b)
	}
}
