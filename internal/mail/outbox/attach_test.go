package outbox_test

import (
	"bytes"
	"crypto/rand"
	"mime"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/ticket"
)

func (e *env) upload(name, contentType string, data []byte) string {
	e.t.Helper()
	a, err := e.s.Attachments.Save(ctx, e.agent, name, contentType, bytes.NewReader(data))
	if err != nil {
		e.t.Fatal(err)
	}
	return a.ID
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// The files of a public reply go out as MIME attachments, with their names,
// types and exact bytes; files beyond the limit are listed instead.
func TestReplyAttachmentsAreMailed(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		tk := apptest.Ticket(t, e.s, e.agent, emailTicket)
		e.drain() // the ack
		pdf := append([]byte("%PDF-1.4\n"), randomBytes(t, 300<<10)...)
		png := append([]byte("\x89PNG\r\n\x1a\n"), randomBytes(t, 2000)...)
		files := []struct {
			name, typ string
			data      []byte
		}{{"Bericht über den Drucker.pdf", "application/pdf", pdf}, {"photo.png", "image/png", png}}
		var ids []string
		for _, f := range files {
			ids = append(ids, e.upload(f.name, f.typ, f.data))
		}
		e.reply(e.agent, tk, ticket.NewReply{Body: "The report is attached.", Attachments: ids})
		r := one(t, e.drain())
		if len(r.Files) != len(files) {
			t.Fatalf("%d attachments, want %d", len(r.Files), len(files))
		}
		var dec mime.WordDecoder
		for i, f := range files {
			got := r.Files[i]
			name, err := dec.DecodeHeader(got.Name)
			if err != nil || name != f.name || got.Type != f.typ || !bytes.Equal(got.Data, f.data) {
				t.Errorf("attachment %d: %q (%q, %v) %s, %d bytes; want %q %s, %d bytes", i, name, got.Name, err, got.Type,
					len(got.Data), f.name, f.typ, len(f.data))
			}
		}
		if !strings.Contains(r.Text, "The report is attached.") {
			t.Errorf("text part %q", r.Text)
		}

		// An internal note's files never leave, nor does the note.
		e.reply(e.agent, tk, ticket.NewReply{Body: "between us", Internal: true, Attachments: []string{e.upload("secret.txt", "text/plain", []byte("s3cret"))}})
		if got := e.drain(); len(got) != 0 {
			t.Fatalf("an internal note sent %d emails", len(got))
		}

		// Too much for one email: nothing attached, every file listed.
		outbox.SetMaxAttached(t, 100<<10)
		big := e.upload("big.pdf", "application/pdf", pdf)
		small := e.upload("notes <1>.txt", "text/plain", []byte("hello"))
		e.reply(e.agent, tk, ticket.NewReply{Body: "Here they are.", Attachments: []string{big, small}})
		r = one(t, e.drain())
		text := strings.ReplaceAll(r.Text, "\r\n", "\n")
		if len(r.Files) != 0 || !strings.Contains(text, "Here they are.\n\nThe files of this reply are not attached: together they are 300 KB, more than the 100 KB") ||
			!strings.Contains(text, "\n- big.pdf (300 KB)\n- notes <1>.txt (5 bytes)\n\n-- \n") {
			t.Errorf("%d attachments; text part:\n%s", len(r.Files), text)
		}
		if !strings.Contains(r.HTML, "<li>big.pdf (300 KB)</li><li>notes &lt;1&gt;.txt (5 bytes)</li>") {
			t.Errorf("HTML part:\n%s", r.HTML)
		}
	})
}
