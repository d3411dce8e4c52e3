package apptest

import (
	"context"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
)

// Settle waits until the durable consumer named consumer has read every
// event written so far, including what it wrote itself: caught up, and
// still caught up a moment later (on PostgreSQL events are numbered after
// commit, by the pump's sequencer, which Settle runs too).
func Settle(t testing.TB, s *app.Services, consumer string) {
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
		if cps[consumer] >= head {
			if calm++; calm == 5 {
				return
			}
		} else {
			calm = 0
		}
		time.Sleep(15 * time.Millisecond)
	}
	t.Fatalf("the %s consumer did not catch up", consumer)
}
