package portal_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/webform"
)

// startedAgo is the sealed start time of a form page shown d ago.
func startedAgo(t *testing.T, e *apptest.Env, f *webform.Form, d time.Duration) string {
	t.Helper()
	v, err := e.Secrets.Seal(strconv.FormatInt(f.ID, 10) + ":" + strconv.FormatInt(time.Now().Add(-d).UnixMilli(), 10))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestWebFormPage: a visitor opens a ticket through a web form that other
// sites may frame; the honeypot, the minimum time and the per-address limit
// keep bots out without losing a person's text; field errors show by
// their fields.
func TestWebFormPage(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	withMailbox(t, e)
	name, origins := "Contact us", []string{"https://www.example.com"}
	f, err := e.WebForms.Create(ctx, e.Admin, webform.Input{Name: &name, Origins: &origins})
	if err != nil {
		t.Fatal(err)
	}
	v := newVisitor(t, e)
	code, body, h := v.get("/form/" + f.UID + "?embed=1")
	if code != 200 || !strings.Contains(body, `id="web-form"`) || strings.Contains(body, `class="top"`) {
		t.Fatalf("form page: %d", code)
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors https://www.example.com;") || h.Get("X-Frame-Options") != "" {
		t.Fatalf("framing headers: %q %q", csp, h.Get("X-Frame-Options"))
	}
	if _, _, h := v.get("/portal/signin"); h.Get("X-Frame-Options") != "DENY" {
		t.Fatal("other pages may be framed now")
	}
	if code, _, _ := v.get("/form/nope"); code != 404 {
		t.Fatalf("unknown form: %d", code)
	}
	form := url.Values{"name": {"Vera"}, "email": {"vera@example.org"}, "subject": {"Printer jams"},
		"body": {"Every second page."}, "start": {startedAgo(t, e, f, 10*time.Second)}}
	count := func() int {
		t.Helper()
		var n int
		if err := e.DB.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets WHERE channel = 'web'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// A bot fills the field people never see: thanked, counted, filed nowhere.
	bot := url.Values{"website": {"http://spam.example"}}
	for k, vs := range form {
		bot[k] = vs
	}
	if code, _, h := v.post("/form/"+f.UID+"?embed=1", bot); code != 303 || h.Get("Location") != "/form/"+f.UID+"/thanks?embed=1" {
		t.Fatalf("honeypot: %d %s", code, h.Get("Location"))
	}
	if got, _ := e.WebForms.Get(ctx, e.Admin, f.ID); count() != 0 || got.Spam != 1 {
		t.Fatalf("honeypot filed %d tickets, spam %d", count(), got.Spam)
	}
	// Sent at once: shown again with everything typed kept.
	fast := url.Values{}
	for k, vs := range form {
		fast[k] = vs
	}
	fast.Set("start", startedAgo(t, e, f, 0))
	code, body, _ = v.post("/form/"+f.UID, fast)
	if code != 422 || !strings.Contains(body, `id="form-error"`) || !strings.Contains(body, "Every second page.") || count() != 0 {
		t.Fatalf("too fast: %d", code)
	}
	// Field errors by their fields.
	bad := url.Values{"name": {""}, "email": {"vera"}, "subject": {"Printer jams"}, "body": {""}, "start": {form.Get("start")}}
	code, body, _ = v.post("/form/"+f.UID, bad)
	for _, id := range []string{"name-error", "email-error", "body-error"} {
		if !strings.Contains(body, `id="`+id+`"`) {
			t.Fatalf("refused form (%d) lacks %s", code, id)
		}
	}
	if code != 422 || !strings.Contains(body, `aria-describedby="email-error"`) || !strings.Contains(body, `value="Printer jams"`) {
		t.Fatalf("refused form: %d", code)
	}
	if code, _, h := v.post("/form/"+f.UID, form); code != 303 || h.Get("Location") != "/form/"+f.UID+"/thanks" {
		t.Fatalf("submit: %d %s", code, h.Get("Location"))
	}
	if code, body, _ := v.get("/form/" + f.UID + "/thanks"); code != 200 || !strings.Contains(body, `id="form-thanks"`) {
		t.Fatalf("thanks: %d", code)
	}
	list, _, err := e.Tickets.List(ctx, e.Admin, ticket.Filter{Requester: []string{"vera@example.org"}, Limit: 10})
	if err != nil || len(list) != 1 || list[0].Channel != ticket.ChannelWeb || count() != 1 {
		t.Fatalf("filed: %+v %v", list, err)
	}
	// Five requests an hour per address; the sixth is refused, with a
	// clear page.
	for i := 2; i <= 6; i++ {
		form.Set("subject", "Again "+strconv.Itoa(i))
		code, body, _ := v.post("/form/"+f.UID, form)
		if i <= 5 && code != 303 || i == 6 && (code != 429 || !strings.Contains(body, "Too many requests")) {
			t.Fatalf("request %d: %d", i, code)
		}
	}
}
