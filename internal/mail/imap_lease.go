package mail

import (
	"context"
	"fmt"
	"time"
)

// Leaser hands each mailbox to one instance at a time; *lease.Leases is
// the one used outside tests.
type Leaser interface {
	// Acquire takes or renews the lease called name for ttl and reports
	// whether this instance holds it now.
	Acquire(ctx context.Context, name string, ttl time.Duration) (bool, error)
	// Release gives up the lease, if this instance holds it.
	Release(ctx context.Context, name string) error
	// Holder names this instance.
	Holder() string
}

// LeaseName is the name of the lease on fetching mailbox id.
func LeaseName(id int64) string { return fmt.Sprintf("imap:%d", id) }

// watch fetches mailbox id while this instance holds its lease, and tries
// to take the lease every LeaseRetry while another instance holds it,
// until ctx ends; then it releases the lease so another instance takes
// over at once. An instance that dies without releasing loses the lease
// when it runs out.
func (f *Fetcher) watch(ctx context.Context, id int64) {
	name := LeaseName(id)
	for {
		start := time.Now()
		ok, err := f.leases.Acquire(ctx, name, f.LeaseTTL)
		if err != nil && ctx.Err() == nil {
			f.log.Warn("imap lease: cannot acquire", "mailbox_id", id, "err", err)
		}
		if ok {
			f.log.Info("fetching mailbox", "mailbox_id", id, "holder", f.leases.Holder())
			if f.fetchWhileHeld(ctx, id, name, start) {
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				if err := f.leases.Release(rctx, name); err != nil {
					f.log.Warn("imap lease: cannot release; it runs out on its own", "mailbox_id", id, "err", err)
				}
				cancel()
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(f.LeaseRetry):
		}
	}
}

// fetchWhileHeld fetches mailbox id and renews its lease every LeaseRenew.
// It returns true when ctx ends, and false as soon as the lease is lost:
// another instance holds it, or it could not be renewed before it would
// run out. Either way the IMAP connection is closed before it returns.
func (f *Fetcher) fetchWhileHeld(ctx context.Context, id int64, name string, acquired time.Time) bool {
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.fetch(fctx, id)
	}()
	defer func() {
		cancel()
		<-done
	}()
	valid := acquired.Add(f.LeaseTTL) // how long the lease is surely ours
	tick := time.NewTicker(f.LeaseRenew)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return true
		case <-tick.C:
		}
		start := time.Now()
		rctx, cancelRenew := context.WithTimeout(ctx, f.LeaseRenew)
		ok, err := f.leases.Acquire(rctx, name, f.LeaseTTL)
		cancelRenew()
		switch {
		case ok:
			valid = start.Add(f.LeaseTTL)
		case ctx.Err() != nil:
			return true
		case err == nil:
			f.log.Warn("imap lease taken by another instance; stopped fetching", "mailbox_id", id)
			return false
		case time.Until(valid) > 2*f.LeaseRenew:
			// One more try fits, with a renewal's time to spare for
			// closing the connection before the lease runs out.
			f.log.Warn("imap lease: cannot renew; retrying", "mailbox_id", id, "err", err)
		default:
			f.log.Error("imap lease: cannot renew before it runs out; stopped fetching", "mailbox_id", id, "err", err)
			return false
		}
	}
}
