package portal_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// The portal benchmarks measure the server's time for a requester's pages
// over 100,000 tickets in SQLite (DOCKET_BENCH_TICKETS overrides the
// count), through the application's handler with its middleware. The
// target is under 10 ms. Two requesters: one with a usual history (one
// ticket in a thousand is theirs) and one who filed every ticket (the
// worst case for their list).
//
//	go test -run '^$' -bench Portal ./internal/web/portal/

type portalBench struct {
	h       http.Handler
	cookies map[string]*http.Cookie // by requester kind
	ticket  int64                   // the usual requester's ticket with 20 messages
}

func seedPortal(b *testing.B) *portalBench {
	b.Helper()
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("DOCKET_BENCH_TICKETS")); err == nil && v > 0 {
		n = v
	}
	d := apptest.DB(b, db.SQLite)
	s := apptest.Services(b, d)
	agent := apptest.User(b, s, user.RoleAgent, "")
	usual := apptest.User(b, s, user.RoleRequester, "")
	heavy := apptest.User(b, s, user.RoleRequester, "")
	first := apptest.Ticket(b, s, usual)
	for i := range 19 {
		if _, err := s.Tickets.Reply(ctx, agent, first.Number, ticket.NewReply{Body: fmt.Sprintf("Reply %d with **markdown**", i),
			Internal: i%5 == 4}); err != nil {
			b.Fatal(err)
		}
	}
	requester := fmt.Sprintf("CASE WHEN i %% 1000 = 0 THEN %d ELSE %d END", usual.ID, heavy.ID)
	status := `CASE i % 5 WHEN 0 THEN 'open' WHEN 1 THEN 'new' ELSE 'closed' END`
	if err := apptest.BulkTickets(ctx, d, n, status, requester, "NULL", "NULL"); err != nil {
		b.Fatal(err)
	}
	h, _, err := app.Handler(s, apptest.Config(b), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	p := &portalBench{h: h, cookies: map[string]*http.Cookie{}, ticket: first.Number}
	for name, a := range map[string]*user.Actor{"usual": usual, "heavy": heavy} {
		secret, _, err := s.Auth.StartSession(ctx, a.ID, "", "")
		if err != nil {
			b.Fatal(err)
		}
		p.cookies[name] = &http.Cookie{Name: "docket_session", Value: secret}
	}
	return p
}

// get answers path for the requester once, for checking.
func (p *portalBench) get(cookie *http.Cookie, path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.AddCookie(cookie)
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, req)
	return rec
}

func benchPortalPage(b *testing.B, p *portalBench, who, path, want string) {
	if rec := p.get(p.cookies[who], path); rec.Code != 200 || !strings.Contains(rec.Body.String(), want) {
		b.Fatalf("GET %s: %d, no %q", path, rec.Code, want)
	}
	var times []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		if rec := p.get(p.cookies[who], path); rec.Code != 200 {
			b.Fatalf("GET %s: %d", path, rec.Code)
		}
		times = append(times, time.Since(start))
	}
	reportLatency(b, times)
}

// reportLatency reports the fastest, median and 99th-percentile request.
func reportLatency(b *testing.B, times []time.Duration) {
	slices.Sort(times)
	pct := func(q float64) float64 {
		return float64(times[min(len(times)-1, int(q*float64(len(times))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0), "min-ms")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkPortalPages: "My requests" (all, open, a search) and a ticket
// with 20 messages (4 of them notes the requester does not see).
func BenchmarkPortalPages(b *testing.B) {
	p := seedPortal(b)
	for _, c := range []struct{ name, who, path, want string }{
		{"list_usual", "usual", "/portal/tickets", `id="ticket-list"`},
		{"list_heavy", "heavy", "/portal/tickets", `id="next-page"`},
		{"list_open_heavy", "heavy", "/portal/tickets?status=open", `id="next-page"`},
		{"search_usual", "usual", "/portal/tickets?q=bulk", `id="ticket-list"`},
		{"ticket", "usual", "/portal/tickets/" + num(p.ticket), `id="reply-box"`},
	} {
		b.Run(c.name, func(b *testing.B) { benchPortalPage(b, p, c.who, c.path, c.want) })
	}
}
