package db

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Queries are named SQL statements loaded from a domain's embedded .sql
// files, already rebound for one dialect.
type Queries struct {
	domain string
	m      map[string]string
}

// LoadQueries reads dir/queries.sql and then dir/queries.<dialect>.sql (whose
// statements replace same-named portable ones). Each statement starts with a
// line "-- name: some-name".
func LoadQueries(fsys fs.FS, dir string, dialect Dialect) (*Queries, error) {
	q := &Queries{domain: dir, m: map[string]string{}}
	for _, name := range []string{"queries.sql", "queries." + string(dialect) + ".sql"} {
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			if name != "queries.sql" && isNotExist(err) {
				continue
			}
			return nil, fmt.Errorf("db: read %s: %w", name, err)
		}
		parsed, err := parseQueries(string(b))
		if err != nil {
			return nil, fmt.Errorf("db: %s/%s: %w", dir, name, err)
		}
		for k, v := range parsed {
			q.m[k] = Rebind(dialect, v)
		}
	}
	return q, nil
}

func isNotExist(err error) bool { return err != nil && strings.Contains(err.Error(), "not exist") }

func parseQueries(src string) (map[string]string, error) {
	out := map[string]string{}
	var cur string
	var b strings.Builder
	flush := func() error {
		if cur == "" {
			return nil
		}
		s := strings.TrimSpace(b.String())
		s = strings.TrimSuffix(s, ";")
		if s == "" {
			return fmt.Errorf("query %q is empty", cur)
		}
		if _, dup := out[cur]; dup {
			return fmt.Errorf("query %q defined twice", cur)
		}
		out[cur] = s
		b.Reset()
		return nil
	}
	sc := bufio.NewScanner(strings.NewReader(src))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			if err := flush(); err != nil {
				return nil, err
			}
			cur = strings.TrimSpace(rest)
			continue
		}
		if cur == "" || strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// Get returns the named statement; a missing name is a programming error.
func (q *Queries) Get(name string) string {
	s, ok := q.m[name]
	if !ok {
		panic(fmt.Sprintf("db: query %q not found in %s", name, q.domain))
	}
	return s
}

// Add registers a statement built from others (already in the dialect's
// placeholder style).
func (q *Queries) Add(name, query string) {
	if _, dup := q.m[name]; dup {
		panic(fmt.Sprintf("db: query %q added twice to %s", name, q.domain))
	}
	q.m[name] = query
}

// Names lists the statements, sorted.
func (q *Queries) Names() []string {
	names := make([]string, 0, len(q.m))
	for k := range q.m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Prepare checks every statement against the live schema, so a typo or a
// missing column fails at start-up rather than on the first request, and
// on SQLite keeps the prepared statements for reuse.
func (d *DB) Prepare(ctx context.Context, q *Queries) error {
	if d.wcache == nil {
		return d.check(ctx, q)
	}
	for _, name := range q.Names() {
		query := q.m[name]
		for _, c := range []*stmtCache{d.wcache, d.rcache} {
			if err := c.pin(ctx, query); err != nil {
				return fmt.Errorf("db: query %s/%s: %w", q.domain, name, err)
			}
		}
	}
	return nil
}

// check prepares and closes every statement of q on one connection of its
// own (PostgreSQL). A statement prepared on the pool is closed on each
// connection it was prepared on, and the close takes that connection's
// lock, which database/sql's Conn.Raw holds for as long as its function
// runs: the event pump's LISTEN, for as long as it listens. Should the pump
// take the connection between a prepare and its close, as when instances
// are built beside a running one on one pool, the close would wait for the
// next notification.
func (d *DB) check(ctx context.Context, q *Queries) error {
	conn, err := d.wpool.Conn(ctx)
	if err != nil {
		return fmt.Errorf("db: queries %s: %w", q.domain, err)
	}
	defer conn.Close()
	for _, name := range q.Names() {
		st, err := conn.PrepareContext(ctx, q.m[name])
		if err != nil {
			return fmt.Errorf("db: query %s/%s: %w", q.domain, name, err)
		}
		st.Close()
	}
	return nil
}
