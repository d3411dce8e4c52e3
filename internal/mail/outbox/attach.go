package outbox

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"strings"

	gomail "github.com/wneessen/go-mail"

	"github.com/docket/docket/internal/attachment"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
)

// MaxAttachedBytes bounds the files one email attaches, counted as stored
// (base64 makes the email about a third larger: 20 MB of files is about
// 27 MB of mail, under the 35 MB many providers accept, though some accept
// only 25 MB). A reply whose files come to more attaches none and lists them
// in its text instead, so the requester knows what to ask for: an email
// that every server refuses helps nobody, and attaching only some of the
// files would hide the others.
const MaxAttachedBytes = 20 << 20

var maxAttached int64 = MaxAttachedBytes // tests lower it

// OpenAttachment returns an attachment of a public message with its
// content, for the email that carries the message (see
// attachment.Service.OpenForEmail); ErrNotFound when there is no such file.
type OpenAttachment func(ctx context.Context, messageID int64, id string) (*attachment.Attachment, io.ReadSeekCloser, error)

// attachments decides what an email carrying m does with its files: it
// returns their ids to attach, or, when they come to more than
// MaxAttachedBytes, none, and adds the list of them to the message's text
// and HTML.
func attachments(m *ticket.Message, msg *rich) []string {
	var total int64
	ids := make([]string, 0, len(m.Attachments))
	for _, a := range m.Attachments {
		total += a.Size
		ids = append(ids, a.ID)
	}
	if total <= maxAttached {
		return ids
	}
	head := fmt.Sprintf("The files of this reply are not attached: together they are %s, more than the %s an email carries. "+
		"Reply to ask for them another way.", size(total), size(maxAttached))
	var text, items strings.Builder
	for _, a := range m.Attachments {
		fmt.Fprintf(&text, "\n- %s (%s)", a.Filename, size(a.Size))
		fmt.Fprintf(&items, "<li>%s (%s)</li>", html.EscapeString(a.Filename), size(a.Size))
	}
	msg.text = strings.TrimRight(msg.text, "\n") + "\n\n" + head + "\n" + text.String()
	msg.html += "\n<p>" + html.EscapeString(head) + "</p>\n<ul>" + items.String() + "</ul>"
	return nil
}

// size is a file size for people: 512 bytes, 12 KB, 3.4 MB.
func size(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return fmt.Sprintf("%d KB", (n+1<<9)>>10)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

// attach adds the files of row r to m, read from their store as m is
// written; the returned function closes them. A file that is gone makes
// the email fail for good: it never goes without a file it announces.
func (s *Sender) attach(ctx context.Context, r *row, m *gomail.Msg) (closeAll func(), err error) {
	var open []io.Closer
	closeAll = func() {
		for _, c := range open {
			c.Close()
		}
	}
	ids := strings.Fields(r.Attachments)
	if len(ids) == 0 {
		return closeAll, nil
	}
	if s.opts.Attachment == nil {
		return closeAll, errors.New("outbox: no way to read attachments")
	}
	for _, id := range ids {
		att, f, err := s.opts.Attachment(ctx, r.MessageID, id)
		if errors.Is(err, fault.ErrNotFound) {
			closeAll()
			return nil, permanentError{fmt.Errorf("attachment %s of the message is gone", id)}
		} else if err != nil {
			closeAll()
			return nil, err
		}
		open = append(open, f)
		m.AttachReadSeeker(att.Filename, f, gomail.WithFileContentType(gomail.ContentType(att.ContentType)))
	}
	return closeAll, nil
}
