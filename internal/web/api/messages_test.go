package api_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime"
	"net/http"
	"strings"
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/config"
	"github.com/docket/docket/internal/db"
)

func TestReplies(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		t.Run("agent public reply is the first response", func(t *testing.T) {
			tk := f.ticket(t, client.NewTicket{})
			note, err := f.agentC.Reply(ctx, tk.Number, client.NewMessage{Body: "Looking into it.", Internal: true})
			check(t, err)
			if !note.Internal {
				t.Errorf("note %+v is not internal", note)
			}
			got, _, err := f.agentC.GetTicket(ctx, tk.Number)
			check(t, err)
			if got.FirstResponseAt != nil || got.Status != "new" {
				t.Errorf("an internal note counted as a response: status %s first_response_at %v", got.Status, got.FirstResponseAt)
			}
			m, err := f.agentC.Reply(ctx, tk.Number, client.NewMessage{Body: "Please **restart** it."})
			check(t, err)
			if m.Ticket != tk.Number || m.Internal || m.Author.Email != f.agent.Email || m.Channel != "api" ||
				m.Body != "Please **restart** it." || !strings.Contains(m.BodyHTML, "<strong>restart</strong>") || m.ID == "" {
				t.Errorf("reply %+v", m)
			}
			got, _, err = f.agentC.GetTicket(ctx, tk.Number)
			check(t, err)
			if got.FirstResponseAt == nil || got.Status != "open" {
				t.Fatalf("after a public reply: status %s first_response_at %v, want open and set", got.Status, got.FirstResponseAt)
			}
			first := *got.FirstResponseAt
			_, err = f.agentC.Reply(ctx, tk.Number, client.NewMessage{Body: "And again."})
			check(t, err)
			got, _, err = f.agentC.GetTicket(ctx, tk.Number)
			check(t, err)
			if !got.FirstResponseAt.Equal(first) {
				t.Errorf("first_response_at moved from %v to %v", first, got.FirstResponseAt)
			}
		})

		t.Run("requester reply reopens a resolved ticket", func(t *testing.T) {
			tk := f.ticket(t, client.NewTicket{Requester: &client.Contact{Email: f.requester.Email}})
			_, err := f.agentC.UpdateTicket(ctx, tk.Number, client.TicketPatch{Status: client.Ptr("resolved"),
				Resolution: client.Ptr("fixed"), Solution: client.Ptr("Done.")})
			check(t, err)
			_, err = f.reqC.Reply(ctx, tk.Number, client.NewMessage{Body: "It is broken again."})
			check(t, err)
			got, _, err := f.agentC.GetTicket(ctx, tk.Number)
			check(t, err)
			if got.Status != "open" || got.Resolution != nil || got.ResolvedAt != nil {
				t.Errorf("after the requester wrote back: status %s resolution %s resolved_at %v", got.Status, str(got.Resolution), got.ResolvedAt)
			}
		})

		t.Run("requester reply to a closed ticket opens a follow-up", func(t *testing.T) {
			tk := f.ticket(t, client.NewTicket{Subject: "Old problem", Requester: &client.Contact{Email: f.requester.Email}})
			_, err := f.agentC.UpdateTicket(ctx, tk.Number, client.TicketPatch{Status: client.Ptr("closed"), Resolution: client.Ptr("fixed")})
			check(t, err)
			m, err := f.reqC.Reply(ctx, tk.Number, client.NewMessage{Body: "It is back."})
			check(t, err)
			if m.Ticket == tk.Number {
				t.Fatalf("reply landed on the closed ticket")
			}
			follow, _, err := f.reqC.GetTicket(ctx, m.Ticket)
			check(t, err)
			if follow.Subject != "Follow-up: Old problem" || follow.Requester.Email != f.requester.Email {
				t.Errorf("follow-up %+v", follow)
			}
			ls, err := f.agentC.Links(ctx, m.Ticket)
			check(t, err)
			if len(ls) != 1 || ls[0].Ticket != tk.Number || ls[0].Type != "related" {
				t.Errorf("follow-up links %+v", ls)
			}
		})

		invalid := []struct {
			name string
			c    func() *client.Client
			msg  client.NewMessage
			// field names the 422 field; otherwise status is expected
			field  string
			status int
		}{
			{"empty body", func() *client.Client { return f.agentC }, client.NewMessage{Body: "  "}, "body", 0},
			{"bad format", func() *client.Client { return f.agentC }, client.NewMessage{Body: "x", Format: "rtf"}, "format", 0},
			{"bad channel", func() *client.Client { return f.agentC }, client.NewMessage{Body: "x", Channel: "pigeon"}, "channel", 0},
			{"requester sets channel", func() *client.Client { return f.reqC }, client.NewMessage{Body: "x", Channel: "phone"}, "channel", 0},
			{"unknown attachment", func() *client.Client { return f.agentC }, client.NewMessage{Body: "x", Attachments: []string{"nope"}}, "attachments[0]", 0},
			{"requester internal note", func() *client.Client { return f.reqC }, client.NewMessage{Body: "x", Internal: true}, "", http.StatusForbidden},
		}
		tk := f.ticket(t, client.NewTicket{Requester: &client.Contact{Email: f.requester.Email}})
		for _, tt := range invalid {
			t.Run(tt.name, func(t *testing.T) {
				_, err := tt.c().Reply(ctx, tk.Number, tt.msg)
				if tt.field != "" {
					wantField(t, err, tt.field)
				} else {
					wantStatus(t, err, tt.status)
				}
			})
		}
		t.Run("refused replies leave no message", func(t *testing.T) {
			ms, err := f.admin.Messages(ctx, tk.Number, client.ListOptions{})
			check(t, err)
			if len(ms.Items) != 1 {
				t.Errorf("%d messages, want only the first", len(ms.Items))
			}
		})
	})
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	check(t, png.Encode(&b, img))
	return b.Bytes()
}

