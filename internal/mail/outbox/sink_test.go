package outbox_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// sink is a real SMTP server on loopback that keeps what it receives, and
// answers the DATA of the next messages with queued errors.
type sink struct {
	addr *net.TCPAddr
	mu   sync.Mutex
	msgs []*received
	fail []*smtp.SMTPError
}

type received struct {
	From   string
	Rcpts  []string
	Header mail.Header
	Text   string
	HTML   string
	Files  []file
}

// file is an attached part: its file name, type and decoded bytes.
type file struct {
	Name, Type string
	Data       []byte
}

func newSink(t *testing.T) *sink {
	t.Helper()
	k := &sink{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{sink: k}, nil }))
	srv.Domain = "sink.test"
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k.addr = l.Addr().(*net.TCPAddr)
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return k
}

// failNext makes the next DATA commands fail with the given SMTP codes.
func (k *sink) failNext(codes ...int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, c := range codes {
		k.fail = append(k.fail, &smtp.SMTPError{Code: c, EnhancedCode: smtp.EnhancedCode{c / 100, 0, 0},
			Message: "sink says no"})
	}
}

func (k *sink) take() []*received {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := k.msgs
	k.msgs = nil
	return out
}

type session struct {
	sink  *sink
	from  string
	rcpts []string
}

func (s *session) Reset()        { s.from, s.rcpts = "", nil }
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.sink.mu.Lock()
	defer s.sink.mu.Unlock()
	if len(s.sink.fail) > 0 {
		e := s.sink.fail[0]
		s.sink.fail = s.sink.fail[1:]
		return e
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	rc := &received{From: s.from, Rcpts: s.rcpts, Header: m.Header}
	if err := parseBody(rc, m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body); err != nil {
		return err
	}
	s.sink.msgs = append(s.sink.msgs, rc)
	return nil
}

func parseBody(rc *received, ctype, cte string, body io.Reader) error {
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			if disp, dp, err := mime.ParseMediaType(p.Header.Get("Content-Disposition")); err == nil && disp == "attachment" {
				b, err := io.ReadAll(decode(p.Header.Get("Content-Transfer-Encoding"), p))
				if err != nil {
					return err
				}
				pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
				rc.Files = append(rc.Files, file{Name: dp["filename"], Type: pt, Data: b})
				continue
			}
			if err := parseBody(rc, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	b, err := io.ReadAll(decode(cte, body))
	if err != nil {
		return err
	}
	switch mt {
	case "text/plain":
		rc.Text = string(b)
	case "text/html":
		rc.HTML = string(b)
	}
	return nil
}

func decode(cte string, body io.Reader) io.Reader {
	switch strings.ToLower(cte) {
	case "quoted-printable":
		return quotedprintable.NewReader(body)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, body)
	}
	return body
}
