package auth

import (
	"context"
	"fmt"
	"time"
)

// PruneSessions deletes the sessions that have ended by now: past their
// MaxAge, or unused for IdleTimeout. SessionActor refuses them anyway; this
// only keeps the table small. It reports how many it deleted.
func (s *Service) PruneSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.W.ExecContext(ctx, s.q.Get("prune-sessions"), now.UnixMicro(), now.Add(-IdleTimeout).UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("auth: prune sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// PruneLoginFailures deletes the sign-in throttle's counters that no
// longer count: last failure older than failureMemory, and not slowing
// anything down any more.
func (s *Service) PruneLoginFailures(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.W.ExecContext(ctx, s.q.Get("prune-login-failures"), now.Add(-failureMemory).UnixMicro(), now.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("auth: prune login failures: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
