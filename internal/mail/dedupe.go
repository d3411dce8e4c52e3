package mail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/mail/message"
)

// authorHeaders are the header fields a message's author (their mail
// program) writes. Relays add others — Received, Return-Path,
// Delivered-To, Authentication-Results, ARC and spam-filter headers — and
// those never make a copy another message.
var authorHeaders = map[string]bool{
	"from": true, "sender": true, "reply-to": true, "to": true, "cc": true, "subject": true, "date": true,
	"message-id": true, "in-reply-to": true, "references": true, "mime-version": true, "content-type": true,
	"content-transfer-encoding": true, "content-disposition": true, "auto-submitted": true,
}

// contentKey identifies a message by its content: the author's header
// fields (unfolded, whitespace collapsed) and the body, with line endings
// normalised. A copy that differs only in what relays added (an MTA retry,
// the same mail through IMAP and SMTP) has the same key; a different
// message that reuses a Message-ID has another. Without a header/body
// boundary the whole message is the content.
func contentKey(raw []byte) string {
	norm := bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	h := sha256.New()
	head, body, ok := bytes.Cut(norm, []byte("\n\n"))
	if !ok {
		h.Write([]byte("whole\n"))
		h.Write(norm)
		return hex.EncodeToString(h.Sum(nil))
	}
	var fields []string
	for _, line := range strings.Split(string(head), "\n") {
		if line != "" && (line[0] == ' ' || line[0] == '\t') {
			if len(fields) > 0 {
				fields[len(fields)-1] += " " + line
			}
			continue
		}
		fields = append(fields, line)
	}
	for _, f := range fields {
		name, value, ok := strings.Cut(f, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || !authorHeaders[name] {
			continue
		}
		h.Write([]byte(name + ":" + strings.Join(strings.Fields(value), " ") + "\n"))
	}
	h.Write([]byte("\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// reusedID says, for the decision of a message being filed, that its
// Message-ID came before with other content ("" when it did not). Such a
// message is filed all the same: only the same content is a duplicate.
func (im *Importer) reusedID(ctx context.Context, msg *message.Message) string {
	if msg.MessageID == "" {
		return ""
	}
	var self int64 // a waiting message is not its own predecessor
	if d, ok := ctx.Value(releaseKey{}).(*decided); ok {
		self = d.id
	}
	var id, number int64
	err := im.db.R.QueryRowContext(ctx, im.q.Get("message-id-seen"), msg.MessageID, self).Scan(&id, &number)
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) {
			im.log.Warn("look up an earlier message by Message-ID", "err", err) // only the note is lost
		}
		return ""
	}
	note := "\nMessage-ID reused by different content (first seen in inbound message " + strconv.FormatInt(id, 10)
	if number != 0 {
		note += ", ticket #" + strconv.FormatInt(number, 10)
	}
	return note + ")"
}
