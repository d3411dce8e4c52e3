package event_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
)

// TestWokenPumpSkipsCaughtUpConsumers: every write wakes the pump, and a
// round that brings a consumer nothing new costs it no transaction; the
// consumer still handles every event once. (A round on the interval asks
// every consumer: its checkpoint may have been moved by hand, as
// notify's TestEveryKindOnce does.)
func TestWokenPumpSkipsCaughtUpConsumers(t *testing.T) {
	ctx := context.Background()
	d := apptest.DB(t, db.SQLite)
	l, err := event.NewLog(d)
	if err != nil {
		t.Fatal(err)
	}
	p := event.NewPump(l, event.NewBus(), nil)
	event.SetInterval(p, time.Hour) // only woken rounds here
	var handled atomic.Int64
	p.Register(&event.Consumer{Name: "test-count", Handle: func(ctx context.Context, tx *db.Tx, recs []event.Record) error {
		handled.Add(int64(len(recs)))
		return nil
	}})
	p.Init(ctx) // the consumer starts at the head: the events written next
	run, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); p.Run(run) }()
	defer func() { stop(); <-done }()
	appendOne := func() {
		t.Helper()
		if err := d.WithTx(ctx, func(tx *db.Tx) error {
			_, err := l.Append(ctx, tx, "test.happened", event.Actor{Type: event.ActorSystem, Name: "test"}, "test", 1, 0, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	waitHandled := func(n int64) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); handled.Load() < n; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d events handled, want %d", handled.Load(), n)
			}
		}
	}
	appendOne()
	waitHandled(1)
	time.Sleep(50 * time.Millisecond) // the round after the consumer's own commit
	commits, _ := d.Batches()
	for range 50 {
		p.Wake()
		time.Sleep(2 * time.Millisecond)
	}
	if after, _ := d.Batches(); after != commits {
		t.Fatalf("50 rounds with nothing new ran %d transactions, want none", after-commits)
	}
	for range 20 {
		appendOne()
	}
	waitHandled(21)
	time.Sleep(50 * time.Millisecond)
	if n := handled.Load(); n != 21 {
		t.Fatalf("%d events handled, want each of the 21 once", n)
	}
}
