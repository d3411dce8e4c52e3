package ticket_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/google/uuid"
)

// BenchmarkWriteCeiling measures what SQLite's one writer can do at all:
// 32 goroutines at a time (on 2 cores) write through db.WithTx, whose
// group shares their commits, as concurrent API requests do. Each case
// reports writes/s:
//
//   - empty: a transaction that writes nothing, the group's own cost;
//   - row_without_indexes: a new ticket's bare row in a table of the same
//     columns with no index;
//   - row: the same row in tickets, with the entries a new ticket takes in
//     its indexes (the lists' and queues' orders);
//   - create: a whole create through ticket.Service (its message, search
//     document, history and event, and what the event consumers then do),
//     as the load generator's creates ask for it;
//   - activity: a reply's bare UPDATE of an active ticket's activity time;
//   - reply: a whole reply through ticket.Service to one of 2,000 active
//     tickets, as the load generator's replies are.
//
// DOCKET_BENCH_DESK names a copy of a `docket seed` data directory to
// measure at size (the benchmark writes into it); otherwise it runs on a
// new database with benchTickets() tickets.
func BenchmarkWriteCeiling(b *testing.B) {
	d, s := ceilingDesk(b)
	admin := apptest.User(b, s, user.RoleAdmin, fmt.Sprintf("ceiling-%d@example.test", time.Now().UnixNano()))
	var indexes int
	if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_index_list('tickets')`).Scan(&indexes); err != nil {
		b.Fatal(err)
	}
	if _, err := d.W.ExecContext(ctx, `CREATE TABLE ceiling_rows AS SELECT * FROM tickets WHERE 0`); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.W.ExecContext(ctx, `DROP TABLE ceiling_rows`) })
	var active []int64
	rows, err := d.R.QueryContext(ctx, `SELECT id, number FROM tickets WHERE status IN ('new', 'open', 'pending', 'on_hold')
		ORDER BY updated_at DESC LIMIT 2000`)
	if err != nil {
		b.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id, number int64
		if err := rows.Scan(&id, &number); err != nil {
			b.Fatal(err)
		}
		ids, active = append(ids, id), append(active, number)
	}
	if err := rows.Close(); err != nil || len(active) == 0 {
		b.Fatalf("no active tickets to reply to (%v)", err)
	}
	var requester int64
	if err := d.R.QueryRowContext(ctx, `SELECT COALESCE((SELECT id FROM users WHERE role = 'requester' LIMIT 1), MIN(id)) FROM users`).Scan(&requester); err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	next.Store(time.Now().UnixNano() / 1000) // ticket numbers no run has used
	row := func(table string) func() error {
		q := `INSERT INTO ` + table + ` (uid, number, type, subject, status, priority, impact, urgency, requester_id,
			channel, custom_fields, tags, created_at, updated_at, version)
			VALUES (?, ?, 'incident', 'Printer on floor three jams', 'new', 3, '', '', ?, 'api', '{}', '[]', ?, ?, 1)`
		return func() error {
			return d.WithTx(ctx, func(tx *db.Tx) error {
				now := db.Now()
				_, err := tx.ExecContext(ctx, q, uuid.Must(uuid.NewV7()).String(), next.Add(1), requester, now, now)
				return err
			})
		}
	}
	cases := []struct {
		name  string
		write func() error
	}{
		{"empty", func() error { return d.WithTx(ctx, func(*db.Tx) error { return nil }) }},
		{"row_without_indexes", row("ceiling_rows")},
		{"row", row("tickets")},
		{"create", func() error {
			n := next.Add(1)
			_, err := s.Tickets.Create(ctx, admin, ticket.NewTicket{Subject: "Printer on floor three jams again",
				Body: ceilingBody(n), Priority: "p3", Requester: &ticket.Contact{Email: fmt.Sprintf("bench%d@example.org", n%1000)}})
			return err
		}},
		{"activity", func() error {
			id := ids[next.Add(1)%int64(len(ids))]
			return d.WithTx(ctx, func(tx *db.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE tickets SET updated_at = ?, version = version + 1 WHERE id = ?`, db.Now(), id)
				return err
			})
		}},
		{"reply", func() error {
			n := next.Add(1)
			_, err := s.Tickets.Reply(ctx, admin, active[n%int64(len(active))], ticket.NewReply{Body: ceilingBody(n)[:80]})
			return err
		}},
	}
	b.Logf("tickets has %d indexes; replies go to %d active tickets", indexes, len(active))
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.write(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
		})
	}
}

// ceilingDesk opens DOCKET_BENCH_DESK, migrated, or seeds a new SQLite
// database.
func ceilingDesk(b *testing.B) (*db.DB, *app.Services) {
	dir := os.Getenv("DOCKET_BENCH_DESK")
	if dir == "" {
		e := seeded(b, db.SQLite)
		return e.s.DB, e.s
	}
	d := openKept(b, db.Options{DataDir: dir})
	return d, apptest.Services(b, d)
}

// ceilingBody is a message of about forty words, different for each n.
func ceilingBody(n int64) string {
	words := strings.Fields(`printer queue jams paper tray floor three driver update failed again after restart
		network share offline badge reader door lobby laptop battery swollen monitor flickers docking station vpn
		drops every hour password expired mailbox full calendar invite missing`)
	var sb strings.Builder
	for i := range 40 {
		sb.WriteString(words[(int(n)*7+i*i)%len(words)])
		sb.WriteByte(' ')
	}
	return sb.String()
}
