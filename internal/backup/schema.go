package backup

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/docket/docket/internal/db"
)

// Kind is the portable class of a column's values; the same column has the
// same kind on SQLite and PostgreSQL.
type Kind string

// The column kinds.
const (
	KindInt  Kind = "int"
	KindBool Kind = "bool"
	KindText Kind = "text"
	KindBlob Kind = "blob"
)

// Column is one column of a table.
type Column struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Identity marks a PostgreSQL identity column, whose sequence restore
	// moves past the restored values.
	Identity bool `json:"-"`
}

// table is a table as the database describes it.
type table struct {
	Name    string
	Columns []Column
	// Refs are the tables its foreign keys point to; SelfRefs are its
	// columns that point into the table itself.
	Refs     []string
	SelfRefs []string
}

func (t table) column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// skipped are tables whose rows are not copied as rows: schema_migrations
// (restore applies the migrations itself), attachment_blobs (contents are
// copied as files, whichever store they came from), leases (held by the
// instances that ran on the old database, which are gone) and
// deferred_indexes (the indexes a killed seed had not built: the restored
// database has its migrations' own).
var skipped = map[string]bool{"schema_migrations": true, "attachment_blobs": true, "leases": true, "deferred_indexes": true}

// housekeeping tables may hold rows on a database nobody has used yet
// (a server started once writes its schedules, jobs and setup link; the
// migrations start the SLA timer scan's horizon), so they do not make it
// "hold data" for restore's --force rule.
var housekeeping = map[string]bool{"schema_migrations": true, "deferred_indexes": true, "counters": true, "settings": true, "leases": true,
	"jobs": true, "job_schedules": true, "event_checkpoints": true, "sla_timer_scan": true}

// derived reports whether a table holds only what triggers compute from
// other tables' rows: the full-text indexes, the per-ticket search terms
// (search_terms: SQLite's from migration 0058 to 0061, PostgreSQL's from
// 0063), SQLite's documents' sizes (search_sizes, 0064) and PostgreSQL's
// words of each ticket (search_words, 0067).
func derived(name string) bool {
	return strings.HasPrefix(name, "search_fts") || strings.HasPrefix(name, "kb_fts") || name == "search_ticket" ||
		name == "search_terms" || name == "search_sizes" || name == "search_words"
}

