package mail_test

import (
	"context"
	"errors"
	"net/textproto"
	"testing"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
)

// smtpCode is the reply code of a failed SMTP send, 0 if it did not fail
// with one.
func smtpCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// When the message cannot be stored the listener answers 451, a temporary
// failure, so the sending MTA keeps the message and tries again; nothing
// is recorded, so the retry is filed and not taken for a duplicate.
func TestSMTPListenerAnswers451WhenStoringFails(t *testing.T) {
	eachDB(t, testSMTPListenerAnswers451WhenStoringFails)
}

func testSMTPListenerAnswers451WhenStoringFails(t *testing.T, e *env) {
	ctx := context.Background()
	refuse := true
	e.s.Tickets.OnWrite(func(ctx context.Context, tx *db.Tx, w ticket.Write) error {
		if refuse {
			return errors.New("disk full")
		}
		return nil
	})
	m := raw("Una <una@example.org>", "support@example.test", "Storage trouble", "fail451@example.org", "", "Keep trying.")
	err := send(t, e.addr, "una@example.org", []string{"support@example.test"}, m)
	if smtpCode(err) != 451 {
		t.Fatalf("storing failed, SMTP answered %v; want 451", err)
	}
	var records int
	q := e.d.Rebind(`SELECT COUNT(*) FROM inbound_messages WHERE message_id = $1`)
	if err := e.d.R.QueryRowContext(ctx, q, "fail451@example.org").Scan(&records); err != nil || records != 0 {
		t.Fatalf("%d import records after a 451 (%v), want none: the retry would be dropped as a duplicate", records, err)
	}
	// The MTA retries once storage works again: one ticket.
	refuse = false
	if err := send(t, e.addr, "una@example.org", []string{"support@example.test"}, m); err != nil {
		t.Fatalf("retry: %v", err)
	}
	list, _, err := e.s.Tickets.List(ctx, &userAdmin, ticket.Filter{Requester: []string{"una@example.org"}})
	if err != nil || len(list) != 1 {
		t.Fatalf("%d tickets after the retry (%v), want 1", len(list), err)
	}
	assertOneMessage(t, e, "una@example.org", list[0].Number)
}

// With the database gone the listener cannot look up the recipient
// either: that is a temporary failure too, never 550 "no such mailbox",
// which would make the MTA bounce the message back to its sender.
func TestSMTPListenerAnswers4xxWhenTheDatabaseIsDown(t *testing.T) {
	eachDB(t, testSMTPListenerAnswers4xxWhenTheDatabaseIsDown)
}

func testSMTPListenerAnswers4xxWhenTheDatabaseIsDown(t *testing.T, e *env) {
	if err := e.d.Close(); err != nil {
		t.Fatal(err)
	}
	m := raw("Vic <vic@example.org>", "support@example.test", "Database down", "down@example.org", "", "Hello?")
	err := send(t, e.addr, "vic@example.org", []string{"support@example.test"}, m)
	if code := smtpCode(err); code < 400 || code > 499 {
		t.Fatalf("database down, SMTP answered %v; want a 4xx temporary failure", err)
	}
}
