package api_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
)

func TestIdempotencyKey(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		requester := uniqueEmail("idem")
		in := client.NewTicket{Subject: "Once only", Body: "Retry me.", Requester: &client.Contact{Email: requester}}
		key := client.WithIdempotencyKey("create-once-1")

		var first, second client.Ticket
		r1, err := f.admin.Do(ctx, http.MethodPost, "/api/v1/tickets", in, &first, key)
		check(t, err)
		r2, err := f.admin.Do(ctx, http.MethodPost, "/api/v1/tickets", in, &second, key)
		check(t, err)
		if r1.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("first response says Idempotent-Replayed: %q", r1.Header.Get("Idempotent-Replayed"))
		}
		if r2.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay lacks Idempotent-Replayed: true (got %q)", r2.Header.Get("Idempotent-Replayed"))
		}
		if r2.Status != http.StatusCreated || second.Number != first.Number || second.ID != first.ID {
			t.Errorf("replay: status %d number %d, want 201 and %d", r2.Status, second.Number, first.Number)
		}
		for _, h := range []string{"Location", "ETag"} {
			if r1.Header.Get(h) == "" || r2.Header.Get(h) != r1.Header.Get(h) {
				t.Errorf("%s: first %q, replay %q", h, r1.Header.Get(h), r2.Header.Get(h))
			}
		}
		if got := listNumbers(t, f.admin, client.TicketFilter{Requester: []string{requester}}); len(got) != 1 {
			t.Errorf("%d tickets created, want 1: %v", len(got), got)
		}

		t.Run("same key, different body", func(t *testing.T) {
			other := in
			other.Subject = "Something else"
			_, err := f.admin.CreateTicket(ctx, other, key)
			wantStatus(t, err, http.StatusUnprocessableEntity)
			if got := listNumbers(t, f.admin, client.TicketFilter{Requester: []string{requester}}); len(got) != 1 {
				t.Errorf("%d tickets, want 1", len(got))
			}
		})
		t.Run("same key, other endpoint", func(t *testing.T) {
			_, err := f.admin.Reply(ctx, first.Number, client.NewMessage{Body: "Retry me."}, key)
			wantStatus(t, err, http.StatusUnprocessableEntity)
		})
		t.Run("keys are per user", func(t *testing.T) {
			tk, err := f.agentC.CreateTicket(ctx, in, key)
			check(t, err)
			if tk.Number == first.Number {
				t.Errorf("another user's key replayed the admin's ticket")
			}
		})
		t.Run("errors are replayed too", func(t *testing.T) {
			bad := client.NewTicket{Subject: "", Body: "x", Requester: &client.Contact{Email: requester}}
			k := client.WithIdempotencyKey("bad-1")
			_, err := f.admin.CreateTicket(ctx, bad, k)
			wantField(t, err, "subject")
			_, err = f.admin.CreateTicket(ctx, bad, k)
			e := wantStatus(t, err, http.StatusUnprocessableEntity)
			if e.Header.Get("Idempotent-Replayed") != "true" || len(e.Errors) == 0 || e.Errors[0].Field != "subject" {
				t.Errorf("replayed error %+v, header %q", e, e.Header.Get("Idempotent-Replayed"))
			}
		})
		t.Run("replies", func(t *testing.T) {
			k := client.WithIdempotencyKey("reply-1")
			m1, err := f.agentC.Reply(ctx, first.Number, client.NewMessage{Body: "Only once."}, k)
			check(t, err)
			m2, err := f.agentC.Reply(ctx, first.Number, client.NewMessage{Body: "Only once."}, k)
			check(t, err)
			if m1.ID != m2.ID {
				t.Errorf("replayed reply has id %s, first %s", m2.ID, m1.ID)
			}
			ms, err := f.agentC.Messages(ctx, first.Number, client.ListOptions{})
			check(t, err)
			n := 0
			for _, m := range ms.Items {
				if m.Body == "Only once." {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d copies of the reply, want 1", n)
			}
		})
		t.Run("uploads", func(t *testing.T) {
			k := client.WithIdempotencyKey("upload-1")
			a1, err := f.agentC.UploadAttachment(ctx, "a.txt", bytes.NewReader([]byte("hello")), k)
			check(t, err)
			a2, err := f.agentC.UploadAttachment(ctx, "a.txt", bytes.NewReader([]byte("hello")), k)
			check(t, err)
			if a1.ID != a2.ID {
				t.Errorf("replayed upload has id %s, first %s", a2.ID, a1.ID)
			}
		})
		t.Run("concurrent retries create one ticket", func(t *testing.T) {
			req := uniqueEmail("idem-race")
			in := client.NewTicket{Subject: "Race", Body: "b", Requester: &client.Contact{Email: req}}
			k := client.WithIdempotencyKey("race-1")
			var wg sync.WaitGroup
			nums := make([]int64, 8)
			for i := range nums {
				wg.Go(func() {
					tk, err := f.admin.CreateTicket(ctx, in, k)
					switch {
					case err == nil:
						nums[i] = tk.Number
					case client.StatusOf(err) == http.StatusConflict:
						// still in progress: the contract allows a retry later
					default:
						t.Errorf("retry %d: %v", i, err)
					}
				})
			}
			wg.Wait()
			var got int64
			for _, n := range nums {
				if n != 0 && got != 0 && n != got {
					t.Errorf("retries got different tickets: %v", nums)
				}
				if n != 0 {
					got = n
				}
			}
			if list := listNumbers(t, f.admin, client.TicketFilter{Requester: []string{req}}); len(list) != 1 {
				t.Errorf("%d tickets for one key, want 1", len(list))
			}
		})
		t.Run("overlong key", func(t *testing.T) {
			long := make([]byte, 256)
			for i := range long {
				long[i] = 'k'
			}
			_, err := f.admin.CreateTicket(ctx, in, client.WithIdempotencyKey(string(long)))
			wantStatus(t, err, http.StatusBadRequest)
		})
	})
}