// TestAttachments runs on both attachment stores on both databases.
func TestAttachments(t *testing.T) {
	t.Parallel()
	for _, store := range []string{"dir", "database"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
				testAttachments(t, newFixture(t, d, func(c *config.Config) { c.AttachmentStore = store }), store)
			})
		})
	}
}

func testAttachments(t *testing.T, f *fixture, store string) {
	ctx := t.Context()
	tk := f.ticket(t, client.NewTicket{Requester: &client.Contact{Email: f.requester.Email}})
	text := []byte("error log line 1\nerror log line 2\n")

	txt, err := f.agentC.UploadAttachment(ctx, "../../etc/error.log", bytes.NewReader(text))
	check(t, err)
	if txt.ID == "" || txt.Filename != "error.log" || txt.Size != int64(len(text)) || txt.ContentType != "text/plain" {
		t.Errorf("upload %+v, want a clean name, size %d and a sniffed text/plain", txt, len(text))
	}
	img := pngBytes(t)
	// The claimed name says HTML; the content decides the type.
	pic, err := f.agentC.UploadAttachment(ctx, "screenshot.html", bytes.NewReader(img))
	check(t, err)
	if pic.ContentType != "image/png" {
		t.Errorf("PNG sniffed as %q", pic.ContentType)
	}
	html, err := f.agentC.UploadAttachment(ctx, "page.png", strings.NewReader("<html><script>alert(1)</script></html>"))
	check(t, err)

	t.Run("uploader downloads before attaching", func(t *testing.T) {
		d, err := f.agentC.DownloadAttachment(ctx, txt.ID)
		check(t, err)
		if !bytes.Equal(d.Body, text) {
			t.Errorf("body %q", d.Body)
		}
	})
	t.Run("others cannot see or use an unattached upload", func(t *testing.T) {
		for name, c := range map[string]*client.Client{"admin": f.admin, "requester": f.reqC} {
			_, err := c.DownloadAttachment(ctx, txt.ID)
			if client.StatusOf(err) != http.StatusNotFound {
				t.Errorf("%s downloads someone else's upload: %v, want 404", name, err)
			}
		}
		_, err := f.admin.Reply(ctx, tk.Number, client.NewMessage{Body: "stealing", Attachments: []string{txt.ID}})
		wantField(t, err, "attachments[0]")
		_, err = f.reqC.Reply(ctx, tk.Number, client.NewMessage{Body: "stealing", Attachments: []string{html.ID, txt.ID}})
		wantField(t, err, "attachments[0]")
	})

	m, err := f.agentC.Reply(ctx, tk.Number, client.NewMessage{Body: "Logs and a screenshot.", Attachments: []string{txt.ID, pic.ID, html.ID}})
	check(t, err)
	if len(m.Attachments) != 3 {
		t.Fatalf("message attachments %+v", m.Attachments)
	}
	ids := map[string]client.Attachment{}
	for _, a := range m.Attachments {
		ids[a.ID] = a
	}
	if ids[txt.ID] != *txt || ids[pic.ID] != *pic {
		t.Errorf("message lists %+v, want %+v and %+v", m.Attachments, txt, pic)
	}

	t.Run("attached once only", func(t *testing.T) {
		_, err := f.agentC.Reply(ctx, tk.Number, client.NewMessage{Body: "again", Attachments: []string{txt.ID}})
		wantField(t, err, "attachments[0]")
	})

	downloads := []struct {
		name        string
		c           *client.Client
		att         *client.Attachment
		content     []byte
		disposition string
		contentType string
	}{
		{"agent text", f.agentC, txt, text, "attachment", "application/octet-stream"},
		{"admin text", f.admin, txt, text, "attachment", "application/octet-stream"},
		{"requester text", f.reqC, txt, text, "attachment", "application/octet-stream"},
		{"agent png", f.agentC, pic, img, "inline", "image/png"},
		{"requester png", f.reqC, pic, img, "inline", "image/png"},
		{"html named png", f.agentC, html, nil, "attachment", "application/octet-stream"},
	}
	for _, tt := range downloads {
		t.Run("download "+tt.name, func(t *testing.T) {
			d, err := tt.c.DownloadAttachment(ctx, tt.att.ID)
			check(t, err)
			if tt.content != nil && !bytes.Equal(d.Body, tt.content) {
				t.Errorf("body differs: %d bytes, want %d", len(d.Body), len(tt.content))
			}
			disp, params, err := mime.ParseMediaType(d.ContentDisposition)
			if err != nil || disp != tt.disposition || params["filename"] != tt.att.Filename {
				t.Errorf("Content-Disposition %q, want %s with filename %q", d.ContentDisposition, tt.disposition, tt.att.Filename)
			}
			if d.ContentType != tt.contentType {
				t.Errorf("Content-Type %q, want %q", d.ContentType, tt.contentType)
			}
			if d.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("X-Content-Type-Options %q, want nosniff", d.Header.Get("X-Content-Type-Options"))
			}
		})
	}

	t.Run("internal note attachments", func(t *testing.T) {
		secret, err := f.agentC.UploadAttachment(ctx, "passwords.txt", strings.NewReader("hunter2"))
		check(t, err)
		_, err = f.agentC.Reply(ctx, tk.Number, client.NewMessage{Body: "For agents only.", Internal: true, Attachments: []string{secret.ID}})
		check(t, err)
		_, err = f.reqC.DownloadAttachment(ctx, secret.ID)
		wantStatus(t, err, http.StatusNotFound)
		d, err := f.admin.DownloadAttachment(ctx, secret.ID)
		check(t, err)
		if string(d.Body) != "hunter2" {
			t.Errorf("agent download %q", d.Body)
		}
	})

	t.Run("other requesters cannot download", func(t *testing.T) {
		_, stranger := f.user(t, "requester", "")
		_, err := stranger.DownloadAttachment(ctx, txt.ID)
		wantStatus(t, err, http.StatusNotFound)
	})

	t.Run("requester attaches to own reply", func(t *testing.T) {
		up, err := f.reqC.UploadAttachment(ctx, "photo.png", bytes.NewReader(img))
		check(t, err)
		m, err := f.reqC.Reply(ctx, tk.Number, client.NewMessage{Body: "See photo.", Attachments: []string{up.ID}})
		check(t, err)
		if len(m.Attachments) != 1 || m.Attachments[0].ID != up.ID {
			t.Errorf("attachments %+v", m.Attachments)
		}
		_, err = f.agentC.DownloadAttachment(ctx, up.ID)
		check(t, err)
	})

	t.Run("unknown attachment", func(t *testing.T) {
		_, err := f.admin.DownloadAttachment(ctx, "0123456789abcdef0123456789abcdef")
		wantStatus(t, err, http.StatusNotFound)
	})

	t.Run("upload limits", func(t *testing.T) {
		_, err := f.agentC.UploadAttachment(ctx, "big.bin", bytes.NewReader(make([]byte, 2<<20+1)))
		wantStatus(t, err, http.StatusRequestEntityTooLarge)
		exact, err := f.agentC.UploadAttachment(ctx, "exact.bin", bytes.NewReader(make([]byte, 2<<20)))
		check(t, err)
		if exact.Size != 2<<20 {
			t.Errorf("size %d", exact.Size)
		}
		_, err = f.agentC.UploadAttachment(ctx, "empty.txt", strings.NewReader(""))
		wantField(t, err, "file")
	})

	t.Run("upload needs multipart with a file field", func(t *testing.T) {
		_, err := f.agentC.Do(ctx, http.MethodPost, "/api/v1/attachments", map[string]string{"file": "x"}, nil)
		wantStatus(t, err, http.StatusBadRequest)
		body := "--XX\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nvalue\r\n--XX--\r\n"
		r := raw(t, f.URL, apptest.Token(t, f.Services, f.agent), http.MethodPost, "/api/v1/attachments",
			"multipart/form-data; boundary=XX", []byte(body))
		if r.status != http.StatusUnprocessableEntity || len(r.problem.Errors) != 1 || r.problem.Errors[0].Field != "file" {
			t.Errorf("multipart without a file: %d %+v, want 422 naming file", r.status, r.problem)
		}
	})

	t.Run("mail attachments", func(t *testing.T) {
		testMailAttachment(t, f)
	})

	t.Run("contents live in the "+store+" store", func(t *testing.T) {
		checkStore(t, f, store)
	})
}
