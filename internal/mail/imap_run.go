package mail

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docket/docket/internal/event"
)

// Run watches every active IMAP mailbox until ctx ends. A mailbox added,
// changed or removed is picked up at once: the mailbox.* domain events
// reach this instance's bus through the event pump (from any instance),
// and each makes Run read the mailboxes again. The list is also read every
// ResyncEvery, in case the bus dropped an event for a slow subscriber.
func (f *Fetcher) Run(ctx context.Context, bus *event.Bus) {
	var events <-chan event.Event
	if bus != nil {
		// Subscribed before the first read: nothing saved after it is missed.
		sub := bus.Subscribe(256)
		defer sub.Close()
		events = sub.C
	}
	type watcher struct {
		cancel  context.CancelFunc
		done    chan struct{}
		version time.Time
	}
	running := map[int64]*watcher{}
	// stop ends a mailbox's watcher and waits until it has released the
	// lease, so a watcher started after it cannot have its lease dropped.
	stop := func(w *watcher) {
		w.cancel()
		<-w.done
	}
	defer func() {
		for _, w := range running {
			w.cancel()
		}
		for _, w := range running {
			<-w.done
		}
	}()
	resync := time.NewTicker(f.ResyncEvery)
	defer resync.Stop()
	for {
		mbs, err := f.mailboxes.List(ctx)
		if err != nil && ctx.Err() == nil {
			f.log.Error("list mailboxes", "err", err)
		}
		seen := map[int64]bool{}
		for _, mb := range mbs {
			if !mb.Active || mb.Inbound != "imap" {
				continue
			}
			seen[mb.ID] = true
			if w, ok := running[mb.ID]; ok && w.version.Equal(mb.UpdatedAt) {
				continue
			} else if ok {
				stop(w) // settings changed: reconnect with the new ones
			}
			mctx, cancel := context.WithCancel(ctx)
			w := &watcher{cancel: cancel, done: make(chan struct{}), version: mb.UpdatedAt}
			running[mb.ID] = w
			go func(id int64) {
				defer close(w.done)
				f.watch(mctx, id)
			}(mb.ID)
		}
		for id, w := range running {
			if !seen[id] {
				stop(w)
				delete(running, id)
			}
		}
		if !f.nextChange(ctx, events, resync.C) {
			return
		}
	}
}

// nextChange waits for a mailbox event or the resync tick; false when ctx
// ends.
func (f *Fetcher) nextChange(ctx context.Context, events <-chan event.Event, resync <-chan time.Time) bool {
	for {
		select {
		case <-ctx.Done():
			return false
		case e := <-events:
			if strings.HasPrefix(e.Type, "mailbox.") {
				return true
			}
		case <-resync:
			return true
		}
	}
}

// fetch keeps one mailbox imported until ctx ends, reconnecting with
// backoff: MinBackoff after a healthy session, doubling with each failure
// in a row up to MaxBackoff (LoginBackoff for a refused sign-in), so new
// mail arrives within seconds of a server coming back.
func (f *Fetcher) fetch(ctx context.Context, id int64) {
	backoff := f.MinBackoff
	for ctx.Err() == nil {
		healthy, err := f.session(ctx, id, true)
		if ctx.Err() != nil {
			return
		}
		if healthy {
			backoff = f.MinBackoff
		}
		limit := f.MaxBackoff
		var refused signInError
		if errors.As(err, &refused) {
			limit = max(f.LoginBackoff, f.MaxBackoff)
		}
		wait := min(backoff, limit)
		if err == nil {
			err = errors.New("the session ended")
		}
		f.log.Warn("imap connection lost; retrying", "mailbox_id", id, "in", wait.String(), "err", err)
		f.setError(context.WithoutCancel(ctx), id, err.Error())
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		backoff = min(wait*2, limit)
	}
}

// setStatus records the current state for the admin pages, with the
// instance fetching.
func (f *Fetcher) setStatus(ctx context.Context, id int64, msg string) {
	_ = f.mailboxes.SetStatus(ctx, id, fmt.Sprintf("%s (instance %s)", msg, f.leases.Holder()))
}

// setError records a failure as the status and the last error.
func (f *Fetcher) setError(ctx context.Context, id int64, msg string) {
	_ = f.mailboxes.SetError(ctx, id, fmt.Sprintf("%s (instance %s)", msg, f.leases.Holder()))
}
