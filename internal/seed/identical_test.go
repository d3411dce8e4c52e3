package seed_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/seed"
)

// TestBulkWritesTheServiceRows is the proof behind the seeder's bulk path:
// the same help desk (same seed, same clock, same uid source) seeded once
// through ticket.Service — built as serve builds it, every write hook
// registered — and once through ticket.Importer leaves every table with
// the same rows, all columns and ids included, and the same full-text
// index.
func TestBulkWritesTheServiceRows(t *testing.T) {
	for _, dialect := range apptest.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			viaService, viaImporter := apptest.DB(t, dialect), apptest.DB(t, dialect)
			o := seed.Options{Tickets: 150, Teams: 3, Agents: 6, Requesters: 40, Organizations: 4, Messages: 3, Batch: 40,
				Seed: 5, Workers: 3, Now: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
			a := seedWith(t, viaService, o, true)
			b := seedWith(t, viaImporter, o, false)
			if a != b {
				t.Fatalf("stats differ: service %+v, importer %+v", a, b)
			}
			if a.Tickets != 150 || a.Messages < 300 {
				t.Fatalf("stats %+v", a)
			}
			want, got := dump(t, viaService), dump(t, viaImporter)
			for _, table := range sortedKeys(want, got) {
				if diff := diffRows(want[table], got[table]); diff != "" {
					t.Errorf("table %s differs (service, then importer):\n%s", table, diff)
				}
			}
			for _, table := range []string{"tickets", "messages", "search_docs", "ticket_events", "domain_events", "ticket_tags", "outbox"} {
				if len(want[table]) == 0 {
					t.Errorf("no rows in %s: the comparison compared nothing", table)
				}
			}
		})
	}
}

// seedWith seeds d with services built as serve builds them, but not
// started: no background work writes while the tables are compared.
func seedWith(t *testing.T, d *db.DB, o seed.Options, throughService bool) seed.Stats {
	t.Helper()
	ctx := context.Background()
	s, err := app.Build(ctx, d, apptest.Config(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	// A mailbox that sends: every write then queues its email in the
	// outgoing mail hook, which an import's writes share one read of the
	// mailboxes for (ticket.Remember). No password: it would be sealed with
	// a random nonce.
	db.SetNow(o.Now.Add(-400 * 24 * time.Hour).UnixMicro())
	addr, host, port, tls := "help@example.test", "127.0.0.1", 2525, "none"
	_, err = s.Mailboxes.Create(ctx, apptest.Setup, mailbox.Input{Address: &addr, SMTP: mailbox.ServerInput{Host: &host, Port: &port, TLS: &tls}})
	db.SetNow(0)
	if err != nil {
		t.Fatal(err)
	}
	o.ThroughService = throughService
	o.UIDs = rand.NewChaCha8([32]byte{1, 2, 3})
	st, err := seed.Run(ctx, seed.Deps{DB: d, Users: s.Users, Tickets: s.Tickets}, o)
	if err != nil {
		t.Fatal(err)
	}
	st.Took = 0
	return st
}

// dump reads every table's rows as sorted lines, and on SQLite the
// full-text index's content (its storage tables depend on when it
// flushed, not on what it holds).
func dump(t *testing.T, d *db.DB) map[string][]string {
	t.Helper()
	ctx := context.Background()
	var q string
	if d.Dialect == db.SQLite {
		q = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%' AND name <> 'sqlite_stat1'`
	} else {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
		     UNION ALL SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema()`
	}
	var tables []string
	rows, err := d.W.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string][]string{}
	for _, table := range tables {
		q := `SELECT * FROM ` + table
		switch table {
		case "schema_migrations":
			q = `SELECT version FROM schema_migrations` // applied_at: when each database was made
		case "sla_timer_scan":
			q = `SELECT id FROM sla_timer_scan` // horizon: when each database's SLA scan started
		}
		out[table] = lines(t, d, q)
		for i, l := range out[table] {
			// Email's Message-IDs are random on both paths.
			out[table][i] = messageIDs.ReplaceAllString(l, "docket.(random)@")
		}
		if table == "time_rules" {
			// The built-in rule's times are the migration's.
			for i, l := range out[table] {
				if !strings.Contains(l, "builtin=<nil>") {
					out[table][i] = migrationTimes.ReplaceAllString(l, "${1}=(migrated)")
				}
			}
		}
	}
	// The bulk path builds some tables' indexes at its end (DeferIndexes):
	// every one must be back, as defined.
	if d.Dialect == db.SQLite {
		out["(indexes)"] = lines(t, d, `SELECT name, sql FROM sqlite_master WHERE type = 'index'`)
	} else {
		out["(indexes)"] = lines(t, d, `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()`)
	}
	if d.Dialect == db.SQLite {
		if _, err := d.W.ExecContext(ctx, `CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_fts_vocab USING fts5vocab(main, 'search_fts_ticket', 'instance')`); err != nil {
			t.Fatal(err)
		}
		out["search_fts_ticket (terms)"] = lines(t, d, `SELECT * FROM temp.search_fts_vocab`)
	}
	return out
}

var migrationTimes = regexp.MustCompile(`\b(created_at|updated_at)=[0-9]+`)

var messageIDs = regexp.MustCompile(`docket\.[0-9a-f]{32}@`)

func lines(t *testing.T, d *db.DB, q string) []string {
	t.Helper()
	rows, err := d.W.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(cols))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			parts[i] = fmt.Sprintf("%s=%v", cols[i], v)
		}
		out = append(out, strings.Join(parts, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func sortedKeys(a, b map[string][]string) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// diffRows shows up to five rows only one side has.
func diffRows(want, got []string) string {
	var b strings.Builder
	n := 0
	only := func(side string, x, y []string) {
		shown := 0
		for _, r := range x {
			if _, found := slices.BinarySearch(y, r); !found && shown < 4 {
				fmt.Fprintf(&b, "  only %s: %s\n", side, trim(r))
				n++
				shown++
			}
		}
	}
	only("service", want, got)
	only("importer", got, want)
	if n == 0 && len(want) != len(got) {
		fmt.Fprintf(&b, "  %d rows against %d\n", len(want), len(got))
	}
	return b.String()
}

func trim(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}

// TestSeededEventsAreBehindTheHead: after a seed, the event log's head is
// its last event on both databases, so the consumers of a server started
// afterwards begin after the seeded history instead of acting on it. On
// PostgreSQL the events' positions are given by a sequencer after commit:
// unnumbered, the head stood at none of them, and the first server
// notified agents and ran triggers for every seeded event.
func TestSeededEventsAreBehindTheHead(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		seedWith(t, d, seed.Options{Tickets: 30, Teams: 2, Agents: 4, Requesters: 10, Organizations: 2, Messages: 2, Batch: 10, Seed: 3}, false)
		l, err := event.NewLog(d)
		if err != nil {
			t.Fatal(err)
		}
		head, err := l.Head(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := d.R.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM domain_events`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n < 60 || head != n {
			t.Fatalf("the log's head is %d, with %d events written", head, n)
		}
	})
}
