package sla

import (
	"context"

	"github.com/docket/docket/internal/job"
)

// Fire runs a timer job now, as the runner would (tests).
func (s *Service) Fire(ctx context.Context, j *job.Job) error {
	kind := j.Kind
	return s.fire(ctx, j, kind)
}
