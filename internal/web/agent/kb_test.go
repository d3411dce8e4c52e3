package agent_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/kb"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

// An agent writes an article in the workspace, publishes a change, and
// compares the two versions; bad input comes back with field errors.
func TestKBWorkspacePages(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		ctx := context.Background()
		name := "Accounts"
		if _, err := e.KB.CreateCategory(ctx, apptest.Setup, kb.CategoryInput{Name: &name}); err != nil {
			t.Fatal(err)
		}
		b, _ := signIn(t, e, user.RoleAgent)

		code, body, _ := b.get("/articles/new")
		if code != 200 || !strings.Contains(body, `id="preview"`) || !strings.Contains(body, `id="nav-kb"`) {
			t.Fatalf("new article form: %d", code)
		}
		code, body, _ = b.post("/articles/new", url.Values{"_csrf": {b.csrf}, "title": {""}, "body": {"x"}, "visibility": {"everyone"},
			"status": {"draft"}, "tags": {"a<b"}})
		if code != 422 || !strings.Contains(body, `id="err-title"`) || !strings.Contains(body, `id="err-visibility"`) || !strings.Contains(body, `id="err-tags"`) {
			t.Fatalf("invalid article: %d %s", code, body)
		}
		code, _, h := b.post("/articles/new", url.Values{"_csrf": {b.csrf}, "title": {"Reset your password"}, "body": {"Open the portal.\nClick reset."},
			"category": {"accounts"}, "tags": {"password, portal"}, "visibility": {"public"}, "status": {"draft"}})
		if code != 303 || !strings.HasPrefix(h.Get("Location"), "/articles/") {
			t.Fatalf("create: %d %s", code, h.Get("Location"))
		}
		path := h.Get("Location")
		code, body, _ = b.get(path)
		if code != 200 || !strings.Contains(body, `value="Reset your password"`) || !strings.Contains(body, `value="password, portal"`) {
			t.Fatalf("edit page: %d", code)
		}
		form := url.Values{"_csrf": {b.csrf}, "title": {"Reset your password"}, "body": {"Open the portal.\nClick “Forgot password”."},
			"category": {"accounts"}, "tags": {"password"}, "visibility": {"public"}, "status": {"published"}, "version": {"1"},
			"slug": {"reset-your-password"}}
		if code, _, _ = b.post(path, form); code != 303 {
			t.Fatalf("update: %d", code)
		}
		// The same form again is based on version 1, which is no longer current.
		if code, body, _ = b.post(path, form); code != 409 || !strings.Contains(body, "changed this article") {
			t.Fatalf("stale form: %d", code)
		}
		code, body, _ = b.get(path + "/versions")
		if code != 200 || !strings.Contains(body, `<span class="d-remove">- Click reset.</span>`) ||
			!strings.Contains(body, `<span class="d-add">+ Click “Forgot password”.</span>`) || !strings.Contains(body, "tags, status") {
			t.Fatalf("versions: %d %s", code, body)
		}
		code, body, _ = b.get("/articles?q=forgot")
		if code != 200 || !strings.Contains(body, `href="`+path+`"`) {
			t.Fatalf("search: %d", code)
		}
		if code, _, _ = b.get("/articles?q=assignee:me"); code != 422 {
			t.Errorf("bad query: %d", code)
		}
		// Agents do not delete; admins do, after confirming.
		if code, _, _ = b.post(path+"/delete", url.Values{"_csrf": {b.csrf}, "confirm": {"1"}}); code != 403 {
			t.Errorf("agent deletes: %d", code)
		}
		admin, _ := signIn(t, e, user.RoleAdmin)
		admin.get(path)
		if code, _, _ = admin.post(path+"/delete", url.Values{"_csrf": {admin.csrf}, "confirm": {"1"}}); code != 303 {
			t.Errorf("admin deletes: %d", code)
		}
		if code, _, _ = b.get(path); code != 404 {
			t.Errorf("deleted article: %d", code)
		}
	})
}

