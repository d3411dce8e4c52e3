package mail_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail"
)

// BenchmarkIMAPImport imports 500 typical messages (new tickets and
// replies threaded by In-Reply-To, a few KB of text) from a local IMAP
// server into SQLite and into PostgreSQL (skipped, as the test kit
// decides, where there is none) and reports messages per second of wall
// time, and per second of CPU time used by the whole process (the IMAP
// server's included, PostgreSQL's not): the figure to compare on a machine
// that is busy otherwise.
func BenchmarkIMAPImport(b *testing.B) {
	for _, dialect := range apptest.Dialects {
		b.Run(string(dialect), func(b *testing.B) { benchmarkIMAPImport(b, dialect) })
	}
}

func benchmarkIMAPImport(b *testing.B, dialect db.Dialect) {
	const n = 500
	body := strings.Repeat("The VPN client disconnects every hour since the update; logs attached below.\r\n", 30)
	var total, cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := setup(b, apptest.DB(b, dialect))
		peer := startIMAP(b, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}})
		mb := imapMailbox(b, e, peer, "flag")
		for j := 0; j < n; j++ {
			from := fmt.Sprintf("user%d@example.org", j%100)
			reply := ""
			if j >= 100 {
				reply = fmt.Sprintf("b%d-%d@x", i, j%100)
			}
			peer.deliver(b, "INBOX", raw(from, "support@example.test", fmt.Sprintf("VPN problem %d", j%100), fmt.Sprintf("b%d-%d@x", i, j), reply, body))
		}
		f := mail.NewFetcher(e.im, e.s.Mailboxes, e.s.Leases, slog.New(slog.NewTextHandler(io.Discard, nil)))
		b.StartTimer()
		start, cpu0 := time.Now(), cpuTime()
		if err := f.Sync(context.Background(), mb.ID); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		cpu += cpuTime() - cpu0
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "msgs/s")
	b.ReportMetric(float64(n*b.N)/cpu.Seconds(), "msgs/cpu-s")
}

// BenchmarkIMAPRestartToFiled restarts the IMAP server under a running
// fetcher (production settings) and measures the time from the server
// being back to the next message filed. Each restart keeps the server
// down for 2 s, long enough for reconnection attempts to fail and back off.
func BenchmarkIMAPRestartToFiled(b *testing.B) {
	e := setup(b, apptest.DB(b, db.SQLite))
	peer := startIMAP(b, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}})
	imapMailbox(b, e, peer, "flag")
	deliverN(b, peer, 0, 1)
	runFetcher(b, e, mail.NewFetcher(e.im, e.s.Mailboxes, e.s.Leases, slog.New(slog.NewTextHandler(io.Discard, nil))))
	waitTickets(b, e, 1, 10*time.Second, "first message")
	b.ResetTimer()
	var total, worst time.Duration
	for i := 0; i < b.N; i++ {
		took := restartToFiled(b, e, peer, 2*time.Second, i+2)
		total += took
		worst = max(worst, took)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/restart")
	b.ReportMetric(worst.Seconds(), "worst-s")
}

// cpuTime is the CPU time this process used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
