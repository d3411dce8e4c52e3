package lease_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/lease"
)

func TestLeaseMovesWhenItsHolderStopsRenewing(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		base, err := lease.New(d)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		clock := func() time.Time { return now }
		a := base.WithHolder("a").WithClock(clock)
		b := base.WithHolder("b").WithClock(clock)

		if ok, err := a.Acquire(ctx, "leader", time.Minute); err != nil || !ok {
			t.Fatalf("a acquires a free lease: %v %v", ok, err)
		}
		if ok, err := b.Acquire(ctx, "leader", time.Minute); err != nil || ok {
			t.Fatalf("b must not take a live lease: %v %v", ok, err)
		}
		now = now.Add(30 * time.Second)
		if ok, err := a.Acquire(ctx, "leader", time.Minute); err != nil || !ok {
			t.Fatalf("a renews: %v %v", ok, err)
		}
		now = now.Add(45 * time.Second) // within a's renewed lease
		if ok, _ := b.Acquire(ctx, "leader", time.Minute); ok {
			t.Fatal("b took a lease that a had renewed")
		}
		if held, _ := a.Holds(ctx, "leader"); !held {
			t.Fatal("a should hold the lease")
		}
		now = now.Add(time.Minute) // a stopped renewing: the lease ran out
		if held, _ := a.Holds(ctx, "leader"); held {
			t.Fatal("an expired lease is not held")
		}
		if ok, err := b.Acquire(ctx, "leader", time.Minute); err != nil || !ok {
			t.Fatalf("b takes over an expired lease: %v %v", ok, err)
		}
		if ok, _ := a.Acquire(ctx, "leader", time.Minute); ok {
			t.Fatal("a came back and took b's live lease")
		}
		if err := b.Release(ctx, "leader"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := a.Acquire(ctx, "leader", time.Minute); !ok {
			t.Fatal("a released lease is free at once")
		}
		ls, err := base.List(ctx, "lead")
		if err != nil || len(ls) != 1 || ls[0].Holder != "a" {
			t.Fatalf("list: %+v %v", ls, err)
		}
	})
}

func TestLeaseHasOneHolderUnderContention(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		base, err := lease.New(d)
		if err != nil {
			t.Fatal(err)
		}
		var won atomic.Int32
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l := base.WithHolder(string(rune('a' + i)))
				if ok, err := l.Acquire(ctx, "mailbox:1", time.Minute); err != nil {
					t.Error(err)
				} else if ok {
					won.Add(1)
				}
			}()
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Fatalf("%d holders of one lease, want 1", won.Load())
		}
	})
}