// The workspace's knowledge-base pages are for agents only.
func TestKBWorkspaceRequesterRefused(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	agent := apptest.User(t, e.Services, user.RoleAgent, "")
	title, body := "Internal", "x"
	art, err := e.KB.Create(context.Background(), agent, kb.ArticleInput{Title: &title, Body: &body})
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := e.Auth.StartSession(context.Background(), apptest.User(t, e.Services, user.RoleRequester, "").ID, "test", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e.URL)
	u, _ := url.Parse(e.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: secret, Path: "/"}})
	for _, p := range []string{"/articles", "/articles/new", "/articles/" + itoa(art.ID), "/articles/" + itoa(art.ID) + "/versions"} {
		if code, body, _ := b.get(p); code != 404 || strings.Contains(body, "Internal") {
			t.Errorf("requester opens %s: %d", p, code)
		}
	}
}

// The reply box's article search offers published articles a requester
// could read, with their public address and text; never internal ones or
// drafts.
func TestKBReplyPicker(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	b, agent := signIn(t, e, user.RoleAgent)
	mk := func(title, vis, status string) {
		body := title + " body"
		if _, err := e.KB.Create(ctx, agent, kb.ArticleInput{Title: &title, Body: &body, Visibility: &vis, Status: &status}); err != nil {
			t.Fatal(err)
		}
	}
	mk("Printer public", "public", "published")
	mk("Printer for requesters", "requesters", "published")
	mk("Printer internal", "internal", "published")
	mk("Printer draft", "public", "draft")
	tk := apptest.Ticket(t, e.Services, agent)
	if code, body, _ := b.get("/tickets/" + itoa(tk.Number)); code != 200 || !strings.Contains(body, `id="kb-pick"`) {
		t.Fatalf("ticket page: %d", code)
	}
	code, body, _ := b.get("/articles/pick?q=printer")
	var out struct {
		Items []struct{ Title, URL, Body string }
	}
	if code != 200 || json.Unmarshal([]byte(body), &out) != nil || len(out.Items) != 2 {
		t.Fatalf("pick: %d %s", code, body)
	}
	for _, it := range out.Items {
		if strings.Contains(it.Title, "internal") || strings.Contains(it.Title, "draft") || !strings.HasPrefix(it.URL, "http") ||
			!strings.Contains(it.URL, "/kb/articles/printer-") || it.Body != it.Title+" body" {
			t.Errorf("offered %+v", it)
		}
	}
}

// One click turns a resolved ticket's solution into a draft article linked
// to the ticket; an open ticket, or one without a solution, says why not.
func TestKBArticleFromTicket(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		ctx := context.Background()
		b, agent := signIn(t, e, user.RoleAgent)
		tk := apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) { n.Subject = "VPN drops every hour"; n.Tags = []string{"vpn"} })
		path := "/tickets/" + itoa(tk.Number)
		if _, body, _ := b.get(path); strings.Contains(body, `id="to-article"`) {
			t.Fatal("an open ticket offers to become an article")
		}
		if code, _, _ := b.post(path+"/article", url.Values{"_csrf": {b.csrf}}); code != 303 {
			t.Fatalf("open ticket: %d", code)
		}
		if n := len(mustList(t, e, agent)); n != 0 {
			t.Fatalf("an open ticket made %d articles", n)
		}
		st, res, sol := ticket.StatusResolved, ticket.Resolution("fixed"), "Set the **lease time** to 24 h."
		if _, err := e.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Status: &st, Resolution: &res, Solution: &sol}, 0); err != nil {
			t.Fatal(err)
		}
		if _, body, _ := b.get(path); !strings.Contains(body, `id="to-article"`) {
			t.Fatal("a resolved ticket does not offer to become an article")
		}
		code, _, h := b.post(path+"/article", url.Values{"_csrf": {b.csrf}})
		if code != 303 || !strings.HasPrefix(h.Get("Location"), "/articles/") {
			t.Fatalf("to article: %d %s", code, h.Get("Location"))
		}
		arts := mustList(t, e, agent)
		if len(arts) != 1 || arts[0].Title != "VPN drops every hour" || arts[0].Body != sol || arts[0].Status != kb.Draft ||
			arts[0].Visibility != kb.Internal || arts[0].LinkedTickets != 1 || len(arts[0].Tags) != 1 {
			t.Fatalf("article %+v", arts)
		}
		if _, body, _ := b.get(h.Get("Location")); !strings.Contains(body, `<dd id="kb-linked">1</dd>`) {
			t.Errorf("the article does not show its linked ticket")
		}
	})
}

func mustList(t *testing.T, e *apptest.Env, a *user.Actor) []*kb.Article {
	t.Helper()
	p, err := e.KB.List(context.Background(), a, kb.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Articles
}
