package mail

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/mailbox"
)

// Listener is the inbound SMTP server for setups where the MTA forwards
// mail to Docket. It accepts mail only for configured mailboxes, refuses
// everything else, and answers 250 only once the message is stored.
type Listener struct {
	importer  *Importer
	mailboxes *mailbox.Service
	log       *slog.Logger
	srv       *smtp.Server
	maxBytes  int64
	session   time.Duration
}

// NewListener returns a listener delivering into importer; messages larger
// than maxBytes are refused with 552.
func NewListener(im *Importer, mailboxes *mailbox.Service, log *slog.Logger, domain string, maxBytes int64) *Listener {
	l := &Listener{importer: im, mailboxes: mailboxes, log: log, maxBytes: maxBytes}
	s := smtp.NewServer(l)
	s.Domain = domain
	s.MaxMessageBytes = maxBytes
	s.MaxRecipients = 50
	// Real mail has longer lines than RFC 5321's 1,000 characters; refusing
	// them would lose mail.
	s.MaxLineLength = 1 << 20
	l.srv = s
	l.SetTimeouts(2*time.Minute, 2*time.Minute, 10*time.Minute)
	return l
}

// SetTimeouts bounds how long the listener waits for one command or the
// whole message (read), for the client to take one answer (write), and
// how long any one connection may last (session): no client can hold a
// connection open longer, however it trickles its input. Call it before
// Serve.
func (l *Listener) SetTimeouts(read, write, session time.Duration) {
	l.srv.ReadTimeout, l.srv.WriteTimeout, l.session = read, write, session
}

// Serve accepts connections on ln until Shutdown.
func (l *Listener) Serve(ln net.Listener) error {
	err := l.srv.Serve(&boundedListener{Listener: ln, session: l.session})
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting and waits for sessions in progress.
func (l *Listener) Shutdown(ctx context.Context) error { return l.srv.Shutdown(ctx) }

// NewSession implements smtp.Backend.
func (l *Listener) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{l: l}, nil
}

type session struct {
	l     *Listener
	boxes []*mailbox.Mailbox
}

func (s *session) Reset()        { s.boxes = nil }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	if opts != nil && opts.Size > 0 && opts.Size > s.l.maxBytes {
		return smtp.ErrDataTooLarge
	}
	return nil
}

var errNoMailbox = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here"}

func (s *session) Rcpt(to string, opts *smtp.RcptOptions) error {
	mb, err := s.l.mailboxes.ByAddress(context.Background(), to)
	if errors.Is(err, fault.ErrNotFound) {
		return errNoMailbox
	}
	if err != nil {
		// Not "no such mailbox": a 5xx would make the sender bounce mail
		// that is only waiting for the database.
		s.l.log.Error("inbound mail: recipient not looked up", "err", err)
		return errTemporary
	}
	for _, b := range s.boxes {
		if b.ID == mb.ID {
			return nil
		}
	}
	s.boxes = append(s.boxes, mb)
	return nil
}

var errTemporary = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Could not store the message; try again later"}

// Data stores the message once per mailbox it was addressed to, and only
// then answers 250; any failure answers 451 so the sender retries.
func (s *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(r, s.l.maxBytes+1)); err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return se
		}
		s.l.log.Warn("inbound mail could not be read", "err", err)
		return errTemporary
	}
	if int64(buf.Len()) > s.l.maxBytes {
		return smtp.ErrDataTooLarge
	}
	raw := buf.Bytes()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, mb := range s.boxes {
		res, err := s.l.importer.Import(ctx, mb, raw)
		if err != nil {
			s.l.log.Error("inbound mail not stored", "mailbox", mb.Address, "err", err)
			return errTemporary
		}
		if strings.HasPrefix(res.Decision, "rejected:") {
			s.l.log.Warn("inbound mail rejected", "mailbox", mb.Address, "decision", res.Decision)
		}
	}
	return nil
}
