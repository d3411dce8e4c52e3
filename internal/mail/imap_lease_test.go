package mail_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail"
)

// The IMAP checkpoint only moves forward, whatever order the writes of a
// current and a stale fetcher arrive in.
func TestIMAPCheckpointNeverGoesBackwards(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		f := mail.NewFetcher(e.im, e.s.Mailboxes, slog.New(slog.NewTextHandler(io.Discard, nil)))
		ctx := context.Background()
		id := e.mb.ID
		steps := []struct {
			name     string
			stored   int64 // the UIDVALIDITY the writer's fetch began from
			validity uint32
			last     int64
			wantV    int64
			wantLast int64
		}{
			{"first checkpoint", 0, 7, 5, 7, 5},
			{"a stale writer behind is ignored", 7, 7, 3, 7, 5},
			{"the same UID again changes nothing", 7, 7, 5, 7, 5},
			{"forward", 7, 7, 9, 7, 9},
			{"a new UIDVALIDITY resets", 7, 8, 0, 8, 0},
			{"a stale writer under the old UIDVALIDITY is ignored", 7, 7, 12, 8, 0},
			{"a writer that began before any checkpoint is ignored", 0, 7, 20, 8, 0},
			{"forward under the new UIDVALIDITY", 8, 8, 2, 8, 2},
			{"a server that lowers UIDVALIDITY still resets", 8, 3, 1, 3, 1},
		}
		for _, s := range steps {
			if err := f.SaveCheckpoint(ctx, id, s.stored, s.validity, s.last); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			v, last, err := f.Checkpoint(ctx, id)
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if v != s.wantV || last != s.wantLast {
				t.Fatalf("%s: checkpoint (%d, %d), want (%d, %d)", s.name, v, last, s.wantV, s.wantLast)
			}
		}
	})
}
