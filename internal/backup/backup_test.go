package backup_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/backup"
	"github.com/docket/docket/internal/config"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/db/pgtest"
	"github.com/docket/docket/internal/kb"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// otherKey is a second DOCKET_SECRET_KEY, for restores into an instance
// whose key is not the backup's.
var otherKey = base64.StdEncoding.EncodeToString([]byte("another key for the backup tests"))

const smtpPassword = "mailbox-secret-123"

// source is an instance with data, its services built but not started, so
// nothing changes its database behind the test.
type source struct {
	s      *app.Services
	cfg    *config.Config
	ticket *ticket.Ticket // with replies, a note, an attachment and a link
	att    string         // the attachment's id
	mail   int64          // the number of a ticket imported from mail, with an attachment
	mbox   int64          // a mailbox with a sealed SMTP password
}

// content has every byte value, to go through each store and format.
var content = func() []byte {
	b := make([]byte, 3000)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}()

func newSource(t *testing.T, dialect db.Dialect) *source {
	t.Helper()
	ctx := context.Background()
	d := apptest.DB(t, dialect)
	cfg := apptest.Config(t)
	s, err := app.Build(ctx, d, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	src := &source{s: s, cfg: cfg}
	admin := apptest.User(t, s, user.RoleAdmin, "")
	agent := apptest.User(t, s, user.RoleAgent, "")
	team, org := "Network", "Acme Ünïcode"
	must(t, func() error {
		_, err := s.Users.CreateTeam(ctx, admin, user.TeamInput{Name: &team, Members: &[]string{agent.Email}})
		return err
	})
	must(t, func() error {
		_, err := s.Users.CreateOrganization(ctx, admin, user.OrganizationInput{Name: &org})
		return err
	})
	src.ticket = apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) {
		n.Subject, n.Tags, n.Team = "VPN disconnects every hour", []string{"vpn", "network"}, team
	})
	att, err := s.Attachments.Save(ctx, agent, "trace.bin", "application/octet-stream", bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	src.att = att.ID
	must(t, func() error {
		_, err := s.Tickets.Reply(ctx, agent, src.ticket.Number, ticket.NewReply{Body: "The trace, <b>escaped</b> & all.", Attachments: []string{att.ID}})
		return err
	})
	must(t, func() error {
		_, err := s.Tickets.Reply(ctx, agent, src.ticket.Number, ticket.NewReply{Body: "Internal: check the firewall", Internal: true})
		return err
	})
	// The older ticket merged into the newer points forward in its table.
	older := apptest.Ticket(t, s, agent)
	newer := apptest.Ticket(t, s, agent)
	must(t, func() error { _, err := s.Tickets.Merge(ctx, agent, older.Number, newer.Number); return err })
	must(t, func() error {
		return s.Tickets.AddLink(ctx, agent, src.ticket.Number, ticket.LinkRelated, newer.Number)
	})
	addr, host, port, tls, pw := "help@example.test", "127.0.0.1", 25, "none", smtpPassword
	mb, err := s.Mailboxes.Create(ctx, admin, mailbox.Input{Address: &addr, SMTP: mailbox.ServerInput{Host: &host, Port: &port, TLS: &tls, Password: &pw}})
	if err != nil {
		t.Fatal(err)
	}
	src.mbox = mb.ID
	raw := "From: Bob <bob@example.test>\r\nTo: help@example.test\r\nSubject: Printer jammed\r\n" +
		"Message-ID: <printer-1@example.test>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=BB\r\n\r\n" +
		"--BB\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe photo is attached.\r\n" +
		"--BB\r\nContent-Type: image/png; name=jam.png\r\nContent-Disposition: attachment; filename=jam.png\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(content[:999]) + "\r\n--BB--\r\n"
	res, err := s.Importer.Import(ctx, mb, []byte(raw))
	if err != nil || res.Ticket == 0 {
		t.Fatalf("import: %+v %v", res, err)
	}
	src.mail = res.Ticket
	// A knowledge-base article: its search index is rebuilt by the restore.
	title, body, vis, status := "Printer jam guide", "Open the **front tray**.", "public", "published"
	if _, err := s.KB.Create(ctx, agent, kb.ArticleInput{Title: &title, Body: &body, Visibility: &vis, Status: &status}); err != nil {
		t.Fatal(err)
	}
	apptest.Token(t, s, agent)
	if dialect == db.Postgres {
		// What the pump does after each commit: number the events.
		if _, err := s.Events.Sequence(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return src
}

func must(t *testing.T, fn func() error) {
	t.Helper()
	if err := fn(); err != nil {
		t.Fatal(err)
	}
}

// emptyDB opens an empty database of the dialect (no schema at all) and
// returns it with a data directory for its attachments and key.
func emptyDB(t *testing.T, dialect db.Dialect) (*db.DB, string) {
	t.Helper()
	data := t.TempDir()
	opts := db.Options{DataDir: data}
	if dialect == db.Postgres {
		opts = db.Options{URL: pgtest.NewDatabase(t, "")}
	}
	d, err := db.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, data
}

func (src *source) backup(t *testing.T) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "docket.backup")
	if _, err := backup.Backup(context.Background(), src.s.DB, file, backup.Options{DataDir: src.cfg.Data, SecretKey: src.cfg.SecretKey, Version: "test"}); err != nil {
		t.Fatalf("backup: %v", err)
	}
	return file
}

