package backup

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/docket/docket/internal/db"
)

// Dump returns every row of every table of d that a backup copies as rows,
// by table, one JSON line per row in sorted order, written alike for both
// dialects: what a restore must reproduce. counters is left out (PostgreSQL
// numbers tickets with a sequence; tests check the next number instead), and
// a domain event's id and seq are replaced by its position in the stream
// (id on SQLite, seq on PostgreSQL), which restore keeps.
func Dump(t testing.TB, d *db.DB) map[string][]string {
	t.Helper()
	ctx := context.Background()
	_, r := d.Pools()
	tables, err := readTables(ctx, r, d.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, tb := range tables {
		if skipped[tb.Name] || tb.Name == "counters" {
			continue
		}
		var cols []Column
		var names []string
		for _, c := range tb.Columns {
			name := quote(c.Name)
			if tb.Name == "domain_events" && (c.Name == "id" || c.Name == "seq") {
				if c.Name == "seq" {
					continue
				}
				name = "id"
				if d.Dialect == db.Postgres {
					name = "seq"
				}
			}
			cols = append(cols, c)
			names = append(names, name)
		}
		var lines []string
		err := scanEach(ctx, r, "SELECT "+strings.Join(names, ", ")+" FROM "+quote(tb.Name), nil, func(rows *sql.Rows) error {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := encodeRow(&buf, cols, vals); err != nil {
				return err
			}
			lines = append(lines, strings.TrimSpace(buf.String()))
			return nil
		})
		if err != nil {
			t.Fatalf("dump %s: %v", tb.Name, err)
		}
		sort.Strings(lines)
		out[tb.Name] = lines
	}
	return out
}

// DiffDumps says how two dumps differ, or "" when they do not.
func DiffDumps(want, got map[string][]string) string {
	var b strings.Builder
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			fmt.Fprintf(&b, "table %s is missing\n", name)
			continue
		}
		if strings.Join(w, "\n") != strings.Join(g, "\n") {
			fmt.Fprintf(&b, "table %s differs:\n  want %v\n  got  %v\n", name, w, g)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			fmt.Fprintf(&b, "table %s is extra\n", name)
		}
	}
	return b.String()
}
