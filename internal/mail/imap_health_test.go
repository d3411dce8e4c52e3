package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-smtp"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/mail"
	"github.com/docket/docket/internal/mailbox"
)

// fieldError is the message of err for field, or "".
func fieldError(err error, field string) string {
	var inv *fault.Invalid
	if errors.As(err, &inv) {
		for _, f := range inv.Fields {
			if f.Field == field {
				return f.Message
			}
		}
	}
	return ""
}

// Moving imported mail to a folder the server does not have is refused at
// save, with the field at fault; asked to, Docket creates the folder.
// Before, the save was accepted and every import then broke the session.
func TestMoveToAMissingFolderIsRefusedAtSave(t *testing.T) {
	e := setup(t, apptest.DB(t, db.SQLite))
	peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}})
	mb := imapMailbox(t, e, peer, "flag")
	ctx := context.Background()
	move, archive := "move", "Archive/Support"
	_, err := e.s.Mailboxes.Update(ctx, &userAdmin, mb.ID, mailbox.Input{AfterImport: &move, MoveTo: &archive})
	if msg := fieldError(err, "inbound.move_to"); !strings.Contains(msg, `no folder "Archive/Support"`) {
		t.Fatalf("move to a missing folder: %v", err)
	}
	if got, _ := e.s.Mailboxes.Get(ctx, mb.ID); got.AfterImport != "flag" {
		t.Fatalf("a refused change was saved: after_import %q", got.AfterImport)
	}
	// A folder to read from that does not exist is named too.
	nowhere := "Nowhere"
	_, err = e.s.Mailboxes.Update(ctx, &userAdmin, mb.ID, mailbox.Input{Folder: &nowhere, AfterImport: &move, MoveTo: &archive, CreateFolder: true})
	if fieldError(err, "inbound.folder") == "" {
		t.Fatalf("reading a missing folder: %v", err)
	}
	if _, err := e.s.Mailboxes.Update(ctx, &userAdmin, mb.ID, mailbox.Input{AfterImport: &move, MoveTo: &archive, CreateFolder: true}); err != nil {
		t.Fatalf("move, creating the folder: %v", err)
	}
	if _, err := peer.user.Status(archive, &imap.StatusOptions{NumMessages: true}); err != nil {
		t.Fatalf("the folder was not created: %v", err)
	}
	// A server that cannot be reached cannot confirm the folder.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	pass := "imap-pass"
	_, err = e.s.Mailboxes.Update(ctx, &userAdmin, mb.ID, mailbox.Input{IMAP: mailbox.ServerInput{Port: &closed, Password: &pass}})
	if msg := fieldError(err, "inbound.move_to"); !strings.Contains(msg, "cannot be checked") {
		t.Fatalf("an unreachable server: %v", err)
	}
}

// A mailbox whose imported mail cannot be moved (the folder was removed
// on the server after the save) shows the failure, not "connected", for
// as long as it lasts, and moves the mail it stored once the folder is
// back. Before, every reconnection reported "connected" again.
func TestFailingMoveShowsInTheStatus(t *testing.T) {
	e := setup(t, apptest.DB(t, db.SQLite))
	peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}})
	mb := imapMailbox(t, e, peer, "move")
	if err := peer.user.Delete("Done"); err != nil {
		t.Fatal(err)
	}
	deliverN(t, peer, 0, 1)
	f := mail.NewFetcher(e.im, e.s.Mailboxes, e.s.Leases, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.MinBackoff, f.MaxBackoff = 50*time.Millisecond, 100*time.Millisecond
	runFetcher(t, e, f)
	waitTickets(t, e, 1, 5*time.Second, "the message is stored")
	time.Sleep(500 * time.Millisecond) // several reconnections
	ctx := context.Background()
	got, _ := e.s.Mailboxes.Get(ctx, mb.ID)
	if strings.HasPrefix(got.Status, "connected") || !strings.Contains(got.Status, `to "Done"`) ||
		!strings.Contains(got.LastError, `to "Done"`) || got.LastErrorAt == nil {
		t.Fatalf("status %q, last error %q at %v; want the failing move", got.Status, got.LastError, got.LastErrorAt)
	}
	if err := peer.user.Create("Done", nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the stored message is moved", func() bool {
		st, err := peer.user.Status("Done", &imap.StatusOptions{NumMessages: true})
		return err == nil && *st.NumMessages == 1
	})
	eventually(t, "the status says connected", func() bool {
		got, _ := e.s.Mailboxes.Get(ctx, mb.ID)
		return strings.HasPrefix(got.Status, "connected") && strings.Contains(got.LastError, `to "Done"`)
	})
	if n := countTickets(t, e); n != 1 {
		t.Fatalf("%d tickets for one message", n)
	}
}

