package mail_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail"
)

// boundedListener serves e's importer with short bounds: read timeout,
// write timeout and whole session.
func boundedListener(t *testing.T, e *env, read, session time.Duration) string {
	t.Helper()
	l := mail.NewListener(e.im, e.s.Mailboxes, slog.New(slog.DiscardHandler), "docket.test", 64<<10)
	l.SetTimeouts(read, read, session)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go l.Serve(ln)
	t.Cleanup(func() { l.Shutdown(context.Background()) })
	return ln.Addr().String()
}

// smtpClient speaks SMTP line by line over a raw connection.
type smtpClient struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialSMTP(t *testing.T, addr string, within time.Duration) *smtpClient {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(within))
	s := &smtpClient{t: t, conn: c, r: bufio.NewReader(c)}
	s.expect("220")
	return s
}

// answer reads one (possibly multi-line) reply.
func (s *smtpClient) answer() (string, error) {
	var all []string
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return strings.Join(all, ""), err
		}
		all = append(all, line)
		if len(line) < 4 || line[3] != '-' {
			return strings.Join(all, ""), nil
		}
	}
}

func (s *smtpClient) expect(code string) {
	s.t.Helper()
	a, err := s.answer()
	if err != nil || !strings.HasPrefix(a, code) {
		s.t.Fatalf("answer %q, %v; want %s", a, err, code)
	}
}

func (s *smtpClient) send(text string) {
	s.t.Helper()
	if _, err := io.WriteString(s.conn, text); err != nil {
		s.t.Fatal(err)
	}
}

// A carriage return before the final line ending ("...\r\r\n.\r\n") made
// go-smtp miss the end of the data and wait until its read timeout: the
// sender hung. The message is now taken, and answered at once.
func TestSMTPBareCRBeforeTheEndOfDataIsAnswered(t *testing.T) {
	e := setup(t, apptest.DB(t, db.SQLite))
	addr := boundedListener(t, e, 20*time.Second, 30*time.Second)
	c := dialSMTP(t, addr, 5*time.Second)
	c.send("EHLO client.example\r\n")
	c.expect("250")
	c.send("MAIL FROM:<bob@example.org>\r\n")
	c.expect("250")
	c.send("RCPT TO:<support@example.test>\r\n")
	c.expect("250")
	c.send("DATA\r\n")
	c.expect("354")
	start := time.Now()
	c.send("From: bob@example.org\r\nTo: support@example.test\r\nSubject: Bare CR\r\nMessage-ID: <barecr-1@example.org>\r\n\r\n" +
		"Old Mac\rline endings.\r\nThe end\r\r\n.\r\n")
	c.expect("250")
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("answered after %v", d)
	}
	c.send("QUIT\r\n")
	c.expect("221")
	res, err := e.im.Import(context.Background(), e.mb, []byte("From: bob@example.org\r\nTo: support@example.test\r\nSubject: Bare CR\r\n"+
		"Message-ID: <barecr-1@example.org>\r\n\r\nOld Mac\rline endings.\r\nThe end\r\n"))
	if err != nil || !res.Duplicate || res.Ticket == 0 {
		t.Fatalf("the message was not stored as sent: %+v %v", res, err)
	}
}

// A client that keeps a session alive with a command now and then, each
// well within the read timeout, is cut off at the session bound; so is
// one that trickles a command byte by byte.
func TestSMTPSlowClientsAreCutOff(t *testing.T) {
	e := setup(t, apptest.DB(t, db.SQLite))
	addr := boundedListener(t, e, 700*time.Millisecond, 1500*time.Millisecond)

	c := dialSMTP(t, addr, 10*time.Second)
	start := time.Now()
	c.send("EHLO slow.example\r\n")
	c.expect("250")
	closed := false
	for time.Since(start) < 8*time.Second {
		time.Sleep(300 * time.Millisecond)
		if _, err := io.WriteString(c.conn, "NOOP\r\n"); err != nil {
			closed = true
			break
		}
		a, err := c.answer()
		if err != nil || strings.HasPrefix(a, "421") {
			closed = true
			break
		}
	}
	if d := time.Since(start); !closed || d > 4*time.Second {
		t.Fatalf("a client sending NOOP every 300 ms was still connected after %v", d)
	}

	c = dialSMTP(t, addr, 10*time.Second)
	start = time.Now()
	var err error
	for _, b := range []byte("EHLO trickle.example") {
		if _, err = c.conn.Write([]byte{b}); err != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for err == nil {
		_, err = c.answer()
	}
	if d := time.Since(start); errors.Is(err, net.ErrClosed) || d > 4*time.Second {
		t.Fatalf("a trickling client: %v after %v", err, d)
	}
}
