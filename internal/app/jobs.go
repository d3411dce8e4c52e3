package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/webhook"
)

// How long what nobody needs any more is kept before the maintenance jobs
// delete it. Sessions, sign-in failures and idempotency keys go when their
// own lifetimes (in auth and idempotency) end.
const (
	keepUnattached  = 24 * time.Hour      // uploads never attached to a message
	keepSentEmail   = 30 * 24 * time.Hour // outbox rows sent; failed ones stay
	keepJobs        = 7 * 24 * time.Hour  // completed and cancelled jobs; failed ones stay
	keepDrafts      = 30 * 24 * time.Hour // unsent drafts nobody touched
	keepDeliveries  = 30 * 24 * time.Hour // finished webhook deliveries; waiting ones stay
	keepTriggerRuns = 30 * 24 * time.Hour // triggers' run logs
	pruneEvery      = time.Hour
)

// The kinds of the maintenance jobs.
const (
	PruneSessionsJob      = "auth.prune_sessions"
	PruneLoginFailuresJob = "auth.prune_login_failures"
	PruneIdempotencyJob   = "idempotency.prune"
	PruneUploadsJob       = "attachment.prune_unattached"
	PruneSentEmailJob     = "email.prune_sent"
	PruneJobsJob          = "jobs.prune"
	PruneDraftsJob        = "drafts.prune"
	PruneDeliveriesJob    = "webhook.prune_deliveries"
	PruneTriggerRunsJob   = "triggers.prune_runs"
	PrunePortalLinksJob   = "auth.prune_portal_links"
)

// registerJobs registers every job kind and periodic job with s.Runner;
// Build calls it before anything can Start the runner. Periodic jobs run
// first when the leader starts, then every interval.
func (s *Services) registerJobs(log *slog.Logger) {
	r := s.Runner
	// Outbound email: each outbox row is sent by its own job, queued in
	// the transaction that wrote the row.
	sender := outbox.NewSender(s.Outbox, outbox.SenderOptions{SMTP: s.Outgoing.SMTP, Attachment: s.Attachments.OpenForEmail, Logger: log})
	r.Register(outbox.SendJob, sender.Kind())
	s.Jobs.OnRetry(outbox.SendJob, sender.Requeue)
	elog := log.With("component", "outbox")
	r.Register(outbox.ReconcileJob, job.Kind{Handler: func(ctx context.Context, j *job.Job) error {
		queued, failed, err := s.Outbox.Reconcile(ctx)
		if queued+failed > 0 {
			elog.Info("reconciled the outbox with its send jobs", "queued", queued, "failed", failed)
		}
		return err
	}})
	// Its first run, at start-up, sends what an older version left queued.
	r.Every(job.Periodic{Name: "email-reconcile", Kind: outbox.ReconcileJob, Every: 5 * time.Minute})

	// Webhook deliveries: a job per delivery chain, queued by the webhooks
	// event consumer or by the retry of a failed attempt.
	r.Register(webhook.DeliverJob, s.Webhooks.Kind())

	// The portal's emailed links: a job per request decides whether the
	// address gets one, so no answer's timing tells if an account exists.
	s.Auth.RegisterJobs(r)

	// Search documents written before their terms were stemmed (migration
	// 0025) are indexed when the server starts; later runs find none.
	r.Register(ticket.ReindexJob, job.Kind{Handler: func(ctx context.Context, j *job.Job) error {
		n, err := s.Tickets.IndexPending(ctx)
		if n > 0 {
			log.Info("indexed search documents", "count", n)
		}
		return err
	}})
	r.Every(job.Periodic{Name: ticket.ReindexJob, Kind: ticket.ReindexJob, Every: 6 * time.Hour})

	// SQLite's full-text index: the segment merging FTS5 leaves to later,
	// a bounded share of the writer at a time (ticket/searchmerge.go).
	if s.DB.Dialect == db.SQLite {
		r.Register(ticket.MergeIndexJob, job.Kind{Handler: func(ctx context.Context, j *job.Job) error {
			_, _, err := s.Tickets.MergeIndex(ctx, ticket.MergeIndexBudget)
			return err
		}})
		r.Every(job.Periodic{Name: ticket.MergeIndexJob, Kind: ticket.MergeIndexJob, Every: ticket.MergeIndexEvery})
	}

	// Maintenance: each prune deletes what is past its time, so running
	// one twice, or late, does no harm.
	mlog := log.With("component", "maintenance")
	prune := func(kind, what string, fn func(ctx context.Context, now time.Time) (int64, error)) {
		r.Register(kind, job.Kind{Handler: func(ctx context.Context, j *job.Job) error {
			n, err := fn(ctx, time.Now())
			if n > 0 {
				mlog.Info("pruned "+what, "count", n)
			}
			return err
		}})
		r.Every(job.Periodic{Name: kind, Kind: kind, Every: pruneEvery})
	}
	prune(PruneSessionsJob, "ended sessions", s.Auth.PruneSessions)
	prune(PruneLoginFailuresJob, "old sign-in failures", s.Auth.PruneLoginFailures)
	prune(PrunePortalLinksJob, "expired portal links", s.Auth.PrunePortalLinks)
	prune(PruneIdempotencyJob, "expired idempotency keys", s.Idem.Prune)
	prune(PruneUploadsJob, "unattached uploads", func(ctx context.Context, now time.Time) (int64, error) {
		return s.Attachments.PruneUnattached(ctx, now.Add(-keepUnattached))
	})
	prune(PruneSentEmailJob, "sent email", func(ctx context.Context, now time.Time) (int64, error) {
		return s.Outbox.PruneSent(ctx, now.Add(-keepSentEmail))
	})
	prune(PruneJobsJob, "finished jobs", func(ctx context.Context, now time.Time) (int64, error) {
		return s.Jobs.Prune(ctx, now.Add(-keepJobs))
	})
	prune(PruneDraftsJob, "old drafts", func(ctx context.Context, now time.Time) (int64, error) {
		return s.Drafts.Prune(ctx, now.Add(-keepDrafts))
	})
	prune(PruneDeliveriesJob, "finished webhook deliveries", func(ctx context.Context, now time.Time) (int64, error) {
		return s.Webhooks.Prune(ctx, now.Add(-keepDeliveries))
	})
	prune(PruneTriggerRunsJob, "old trigger run log entries", func(ctx context.Context, now time.Time) (int64, error) {
		return s.Automation.PruneRuns(ctx, now.Add(-keepTriggerRuns))
	})
}
