package mail_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
)

func newFetcher(e *env) *mail.Fetcher {
	return mail.NewFetcher(e.im, e.s.Mailboxes, e.s.Leases, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// flagging starts an IMAP server with a mailbox on it whose messages are
// flagged once imported.
func flagging(t *testing.T, e *env) (*imapPeer, *mailbox.Mailbox) {
	t.Helper()
	peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}})
	return peer, imapMailbox(t, e, peer, "flag")
}

// unseen is how many messages in INBOX the fetcher has not acknowledged.
func unseen(t *testing.T, p *imapPeer) uint32 {
	t.Helper()
	st, err := p.user.Status("INBOX", &imap.StatusOptions{NumUnseen: true})
	if err != nil {
		t.Fatal(err)
	}
	return *st.NumUnseen
}

// allAcknowledged fails the test unless every message in INBOX was flagged.
func allAcknowledged(t *testing.T, p *imapPeer) {
	t.Helper()
	if n := unseen(t, p); n != 0 {
		t.Fatalf("%d messages left unacknowledged, want none", n)
	}
}

// messageCount is how many messages ticket number's conversation holds.
func messageCount(t *testing.T, e *env, number int64) int {
	t.Helper()
	msgs, err := e.s.Tickets.Messages(context.Background(), &userAdmin, number, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return len(msgs)
}

// ticketOf is the ticket the message with Message-ID id was filed on.
func ticketOf(t *testing.T, e *env, id string) int64 {
	t.Helper()
	var n int64
	q := e.d.Rebind(`SELECT t.number FROM inbound_messages i JOIN tickets t ON t.id = i.ticket_id WHERE i.message_id = $1`)
	if err := e.d.R.QueryRowContext(context.Background(), q, id).Scan(&n); err != nil {
		t.Fatalf("import record of %s: %v", id, err)
	}
	return n
}

// threaded fails the test unless the message with Message-ID reply was
// filed once, on the ticket of the message first, which holds just the two.
func threaded(t *testing.T, e *env, first, reply string) {
	t.Helper()
	n := ticketOf(t, e, first)
	if got, count := ticketOf(t, e, reply), messageCount(t, e, n); got != n || count != 2 {
		t.Fatalf("%s on #%d, its reply %s on #%d (%d messages there, want 2)", first, n, reply, got, count)
	}
}

// The messages of one fetch are filed in one transaction, and a reply to
// a message earlier in that transaction joins its ticket (by In-Reply-To
// and by References), though nothing of the batch is committed yet.
func TestIMAPReplyInTheSameBatchThreads(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		peer, mb := flagging(t, e)
		var mu sync.Mutex
		txs := map[*db.Tx]bool{}
		e.s.Tickets.OnWrite(func(ctx context.Context, tx *db.Tx, w ticket.Write) error {
			mu.Lock()
			defer mu.Unlock()
			txs[tx] = true
			return nil
		})
		peer.deliver(t, "INBOX", raw("ann@example.org", "support@example.test", "Printer jammed", "a1@x", "", "It jams."))
		peer.deliver(t, "INBOX", raw("bob@example.org", "support@example.test", "VPN down", "b1@x", "", "No VPN."))
		peer.deliver(t, "INBOX", raw("ann@example.org", "support@example.test", "Re: Printer jammed", "a2@x", "a1@x", "Still jams."))
		peer.deliver(t, "INBOX", raw("bob@example.org", "support@example.test", "Re: VPN down", "b2@x", "", "Still down.",
			"References: <other@x> <b1@x>"))
		if err := newFetcher(e).Sync(context.Background(), mb.ID); err != nil {
			t.Fatal(err)
		}
		if len(txs) != 1 {
			t.Fatalf("the 4 messages were written in %d transactions, want 1 (one batch)", len(txs))
		}
		if n := countTickets(t, e); n != 2 {
			t.Fatalf("%d tickets, want 2: each reply on the ticket of the message it answers", n)
		}
		threaded(t, e, "a1@x", "a2@x")
		threaded(t, e, "b1@x", "b2@x")
		allAcknowledged(t, peer)
	})
}

