package app_test

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/db"
)

// TestSLATimersFireOnceAcrossKill9 runs `docket serve` on SQLite, gives a
// ticket an SLA, kills the server with SIGKILL before its warning, brings
// the warning and breach within seconds (as if the time had passed while
// it was down), restarts it, kills it again as soon as the warning is
// recorded, and restarts it once more: the ticket gets exactly one
// sla.warning and one sla.breached.
func TestSLATimersFireOnceAcrossKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns server processes")
	}
	dir := t.TempDir()
	if r := run(t, "", nil, "user", "create", "--email", "a@example.com", "--role", "admin", "--data", dir); r.code != 0 {
		t.Fatal(r.stderr)
	}
	tok := strings.TrimSpace(run(t, "", nil, "token", "create", "--user", "a@example.com", "--name", "t", "--data", dir).stdout)
	ctx := context.Background()
	cmd, url := startChild(t, dir)
	c := client.New(url, tok)
	var week []map[string]string
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		week = append(week, map[string]string{"day": d, "start": "00:00", "end": "24:00"})
	}
	var cal struct {
		ID int64 `json:"id"`
	}
	if _, err := c.Do(ctx, "POST", "/api/v1/calendars", map[string]any{"name": "24x7", "time_zone": "UTC", "intervals": week}, &cal); err != nil {
		t.Fatal(err)
	}
	var goals []map[string]any
	for _, p := range []string{"p1", "p2", "p3", "p4"} {
		goals = append(goals, map[string]any{"priority": p, "first_response": 60, "resolution": 600})
	}
	if _, err := c.Do(ctx, "POST", "/api/v1/sla-policies", map[string]any{"name": "Standard", "calendar_id": cal.ID, "targets": goals}, nil); err != nil {
		t.Fatal(err)
	}
	var tk struct {
		Number int64 `json:"number"`
	}
	if _, err := c.Do(ctx, "POST", "/api/v1/tickets", map[string]any{"subject": "Printer", "body": "on fire",
		"requester": map[string]string{"email": "r@example.com"}}, &tk); err != nil {
		t.Fatal(err)
	}
	kill := func() {
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
	}
	kill() // before the warning

	d, err := db.Open(ctx, db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var id int64
	if err := d.R.QueryRowContext(ctx, "SELECT id FROM tickets WHERE number = ?", tk.Number).Scan(&id); err != nil {
		t.Fatal(err)
	}
	// First response now warns in 2 s and falls due in 5 s, as if the
	// time had passed: the timer scan has not looked that far yet (its
	// horizon is now) and is due, and the dead server's leader lease ran
	// out. The create queued no timer; the scan queues it.
	now := time.Now()
	warn, due := now.Add(2*time.Second).UnixMicro(), now.Add(5*time.Second).UnixMicro()
	for _, q := range []struct {
		sql  string
		args []any
		// none: no row is as good — a server killed before its job
		// runner first took the leader lease (CI under load once) left
		// none, and a missing lease is a free one.
		none bool
	}{
		{"UPDATE sla_clocks SET warn_at = ?, due_at = ? WHERE ticket_id = ? AND target = 'first_response'", []any{warn, due, id}, false},
		{"UPDATE tickets SET warn_at = ?, due_at = ? WHERE id = ?", []any{warn, due, id}, false},
		{"UPDATE sla_timer_scan SET horizon = ?", []any{now.UnixMicro()}, false},
		{"UPDATE job_schedules SET next_run_at = 0 WHERE name = 'sla.scan'", nil, false},
		{"UPDATE leases SET expires_at = 0 WHERE name = 'jobs:leader'", nil, true},
	} {
		res, err := d.W.ExecContext(ctx, q.sql, q.args...)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 && !(n == 0 && q.none) {
			t.Fatalf("%q changed %d rows, want 1", q.sql, n)
		}
	}
	events := func(kind string) int {
		var n int
		if err := d.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM domain_events WHERE kind = ? AND ticket_id = ?", kind, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// state is what a failure shows: the timers, the scan, the leader and
	// the child's last log lines (CI under load once waited 20 s in vain).
	state := func(in *instance) string {
		var b strings.Builder
		for _, q := range []string{
			"SELECT kind || ' state=' || state || ' run_at=' || run_at || ' attempt=' || attempt || ' error=' || last_error FROM jobs WHERE kind LIKE 'sla%' OR kind LIKE '%scan%'",
			"SELECT 'horizon=' || horizon FROM sla_timer_scan",
			"SELECT 'sla.scan next_run_at=' || next_run_at FROM job_schedules WHERE name = 'sla.scan'",
			"SELECT 'lease ' || name || ' holder=' || holder || ' expires_at=' || expires_at FROM leases",
		} {
			rows, err := d.R.QueryContext(ctx, q)
			if err != nil {
				fmt.Fprintf(&b, "%s: %v\n", q, err)
				continue
			}
			for rows.Next() {
				var line string
				_ = rows.Scan(&line)
				b.WriteString(line + "\n")
			}
			rows.Close()
		}
		fmt.Fprintf(&b, "now=%d\nlog:\n%s", time.Now().UnixMicro(), in.logTail())
		return b.String()
	}
	waitFor := func(in *instance, kind string, limit time.Duration) {
		t.Helper()
		deadline := time.Now().Add(limit)
		for events(kind) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("no %s event within %s:\n%s", kind, limit, state(in))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	in := startServe(t, []string{"--data", dir})
	cmd = in.cmd
	waitFor(in, "sla.warning", 45*time.Second)
	kill() // right after the warning, before its breach
	in = startServe(t, []string{"--data", dir})
	cmd = in.cmd
	defer kill()
	waitFor(in, "sla.breached", 45*time.Second)
	time.Sleep(1500 * time.Millisecond) // a poll of the runner more: nothing fires twice
	if w, b := events("sla.warning"), events("sla.breached"); w != 1 || b != 1 {
		t.Fatalf("%d sla.warning and %d sla.breached events, want 1 each", w, b)
	}
}
