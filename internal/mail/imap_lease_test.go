package mail_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/lease"
	"github.com/docket/docket/internal/mail"
)

// The IMAP checkpoint only moves forward, whatever order the writes of a
// current and a stale fetcher arrive in.
func TestIMAPCheckpointNeverGoesBackwards(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		f := mail.NewFetcher(e.im, e.s.Mailboxes, e.s.Leases, slog.New(slog.NewTextHandler(io.Discard, nil)))
		ctx := context.Background()
		id := e.mb.ID
		steps := []struct {
			name     string
			stored   int64 // the UIDVALIDITY the writer's fetch began from
			validity uint32
			last     int64
			wantV    int64
			wantLast int64
		}{
			{"first checkpoint", 0, 7, 5, 7, 5},
			{"a stale writer behind is ignored", 7, 7, 3, 7, 5},
			{"the same UID again changes nothing", 7, 7, 5, 7, 5},
			{"forward", 7, 7, 9, 7, 9},
			{"a new UIDVALIDITY resets", 7, 8, 0, 8, 0},
			{"a stale writer under the old UIDVALIDITY is ignored", 7, 7, 12, 8, 0},
			{"a writer that began before any checkpoint is ignored", 0, 7, 20, 8, 0},
			{"forward under the new UIDVALIDITY", 8, 8, 2, 8, 2},
			{"a server that lowers UIDVALIDITY still resets", 8, 3, 1, 3, 1},
		}
		for _, s := range steps {
			if err := f.SaveCheckpoint(ctx, id, s.stored, s.validity, s.last); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			v, last, err := f.Checkpoint(ctx, id)
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if v != s.wantV || last != s.wantLast {
				t.Fatalf("%s: checkpoint (%d, %d), want (%d, %d)", s.name, v, last, s.wantV, s.wantLast)
			}
		}
	})
}

// dyingLeases stands for an instance that dies while it holds its leases:
// it never releases them.
type dyingLeases struct{ *lease.Leases }

func (dyingLeases) Release(context.Context, string) error { return nil }

// startFetcher runs a Fetcher for e's mailboxes as the instance holding
// leases through l, with lease timings short enough for tests; the
// returned stop ends it and waits until it has stopped.
func startFetcher(t *testing.T, e *env, l mail.Leaser, ttl time.Duration) (stop func()) {
	t.Helper()
	f := mail.NewFetcher(e.im, e.s.Mailboxes, l, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.PollEvery = time.Hour // IDLE brings new mail
	f.LeaseTTL, f.LeaseRenew, f.LeaseRetry = ttl, 100*time.Millisecond, 50*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Run(ctx, e.s.Bus)
	}()
	stop = func() {
		cancel()
		<-done
	}
	t.Cleanup(stop)
	return sync.OnceFunc(stop)
}

// eventually polls cond until it holds, failing the test after a deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// holderOf is the instance holding the lease on fetching mailbox id, or "".
func holderOf(t *testing.T, e *env, id int64) string {
	t.Helper()
	ls, err := e.s.Leases.List(context.Background(), mail.LeaseName(id))
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) == 0 {
		return ""
	}
	return ls[0].Holder
}

func deliverN(t testing.TB, p *imapPeer, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		p.deliver(t, "INBOX", raw(fmt.Sprintf("s%d@example.org", i), "support@example.test", fmt.Sprint("Shared ", i), fmt.Sprintf("s%d@x", i), "", "hello"))
	}
}

// Two instances on one database and one mailbox: only the lease holder
// logs in to the IMAP server, every message is filed once, and a clean
// shutdown hands the mailbox to the other instance at once.
func TestIMAPOneInstanceFetchesEachMailbox(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}})
		mb := imapMailbox(t, e, peer, "flag")
		deliverN(t, peer, 0, 3)
		// A long lease: only a release lets the other instance in quickly.
		stops := map[string]func(){
			"a": startFetcher(t, e, e.s.Leases.WithHolder("a"), time.Minute),
			"b": startFetcher(t, e, e.s.Leases.WithHolder("b"), time.Minute),
		}
		eventually(t, "the first messages are filed", func() bool { return countTickets(t, e) == 3 })
		deliverN(t, peer, 3, 6)
		eventually(t, "the later messages are filed", func() bool { return countTickets(t, e) == 6 })
		// Give the other instance many chances to take the lease.
		time.Sleep(500 * time.Millisecond)
		if n := countTickets(t, e); n != 6 {
			t.Fatalf("%d tickets for 6 messages", n)
		}
		if l, m := peer.logins.Load(), peer.maxLoggedIn.Load(); l != 1 || m != 1 {
			t.Fatalf("%d logins, %d at once; want one instance logged in, once", l, m)
		}
		holder := holderOf(t, e, mb.ID)
		other := map[string]string{"a": "b", "b": "a"}[holder]
		if other == "" {
			t.Fatalf("mailbox lease held by %q", holder)
		}

		stops[holder]() // a clean shutdown releases the lease
		deliverN(t, peer, 6, 7)
		eventually(t, "the other instance takes over and files new mail", func() bool { return countTickets(t, e) == 7 })
		if h := holderOf(t, e, mb.ID); h != other {
			t.Fatalf("lease held by %q after %q stopped, want %q", h, holder, other)
		}
		if l, m := peer.logins.Load(), peer.maxLoggedIn.Load(); l != 2 || m != 1 {
			t.Fatalf("%d logins, %d at once; want one more login and never two at once", l, m)
		}
		// The status says connected once the import pass is over, just
		// after the message is filed.
		want := "connected (instance " + other + ")"
		eventually(t, "the mailbox status says "+want, func() bool {
			got, _ := e.s.Mailboxes.Get(context.Background(), mb.ID)
			return got.Status == want
		})
		stops[other]()
		if h := holderOf(t, e, mb.ID); h != "" {
			t.Fatalf("lease still held by %q after both stopped", h)
		}
	})
}

