package sla

import (
	"context"
	"time"

	"github.com/docket/docket/internal/job"
)

// Fire runs a timer or recompute job now, as the runner would (tests).
func (s *Service) Fire(ctx context.Context, j *job.Job) error {
	if j.Kind == RecomputeJob {
		return s.recompute(ctx, j)
	}
	return s.fire(ctx, j)
}

// SetRecomputeBatch sets how many tickets a recompute job takes per
// transaction (tests), and returns a function that restores it.
func SetRecomputeBatch(n int) func() {
	old := recomputeBatch
	recomputeBatch = n
	return func() { recomputeBatch = old }
}

// ScanUntil runs the timer scan up to to, as if it ran scanAhead before
// (tests): it queues the timers of the instants from the last horizon to
// to.
func (s *Service) ScanUntil(ctx context.Context, to time.Time) error { return s.scanUntil(ctx, to) }
