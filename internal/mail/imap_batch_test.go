package mail_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail"
	"github.com/docket/docket/internal/ticket"
)

func newFetcher(e *env) *mail.Fetcher {
	return mail.NewFetcher(e.im, e.s.Mailboxes, e.s.Leases, slog.New(slog.NewTextHandler(io.Discard, nil)))
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

// The messages of one fetch are filed in one transaction, and a reply to
// a message earlier in that transaction joins its ticket (by In-Reply-To
// and by References), though nothing of the batch is committed yet.
func TestIMAPReplyInTheSameBatchThreads(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}})
		mb := imapMailbox(t, e, peer, "flag")
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
		for _, pair := range [][2]string{{"a1@x", "a2@x"}, {"b1@x", "b2@x"}} {
			first, reply := ticketOf(t, e, pair[0]), ticketOf(t, e, pair[1])
			if first != reply || messageCount(t, e, first) != 2 {
				t.Fatalf("%s on #%d, its reply %s on #%d (%d messages there)", pair[0], first, pair[1], reply, messageCount(t, e, first))
			}
		}
		if n := unseen(t, peer); n != 0 {
			t.Fatalf("%d messages left unacknowledged, want none", n)
		}
	})
}

// A message that cannot be stored, in the middle of a batch, neither holds
// up nor loses the others: the batch falls back to one message per
// transaction, the messages before it are filed at once, and after
// GiveUpAfter attempts it is recorded as rejected and the ones after it —
// a reply to an earlier one among them — are filed, each exactly once.
func TestIMAPPoisonMessageInABatch(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}})
		mb := imapMailbox(t, e, peer, "flag")
		for i := 1; i <= 2; i++ {
			peer.deliver(t, "INBOX", raw(fmt.Sprintf("u%d@example.org", i), "support@example.test", fmt.Sprint("Before ", i), fmt.Sprintf("before%d@x", i), "", "fine"))
		}
		peer.deliver(t, "INBOX", raw("p@example.org", "support@example.test", "Poison", "poison@x", "", "breaks"))
		peer.deliver(t, "INBOX", raw("u3@example.org", "support@example.test", "After", "after@x", "", "fine"))
		peer.deliver(t, "INBOX", raw("u1@example.org", "support@example.test", "Re: Before 1", "reply@x", "before1@x", "more"))
		e.s.Tickets.OnWrite(func(ctx context.Context, tx *db.Tx, w ticket.Write) error {
			if w.Ticket.Subject == "Poison" {
				return errors.New("always fails")
			}
			return nil
		})
		f := newFetcher(e)
		f.GiveUpAfter = 3
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
		if first := ticketOf(t, e, "before1@x"); ticketOf(t, e, "reply@x") != first || messageCount(t, e, first) != 2 {
			t.Fatalf("the reply behind the poison message is not on #%d, or not once", first)
		}
		var records, rejected int
		q := `SELECT COUNT(*), SUM(CASE WHEN message_id = 'poison@x' AND decision LIKE 'rejected: could not be stored after 3 attempts%' THEN 1 ELSE 0 END) FROM inbound_messages`
		if err := e.d.R.QueryRowContext(context.Background(), q).Scan(&records, &rejected); err != nil {
			t.Fatal(err)
		}
		if records != 5 || rejected != 1 {
			t.Fatalf("%d import records (%d of the poison message rejected), want 5 with it rejected", records, rejected)
		}
		if n := unseen(t, peer); n != 0 {
			t.Fatalf("%d messages left unacknowledged, want none", n)
		}
	})
}

// A crash after a batch is committed and before the server is told (here
// the server goes down at the flagging, and the checkpoint is lost too, as
// when the process dies before writing it) fetches the batch again: every
// message stays filed exactly once, and is flagged this time.
func TestIMAPExactlyOnceAfterACrashBetweenCommitAndFlag(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}})
		mb := imapMailbox(t, e, peer, "flag")
		for i := 1; i <= 4; i++ {
			peer.deliver(t, "INBOX", raw(fmt.Sprintf("c%d@example.org", i), "support@example.test", fmt.Sprint("Crash ", i), fmt.Sprintf("crash%d@x", i), "", "hello"))
		}
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
		peer.deliver(t, "INBOX", raw("c1@example.org", "support@example.test", "Re: Crash 1", "crash5@x", "crash1@x", "again"))
		if err := f.Sync(context.Background(), mb.ID); err != nil {
			t.Fatal(err)
		}
		if n := countTickets(t, e); n != 4 {
			t.Fatalf("%d tickets after fetching the batch again, want still 4", n)
		}
		if first := ticketOf(t, e, "crash1@x"); ticketOf(t, e, "crash5@x") != first || messageCount(t, e, first) != 2 {
			t.Fatalf("the new reply is not on #%d, or a message was filed twice", first)
		}
		var records int
		if err := e.d.R.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM inbound_messages`).Scan(&records); err != nil || records != 5 {
			t.Fatalf("%d import records, want 5 (%v)", records, err)
		}
		if n := unseen(t, peer); n != 0 {
			t.Fatalf("%d messages left unacknowledged, want none", n)
		}
	})
}