// A message that cannot be stored, in the middle of a batch, neither holds
// up nor loses the others: the batch falls back to one message per
// transaction, the messages before it are filed at once, and after
// GiveUpAfter attempts it is recorded as rejected and the ones after it —
// a reply to an earlier one among them — are filed, each exactly once.
func TestIMAPPoisonMessageInABatch(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		peer, mb := flagging(t, e)
		deliverN(t, peer, 1, 3)
		peer.deliver(t, "INBOX", raw("p@example.org", "support@example.test", "Poison", "poison@x", "", "breaks"))
		peer.deliver(t, "INBOX", raw("u3@example.org", "support@example.test", "After", "after@x", "", "fine"))
		peer.deliver(t, "INBOX", raw("s1@example.org", "support@example.test", "Re: Shared 1", "reply@x", "s1@x", "more"))
		f := poisoned(e)
		for i := 1; i <= 2; i++ {
			if err := f.Sync(context.Background(), mb.ID); err == nil {
				t.Fatalf("attempt %d: the failing message was acknowledged too early", i)
			}
			if n := countTickets(t, e); n != 2 {
				t.Fatalf("attempt %d: %d tickets, want the 2 before the poison message", i, n)
			}
		}
		if err := f.Sync(context.Background(), mb.ID); err != nil {
			t.Fatal(err)
		}
		if n := countTickets(t, e); n != 3 {
			t.Fatalf("%d tickets after giving up on the poison message, want 3", n)
		}
		threaded(t, e, "s1@x", "reply@x")
		var records, rejected int
		q := `SELECT COUNT(*), SUM(CASE WHEN message_id = 'poison@x' AND decision LIKE 'rejected: could not be stored after 3 attempts%' THEN 1 ELSE 0 END) FROM inbound_messages`
		if err := e.d.R.QueryRowContext(context.Background(), q).Scan(&records, &rejected); err != nil {
			t.Fatal(err)
		}
		if records != 5 || rejected != 1 {
			t.Fatalf("%d import records (%d of the poison message rejected), want 5 with it rejected", records, rejected)
		}
		allAcknowledged(t, peer)
	})
}

// A crash after a batch is committed and before the server is told (here
// the server goes down at the flagging, and the checkpoint is lost too, as
// when the process dies before writing it) fetches the batch again: every
// message stays filed exactly once, and is flagged this time.
func TestIMAPExactlyOnceAfterACrashBetweenCommitAndFlag(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		peer, mb := flagging(t, e)
		deliverN(t, peer, 1, 5)
		f := newFetcher(e)
		peer.dropAtStore.Store(true)
		if err := f.Sync(context.Background(), mb.ID); err == nil {
			t.Fatal("a sync whose flagging failed reported success")
		}
		if n, u := countTickets(t, e), unseen(t, peer); n != 4 || u != 4 {
			t.Fatalf("after the crash: %d tickets, %d messages unacknowledged; want 4 and 4", n, u)
		}
		if _, err := e.d.W.ExecContext(context.Background(), e.d.Rebind(`DELETE FROM imap_state WHERE mailbox_id = $1`), mb.ID); err != nil {
			t.Fatal(err)
		}
		peer.restart(t)
		peer.deliver(t, "INBOX", raw("s1@example.org", "support@example.test", "Re: Shared 1", "reply@x", "s1@x", "again"))
		if err := f.Sync(context.Background(), mb.ID); err != nil {
			t.Fatal(err)
		}
		if n := countTickets(t, e); n != 4 {
			t.Fatalf("%d tickets after fetching the batch again, want still 4", n)
		}
		threaded(t, e, "s1@x", "reply@x")
		var records int
		if err := e.d.R.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM inbound_messages`).Scan(&records); err != nil || records != 5 {
			t.Fatalf("%d import records, want 5 (%v)", records, err)
		}
		allAcknowledged(t, peer)
	})
}

// A batch holds at most so many messages, and so many bytes of them unless
// one message alone is larger: each batch is one transaction.
func TestIMAPBatchesAreBounded(t *testing.T) {
	for _, c := range []struct {
		name  string
		count int
		bytes int64
		want  int // transactions for 5 messages
	}{
		{"by count", 2, 1 << 20, 3},  // 2 + 2 + 1
		{"by size", 50, 3 * 1024, 3}, // about 1.2 KB each: 2 + 2 + 1
		{"larger than the size", 50, 100, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := setup(t, apptest.DB(t, db.SQLite))
			peer, mb := flagging(t, e)
			var txs []*db.Tx
			e.s.Tickets.OnWrite(func(ctx context.Context, tx *db.Tx, w ticket.Write) error {
				if len(txs) == 0 || txs[len(txs)-1] != tx {
					txs = append(txs, tx)
				}
				return nil
			})
			body := strings.Repeat("A line of text to give the message some size.\r\n", 20)
			for i := 0; i < 5; i++ {
				peer.deliver(t, "INBOX", raw(fmt.Sprintf("b%d@example.org", i), "support@example.test", c.name, fmt.Sprintf("b%d@x", i), "", body))
			}
			f := newFetcher(e)
			f.SetBatchLimits(c.count, c.bytes)
			if err := f.Sync(context.Background(), mb.ID); err != nil {
				t.Fatal(err)
			}
			if len(txs) != c.want {
				t.Fatalf("5 messages filed in %d transactions, want %d", len(txs), c.want)
			}
			allAcknowledged(t, peer)
		})
	}
}
