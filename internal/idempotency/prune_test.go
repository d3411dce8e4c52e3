package idempotency_test

import (
	"context"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/idempotency"
)

// Pruning forgets the keys older than a day and keeps the newer ones, whose
// retries still get the first result.
func TestPrune(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, err := idempotency.New(d)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		use := func(key string, at time.Time) {
			t.Helper()
			if r, err := s.Begin(ctx, 1, key, "hash"); r != nil || err != nil {
				t.Fatalf("begin %s: %+v %v", key, r, err)
			}
			if err := s.Complete(ctx, 1, key, idempotency.Result{Status: 201, Headers: "{}", Body: key}); err != nil {
				t.Fatal(err)
			}
			if _, err := d.W.ExecContext(ctx, d.Rebind(`UPDATE idempotency_keys SET created_at = $3 WHERE user_id = $1 AND key = $2`),
				1, key, at.UnixMicro()); err != nil {
				t.Fatal(err)
			}
		}
		use("old", now.Add(-idempotency.TTL-time.Minute))
		use("recent", now.Add(-idempotency.TTL+time.Minute))
		use("fresh", now)
		if _, err := s.Prune(ctx, now); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"recent", "fresh"} {
			if r, err := s.Begin(ctx, 1, key, "hash"); err != nil || r == nil || r.Body != key {
				t.Errorf("a retry with the %s key got %+v, %v; want the first result", key, r, err)
			}
		}
		if r, err := s.Begin(ctx, 1, "old", "hash"); err != nil || r != nil {
			t.Errorf("the old key was kept: %+v, %v", r, err)
		}
	})
}