// quote quotes an identifier for both dialects.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// readTables describes every table of Docket's in the database q reads
// (others sharing the database or schema are left alone), in an order
// where each table comes after the tables it refers to. SQLite's full-text
// index (a virtual table and its shadow tables) and search terms, and
// PostgreSQL's per-ticket tsvectors (search_ticket), are left out: the
// triggers on search_docs rebuild them as restore writes its rows.
func readTables(ctx context.Context, q queryer, dialect db.Dialect) ([]table, error) {
	names, _, err := docketObjects(dialect)
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, n := range names {
		keep[n] = !derived(n)
	}
	var ts []table
	if dialect == db.Postgres {
		ts, err = postgresTables(ctx, q, keep)
	} else {
		ts, err = sqliteTables(ctx, q, keep)
	}
	if err != nil {
		return nil, fmt.Errorf("read the schema: %w", err)
	}
	return dependencyOrder(ts)
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func sqliteTables(ctx context.Context, q queryer, keep map[string]bool) ([]table, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var names, virtual []string
	for rows.Next() {
		var name, ddl string
		if err := rows.Scan(&name, &ddl); err != nil {
			rows.Close()
			return nil, err
		}
		if strings.HasPrefix(strings.ToUpper(ddl), "CREATE VIRTUAL TABLE") {
			virtual = append(virtual, name)
			continue
		}
		if keep[name] {
			names = append(names, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []table
next:
	for _, name := range names {
		for _, v := range virtual {
			if strings.HasPrefix(name, v+"_") {
				continue next // a shadow table of the full-text index
			}
		}
		t := table{Name: name}
		if err := scanEach(ctx, q, `SELECT name, type FROM pragma_table_info(?1) ORDER BY cid`, []any{name}, func(r *sql.Rows) error {
			var col, typ string
			if err := r.Scan(&col, &typ); err != nil {
				return err
			}
			k, err := sqliteKind(typ)
			if err != nil {
				return fmt.Errorf("%s.%s: %w", name, col, err)
			}
			t.Columns = append(t.Columns, Column{Name: col, Kind: k})
			return nil
		}); err != nil {
			return nil, err
		}
		if err := scanEach(ctx, q, `SELECT "table", "from" FROM pragma_foreign_key_list(?1)`, []any{name}, func(r *sql.Rows) error {
			var ref, col string
			if err := r.Scan(&ref, &col); err != nil {
				return err
			}
			t.addRef(ref, col)
			return nil
		}); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func postgresTables(ctx context.Context, q queryer, keep map[string]bool) ([]table, error) {
	byName := map[string]*table{}
	var order []string
	// Generated columns (the knowledge base's tsvectors) are left out:
	// they cannot be written, and restore computes them again.
	err := scanEach(ctx, q, `SELECT c.table_name, c.column_name, c.data_type, c.is_identity
		FROM information_schema.columns c JOIN information_schema.tables t
		  ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.is_generated = 'NEVER'
		ORDER BY c.table_name, c.ordinal_position`, nil, func(r *sql.Rows) error {
		var tname, col, typ, ident string
		if err := r.Scan(&tname, &col, &typ, &ident); err != nil {
			return err
		}
		if !keep[tname] {
			return nil
		}
		k, err := postgresKind(typ)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", tname, col, err)
		}
		t := byName[tname]
		if t == nil {
			t = &table{Name: tname}
			byName[tname] = t
			order = append(order, tname)
		}
		t.Columns = append(t.Columns, Column{Name: col, Kind: k, Identity: ident == "YES"})
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = scanEach(ctx, q, `SELECT cl.relname, rf.relname, a.attname
		FROM pg_constraint c
		JOIN pg_class cl ON cl.oid = c.conrelid
		JOIN pg_class rf ON rf.oid = c.confrelid
		JOIN pg_namespace n ON n.oid = cl.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
		WHERE c.contype = 'f' AND n.nspname = current_schema()`, nil, func(r *sql.Rows) error {
		var tname, ref, col string
		if err := r.Scan(&tname, &ref, &col); err != nil {
			return err
		}
		if t := byName[tname]; t != nil {
			t.addRef(ref, col)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]table, 0, len(order))
	for _, name := range order {
		out = append(out, *byName[name])
	}
	return out, nil
}

func (t *table) addRef(ref, col string) {
	if ref == t.Name {
		t.SelfRefs = append(t.SelfRefs, col)
		return
	}
	t.Refs = append(t.Refs, ref)
}

func scanEach(ctx context.Context, q queryer, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func sqliteKind(declared string) (Kind, error) {
	t := strings.ToUpper(declared)
	switch {
	case strings.Contains(t, "INT"):
		return KindInt, nil
	case strings.Contains(t, "BOOL"):
		return KindBool, nil
	case strings.Contains(t, "BLOB"):
		return KindBlob, nil
	case strings.Contains(t, "TEXT"):
		return KindText, nil
	}
	return "", fmt.Errorf("column type %q is not one backup knows", declared)
}

func postgresKind(typ string) (Kind, error) {
	switch typ {
	case "bigint", "integer", "smallint":
		return KindInt, nil
	case "boolean":
		return KindBool, nil
	case "bytea":
		return KindBlob, nil
	case "text", "character varying":
		return KindText, nil
	}
	return "", fmt.Errorf("column type %q is not one backup knows", typ)
}

// dependencyOrder sorts tables so that every table follows the tables its
// foreign keys point to (by name among equals, so the order is stable).
func dependencyOrder(ts []table) ([]table, error) {
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	byName := map[string]table{}
	for _, t := range ts {
		byName[t.Name] = t
	}
	done := map[string]bool{}
	var out []table
	for len(out) < len(ts) {
		progressed := false
		for _, t := range ts {
			if done[t.Name] {
				continue
			}
			ready := true
			for _, r := range t.Refs {
				if _, known := byName[r]; known && !done[r] {
					ready = false
					break
				}
			}
			if ready {
				done[t.Name] = true
				out = append(out, t)
				progressed = true
			}
		}
		if !progressed {
			var left []string
			for _, t := range ts {
				if !done[t.Name] {
					left = append(left, t.Name)
				}
			}
			return nil, fmt.Errorf("the foreign keys of %s form a cycle", strings.Join(left, ", "))
		}
	}
	return out, nil
}

// routineRe finds the functions and aggregates PostgreSQL's migrations
// create, with their argument lists (DROP takes them as written).
var routineRe = regexp.MustCompile(`(?i)CREATE\s+(?:OR\s+REPLACE\s+)?(FUNCTION|AGGREGATE)\s+(\w+)\s*(\([^)]*\))`)

// docketRoutines are the DROP targets ("FUNCTION IF EXISTS f(a int)") of
// every function and aggregate PostgreSQL's migrations create.
func docketRoutines() ([]string, error) {
	ms, err := db.Migrations(db.Postgres)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range ms {
		for _, g := range routineRe.FindAllStringSubmatch(m.SQL, -1) {
			out = append(out, strings.ToUpper(g[1])+" IF EXISTS "+g[2]+g[3])
		}
	}
	return out, nil
}

var createRe = regexp.MustCompile(`(?i)CREATE\s+(?:VIRTUAL\s+)?(TABLE|SEQUENCE)\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)`)

// docketObjects lists the tables and sequences any migration of the dialect
// creates, and the migrator's own: what restore drops before it lays the
// schema out again (a killed seed's deferred_indexes rows included, which
// would otherwise build the old database's indexes on the restored one).
func docketObjects(dialect db.Dialect) (tables, sequences []string, err error) {
	ms, err := db.Migrations(dialect)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, m := range ms {
		for _, g := range createRe.FindAllStringSubmatch(m.SQL, -1) {
			name := strings.ToLower(g[2])
			if seen[name] {
				continue
			}
			seen[name] = true
			if strings.EqualFold(g[1], "SEQUENCE") {
				sequences = append(sequences, name)
			} else {
				tables = append(tables, name)
			}
		}
	}
	return append(tables, "schema_migrations", "deferred_indexes"), sequences, nil
}