// TestIdempotencyNeverReplaysA5xx: a request that failed on the server's
// side is not stored under its key; the retry runs it again, and only its
// success is replayed.
func TestIdempotencyNeverReplaysA5xx(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		var broken atomic.Bool
		f.Tickets.OnWrite(func(_ context.Context, _ *db.Tx, w ticket.Write) error {
			if broken.Load() && w.Ticket.Subject == "Flaky disk" {
				return errors.New("the disk is full")
			}
			return nil
		})
		requester := uniqueEmail("flaky")
		in := client.NewTicket{Subject: "Flaky disk", Body: "Try again.", Requester: &client.Contact{Email: requester}}
		key := client.WithIdempotencyKey("flaky-1")

		broken.Store(true)
		for i := range 2 {
			_, err := f.admin.CreateTicket(ctx, in, key)
			if e := wantStatus(t, err, http.StatusInternalServerError); e.Header.Get("Idempotent-Replayed") != "" {
				t.Fatalf("attempt %d: a stored 500 was replayed", i+1)
			}
		}
		broken.Store(false)
		var first, again client.Ticket
		r1, err := f.admin.Do(ctx, http.MethodPost, "/api/v1/tickets", in, &first, key)
		check(t, err)
		if r1.Status != http.StatusCreated || r1.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("the retry after the failure: %d, replayed %q; want a fresh 201", r1.Status, r1.Header.Get("Idempotent-Replayed"))
		}
		r2, err := f.admin.Do(ctx, http.MethodPost, "/api/v1/tickets", in, &again, key)
		check(t, err)
		if r2.Header.Get("Idempotent-Replayed") != "true" || again.Number != first.Number {
			t.Fatalf("the success is not what is replayed: %d %q", again.Number, r2.Header.Get("Idempotent-Replayed"))
		}
		if got := listNumbers(t, f.admin, client.TicketFilter{Requester: []string{requester}}); len(got) != 1 {
			t.Fatalf("%d tickets for one key, want 1", len(got))
		}
	})
}
