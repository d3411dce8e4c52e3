package app_test

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/draft"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/user"
)

// The maintenance and email jobs are registered and periodic: started on
// a database holding leftovers of every kind, the services' runner prunes
// them and queues the email an older version left without a job.
func TestPeriodicJobsRunAtStart(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, err := app.Build(ctx, d, apptest.Config(t), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := d.W.ExecContext(ctx, d.Rebind(q), args...); err != nil {
				t.Fatal(err)
			}
		}
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := d.R.QueryRowContext(ctx, d.Rebind(q), args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		long := time.Now().Add(-60 * 24 * time.Hour).UnixMicro()
		a := apptest.User(t, s, user.RoleAgent, "")
		if _, _, err := s.Auth.StartSession(ctx, a.ID, "test", "127.0.0.1"); err != nil {
			t.Fatal(err)
		}
		exec(`UPDATE sessions SET created_at = $1, last_seen_at = $1, expires_at = $1`, long)
		exec(`INSERT INTO signin_throttle (key, failures, delayed_until, updated_at) VALUES ('u:x@example.test', 3, 0, $1)`, long)
		if _, err := s.Idem.Begin(ctx, a.ID, "k", "h"); err != nil {
			t.Fatal(err)
		}
		exec(`UPDATE idempotency_keys SET created_at = $1`, long)
		if _, err := s.Attachments.Save(ctx, a, "draft.txt", "text/plain", strings.NewReader("never sent")); err != nil {
			t.Fatal(err)
		}
		exec(`UPDATE attachments SET created_at = $1`, long)
		var sent, queued int64
		err = d.WithTx(ctx, func(tx *db.Tx) error {
			e := func() *outbox.Email {
				return &outbox.Email{Kind: outbox.KindAck, From: outbox.Address{Email: "support@example.test"},
					To: []outbox.Address{{Email: "bob@example.org"}}, Subject: "Hello", Text: "Hi"}
			}
			var err error
			if sent, err = s.Outbox.Enqueue(ctx, tx, e(), "example.test"); err != nil {
				return err
			}
			queued, err = s.Outbox.Enqueue(ctx, tx, e(), "example.test")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		exec(`UPDATE outbox SET status = 'sent', sent_at = $2 WHERE id = $1`, sent, long)
		exec(`DELETE FROM jobs`) // as an older version left them: no send jobs
		old, err := s.Jobs.InsertNow(ctx, job.New{Kind: "done.long.ago"})
		if err != nil {
			t.Fatal(err)
		}
		exec(`UPDATE jobs SET state = 'completed', finished_at = $2 WHERE id = $1`, old, long)
		// A draft nobody touched for two months goes; yesterday's stays.
		tk := apptest.Ticket(t, s, a)
		if _, err := s.Drafts.Save(ctx, a, tk.Number, draft.Reply, "Half an answer from long ago"); err != nil {
			t.Fatal(err)
		}
		exec(`UPDATE drafts SET updated_at = $1`, long)
		b := apptest.User(t, s, user.RoleAgent, "")
		if _, err := s.Drafts.Save(ctx, b, tk.Number, draft.Note, "Still writing this"); err != nil {
			t.Fatal(err)
		}

		t.Cleanup(s.Start(ctx))
		kinds := []string{app.PruneSessionsJob, app.PruneLoginFailuresJob, app.PruneIdempotencyJob, app.PruneUploadsJob,
			app.PruneSentEmailJob, app.PruneJobsJob, app.PruneDraftsJob, outbox.ReconcileJob}
		deadline := time.Now().Add(20 * time.Second)
		for _, k := range kinds {
			for count(`SELECT COUNT(*) FROM jobs WHERE kind = $1 AND state = 'completed'`, k) == 0 {
				if time.Now().After(deadline) {
					js, _ := s.Jobs.List(ctx, job.Filter{Kind: k})
					t.Fatalf("no %s job completed: %+v", k, js)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		for what, n := range map[string]int{
			"sessions":         count(`SELECT COUNT(*) FROM sessions`),
			"login failures":   count(`SELECT COUNT(*) FROM signin_throttle`),
			"idempotency keys": count(`SELECT COUNT(*) FROM idempotency_keys`),
			"uploads":          count(`SELECT COUNT(*) FROM attachments`),
			"sent email":       count(`SELECT COUNT(*) FROM outbox WHERE id = $1`, sent),
			"old jobs":         count(`SELECT COUNT(*) FROM jobs WHERE id = $1`, old),
			"old drafts":       count(`SELECT COUNT(*) FROM drafts WHERE user_id = $1`, a.ID),
		} {
			if n != 0 {
				t.Errorf("%d %s left", n, what)
			}
		}
		if n := count(`SELECT COUNT(*) FROM drafts WHERE user_id = $1`, b.ID); n != 1 {
			t.Errorf("the prune took a draft written today (%d left)", n)
		}
		if n := count(`SELECT COUNT(*) FROM jobs WHERE kind = $1 AND unique_key = $2`, outbox.SendJob,
			"email.send:"+strconv.FormatInt(queued, 10)); n != 1 {
			t.Errorf("the email left queued by an older version has %d send jobs, want 1", n)
		}
	})
}
