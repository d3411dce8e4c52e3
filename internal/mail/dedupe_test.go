package mail_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/docket/docket/internal/mail"
	"github.com/docket/docket/internal/ticket"
)

// One message delivered several times at once (two IMAP instances, an MTA
// retrying while the first delivery is still being stored) is one ticket,
// on PostgreSQL as on SQLite: every import answers, none fails, and all
// name the same ticket.
func TestConcurrentImportsOfOneMessageFileOneTicket(t *testing.T) {
	eachDB(t, testConcurrentImportsOfOneMessageFileOneTicket)
}

func testConcurrentImportsOfOneMessageFileOneTicket(t *testing.T, e *env) {
	const n = 8
	noID := []byte("From: Nina <nina@example.org>\r\nTo: support@example.test\r\nSubject: No id\r\n" +
		"Date: Tue, 24 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMy form has no Message-ID.\r\n")
	cases := []struct {
		name, sender string
		copies       func(i int) []byte // the bytes the i-th delivery carries
	}{
		{"the same bytes", "cy@example.org", func(int) []byte {
			return raw("Cy <cy@example.org>", "support@example.test", "Same bytes", "conc1@example.org", "", "Once, please.")
		}},
		{"the same Message-ID through different relays", "di@example.org", func(i int) []byte {
			return append([]byte(fmt.Sprintf("Received: from relay%d.example.org; Tue, 24 Nov 2026 10:00:0%d +0000\r\n", i, i)),
				raw("Di <di@example.org>", "support@example.test", "Same id", "conc2@example.org", "", "Once, please.")...)
		}},
		{"the same bytes without a Message-ID", "nina@example.org", func(int) []byte { return noID }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			results := make([]*mail.Result, n)
			errs := make([]error, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					m := c.copies(i)
					<-start
					results[i], errs[i] = e.im.Import(ctx, e.mb, m)
				}()
			}
			close(start)
			wg.Wait()
			fresh := 0
			for i, r := range results {
				if errs[i] != nil {
					t.Fatalf("import %d failed: %v", i, errs[i])
				}
				if r.Ticket == 0 || r.Ticket != results[0].Ticket {
					t.Fatalf("import %d filed into #%d, import 0 into #%d", i, r.Ticket, results[0].Ticket)
				}
				if !r.Duplicate {
					fresh++
				}
			}
			if fresh != 1 {
				t.Fatalf("%d of %d imports say they filed the message, want 1", fresh, n)
			}
			assertOneMessage(t, e, c.sender, results[0].Ticket)
		})
	}
}

// A message without a Message-ID, delivered twice by SMTP (the MTA did not
// see the first 250), is one ticket: its content is what identifies it.
func TestMessageWithoutIDDeliveredTwiceIsOneTicket(t *testing.T) {
	eachDB(t, testMessageWithoutIDDeliveredTwiceIsOneTicket)
}

func testMessageWithoutIDDeliveredTwiceIsOneTicket(t *testing.T, e *env) {
	ctx := context.Background()
	m := []byte("From: Otto <otto@example.org>\r\nTo: support@example.test\r\nSubject: Contact form\r\n" +
		"Date: Tue, 24 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease call me back.\r\n")
	for range 2 {
		if err := send(t, e.addr, "otto@example.org", []string{"support@example.test"}, m); err != nil {
			t.Fatal(err)
		}
	}
	list, _, err := e.s.Tickets.List(ctx, &userAdmin, ticket.Filter{Requester: []string{"otto@example.org"}})
	if err != nil || len(list) == 0 {
		t.Fatalf("no ticket from two deliveries of one message (%v)", err)
	}
	assertOneMessage(t, e, "otto@example.org", list[0].Number)
}

// assertOneMessage checks that sender has one ticket, number, which holds
// one message, and that one import record points at it.
func assertOneMessage(t *testing.T, e *env, sender string, number int64) {
	t.Helper()
	ctx := context.Background()
	if all, err := e.s.Tickets.Count(ctx, &userAdmin, ticket.Filter{Requester: []string{sender}}); err != nil || all != 1 {
		t.Fatalf("%s has %d tickets (%v), want 1", sender, all, err)
	}
	if msgs, err := e.s.Tickets.Messages(ctx, &userAdmin, number, 0, 50); err != nil || len(msgs) != 1 {
		t.Fatalf("ticket #%d holds %d messages (%v), want 1", number, len(msgs), err)
	}
	var records int
	q := e.d.Rebind(`SELECT COUNT(*) FROM inbound_messages i JOIN tickets t ON t.id = i.ticket_id WHERE t.number = $1`)
	if err := e.d.R.QueryRowContext(ctx, q, number).Scan(&records); err != nil || records != 1 {
		t.Fatalf("%d import records for #%d (%v), want 1", records, number, err)
	}
}
