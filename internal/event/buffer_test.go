package event_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
)

// TestBufferedAppendsWriteTheSameRows: events appended while a transaction
// is buffered get the ids appending them one at a time gives, and the same
// rows once flushed (more than one multi-row insert's worth), and nothing
// is written before the flush; after it, appends are written directly.
func TestBufferedAppendsWriteTheSameRows(t *testing.T) {
	ctx := context.Background()
	appendAll := func(buffered bool) (ids []int64, rows []string) {
		d := apptest.DB(t, db.SQLite)
		l, err := event.NewLog(d)
		if err != nil {
			t.Fatal(err)
		}
		err = d.WithTxAlone(ctx, func(tx *db.Tx) error {
			if _, err := l.Append(ctx, tx, "before", event.Actor{Type: event.ActorSystem, Name: "x"}, "ticket", 1, 1, nil); err != nil {
				return err
			}
			flush := func() error { return nil }
			if buffered {
				if flush, err = l.Buffer(ctx, tx); err != nil {
					return err
				}
			}
			for i := range 450 {
				id, err := l.AppendAt(ctx, tx, int64(i), fmt.Sprintf("kind%d", i%3), event.Actor{Type: event.ActorUser, ID: int64(i % 7), Name: "n"},
					"ticket", int64(i), int64(i%5), map[string]int{"i": i})
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			if buffered {
				var n int
				if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM domain_events`).Scan(&n); err != nil || n != 1 {
					return fmt.Errorf("%d events written before the flush (%v), want 1", n, err)
				}
			}
			if err := flush(); err != nil {
				return err
			}
			id, err := l.Append(ctx, tx, "after", event.Actor{Type: event.ActorSystem, Name: "x"}, "ticket", 2, 2, nil)
			ids = append(ids, id)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		rs, err := d.R.QueryContext(ctx, `SELECT id, COALESCE(seq, 0), kind, actor_type, COALESCE(actor_id, 0), actor_name, subject_type,
			COALESCE(subject_id, 0), COALESCE(ticket_id, 0), payload FROM domain_events ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		for rs.Next() {
			v := make([]any, 10)
			p := make([]any, 10)
			for i := range v {
				p[i] = &v[i]
			}
			if err := rs.Scan(p...); err != nil {
				t.Fatal(err)
			}
			rows = append(rows, fmt.Sprint(v...))
		}
		return ids, rows
	}
	wantIDs, want := appendAll(false)
	gotIDs, got := appendAll(true)
	if fmt.Sprint(gotIDs) != fmt.Sprint(wantIDs) {
		t.Errorf("ids differ:\n got %v\nwant %v", gotIDs, wantIDs)
	}
	if len(got) != 452 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows differ: %d against %d", len(got), len(want))
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Fatalf("first difference:\n got %s\nwant %s", got[i], want[i])
			}
		}
	}
}
