package api_test

import (
	"bytes"
	"encoding/base64"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mailbox"
)

// testMailAttachment imports an email with an attachment, as the mail
// importer does, and downloads the attachment through the API.
func testMailAttachment(t *testing.T, f *fixture) {
	ctx := t.Context()
	addr, name := uniqueEmail("support"), "Support"
	mb, err := f.Mailboxes.Create(ctx, f.Admin, mailbox.Input{Address: &addr, Name: &name})
	check(t, err)
	content := []byte("when,what\n09:00,VPN down\n09:05,VPN up\n")
	raw := "From: Bob <" + uniqueEmail("bob") + ">\r\nTo: " + addr + "\r\nSubject: Outage log\r\n" +
		"Message-ID: <" + uniqueEmail("msg") + ">\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=BB\r\n\r\n" +
		"--BB\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe log is attached.\r\n" +
		"--BB\r\nContent-Type: text/csv; name=outage.csv\r\nContent-Disposition: attachment; filename=outage.csv\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(content) + "\r\n--BB--\r\n"
	res, err := f.Importer.Import(ctx, mb, []byte(raw))
	check(t, err)
	if res.Ticket == 0 {
		t.Fatalf("mail not filed: %+v", res)
	}
	msgs, err := f.admin.Messages(ctx, res.Ticket, client.ListOptions{})
	check(t, err)
	if len(msgs.Items) != 1 || len(msgs.Items[0].Attachments) != 1 {
		t.Fatalf("messages %+v, want one with one attachment", msgs.Items)
	}
	att := msgs.Items[0].Attachments[0]
	d, err := f.admin.DownloadAttachment(ctx, att.ID)
	check(t, err)
	if att.Filename != "outage.csv" || !bytes.Equal(d.Body, content) {
		t.Errorf("mail attachment %q reads back %q, want outage.csv with %q", att.Filename, d.Body, content)
	}
}

// checkStore checks the contents went where the configured store keeps
// them, and nowhere else.
func checkStore(t *testing.T, f *fixture, store string) {
	var rows int
	check(t, f.DB.R.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM attachment_blobs").Scan(&rows))
	files := 0
	dir := filepath.Join(f.Config.Data, "attachments")
	_ = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() && filepath.Dir(p) != filepath.Join(dir, "tmp") {
			files++
		}
		return nil
	})
	if store == "database" && (rows == 0 || files != 0) {
		t.Errorf("database store: %d rows in attachment_blobs and %d files in %s; want rows and no files", rows, files, dir)
	}
	if store == "dir" && (rows != 0 || files == 0) {
		t.Errorf("dir store: %d rows in attachment_blobs and %d files in %s; want files and no rows", rows, files, dir)
	}
}

// TestAttachmentStoreDefault: without --attachment-store, PostgreSQL keeps
// contents in the database (instances share nothing else) and SQLite in
// the data directory.
func TestAttachmentStoreDefault(t *testing.T) {
	t.Parallel()
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		_, err := f.agentC.UploadAttachment(t.Context(), "a.txt", strings.NewReader("hello"))
		check(t, err)
		want := map[db.Dialect]string{db.SQLite: "dir", db.Postgres: "database"}[d.Dialect]
		checkStore(t, f, want)
	})
}
