package mailbox

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/docket/docket/internal/fault"
)

// maxCAPEM bounds a mailbox's private CA: a few certificates.
const maxCAPEM = 64 << 10

// ParseCA reads a mailbox's private certificate authority: one or more
// PEM "CERTIFICATE" blocks and nothing else. An empty text is no CA.
func ParseCA(text string) ([]*x509.Certificate, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil
	}
	if len(text) > maxCAPEM {
		return nil, fmt.Errorf("must be at most %d KB of PEM", maxCAPEM>>10)
	}
	var certs []*x509.Certificate
	rest := []byte(text)
	for len(strings.TrimSpace(string(rest))) > 0 {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("must be PEM certificates (-----BEGIN CERTIFICATE----- …)")
		}
		if b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("must hold only certificates, not a %q block", b.Type)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("holds a certificate that cannot be read: %v", err)
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// caSummary names a CA in events without its whole text.
func caSummary(text string) string {
	certs, err := ParseCA(text)
	if err != nil || len(certs) == 0 {
		return ""
	}
	sum := sha256.Sum256(certs[0].Raw)
	return fmt.Sprintf("%s (%d certificate(s), sha256 %x)", certs[0].Subject.CommonName, len(certs), sum[:8])
}

// TLSConfig is the TLS configuration for connecting to host on behalf of
// the mailbox: the system roots plus the mailbox's private CA, if any.
func (m *Mailbox) TLSConfig(host string) *tls.Config {
	c := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	certs, err := ParseCA(m.CAPEM)
	if err != nil || len(certs) == 0 {
		return c // a stored CA was validated at save
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, cert := range certs {
		pool.AddCert(cert)
	}
	c.RootCAs = pool
	return c
}

// Loopback reports whether host is this machine by the name the mail
// library checks (go-mail sends PLAIN and LOGIN without TLS only to
// "localhost", "127.0.0.1" and "::1"; IMAP servers such as Dovecot allow
// plaintext sign-in from loopback by default).
func Loopback(host string) bool {
	switch strings.ToLower(strings.Trim(host, "[]")) {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

// refusePlaintext refuses settings that would send a secret unencrypted
// to another machine: IMAP always signs in (password or OAuth token), and
// SMTP does when a username is set. go-mail refuses such a login on every
// attempt anyway, so the mailbox could never work.
func refusePlaintext(inv *fault.Invalid, r *row) {
	if r.Inbound == "imap" && r.IMAP.Host != "" && r.IMAP.TLS == "none" && !Loopback(r.IMAP.Host) {
		inv.Add("inbound.tls", "must be tls or starttls: signing in over tls none would send the password unencrypted (allowed only to localhost)")
	}
	if r.SMTP.Host != "" && r.SMTP.Username != "" && r.SMTP.TLS == "none" && !Loopback(r.SMTP.Host) {
		inv.Add("outbound.tls", "must be tls or starttls when a username is set: the password would be sent unencrypted (allowed only to localhost)")
	}
}
