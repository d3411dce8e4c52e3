package api_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/docket/docket/client"
)

type nopIMAPLog struct{}

func (nopIMAPLog) Printf(string, ...any) {}

// startIMAP is an IMAP server on loopback with user "help" and an INBOX.
func startIMAP(t *testing.T) (*imapmemserver.User, int) {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser("help", "imap-pass")
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(u)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}},
		InsecureAuth: true,
		Logger:       nopIMAPLog{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return u, ln.Addr().(*net.TCPAddr).Port
}

func selfSignedPEM(t *testing.T) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Private CA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// A mailbox that could not work is refused at save, with the field at
// fault: a password over tls none to another machine, a CA that is not a
// PEM certificate, moving imported mail to a folder the server lacks
// (which create_folder creates).
func TestMailboxSaveChecks(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		inbox, port := startIMAP(t)
		imapIn := func(kv ...any) map[string]any {
			m := map[string]any{"type": "imap", "host": "127.0.0.1", "port": port, "tls": "none", "username": "help",
				"password": "imap-pass", "folder": "INBOX", "after_import": "flag"}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		}
		for _, c := range []struct {
			name, field string
			body        map[string]any
		}{
			{"imap over tls none", "inbound.tls", map[string]any{"address": "a@example.test", "inbound": imapIn("host", "imap.example.test")}},
			{"smtp password over tls none", "outbound.tls", map[string]any{"address": "a@example.test",
				"outbound": mbServer{Host: "smtp.example.test", Port: 25, TLS: "none", Username: "u", Password: "p"}}},
			{"ca that is not pem", "ca_pem", map[string]any{"address": "a@example.test", "ca_pem": "hello"}},
			{"move to a missing folder", "inbound.move_to", map[string]any{"address": "a@example.test",
				"inbound": imapIn("after_import", "move", "move_to", "Handled")}},
		} {
			_, err := f.admin.Do(ctx, "POST", "/api/v1/mailboxes", c.body, nil)
			if client.StatusOf(err) != 422 || client.FieldErrorFor(err, c.field) == "" {
				t.Errorf("%s: %v, want 422 on %s", c.name, err, c.field)
			}
		}
		ca := selfSignedPEM(t)
		var mb struct {
			ID          int64   `json:"id"`
			CAPEM       string  `json:"ca_pem"`
			LastError   string  `json:"last_error"`
			LastErrorAt *string `json:"last_error_at"`
		}
		resp, err := f.admin.Do(ctx, "POST", "/api/v1/mailboxes", map[string]any{"address": "a@example.test", "ca_pem": ca,
			"inbound":  imapIn("after_import", "move", "move_to", "Handled", "create_folder", true),
			"outbound": mbServer{Host: "localhost", Port: 25, TLS: "none", Username: "u", Password: "p"}}, &mb)
		if err != nil || resp.Status != 201 {
			t.Fatalf("a mailbox creating its folder, with a CA: %v", err)
		}
		if mb.CAPEM != strings.TrimSpace(ca) || mb.LastError != "" || mb.LastErrorAt != nil {
			t.Fatalf("mailbox = %+v", mb)
		}
		if _, err := inbox.Status("Handled", &imap.StatusOptions{NumMessages: true}); err != nil {
			t.Fatalf("the folder was not created: %v", err)
		}
	})
}
