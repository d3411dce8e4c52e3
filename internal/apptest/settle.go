package apptest

import (
	"context"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
)

// Settle waits until each named durable event consumer has read every
// event, including those its own writes produced: caught up, and still
// caught up a moment later (on PostgreSQL the pump numbers new events
// first). It fails the test after 30 seconds.
func Settle(t testing.TB, s *app.Services, consumers ...string) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	calm := 0
	for time.Now().Before(deadline) {
		s.Pump.Wake()
		if _, err := s.Events.Sequence(ctx); err != nil {
			t.Fatal(err)
		}
		head, err := s.Events.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cps, err := s.Events.Checkpoints(ctx)
		if err != nil {
			t.Fatal(err)
		}
		caught := true
		for _, c := range consumers {
			caught = caught && cps[c] >= head
		}
		if caught {
			calm++
			if calm == 5 {
				return
			}
		} else {
			calm = 0
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the event consumers %v did not catch up", consumers)
}