// An instance that dies holding a mailbox's lease (no release) loses the
// mailbox to another instance once the lease runs out.
func TestIMAPMailboxMovesWhenItsFetcherDies(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}})
		mb := imapMailbox(t, e, peer, "flag")
		deliverN(t, peer, 0, 2)
		const ttl = time.Second
		kill := startFetcher(t, e, dyingLeases{e.s.Leases.WithHolder("doomed")}, ttl)
		eventually(t, "the first instance files the mail", func() bool { return countTickets(t, e) == 2 })
		startFetcher(t, e, e.s.Leases.WithHolder("survivor"), ttl)
		kill()
		died := time.Now()
		if h := holderOf(t, e, mb.ID); h != "doomed" {
			t.Fatalf("lease held by %q right after its holder died, want it still on the dead instance", h)
		}
		deliverN(t, peer, 2, 4)
		eventually(t, "the survivor takes over and files new mail", func() bool { return countTickets(t, e) == 4 })
		if waited := time.Since(died); waited > ttl+3*time.Second {
			t.Errorf("takeover took %v with a %v lease", waited, ttl)
		}
		if h := holderOf(t, e, mb.ID); h != "survivor" {
			t.Fatalf("lease held by %q, want survivor", h)
		}
		if l, m := peer.logins.Load(), peer.maxLoggedIn.Load(); l != 2 || m != 1 {
			t.Fatalf("%d logins, %d at once; want 2 logins, never two at once", l, m)
		}
	})
}

// An instance whose lease is taken (say it was paused longer than the
// lease) closes its IMAP connection at once and stops fetching until it
// holds the lease again.
func TestIMAPFetcherStopsWhenItLosesTheLease(t *testing.T) {
	e := setup(t, apptest.DB(t, db.SQLite))
	peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}})
	mb := imapMailbox(t, e, peer, "flag")
	deliverN(t, peer, 0, 1)
	startFetcher(t, e, e.s.Leases.WithHolder("a"), time.Minute)
	eventually(t, "the mail is filed", func() bool { return countTickets(t, e) == 1 && peer.loggedIn.Load() == 1 })

	// Another instance, whose clock runs far enough ahead that a's lease
	// looks expired, takes it.
	thief := e.s.Leases.WithHolder("thief").WithClock(func() time.Time { return time.Now().Add(2 * time.Minute) })
	if ok, err := thief.Acquire(context.Background(), mail.LeaseName(mb.ID), time.Minute); err != nil || !ok {
		t.Fatalf("take the lease: %v %v", ok, err)
	}
	eventually(t, "a logs out", func() bool { return peer.loggedIn.Load() == 0 })
	deliverN(t, peer, 1, 2)
	time.Sleep(300 * time.Millisecond) // several of a's retries
	if n, l := countTickets(t, e), peer.logins.Load(); n != 1 || l != 1 {
		t.Fatalf("%d tickets, %d logins while another instance holds the lease; want 1 and 1", n, l)
	}
	if err := thief.Release(context.Background(), mail.LeaseName(mb.ID)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a fetches again", func() bool { return countTickets(t, e) == 2 })
}

// unreachableLeases stands for an instance cut off from the database while
// down is set: it can neither take nor renew a lease.
type unreachableLeases struct {
	*lease.Leases
	down *atomic.Bool
}

func (l unreachableLeases) Acquire(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	if l.down.Load() {
		return false, errors.New("database unreachable")
	}
	return l.Leases.Acquire(ctx, name, ttl)
}

// An instance that cannot renew its lease stops fetching before the lease
// runs out, since another instance may take the mailbox after that.
func TestIMAPFetcherStopsWhenItCannotRenew(t *testing.T) {
	e := setup(t, apptest.DB(t, db.SQLite))
	peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}})
	imapMailbox(t, e, peer, "flag")
	deliverN(t, peer, 0, 1)
	var down atomic.Bool
	const ttl = 500 * time.Millisecond
	startFetcher(t, e, unreachableLeases{e.s.Leases.WithHolder("a"), &down}, ttl)
	eventually(t, "the mail is filed", func() bool { return countTickets(t, e) == 1 && peer.loggedIn.Load() == 1 })
	down.Store(true)
	cut := time.Now()
	eventually(t, "a logs out", func() bool { return peer.loggedIn.Load() == 0 })
	if d := time.Since(cut); d > ttl {
		t.Errorf("logged out %v after renewal began failing, after its %v lease ran out", d, ttl)
	}
	down.Store(false)
	deliverN(t, peer, 1, 2)
	eventually(t, "a fetches again", func() bool { return countTickets(t, e) == 2 })
}