// testCA is a private certificate authority and a server certificate for
// 127.0.0.1 signed by it.
type testCA struct {
	pem    string
	server tls.Certificate
}

func newTestCA(t *testing.T) testCA {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Docket Test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "mail.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return testCA{pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})),
		server: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}}
}

// A mailbox trusts its own private CA, for IMAP and for SMTP, besides the
// system roots; a PEM that is not a certificate is refused at save.
func TestMailboxPrivateCA(t *testing.T) {
	e := setup(t, apptest.DB(t, db.SQLite))
	ca := newTestCA(t)
	serverTLS := &tls.Config{Certificates: []tls.Certificate{ca.server}}
	peer := startIMAP(t, imap.CapSet{imap.CapIMAP4rev1: {}})
	peer.srv.Close()
	tln, err := tls.Listen("tcp", "127.0.0.1:0", serverTLS)
	if err != nil {
		t.Fatal(err)
	}
	srv := imapserver.New(peer.opts)
	go srv.Serve(tln)
	t.Cleanup(func() { srv.Close() })
	peer.addr = tln.Addr().String()
	mb := imapMailbox(t, e, peer, "flag")
	ctx := context.Background()
	ssl, pass := "tls", "imap-pass"
	if _, err := e.s.Mailboxes.Update(ctx, &userAdmin, mb.ID, mailbox.Input{IMAP: mailbox.ServerInput{TLS: &ssl, Password: &pass}}); err != nil {
		t.Fatal(err)
	}
	deliverN(t, peer, 0, 1)
	f := mail.NewFetcher(e.im, e.s.Mailboxes, e.s.Leases, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := f.Sync(ctx, mb.ID); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("a server signed by an unknown CA: %v", err)
	}
	for _, bad := range []string{"not a certificate", "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----",
		"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", ca.pem + "\ntrailing words"} {
		if _, err := e.s.Mailboxes.Update(ctx, &userAdmin, mb.ID, mailbox.Input{CAPEM: &bad}); fieldError(err, "ca_pem") == "" {
			t.Fatalf("ca_pem %q: %v", bad, err)
		}
	}
	if _, err := e.s.Mailboxes.Update(ctx, &userAdmin, mb.ID, mailbox.Input{CAPEM: &ca.pem}); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(ctx, mb.ID); err != nil {
		t.Fatalf("IMAP with the mailbox's CA: %v", err)
	}
	if n := countTickets(t, e); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}

	// SMTP over implicit TLS with a certificate from the same CA: the
	// acknowledgement of a new ticket goes out.
	k := &sink{}
	ssrv := smtp.NewServer(k)
	ssrv.Domain = "relay.test"
	sln, err := tls.Listen("tcp", "127.0.0.1:0", serverTLS)
	if err != nil {
		t.Fatal(err)
	}
	go ssrv.Serve(sln)
	t.Cleanup(func() { ssrv.Close() })
	host, port := "127.0.0.1", sln.Addr().(*net.TCPAddr).Port
	if _, err := e.s.Mailboxes.Update(ctx, &userAdmin, mb.ID, mailbox.Input{SMTP: mailbox.ServerInput{Host: &host, Port: &port, TLS: &ssl}}); err != nil {
		t.Fatal(err)
	}
	deliverN(t, peer, 1, 2)
	if err := f.Sync(ctx, mb.ID); err != nil {
		t.Fatal(err)
	}
	if got := k.wait(t, 1); !strings.Contains(got[0], "Shared 1") {
		t.Fatalf("email through the TLS relay:\n%s", got[0])
	}
}
