package sla_test

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/sla"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// BenchmarkTicketWrite measures ticket create and reply on SQLite without
// any policy and with one that applies (two clocks started on create, both
// moved by the reply): the difference is what the SLA adds to the write.
func BenchmarkTicketWrite(b *testing.B) {
	for _, withPolicy := range []bool{false, true} {
		name := "no_policy"
		if withPolicy {
			name = "policy"
		}
		b.Run(name, func(b *testing.B) {
			s := apptest.Services(b, apptest.DB(b, db.SQLite))
			admin := apptest.User(b, s, user.RoleAdmin, "")
			agent := apptest.User(b, s, user.RoleAgent, "")
			requester := apptest.User(b, s, user.RoleRequester, "")
			if withPolicy {
				cal := roundTheClock(b, s, admin)
				policy(b, s, admin, cal.ID, "Standard", nil, nil)
			}
			b.Run("create", func(b *testing.B) {
				defer cpuPerOp(b, s)()
				for i := 0; b.Loop(); i++ {
					if _, err := s.Tickets.Create(ctx, requester, ticket.NewTicket{Subject: fmt.Sprintf("Printer %d", i), Body: "It is on fire."}); err != nil {
						b.Fatal(err)
					}
				}
			})
			tk := apptest.Ticket(b, s, requester)
			b.Run("reply", func(b *testing.B) {
				// Alternating agent and requester: each reply stops or
				// starts a next-response clock.
				defer cpuPerOp(b, s)()
				for i := 0; b.Loop(); i++ {
					who := agent
					if i%2 == 1 {
						who = requester
					}
					if _, err := s.Tickets.Reply(ctx, who, tk.Number, ticket.NewReply{Body: "More."}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkFireWarnings makes 10,000 warnings due at once (both clocks of
// 5,000 tickets) and times the timer scan queuing one timer per ticket and
// the job runner until every warning is recorded (and each ticket's breach
// timer queued).
func BenchmarkFireWarnings(b *testing.B) {
	const n = 10_000
	for b.Loop() {
		b.StopTimer()
		s := apptest.Services(b, apptest.DB(b, db.SQLite))
		admin := apptest.User(b, s, user.RoleAdmin, "")
		requester := apptest.User(b, s, user.RoleRequester, "")
		cal := roundTheClock(b, s, admin)
		policy(b, s, admin, cal.ID, "Standard", nil, nil)
		for i := range n / 2 { // two clocks, so two warnings, each
			if _, err := s.Tickets.Create(ctx, requester, ticket.NewTicket{Subject: fmt.Sprintf("T%d", i), Body: "x"}); err != nil {
				b.Fatal(err)
			}
		}
		// Both clocks of every ticket warn now, and the timer scan's
		// horizon is just before: the scan queues each ticket's one timer,
		// which records two warnings.
		now := time.Now()
		for q, at := range map[string]time.Time{"UPDATE sla_clocks SET warn_at = $1": now,
			"UPDATE tickets SET warn_at = $1 WHERE warn_at IS NOT NULL": now, "UPDATE sla_timer_scan SET horizon = $1": now.Add(-time.Second)} {
			if _, err := s.DB.W.ExecContext(ctx, s.DB.Rebind(q), at.UnixMicro()); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		start := time.Now()
		if err := s.SLA.ScanUntil(ctx, start.Add(time.Minute)); err != nil {
			b.Fatal(err)
		}
		s.Runner.Wake()
		waitWarned(b, s, n, time.Minute)
		b.ReportMetric(time.Since(start).Seconds(), "s/10k-warnings")
	}
}

func waitWarned(b *testing.B, s *app.Services, n int, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for {
		var warned int
		if err := s.DB.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM sla_clocks WHERE warned_at IS NOT NULL").Scan(&warned); err != nil {
			b.Fatal(err)
		}
		if warned == n {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d warnings after %s", warned, n, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cpuPerOp reports the process's CPU time (user and system) per operation
// when the returned function runs: on a machine shared with other work
// the wall-clock ns/op swings with the load, the CPU time much less. It
// also reports the CPU time of the writing thread alone, and the SQLite
// pages written per operation (WAL frames, the automatic checkpoint held
// off meanwhile), which no load changes.
func cpuPerOp(b *testing.B, s *app.Services) func() {
	for _, q := range []string{"PRAGMA wal_checkpoint(TRUNCATE)", "PRAGMA wal_autocheckpoint = 0"} {
		if _, err := s.DB.W.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	// The writes run on this goroutine, locked to its thread: the thread's
	// CPU time is the writes' own, without the pump's and consumers' work
	// after commit, which runs elsewhere.
	runtime.LockOSThread()
	start, thread := cpuTime(), threadTime()
	return func() {
		b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N)/1000, "cpu-ms/op")
		b.ReportMetric(float64((threadTime()-thread).Microseconds())/float64(b.N)/1000, "write-cpu-ms/op")
		runtime.UnlockOSThread()
		var busy, frames, done int
		if err := s.DB.W.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &done); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(frames)/float64(b.N), "wal-pages/op")
		if _, err := s.DB.W.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 1000"); err != nil {
			b.Fatal(err)
		}
	}
}

// threadTime is the CPU time of the calling thread.
func threadTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(1, &ru) // RUSAGE_THREAD
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSLAWriteCost measures what the SLA adds to a ticket write as the
// difference of two kinds of write alternating in one loop, on one SQLite
// database: creates on the portal channel, which a policy applies to, and
// on the API channel, which it does not; replies (alternately agent and
// requester) to a ticket under the policy and to one without. Each
// write's CPU time is its thread's alone (the writes run on a locked
// thread; the pump's and consumers' work after commit runs elsewhere), so
// the machine's load, which moves both kinds alike, cancels out of the
// difference.
func BenchmarkSLAWriteCost(b *testing.B) {
	s := apptest.Services(b, apptest.DB(b, db.SQLite))
	admin := apptest.User(b, s, user.RoleAdmin, "")
	agent := apptest.User(b, s, user.RoleAgent, "")
	requester := apptest.User(b, s, user.RoleRequester, "")
	cal := roundTheClock(b, s, admin)
	policy(b, s, admin, cal.ID, "Portal", []sla.ConditionInput{{Field: "channel", Op: "is", Value: "portal"}}, nil)
	b.Run("create", func(b *testing.B) {
		paired(b, "create", nil, func(i int, withPolicy bool) error {
			ch := ticket.ChannelAPI
			if withPolicy {
				ch = ticket.ChannelPortal
			}
			_, err := s.Tickets.Create(ctx, requester, ticket.NewTicket{Subject: fmt.Sprintf("Printer %d", i), Body: "It is on fire.", Channel: ch})
			return err
		})
	})
	b.Run("reply", func(b *testing.B) {
		// Ten replies per ticket, then a new pair: a reply's cost grows
		// with the ticket's conversation, and a help desk's tickets have
		// a few messages, not thousands.
		var withSLA, plain *ticket.Ticket
		each := func(i int) {
			if i%10 == 0 {
				withSLA = apptest.Ticket(b, s, requester, func(n *ticket.NewTicket) { n.Channel = ticket.ChannelPortal })
				plain = apptest.Ticket(b, s, requester, func(n *ticket.NewTicket) { n.Channel = ticket.ChannelAPI })
			}
		}
		paired(b, "reply", each, func(i int, withPolicy bool) error {
			who, tk := agent, plain
			if i%2 == 1 {
				who = requester
			}
			if withPolicy {
				tk = withSLA
			}
			_, err := s.Tickets.Reply(ctx, who, tk.Number, ticket.NewReply{Body: "More."})
			return err
		})
	})
}

// paired runs write(i, true) and write(i, false) once each per iteration
// on this goroutine's locked thread, after each(i) when not nil (not
// measured), and reports their thread CPU time per operation and its
// difference, named what.
func paired(b *testing.B, what string, each func(i int), write func(i int, withPolicy bool) error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var took [2]time.Duration // without, with
	n := 0
	for i := 0; b.Loop(); i++ {
		if each != nil {
			each(i)
		}
		for k, withPolicy := range []bool{true, false} {
			start := threadTime()
			if err := write(i, withPolicy); err != nil {
				b.Fatal(err)
			}
			took[1-k] += threadTime() - start
		}
		n++
	}
	perOp := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n) / 1000 }
	b.ReportMetric(perOp(took[1]), what+"-policy-ms/op")
	b.ReportMetric(perOp(took[0]), what+"-none-ms/op")
	b.ReportMetric(perOp(took[1]-took[0]), what+"-added-ms/op")
}
