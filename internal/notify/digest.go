package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/job"
)

// The digest's jobs: DigestDueJob, every DigestEvery, queues a DigestJob
// for each person whose local morning has come and who has notifications
// waiting; the DigestJob sends their one email of the day.
const (
	DigestDueJob = "notify.digest-due"
	DigestJob    = "notify.digest"
	DigestEvery  = 10 * time.Minute
)

// digestArgs name the person and their local day ("2026-12-03").
type digestArgs struct {
	User int64  `json:"user_id"`
	Day  string `json:"day"`
}

// RegisterJobs registers the digest's job kinds and its periodic check.
func (s *Service) RegisterJobs(r *job.Runner, q *job.Queue) {
	r.Register(DigestDueJob, job.Kind{Handler: func(ctx context.Context, _ *job.Job) error {
		_, err := s.QueueDigests(ctx, q)
		return err
	}})
	r.Register(DigestJob, job.Kind{Handler: func(ctx context.Context, j *job.Job) error {
		var a digestArgs
		if err := json.Unmarshal(j.Args, &a); err != nil || a.User == 0 || a.Day == "" {
			return job.Permanent(fmt.Errorf("notify: digest arguments %s", j.Args))
		}
		_, err := s.SendDigest(ctx, a.User, a.Day)
		return err
	}})
	r.Every(job.Periodic{Name: "notify-digest", Kind: DigestDueJob, Every: DigestEvery})
}

// QueueDigests queues the digest of each person with notifications waiting
// for it whose local time is past DigestHour and who had no digest today
// (their time zone; UTC when they set none). The job's unique key names
// the person and day, and SendDigest records the day, so a person gets one
// digest a day however many instances queue it. It reports how many it
// queued.
func (s *Service) QueueDigests(ctx context.Context, q *job.Queue) (int, error) {
	rows, err := s.DB.R.QueryContext(ctx, s.q.Get("digest-pending-users"))
	if err != nil {
		return 0, fmt.Errorf("notify: digests due: %w", err)
	}
	type pending struct {
		id int64
		tz string
	}
	people, err := db.Collect(rows, func(r db.Scanner) (pending, error) {
		var p pending
		return p, r.Scan(&p.id, &p.tz)
	})
	if err != nil {
		return 0, fmt.Errorf("notify: digests due: %w", err)
	}
	n := 0
	for _, p := range people {
		day, due := s.digestDay(p.tz)
		if !due {
			continue
		}
		var sent int
		if err := s.DB.R.QueryRowContext(ctx, s.q.Get("digest-sent"), p.id, day).Scan(&sent); err != nil {
			return n, fmt.Errorf("notify: digest of user %d: %w", p.id, err)
		}
		if sent > 0 {
			continue
		}
		if _, err := q.InsertNow(ctx, job.New{Kind: DigestJob, Args: digestArgs{p.id, day},
			UniqueKey: "notify.digest:" + strconv.FormatInt(p.id, 10) + ":" + day, MaxAttempts: 5}); err != nil {
			return n, fmt.Errorf("notify: queue digest of user %d: %w", p.id, err)
		}
		n++
	}
	return n, nil
}

// digestDay is the person's local day now, and whether their digest hour
// has come.
func (s *Service) digestDay(tz string) (string, bool) {
	loc := time.UTC
	if tz != "" {
		if l, err := time.LoadLocation(tz); err == nil {
			loc = l
		}
	}
	now := s.Now().In(loc)
	return now.Format(time.DateOnly), now.Hour() >= s.DigestHour
}

// SendDigest emails person userID, once for day, the notifications that
// wait for their digest: unread, not emailed, about tickets they may still
// see. It reports how many the email listed (0: none sent, nothing
// waited or the day's digest was sent already).
func (s *Service) SendDigest(ctx context.Context, userID int64, day string) (int, error) {
	n := 0
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.Get("claim-digest"), userID, day, db.Now())
		if err != nil {
			return err
		}
		if c, _ := res.RowsAffected(); c == 0 {
			return nil // this day's digest went already
		}
		to, active, err := s.user(ctx, tx, userID)
		if err != nil || to == nil || !active || !to.IsAgent() {
			return err
		}
		cutoff := db.Now()
		args := append([]any{to.ID}, visArgs(to)...)
		rows, err := tx.QueryContext(ctx, s.q.Get("digest-items-"+roleOf(to)), args...)
		if err != nil {
			return err
		}
		items, err := db.Collect(rows, s.scan)
		if err != nil {
			return err
		}
		if len(items) > 0 && s.Mailer != nil {
			if err := s.Mailer.Digest(ctx, tx, to.ID, items); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("digest-done"), to.ID, cutoff, cutoff); err != nil {
			return err
		}
		n = len(items)
		_, err = tx.ExecContext(ctx, s.q.Get("digest-count"), to.ID, day, n)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("notify: digest of user %d: %w", userID, err)
	}
	return n, nil
}
