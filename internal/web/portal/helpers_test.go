package portal_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

var ctx = context.Background()

// visitor is a browser: it keeps cookies, does not follow redirects, and
// remembers the CSRF token of the last page it read.
type visitor struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
	ip   string // sent as X-Forwarded-For when set
}

func newVisitor(t *testing.T, e *apptest.Env) *visitor {
	jar, _ := cookiejar.New(nil)
	return &visitor{t: t, base: e.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (v *visitor) send(req *http.Request) (int, string, http.Header) {
	v.t.Helper()
	req.Header.Set("Origin", v.base)
	if v.ip != "" {
		req.Header.Set("X-Forwarded-For", v.ip)
	}
	resp, err := v.c.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfRe.FindSubmatch(b); m != nil {
		v.csrf = string(m[1])
	}
	return resp.StatusCode, string(b), resp.Header
}

func (v *visitor) get(path string) (int, string, http.Header) {
	v.t.Helper()
	req, _ := http.NewRequest("GET", v.base+path, nil)
	return v.send(req)
}

// post sends a form with the visitor's CSRF token.
func (v *visitor) post(path string, form url.Values) (int, string, http.Header) {
	v.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" && v.csrf != "" {
		form.Set("_csrf", v.csrf)
	}
	req, _ := http.NewRequest("POST", v.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return v.send(req)
}

// postFiles sends a multipart form with one file in "files".
func (v *visitor) postFiles(path string, form url.Values, filename string, content []byte) (int, string, http.Header) {
	v.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("_csrf", v.csrf)
	for k, vs := range form {
		for _, s := range vs {
			_ = mw.WriteField(k, s)
		}
	}
	if filename != "" {
		fw, _ := mw.CreateFormFile("files", filename)
		_, _ = fw.Write(content)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", v.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return v.send(req)
}

// signedIn returns a visitor with a session of a.
func signedIn(t *testing.T, e *apptest.Env, a *user.Actor) *visitor {
	t.Helper()
	secret, _, err := e.Auth.StartSession(ctx, a.ID, "test", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	v := newVisitor(t, e)
	u, _ := url.Parse(e.URL)
	v.c.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: secret, Path: "/"}})
	if code, _, _ := v.get("/portal/tickets"); code != 200 {
		t.Fatalf("portal with a session: %d", code)
	}
	return v
}

// withMailbox gives the help desk a mailbox that sends (to nowhere: the
// tests read what was queued).
func withMailbox(t *testing.T, e *apptest.Env) {
	t.Helper()
	addr, name, host, port, tls := "help@example.test", "Help desk", "127.0.0.1", 9, "none"
	if _, err := e.Mailboxes.Create(ctx, apptest.Setup, mailbox.Input{Address: &addr, Name: &name,
		SMTP: mailbox.ServerInput{Host: &host, Port: &port, TLS: &tls}}); err != nil {
		t.Fatal(err)
	}
}

var linkRe = regexp.MustCompile(`/portal/(link|reset)/([A-Za-z0-9_-]+)`)

// mails returns the portal links queued for address, oldest first, as
// their paths ("/portal/link/…"), once every link request's job has run.
func mails(t *testing.T, e *apptest.Env, address string) []string {
	t.Helper()
	linkJobsDone(t, e)
	rows, err := e.DB.R.QueryContext(ctx, e.DB.Rebind(`SELECT body_text FROM outbox WHERE kind = 'portal_link' AND to_addrs LIKE $1 ORDER BY id`),
		"%"+address+"%")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			t.Fatal(err)
		}
		out = append(out, linkRe.FindString(body))
	}
	return out
}

// linkJobsDone waits until no link request's job (auth.LinkJob) is left
// to run, and fails the test if one failed.
func linkJobsDone(t *testing.T, e *apptest.Env) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var waiting, failed int
		if err := e.DB.R.QueryRowContext(ctx, e.DB.Rebind(`SELECT
			COALESCE(SUM(CASE WHEN state IN ('available', 'running', 'retryable') THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), 0)
			FROM jobs WHERE kind = $1`), auth.LinkJob).Scan(&waiting, &failed); err != nil {
			t.Fatal(err)
		}
		if failed > 0 {
			t.Fatalf("%d link jobs failed", failed)
		}
		if waiting == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d link jobs still waiting after 15 s", waiting)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
