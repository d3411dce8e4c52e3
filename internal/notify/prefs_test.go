package notify_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/mail"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/notify"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

func setPrefs(t *testing.T, s *app.Services, a *user.Actor, prefs map[string][2]string) {
	t.Helper()
	var in []notify.PreferenceInput
	for kind, p := range prefs {
		on, email := p[0] == "app", p[1]
		in = append(in, notify.PreferenceInput{Kind: kind, InApp: &on, Email: &email})
	}
	if _, err := s.Notify.SetPreferences(ctx, a, in); err != nil {
		t.Fatal(err)
	}
}

// TestPreferencesHonoured: each kind is shown in the app or not, and
// emailed immediately, kept for the digest, or never, as the agent chose.
func TestPreferencesHonoured(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		s := e.s
		a := e.agents("alice", "bob")
		alice, bob := a[0], a[1]
		e.team("Desk", false, bob)
		setPrefs(t, s, bob, map[string][2]string{
			"assigned": {"app", "immediately"},
			"team":     {"", "digest"},   // by email only, in the digest
			"reply":    {"app", "never"}, // in the app only
			"mention":  {"", "never"},    // not at all
		})
		tk := apptest.Ticket(t, s, alice, func(n *ticket.NewTicket) { n.Team = "Desk" }) // team
		if _, err := s.Tickets.Update(ctx, alice, tk.Number, ticket.Patch{Assignee: &bob.Email}, 0); err != nil {
			t.Fatal(err)
		}
		req, err := s.Users.Actor(ctx, tk.Requester.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Tickets.Reply(ctx, req, tk.Number, ticket.NewReply{Body: "Any news?"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Tickets.Reply(ctx, alice, tk.Number, ticket.NewReply{Body: "@bob see above", Internal: true}); err != nil {
			t.Fatal(err)
		}
		if got := e.kinds(bob); !same(got, map[string]int{"assigned": 1, "reply": 1}) {
			t.Errorf("Bob's bell shows %v, want assigned and reply only", got)
		}
		for kind, want := range map[string]int{outbox.KindAssignment: 1, outbox.KindTeamTicket: 0, outbox.KindRequesterNotice: 0,
			outbox.KindMention: 0} {
			if n := e.mails(kind, bob.Email); n != want {
				t.Errorf("Bob got %d %s emails, want %d", n, kind, want)
			}
		}
		var waiting int
		if err := d.R.QueryRowContext(ctx, d.Rebind(`SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND digest = TRUE AND emailed_at IS NULL`),
			bob.ID).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting != 1 {
			t.Errorf("%d notifications wait for Bob's digest, want 1 (the team ticket)", waiting)
		}
		n, err := s.Notify.SendDigest(ctx, bob.ID, "2026-12-03")
		if err != nil || n != 1 {
			t.Fatalf("digest listed %d: %v", n, err)
		}
		if n := e.mails(mail.KindDigest, bob.Email); n != 1 {
			t.Errorf("Bob got %d digests, want 1", n)
		}
	})
}

// TestDigestOncePerDay: the digest goes at the agent's local morning, once
// a day, even when two instances queue and run it at the same moment; the
// next day's goes the next morning.
func TestDigestOncePerDay(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		s1, s2 := e.s, apptest.ServicesWith(t, d, noDigest)
		a := e.agents("alice", "bob")
		alice, bob := a[0], a[1]
		tz := "Asia/Tokyo"
		if _, err := s1.Users.Update(ctx, bob, bob.ID, user.Patch{Timezone: &tz}); err != nil {
			t.Fatal(err)
		}
		setPrefs(t, s1, bob, map[string][2]string{"assigned": {"app", "digest"}})
		assign := func(subject string) {
			t.Helper()
			apptest.Ticket(t, s1, alice, func(n *ticket.NewTicket) { n.Assignee, n.Subject = bob.Email, subject })
			e.settle()
		}
		assign("Printer <jammed>")
		assign("VPN down")
		tokyo, _ := time.LoadLocation(tz)
		at := func(tm time.Time) {
			for _, s := range []*app.Services{s1, s2} {
				s.Notify.Now, s.Notify.DigestHour = func() time.Time { return tm }, 8
			}
		}
		// 06:30 in Tokyo: not yet.
		at(time.Date(2026, 12, 3, 6, 30, 0, 0, tokyo))
		if n, err := s1.Notify.QueueDigests(ctx, s1.Jobs); err != nil || n != 0 {
			t.Fatalf("before the morning: %d queued, %v", n, err)
		}
		// 08:05: both instances queue and send it at once; one email goes.
		at(time.Date(2026, 12, 3, 8, 5, 0, 0, tokyo))
		var wg sync.WaitGroup
		for _, s := range []*app.Services{s1, s2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.Notify.QueueDigests(ctx, s.Jobs); err != nil {
					t.Error(err)
				}
				if _, err := s.Notify.SendDigest(ctx, bob.ID, "2026-12-03"); err != nil && !db.IsRetryable(err) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		jobs, err := s1.Jobs.List(ctx, job.Filter{Kind: notify.DigestJob})
		if err != nil {
			t.Fatal(err)
		}
		// The unique key holds while a job waits or runs: when one
		// instance's job has already sent and finished by the time the
		// other, which read "not sent" a moment before, inserts its own,
		// that second job finds the digest sent and sends nothing. What is
		// promised is one email, below.
		if len(jobs) < 1 || len(jobs) > 2 {
			t.Errorf("digest jobs %+v", jobs)
		}
		for _, j := range jobs {
			if j.UniqueKey != "notify.digest:"+itoa(bob.ID)+":2026-12-03" {
				t.Errorf("digest job %+v", j)
			}
		}
		waitJobs(t, s1, notify.DigestJob)
		if n := e.mails(mail.KindDigest, bob.Email); n != 1 {
			t.Fatalf("Bob got %d digests, want 1", n)
		}
		var text string
		if err := d.R.QueryRowContext(ctx, d.Rebind(`SELECT body_text FROM outbox WHERE kind = $1`), mail.KindDigest).Scan(&text); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, "2 notifications are waiting") || !strings.Contains(text, "Printer <jammed>") ||
			!strings.Contains(text, "VPN down") {
			t.Errorf("digest text:\n%s", text)
		}
		// Later the same day: nothing more, even with something new.
		assign("Badge reader")
		at(time.Date(2026, 12, 3, 17, 0, 0, 0, tokyo))
		if n, err := s2.Notify.QueueDigests(ctx, s2.Jobs); err != nil || n != 0 {
			t.Errorf("later the same day: %d queued, %v", n, err)
		}
		if n, err := s2.Notify.SendDigest(ctx, bob.ID, "2026-12-03"); err != nil || n != 0 {
			t.Errorf("a second digest the same day listed %d: %v", n, err)
		}
		if n := e.mails(mail.KindDigest, bob.Email); n != 1 {
			t.Fatalf("Bob got %d digests the same day, want 1", n)
		}
		// The next morning: the new one, alone.
		at(time.Date(2026, 12, 4, 8, 0, 0, 0, tokyo))
		if n, err := s2.Notify.QueueDigests(ctx, s2.Jobs); err != nil || n != 1 {
			t.Errorf("the next morning: %d queued, %v", n, err)
		}
		waitJobs(t, s1, notify.DigestJob)
		if n := e.mails(mail.KindDigest, bob.Email); n != 2 {
			t.Errorf("Bob got %d digests after two mornings, want 2", n)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// waitJobs waits until no job of kind is queued or running.
func waitJobs(t *testing.T, s *app.Services, kind string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		js, err := s.Jobs.List(ctx, job.Filter{Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		busy := false
		for _, j := range js {
			busy = busy || j.State == job.Available || j.State == job.Running || j.State == job.Retryable
		}
		if !busy {
			return
		}
		s.Runner.Wake()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s jobs did not finish", kind)
}
