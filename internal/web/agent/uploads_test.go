package agent_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// A script disguised as a picture, and a picture sent as a web page.
var (
	disguisedHTML = []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
	realPNG, _    = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
)

// postFiles sends a multipart form as the page's script does (with the
// CSRF token in a header): fields, then each file under field with the
// content type the browser claims.
func (b *browser) postFiles(path string, fields map[string]string, field string, files map[string][]byte, claimed string) (int, string, http.Header) {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for name, data := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, name))
		h.Set("Content-Type", claimed)
		part, err := w.CreatePart(h)
		if err != nil {
			b.t.Fatal(err)
		}
		part.Write(data)
	}
	w.Close()
	req, _ := http.NewRequest("POST", b.base+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("X-CSRF-Token", b.csrf)
	return b.do(req)
}

// Uploads are typed by their content, never by what the browser claims:
// HTML declared image/png is stored as text/html and downloaded as an
// attachment that the browser may not sniff or run; a real PNG declared
// text/html is stored as image/png and shown inline. Both ways in: the
// drag-and-drop upload and the reply form's file field.
func TestUploadsAreTypedByTheirContent(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	b, agent := signIn(t, e, user.RoleAgent)
	tk := apptest.Ticket(t, e.Services, agent)
	if code, _, _ := b.get(fmt.Sprintf("/tickets/%d", tk.Number)); code != 200 {
		t.Fatalf("ticket page: %d", code)
	}
	cases := []struct {
		name, claimed string
		data          []byte
		stored        string // the type stored
		inline        bool   // shown in the browser rather than downloaded
	}{
		{"cat.png", "image/png", disguisedHTML, "text/html", false},
		{"page.html", "text/html", realPNG, "image/png", true},
	}
	for _, c := range cases {
		// Drag and drop: POST /uploads answers the stored file.
		code, body, _ := b.postFiles("/uploads", nil, "file", map[string][]byte{c.name: c.data}, c.claimed)
		var up struct {
			ID          string `json:"id"`
			ContentType string `json:"content_type"`
		}
		if code != http.StatusCreated || json.Unmarshal([]byte(body), &up) != nil {
			t.Fatalf("upload %s: %d %s", c.name, code, body)
		}
		// The reply form: the file goes up with the reply.
		code, _, _ = b.postFiles(fmt.Sprintf("/tickets/%d/reply", tk.Number), map[string]string{"body": "See " + c.name, "kind": "note",
			"version": fmt.Sprint(tk.Version)}, "files", map[string][]byte{c.name: c.data}, c.claimed)
		if code != http.StatusSeeOther {
			t.Fatalf("reply with %s: %d", c.name, code)
		}
		msgs, err := e.Tickets.Messages(ctx, agent, tk.Number, 0, 50)
		if err != nil || len(msgs[len(msgs)-1].Attachments) != 1 {
			t.Fatalf("the reply with %s has no attachment (%v)", c.name, err)
		}
		replied := msgs[len(msgs)-1].Attachments[0].ID
		tk, _ = e.Tickets.Get(ctx, agent, tk.Number)

		for way, id := range map[string]string{"upload": up.ID, "reply form": replied} {
			att, f, err := e.Attachments.Open(ctx, agent, id)
			if err != nil {
				t.Fatalf("%s of %s: %v", way, c.name, err)
			}
			f.Close()
			if att.ContentType != c.stored {
				t.Errorf("%s of %s claimed %s: stored as %s, want %s", way, c.name, c.claimed, att.ContentType, c.stored)
			}
			code, got, h := b.get("/attachments/" + id)
			wantType, wantDisp := "application/octet-stream", "attachment"
			if c.inline {
				wantType, wantDisp = c.stored, "inline"
			}
			if code != 200 || got != string(c.data) || h.Get("Content-Type") != wantType ||
				!strings.HasPrefix(h.Get("Content-Disposition"), wantDisp+";") || h.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
				t.Errorf("download of %s (%s): %d, Content-Type %q, Content-Disposition %q, X-Content-Type-Options %q, CSP %q; want %s, %s, nosniff, sandbox",
					c.name, way, code, h.Get("Content-Type"), h.Get("Content-Disposition"), h.Get("X-Content-Type-Options"),
					h.Get("Content-Security-Policy"), wantType, wantDisp)
			}
		}
	}
}
