// Package mail connects Docket to email: it receives mail (the SMTP
// listener, IMAP), turns each message into the right ticket exactly once,
// and checks mailbox connections. Parsing lives in mail/message and
// sending in mail/outbox.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/docket/docket/internal/mailbox"
)

// Step is one stage of a connection check.
type Step struct {
	Side   string `json:"side"`  // inbound or outbound
	Stage  string `json:"stage"` // dns, tcp, tls, auth, mailbox
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Check tries a mailbox's connections stage by stage and reports exactly
// where each one failed. It needs the mailbox with its credentials, and the
// service to keep a refresh token an OAuth provider rotates.
func Check(ctx context.Context, mb *mailbox.Mailbox, mailboxes *mailbox.Service) []Step {
	var steps []Step
	if mb.Inbound == "imap" {
		steps = append(steps, checkIMAP(ctx, mb, mailboxes)...)
	}
	if mb.SMTP.Host != "" {
		steps = append(steps, checkSMTP(ctx, mb.SMTP, mb.TLSConfig(mb.SMTP.Host))...)
	}
	return steps
}

// dial connects to sv, with TLS from cfg when sv.TLS is tls.
func dial(ctx context.Context, side string, sv mailbox.Server, cfg *tls.Config) (net.Conn, []Step) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupHost(ctx, sv.Host)
	if err != nil {
		return nil, []Step{{side, "dns", false, fmt.Sprintf("cannot resolve %s: %v", sv.Host, err)}}
	}
	steps := []Step{{side, "dns", true, fmt.Sprintf("%s resolves to %v", sv.Host, addrs)}}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(sv.Host, strconv.Itoa(sv.Port)))
	if err != nil {
		return nil, append(steps, Step{side, "tcp", false, fmt.Sprintf("cannot connect to port %d: %v", sv.Port, err)})
	}
	steps = append(steps, Step{side, "tcp", true, fmt.Sprintf("connected to port %d", sv.Port)})
	if sv.TLS == "tls" {
		tc := tls.Client(conn, cfg)
		_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, append(steps, Step{side, "tls", false, "TLS handshake failed: " + err.Error()})
		}
		_ = tc.SetDeadline(time.Time{})
		steps = append(steps, Step{side, "tls", true, "TLS " + tls.VersionName(tc.ConnectionState().Version)})
		return tc, steps
	}
	return conn, steps
}

func checkIMAP(ctx context.Context, mb *mailbox.Mailbox, mailboxes *mailbox.Service) []Step {
	cfg := mb.TLSConfig(mb.IMAP.Host)
	conn, steps := dial(ctx, "inbound", mb.IMAP, cfg)
	if conn == nil {
		return steps
	}
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	var c *imapclient.Client
	if mb.IMAP.TLS == "starttls" {
		var err error
		c, err = imapclient.NewStartTLS(conn, &imapclient.Options{TLSConfig: cfg})
		if err != nil {
			conn.Close()
			return append(steps, Step{"inbound", "tls", false, "STARTTLS failed: " + err.Error()})
		}
		steps = append(steps, Step{"inbound", "tls", true, "STARTTLS"})
	} else {
		c = imapclient.New(conn, nil)
	}
	defer c.Close()
	if err := c.WaitGreeting(); err != nil {
		return append(steps, Step{"inbound", "auth", false, "no IMAP greeting: " + err.Error()})
	}
	if err := login(ctx, c, mb, mailboxes); err != nil {
		return append(steps, Step{"inbound", "auth", false, "login refused: " + err.Error()})
	}
	steps = append(steps, Step{"inbound", "auth", true, "logged in as " + mb.IMAP.Username})
	sel, err := c.Select(mb.Folder, nil).Wait()
	if err != nil {
		return append(steps, Step{"inbound", "mailbox", false, fmt.Sprintf("cannot open folder %q: %v", mb.Folder, err)})
	}
	_ = c.Logout().Wait()
	return append(steps, Step{"inbound", "mailbox", true, fmt.Sprintf("folder %q has %d messages", mb.Folder, sel.NumMessages)})
}

func checkSMTP(ctx context.Context, sv mailbox.Server, cfg *tls.Config) []Step {
	conn, steps := dial(ctx, "outbound", sv, cfg)
	if conn == nil {
		return steps
	}
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	c, err := smtp.NewClient(conn, sv.Host)
	if err != nil {
		conn.Close()
		return append(steps, Step{"outbound", "tcp", false, "no SMTP greeting: " + err.Error()})
	}
	defer c.Close()
	if sv.TLS == "starttls" {
		if err := c.StartTLS(cfg); err != nil {
			return append(steps, Step{"outbound", "tls", false, "STARTTLS failed: " + err.Error()})
		}
		steps = append(steps, Step{"outbound", "tls", true, "STARTTLS"})
	}
	if sv.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return append(steps, Step{"outbound", "auth", false, "the server offers no AUTH"})
		}
		if err := c.Auth(plainAuth{sv.Username, sv.Password}); err != nil {
			return append(steps, Step{"outbound", "auth", false, "login refused: " + err.Error()})
		}
		steps = append(steps, Step{"outbound", "auth", true, "logged in as " + sv.Username})
	}
	_ = c.Quit()
	return steps
}

// plainAuth is SMTP AUTH PLAIN. Unlike net/smtp's, it does not refuse
// unencrypted connections itself: the admin chose tls "none" explicitly.
type plainAuth struct{ user, pass string }

func (a plainAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}

func (a plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected server challenge")
	}
	return nil, nil
}
