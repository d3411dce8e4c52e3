package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/db/pgtest"
)

// TestSearchRowsUpgradeWaitsForDocuments: on PostgreSQL, migrations 0063
// and 0067 build every ticket's search_terms and search_words rows while
// an instance still on the version before may write. A document that
// instance inserts while the build's transaction is open waits for it (the
// build holds search_docs), then goes through the new trigger: it is in
// the row. Without the lock it committed first, outside the build's
// snapshot, through the old trigger, and was missing from the row for good.
func TestSearchRowsUpgradeWaitsForDocuments(t *testing.T) {
	for _, c := range []struct {
		version int
		differ  string // the tickets whose row is not their documents'
	}{
		{63, `SELECT COUNT(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM search_terms st WHERE st.ticket_id = t.id
			AND st.subject IS NOT DISTINCT FROM (SELECT string_agg(terms, search_terms_sep() ORDER BY id) FROM search_docs
				WHERE ticket_id = t.id AND message_id IS NULL AND NOT internal))`},
		{67, `SELECT COUNT(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM search_words sw WHERE sw.ticket_id = t.id
			AND sw.words = (SELECT search_words_of(array_agg(terms ORDER BY id), array_agg(search_words_kind(message_id, internal) ORDER BY id), 0)
				FROM search_docs WHERE ticket_id = t.id))`},
	} {
		t.Run(fmt.Sprint(c.version), func(t *testing.T) { testSearchRowsUpgrade(t, c.version, c.differ) })
	}
}

func testSearchRowsUpgrade(t *testing.T, version int, differ string) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t, "")
	d, err := db.Open(ctx, db.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// The migration's own session.
	conn, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ms, err := db.Migrations(db.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string) {
		t.Helper()
		if _, err := d.W.ExecContext(ctx, q); err != nil {
			t.Fatalf("%.80s: %v", q, err)
		}
	}
	var build string
	for _, m := range ms {
		if m.Version == version {
			build = m.SQL
			break
		}
		exec(m.SQL)
	}
	exec(`INSERT INTO users (email, role, created_at, updated_at) VALUES ('r@example.test', 'requester', 0, 0)`)
	exec(`INSERT INTO tickets (uid, number, type, subject, status, priority, requester_id, channel, created_at, updated_at)
		VALUES ('u1', 1001, 'incident', 'Printer jam', 'new', 3, (SELECT MIN(id) FROM users), 'api', 0, 0)`)
	exec(`INSERT INTO search_docs (ticket_id, internal, body, terms) SELECT id, FALSE, 'Printer jam', 'printer jam' FROM tickets`)

	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, build); err != nil {
		t.Fatal(err)
	}
	// The older instance's reply, while the build is not committed.
	done := make(chan error, 1)
	go func() {
		_, err := d.W.ExecContext(ctx, `INSERT INTO search_docs (ticket_id, message_id, internal, body, terms)
			SELECT id, NULL, FALSE, 'The roller', 'roller roller' FROM tickets`)
		done <- err
	}()
	select {
	case err := <-done:
		t.Errorf("a document was written while the build was open (%v)", err)
		done <- nil
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the document still waits after the build committed")
	}
	var n int
	if err := d.R.QueryRowContext(ctx, differ).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d tickets' rows are not their documents' after the upgrade (%v)", n, err)
	}
}
