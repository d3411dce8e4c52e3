package outbox_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/ticket"
)

// authSession is a sink session that requires AUTH PLAIN as user "relay",
// password "right", and offers it without TLS.
type authSession struct{ session }

func (s *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *authSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "relay" || pass != "right" {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication failed"}
		}
		return nil
	}), nil
}

// newAuthSink is a sink requiring AUTH, listening on ip.
func newAuthSink(t *testing.T, ip string) (*sink, int) {
	t.Helper()
	k := &sink{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &authSession{session{sink: k}}, nil
	}))
	srv.Domain = "relay.test"
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Skipf("cannot listen on %s: %v", ip, err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return k, l.Addr().(*net.TCPAddr).Port
}

// An email whose sign-in can never work fails at once with the reason,
// and its job fails for good: the mail library refusing to send the
// password unencrypted to another machine, or the server refusing the
// password (535). Before, such a row was retried for hours. To localhost,
// the password goes without TLS and the email is sent.
func TestSignInThatCannotWorkFailsAtOnce(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		tk := apptest.Ticket(t, e.s, e.agent)
		e.drain()
		far, farPort := newAuthSink(t, "127.0.0.2") // not "localhost" to the library
		near, nearPort := newAuthSink(t, "127.0.0.1")
		for _, c := range []struct {
			name   string
			route  outbox.SMTP
			reason string
		}{
			{"password over tls none to another host", outbox.SMTP{Host: "127.0.0.2", Port: farPort, Username: "relay", Password: "right"}, "unencrypted"},
			{"wrong password", outbox.SMTP{Host: "127.0.0.1", Port: nearPort, Username: "relay", Password: "wrong"}, "535"},
		} {
			c.route.TLS, c.route.Timeout = "none", 5*time.Second
			e.route.Store(&c.route)
			m := e.reply(e.agent, tk, ticket.NewReply{Body: "Try this: " + c.name})
			e.drain()
			e.clock.Advance(time.Hour)
			e.drain()
			dl := e.delivery(m)
			if dl.Status != outbox.StatusFailed || dl.Attempts != 1 || !strings.Contains(dl.LastError, c.reason) {
				t.Fatalf("%s: %+v, want failed after one attempt, saying %q", c.name, dl, c.reason)
			}
			if j := e.sendJob(dl.ID); j.State != job.Failed || j.Attempt != 1 {
				t.Fatalf("%s: send job %+v, want failed for good", c.name, j)
			}
		}
		if len(far.take())+len(near.take()) != 0 {
			t.Fatal("an email went out without signing in")
		}
		e.route.Store(&outbox.SMTP{Host: "127.0.0.1", Port: nearPort, TLS: "none", Username: "relay", Password: "right", Timeout: 5 * time.Second})
		e.reply(e.agent, tk, ticket.NewReply{Body: "Through the local relay."})
		e.drain()
		if got := near.take(); len(got) != 1 || !strings.Contains(got[0].Text, "local relay") {
			t.Fatalf("the local relay received %d emails, want the reply", len(got))
		}
	})
}