// TestRoundTrip backs up an instance with tickets, messages, attachments,
// users, a mailbox and events, restores it into an empty database of each
// dialect, and compares every table's rows; the restored instance then
// serves the ticket, its attachment and search through the API, opens the
// mailbox password and numbers the next ticket after the last.
func TestRoundTrip(t *testing.T) {
	cases := []struct {
		name     string
		from, to db.Dialect
		// key is the restoring instance's DOCKET_SECRET_KEY: empty (SQLite
		// installs the backup's key file), the backup's, or another.
		key string
	}{
		{"sqlite to sqlite", db.SQLite, db.SQLite, ""},
		{"postgres to postgres", db.Postgres, db.Postgres, otherKey},
		{"sqlite to postgres", db.SQLite, db.Postgres, apptest.SecretKey},
		{"postgres to sqlite", db.Postgres, db.SQLite, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := newSource(t, c.from)
			file := src.backup(t)
			want := backup.Dump(t, src.s.DB)
			dst, data := emptyDB(t, c.to)
			// A table of another application in the same database is left alone.
			w, _ := dst.Pools()
			if _, err := w.Exec(`CREATE TABLE other_app (at TIMESTAMP); INSERT INTO other_app VALUES (CURRENT_TIMESTAMP)`); err != nil {
				t.Fatal(err)
			}
			m, err := backup.Restore(context.Background(), dst, file, backup.Options{DataDir: data, SecretKey: c.key})
			if err != nil {
				t.Fatalf("restore: %v", err)
			}
			var others int
			if err := dst.R.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM other_app`).Scan(&others); err != nil || others != 1 {
				t.Errorf("another application's table after restore: %d rows, %v", others, err)
			}
			if m.Dialect != c.from || m.Attachments.Count != 2 {
				t.Errorf("manifest: %s with %d attachments, want %s with 2", m.Dialect, m.Attachments.Count, c.from)
			}
			got := backup.Dump(t, dst)
			if c.key != "" && c.key != apptest.SecretKey {
				// Sealed values differ by key (and nonce); compared below by what they open to.
				delete(want, "mailboxes")
				delete(got, "mailboxes")
				delete(want, "settings")
				delete(got, "settings")
			}
			if diff := backup.DiffDumps(want, got); diff != "" {
				t.Fatalf("restored rows differ:\n%s", diff)
			}
			checkServes(t, src, dst, data, c.key)
		})
	}
}

// checkServes starts the restored instance and reads through its API.
func checkServes(t *testing.T, src *source, dst *db.DB, data, key string) {
	t.Helper()
	ctx := context.Background()
	e := apptest.Server(t, dst, func(c *config.Config) { c.Data, c.SecretKey = data, key })
	tk, _, err := e.Client.GetTicket(ctx, src.ticket.Number)
	if err != nil || tk.Subject != src.ticket.Subject {
		t.Fatalf("restored ticket: %+v %v", tk, err)
	}
	dl, err := e.Client.DownloadAttachment(ctx, src.att)
	if err != nil || !bytes.Equal(dl.Body, content) {
		t.Fatalf("restored attachment: %d bytes, %v; want the %d bytes backed up", len(dl.Body), err, len(content))
	}
	msgs, err := e.Client.Messages(ctx, src.mail, client.ListOptions{})
	if err != nil || len(msgs.Items) != 1 || len(msgs.Items[0].Attachments) != 1 {
		t.Fatalf("restored mail ticket: %+v %v", msgs, err)
	}
	if dl, err := e.Client.DownloadAttachment(ctx, msgs.Items[0].Attachments[0].ID); err != nil || !bytes.Equal(dl.Body, content[:999]) {
		t.Fatalf("restored mail attachment: %v", err)
	}
	found, err := e.Client.ListTickets(ctx, client.TicketFilter{Q: "disconnects"})
	if err != nil || len(found.Items) != 1 || found.Items[0].Number != src.ticket.Number {
		t.Fatalf("search after restore: %+v %v", found, err)
	}
	if p, err := e.KB.List(ctx, nil, kb.ListOptions{Query: "tray"}); err != nil || len(p.Articles) != 1 || p.Articles[0].Title != "Printer jam guide" {
		t.Fatalf("knowledge-base search after restore: %v", err)
	}
	mb, err := e.Mailboxes.Credentials(ctx, src.mbox)
	if err != nil || mb.SMTP.Password != smtpPassword {
		t.Fatalf("restored mailbox password: %v", err)
	}
	var last int64
	if err := dst.R.QueryRowContext(ctx, `SELECT MAX(number) FROM tickets`).Scan(&last); err != nil {
		t.Fatal(err)
	}
	next := apptest.Ticket(t, e.Services, e.Admin)
	if next.Number != last+1 {
		t.Errorf("next ticket number %d, want %d", next.Number, last+1)
	}
	if _, err := e.Client.CreateUser(ctx, client.NewUser{Email: "new@example.test", Name: "New", Role: "agent"}); err != nil {
		t.Errorf("a new row after restore (ids must follow the restored ones): %v", err)
	}
}

// TestRestoreRefuses: restore does not overwrite a database that holds
// data without --force, and with --force replaces it.
func TestRestoreRefuses(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect db.Dialect) {
		ctx := context.Background()
		src := newSource(t, dialect)
		file := src.backup(t)
		other := newSource(t, dialect)
		apptest.Ticket(t, other.s, apptest.User(t, other.s, user.RoleAgent, ""))
		before := backup.Dump(t, other.s.DB)
		opts := backup.Options{DataDir: other.cfg.Data, SecretKey: other.cfg.SecretKey}
		_, err := backup.Restore(ctx, other.s.DB, file, opts)
		if err == nil || !strings.Contains(err.Error(), "already holds data") || !strings.Contains(err.Error(), "--force") {
			t.Fatalf("restore over data: %v, want a refusal naming --force", err)
		}
		if diff := backup.DiffDumps(before, backup.Dump(t, other.s.DB)); diff != "" {
			t.Fatalf("a refused restore changed the database:\n%s", diff)
		}
		opts.Force = true
		if _, err := backup.Restore(ctx, other.s.DB, file, opts); err != nil {
			t.Fatalf("restore --force: %v", err)
		}
		if diff := backup.DiffDumps(backup.Dump(t, src.s.DB), backup.Dump(t, other.s.DB)); diff != "" {
			t.Fatalf("restore --force did not replace the data:\n%s", diff)
		}
	})
}

func forEachDialect(t *testing.T, fn func(t *testing.T, dialect db.Dialect)) {
	for _, dialect := range apptest.Dialects {
		t.Run(string(dialect), func(t *testing.T) { fn(t, dialect) })
	}
}

// TestBackupWhileServing backs up an instance that serves and writes
// (tickets with replies, created as fast as it can) meanwhile: the backup
// is one consistent moment, so every ticket has its search document and
// every message its own, and it restores.
func TestBackupWhileServing(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect db.Dialect) {
		ctx := context.Background()
		e := apptest.Server(t, apptest.DB(t, dialect))
		agent := apptest.User(t, e.Services, user.RoleAgent, "")
		stop, done := make(chan struct{}), make(chan int)
		go func() {
			n := 0
			defer func() { done <- n }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				tk, err := e.Tickets.Create(ctx, agent, ticket.NewTicket{Subject: "Busy", Body: "Writing while backing up",
					Requester: &ticket.Contact{Email: "busy@example.test"}})
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := e.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "A reply"}); err != nil {
					t.Error(err)
					return
				}
				n++
			}
		}()
		for i := 0; i < 3; i++ { // a few backups while the writer runs
			file := filepath.Join(t.TempDir(), "live.backup")
			m, err := backup.Backup(ctx, e.DB, file, backup.Options{DataDir: e.Config.Data, SecretKey: e.Config.SecretKey})
			if err != nil {
				close(stop)
				<-done
				t.Fatalf("backup while serving: %v", err)
			}
			rows := map[string]int64{}
			for _, tb := range m.Tables {
				rows[tb.Name] = tb.Rows
			}
			if rows["search_docs"] != rows["tickets"]+rows["messages"] {
				t.Errorf("backup %d: %d search documents for %d tickets and %d messages: not one moment", i, rows["search_docs"], rows["tickets"], rows["messages"])
			}
			dst, data := emptyDB(t, dialect)
			if _, err := backup.Restore(ctx, dst, file, backup.Options{DataDir: data, SecretKey: e.Config.SecretKey}); err != nil {
				t.Errorf("restore of backup %d: %v", i, err)
			}
		}
		close(stop)
		if n := <-done; n == 0 {
			t.Error("nothing was written during the backups")
		}
	})
}
