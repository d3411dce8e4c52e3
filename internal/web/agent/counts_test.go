package agent

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

func TestCountsCacheUntilAChange(t *testing.T) {
	c := newCounts()
	a := &user.Actor{ID: 1}
	var calls atomic.Int64
	var value atomic.Int64
	value.Store(5)
	cost := time.Duration(0)
	count := func(context.Context, *user.Actor, ticket.Filter) (int, error) {
		calls.Add(1)
		time.Sleep(cost)
		return int(value.Load()), nil
	}
	get := func() int {
		n, err := c.get(context.Background(), a, "open", ticket.Filter{}, count)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if get() != 5 || get() != 5 || calls.Load() != 1 {
		t.Fatalf("cached count recomputed: %d calls", calls.Load())
	}
	// A cheap count is exact right after a change.
	value.Store(6)
	c.bump()
	c.entries[countKey{1, "open"}].at = time.Now().Add(-time.Minute)
	if n := get(); n != 6 {
		t.Fatalf("cheap count after a change = %d, want 6", n)
	}
	// An expensive one is served stale and refreshed in the background.
	cost = 5 * time.Millisecond
	c.entries[countKey{1, "open"}].cost = time.Second
	c.entries[countKey{1, "open"}].at = time.Now().Add(-time.Minute)
	value.Store(7)
	c.bump()
	if n := get(); n != 6 {
		t.Fatalf("expensive stale count = %d, want the previous 6", n)
	}
	deadline := time.Now().Add(2 * time.Second)
	for get() != 7 {
		if time.Now().After(deadline) {
			t.Fatal("background refresh never landed")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
