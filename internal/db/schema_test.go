package db_test

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/db/pgtest"
)

// column is what both dialects must agree on for every column.
type column struct {
	Name    string
	NotNull bool
}

type schema struct {
	Tables  map[string][]column
	Indexes []string
}

// Dialect-specific objects that implement the same feature differently.
var (
	// FTS5 virtual tables and their shadow tables; the sizes of a ticket's
	// documents in its full-text document (0064: PostgreSQL's relevance
	// counts in search_terms); the active tickets by status and list order
	// (0065: PostgreSQL's lists of some statuses merge its teams' ranges).
	sqliteOnly = []string{"search_fts", "kb_fts", "search_sizes", "tickets_active_status_"}
	// PostgreSQL's full-text indexes and its per-ticket tsvector table
	// (search_ticket, migration 0051: what SQLite's search_fts_ticket is);
	// the knowledge base's tsvectors are generated columns, left out below;
	// the sequencer's indexes of domain_events.seq, NULL on SQLite (0059);
	// the time rule's resolved tickets by resolved_at (0060); the
	// relevance's terms and words of each ticket (0063, 0067: SQLite counts
	// in its FTS5 match instead).
	postgresOnly = []string{"search_docs_fts", "search_ticket", "kb_articles_tsv", "kb_articles_title_tsv",
		"domain_events_seq", "domain_events_unsequenced", "tickets_resolved_moment", "search_terms", "search_words"}
)

func skip(name string, list []string) bool {
	for _, p := range list {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func sqliteSchema(t *testing.T, d *db.DB) schema {
	ctx := context.Background()
	s := schema{Tables: map[string][]column{}}
	rows, err := d.R.QueryContext(ctx, `SELECT type, name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var typ, name string
		if err := rows.Scan(&typ, &name); err != nil {
			t.Fatal(err)
		}
		if skip(name, sqliteOnly) {
			continue
		}
		if typ == "table" {
			tables = append(tables, name)
		} else {
			s.Indexes = append(s.Indexes, name)
		}
	}
	rows.Close()
	for _, tb := range tables {
		rows, err := d.R.QueryContext(ctx, `SELECT name, "notnull", pk FROM pragma_table_info(?) ORDER BY cid`, tb)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c column
			var pk int
			if err := rows.Scan(&c.Name, &c.NotNull, &pk); err != nil {
				t.Fatal(err)
			}
			// SQLite does not mark primary keys NOT NULL; PostgreSQL does.
			c.NotNull = c.NotNull || pk > 0
			s.Tables[tb] = append(s.Tables[tb], c)
		}
		rows.Close()
	}
	sort.Strings(s.Indexes)
	return s
}

func postgresSchema(t *testing.T, d *db.DB) schema {
	ctx := context.Background()
	s := schema{Tables: map[string][]column{}}
	rows, err := d.R.QueryContext(ctx, `SELECT table_name, column_name, is_nullable = 'NO' FROM information_schema.columns
		WHERE table_schema = 'public' AND is_generated = 'NEVER' ORDER BY table_name, ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var tb string
		var c column
		if err := rows.Scan(&tb, &c.Name, &c.NotNull); err != nil {
			t.Fatal(err)
		}
		if skip(tb, postgresOnly) {
			continue
		}
		s.Tables[tb] = append(s.Tables[tb], c)
	}
	rows.Close()
	rows, err = d.R.QueryContext(ctx, `SELECT indexname FROM pg_indexes WHERE schemaname = 'public'
		AND indexname NOT LIKE '%\_pkey' ORDER BY indexname`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		if !skip(name, postgresOnly) {
			s.Indexes = append(s.Indexes, name)
		}
	}
	rows.Close()
	sort.Strings(s.Indexes)
	return s
}

// TestDialectsReachSameSchema migrates both engines and compares every
// table, column, nullability and index name.
func TestDialectsReachSameSchema(t *testing.T) {
	ctx := context.Background()
	lite, err := db.Open(ctx, db.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	if _, err := lite.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	pg, err := db.Open(ctx, db.Options{URL: pgtest.NewDatabase(t, "")})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if _, err := pg.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a, b := sqliteSchema(t, lite), postgresSchema(t, pg)
	if len(a.Tables) < 10 {
		t.Fatalf("only %d tables in SQLite: schema not migrated?", len(a.Tables))
	}
	for tb, cols := range a.Tables {
		if !reflect.DeepEqual(cols, b.Tables[tb]) {
			t.Errorf("table %s differs:\n sqlite:   %v\n postgres: %v", tb, cols, b.Tables[tb])
		}
	}
	for tb := range b.Tables {
		if _, ok := a.Tables[tb]; !ok {
			t.Errorf("table %s exists only on PostgreSQL", tb)
		}
	}
	if !reflect.DeepEqual(a.Indexes, b.Indexes) {
		t.Errorf("indexes differ:\n sqlite:   %v\n postgres: %v", a.Indexes, b.Indexes)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	n, err := d.Migrate(ctx)
	if err != nil || n == 0 {
		t.Fatalf("first migrate applied %d, err %v", n, err)
	}
	if n, err := d.Migrate(ctx); err != nil || n != 0 {
		t.Fatalf("second migrate applied %d, err %v; want 0", n, err)
	}
	if p, err := d.Pending(ctx); err != nil || p != 0 {
		t.Fatalf("pending = %d, %v", p, err)
	}
}
