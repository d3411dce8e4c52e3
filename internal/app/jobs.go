package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/mail/outbox"
)

// registerJobs registers every job kind and periodic job with s.Runner;
// Build calls it before anything can Start the runner.
func (s *Services) registerJobs(log *slog.Logger) {
	r := s.Runner
	// Outbound email: each outbox row is sent by its own job, queued in
	// the transaction that wrote the row.
	sender := outbox.NewSender(s.Outbox, outbox.SenderOptions{SMTP: s.Outgoing.SMTP, Logger: log})
	r.Register(outbox.SendJob, sender.Kind())
	elog := log.With("component", "outbox")
	r.Register(outbox.ReconcileJob, job.Kind{Handler: func(ctx context.Context, j *job.Job) error {
		queued, failed, err := s.Outbox.Reconcile(ctx)
		if queued+failed > 0 {
			elog.Info("reconciled the outbox with its send jobs", "queued", queued, "failed", failed)
		}
		return err
	}})
	// The first run is at start-up, which sends what an older version
	// left queued.
	r.Every(job.Periodic{Name: "email-reconcile", Kind: outbox.ReconcileJob, Every: 5 * time.Minute})
}
