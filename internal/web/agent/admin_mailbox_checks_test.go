package agent_test

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

type nopIMAPLog struct{}

func (nopIMAPLog) Printf(string, ...any) {}

// The mailbox form refuses what could not work, each error at its field:
// a CA that is not PEM, a password over no TLS to another machine, a move
// folder the server lacks — which the "create" box creates. The page shows
// the mailbox's last error, escaped.
func TestAdminMailboxSaveChecks(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	admin, _ := signIn(t, e, user.RoleAdmin)
	mem := imapmemserver.New()
	inbox := imapmemserver.NewUser("help", "imap-pass")
	inbox.Create("INBOX", nil)
	mem.AddUser(inbox)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}},
		InsecureAuth: true, Logger: nopIMAPLog{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	imapBox := []string{"inbound.type", "imap", "inbound.host", "127.0.0.1", "inbound.port", port, "inbound.tls", "none",
		"inbound.username", "help", "inbound.password", "imap-pass", "inbound.after_import", "move", "inbound.move_to", "Handled"}

	code, body, _ := admSubmit(admin, "/admin/mailboxes/new", mbFields(append(imapBox, "ca_pem", "not a certificate")...)...)
	admExpect(t, "a CA that is not PEM", code, body, http.StatusUnprocessableEntity, "Must be PEM certificates", "not a certificate")
	code, body, _ = admSubmit(admin, "/admin/mailboxes/new", mbFields(imapBox...)...)
	admExpect(t, "a missing folder", code, body, http.StatusUnprocessableEntity, `No folder &#34;Handled&#34; on the server`)
	code, body, _ = admSubmit(admin, "/admin/mailboxes/new", mbFields(append(imapBox, "inbound.host", "imap.example.test")...)...)
	admExpect(t, "IMAP over no TLS to another machine", code, body, http.StatusUnprocessableEntity, "Must be tls or starttls")
	if _, err := inbox.Status("Handled", &imap.StatusOptions{}); err == nil {
		t.Fatal("a refused form created the folder")
	}
	code, _, h := admSubmit(admin, "/admin/mailboxes/new", mbFields(append(imapBox, "inbound.create_folder", "1")...)...)
	if code != http.StatusSeeOther {
		t.Fatalf("create with the folder: %d", code)
	}
	if _, err := inbox.Status("Handled", &imap.StatusOptions{}); err != nil {
		t.Fatalf("the folder was not created: %v", err)
	}
	path := h.Get("Location")
	id, _ := strconv.ParseInt(path[strings.LastIndex(path, "/")+1:], 10, 64)
	if err := e.Mailboxes.SetError(context.Background(), id, `move uid 3 to "Handled": <b>NO</b> [TRYCREATE]`); err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{path, "/admin/mailboxes"} {
		code, body, _ = admin.get(page)
		admExpect(t, page, code, body, http.StatusOK, "&lt;b&gt;NO&lt;/b&gt; [TRYCREATE]")
		if strings.Contains(body, "<b>NO</b>") {
			t.Fatalf("%s: the error is not escaped", page)
		}
	}
}
