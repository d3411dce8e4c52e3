package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/job"
)

// NewMessageID returns a fresh Message-ID on domain, without angle brackets.
func NewMessageID(domain string) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("outbox: no randomness: " + err.Error())
	}
	return "docket." + hex.EncodeToString(b[:]) + "@" + domain
}

// ReplyToken derives the per-ticket reply token from a ticket's uid: the
// uid's hex digits, lower case. It is reversible (UIDFromToken), so inbound
// mail to local+<token>@domain finds its ticket by the uid index, and as
// unguessable as the uid itself.
func ReplyToken(uid string) string {
	return strings.ToLower(strings.ReplaceAll(uid, "-", ""))
}

// UIDFromToken turns a token from ParseReplyToken back into a ticket uid.
func UIDFromToken(token string) string {
	if len(token) != 32 {
		return ""
	}
	return token[0:8] + "-" + token[8:12] + "-" + token[12:16] + "-" + token[16:20] + "-" + token[20:]
}

// ParseReplyToken extracts the reply token from the local part of an
// address we handed out as Reply-To ("support+<token>"). ok is false when
// the local part carries no well-formed token. Case is ignored: some mail
// systems change it.
func ParseReplyToken(localpart string) (token string, ok bool) {
	i := strings.LastIndexByte(localpart, '+')
	if i < 0 {
		return "", false
	}
	token = strings.ToLower(localpart[i+1:])
	if len(token) != 32 {
		return "", false
	}
	for _, c := range token {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return "", false
		}
	}
	return token, true
}

// ReplyAddress is the per-ticket reply address local+<token>@domain built
// from base (an address such as support@example.com).
func ReplyAddress(base, uid string) string {
	local, domain, ok := strings.Cut(base, "@")
	if !ok {
		return base
	}
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local = local[:i]
	}
	return local + "+" + ReplyToken(uid) + "@" + domain
}

// domainOf returns the part of an address after the last @.
func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}

// stripBrackets turns "<id@host>" into "id@host".
func stripBrackets(id string) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
}

func formatList(as []Address) string {
	parts := make([]string, 0, len(as))
	for _, a := range as {
		parts = append(parts, (&mail.Address{Name: a.Name, Address: a.Email}).String())
	}
	return strings.Join(parts, ", ")
}

func parseList(s string) ([]*mail.Address, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	return mail.ParseAddressList(s)
}

// maxReferences bounds the References header: the thread's root and the
// most recent ids are what clients need.
const maxReferences = 20

func trimReferences(ids []string) []string {
	if len(ids) <= maxReferences {
		return ids
	}
	out := append([]string{ids[0]}, ids[len(ids)-maxReferences+1:]...)
	return out
}

func joinIDs(ids []string) string {
	parts := make([]string, 0, len(ids))
	for _, id := range ids {
		parts = append(parts, "<"+id+">")
	}
	return strings.Join(parts, " ")
}

// Enqueue writes e to the outbox in tx (the transaction of the change that
// caused it) with the job that sends it, due now. An empty RFC822MessageID
// is generated on domain. It returns the row id.
func (s *Store) Enqueue(ctx context.Context, tx *db.Tx, e *Email, domain string) (int64, error) {
	if len(e.To) == 0 && len(e.Cc) == 0 {
		return 0, errors.New("outbox: enqueue: no recipients")
	}
	if len(e.Attachments) > 0 && e.MessageID == 0 {
		return 0, errors.New("outbox: enqueue: attachments without their message")
	}
	if e.RFC822MessageID == "" {
		e.RFC822MessageID = NewMessageID(domain)
	}
	headers := e.Headers
	if headers == nil {
		headers = map[string]string{}
	}
	hj, err := json.Marshal(headers)
	if err != nil {
		return 0, fmt.Errorf("outbox: enqueue: %w", err)
	}
	var id int64
	if err := tx.QueryRowContext(ctx, s.q.Get("insert-outbox"), nullID(e.TicketID), nullID(e.MessageID), e.Kind,
		e.From.Email, e.From.Name, e.ReplyTo, e.RFC822MessageID, formatList(e.To), formatList(e.Cc), e.Subject,
		e.Text, e.HTML, e.InReplyTo, joinIDs(trimReferences(e.References)), string(hj), db.Now(),
		strings.Join(e.Attachments, " ")).Scan(&id); err != nil {
		return 0, fmt.Errorf("outbox: enqueue: %w", err)
	}
	if err := s.queueSend(ctx, tx, id); err != nil {
		return 0, fmt.Errorf("outbox: enqueue: %w", err)
	}
	return id, nil
}

// queueSend queues the job that sends row id, unless one is queued already.
func (s *Store) queueSend(ctx context.Context, tx *db.Tx, id int64) error {
	_, err := s.jobs.Insert(ctx, tx, job.New{Kind: SendJob, Args: SendArgs{OutboxID: id}, UniqueKey: sendKey(id),
		MaxAttempts: MaxAttempts})
	return err
}
