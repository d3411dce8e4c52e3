package portal_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/kb"
	"github.com/docket/docket/internal/user"
)

func kbArticle(t *testing.T, e *apptest.Env, a *user.Actor, title, body, vis, status string) *kb.Article {
	t.Helper()
	art, err := e.KB.Create(ctx, a, kb.ArticleInput{Title: &title, Body: &body, Visibility: &vis, Status: &status})
	if err != nil {
		t.Fatal(err)
	}
	return art
}

const noindex = `<meta name="robots" content="noindex">`

func TestKBPagesVisibility(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		agent := apptest.User(t, e.Services, user.RoleAgent, "")
		requester := apptest.User(t, e.Services, user.RoleRequester, "")
		pub := kbArticle(t, e, agent, "Printer setup", "Plug the printer in.", "public", "published")
		reqs := kbArticle(t, e, agent, "Printer quota", "Ask your manager.", "requesters", "published")
		internal := kbArticle(t, e, agent, "Printer admin", "The admin PIN is 4711.", "internal", "published")
		draft := kbArticle(t, e, agent, "Printer draft", "Unfinished.", "public", "draft")

		visitors := []struct {
			who  string
			v    *visitor
			sees map[string]bool
		}{
			{"anonymous", newVisitor(t, e), map[string]bool{pub.Slug: true}},
			{"requester", signedIn(t, e, requester), map[string]bool{pub.Slug: true, reqs.Slug: true}},
			{"agent", signedIn(t, e, agent), map[string]bool{pub.Slug: true, reqs.Slug: true, internal.Slug: true}},
		}
		for _, vc := range visitors {
			for _, a := range []*kb.Article{pub, reqs, internal, draft} {
				code, body, _ := vc.v.get("/kb/articles/" + a.Slug)
				want := 404
				if vc.sees[a.Slug] {
					want = 200
				}
				if code != want {
					t.Errorf("%s opens %q: %d, want %d", vc.who, a.Title, code, want)
				}
				if code == 404 && strings.Contains(body, a.Body) {
					t.Errorf("%s: the 404 of %q shows its body", vc.who, a.Title)
				}
				if code == 200 && strings.Contains(body, noindex) != (a.Visibility != kb.Public) {
					t.Errorf("%s opens %q: noindex %v", vc.who, a.Title, strings.Contains(body, noindex))
				}
			}
			for _, path := range []string{"/kb/", "/kb/search?q=printer"} {
				code, body, _ := vc.v.get(path)
				if code != 200 {
					t.Fatalf("%s %s: %d", vc.who, path, code)
				}
				for _, a := range []*kb.Article{pub, reqs, internal, draft} {
					if strings.Contains(body, "/kb/articles/"+a.Slug+`"`) != vc.sees[a.Slug] {
						t.Errorf("%s %s lists %q: %v", vc.who, path, a.Title, !vc.sees[a.Slug])
					}
				}
			}
			code, body, _ := vc.v.get("/kb/suggest?q=print")
			var sg struct{ Items []struct{ Slug, URL string } }
			if code != 200 || json.Unmarshal([]byte(body), &sg) != nil || len(sg.Items) != len(vc.sees) {
				t.Errorf("%s suggest: %d %s", vc.who, code, body)
			}
			for _, it := range sg.Items {
				if !vc.sees[it.Slug] || it.URL != "/kb/articles/"+it.Slug {
					t.Errorf("%s suggest leaks %q", vc.who, it.Slug)
				}
			}
		}
		// Public pages are indexable; the search results are not.
		anon := visitors[0].v
		if _, body, _ := anon.get("/kb/"); strings.Contains(body, noindex) || !strings.Contains(body, `id="nav-kb"`) {
			t.Errorf("the knowledge base's home page is noindex or lacks its navigation")
		}
		if _, body, _ := anon.get("/kb/search?q=printer"); !strings.Contains(body, noindex) {
			t.Errorf("search results are indexable")
		}
		// The portal links to the knowledge base.
		if _, body, _ := visitors[1].v.get("/portal/tickets"); !strings.Contains(body, `href="/kb/"`) {
			t.Errorf("the portal does not link to /kb")
		}
		// Agents see the helpful counts; others do not.
		if _, body, _ := visitors[2].v.get("/kb/articles/" + pub.Slug); !strings.Contains(body, `id="kb-votes"`) {
			t.Errorf("agents do not see the votes")
		}
		if _, body, _ := anon.get("/kb/articles/" + pub.Slug); strings.Contains(body, `id="kb-votes"`) {
			t.Errorf("anonymous visitors see the votes")
		}
	})
}

func TestKBBrowseSearchAndSanitize(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		agent := apptest.User(t, e.Services, user.RoleAgent, "")
		name, sub := "Network", "Wi-Fi"
		top, err := e.KB.CreateCategory(ctx, apptest.Setup, kb.CategoryInput{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		parent := top.Slug
		child, err := e.KB.CreateCategory(ctx, apptest.Setup, kb.CategoryInput{Name: &sub, Parent: &parent})
		if err != nil {
			t.Fatal(err)
		}
		evil := kbArticle(t, e, agent, `Guest <b>Wi-Fi</b>`,
			"Connect to **guest**.\n\n<script>alert('kb')</script>\n\n[click](javascript:alert(1)) <img src=x onerror=alert(2)>", "public", "published")
		cat := child.Slug
		if _, err := e.KB.Update(ctx, agent, evil.ID, 0, kb.ArticleInput{Category: &cat}); err != nil {
			t.Fatal(err)
		}
		kbArticle(t, e, agent, "Office tour", "The guest Wi-Fi password is at the desk. Guest Wi-Fi is slow.", "public", "published")

		v := newVisitor(t, e)
		code, body, _ := v.get("/kb/articles/" + evil.Slug)
		if code != 200 {
			t.Fatalf("article: %d", code)
		}
		for _, bad := range []string{"<script>alert", "javascript:", "onerror", "<b>Wi-Fi</b>"} {
			if strings.Contains(body, bad) {
				t.Errorf("the article page carries %q", bad)
			}
		}
		if !strings.Contains(body, "<strong>guest</strong>") || !strings.Contains(body, `href="/kb/categories/`+child.Slug+`"`) {
			t.Errorf("the article page lacks its Markdown or its category path")
		}
		if code, body, _ = v.get("/kb/categories/" + top.Slug); code != 200 || !strings.Contains(body, `href="/kb/categories/`+child.Slug+`"`) {
			t.Errorf("top category: %d", code)
		}
		if code, body, _ = v.get("/kb/categories/" + child.Slug); code != 200 || !strings.Contains(body, "/kb/articles/"+evil.Slug) {
			t.Errorf("subcategory: %d", code)
		}
		if code, _, _ = v.get("/kb/categories/nope"); code != 404 {
			t.Errorf("missing category: %d", code)
		}
		// Ranked: the title match comes before the body that mentions it twice.
		_, body, _ = v.get("/kb/search?q=" + url.QueryEscape("guest wi-fi"))
		i, j := strings.Index(body, "/kb/articles/"+evil.Slug), strings.Index(body, "/kb/articles/office-tour")
		if i < 0 || j < 0 || i > j {
			t.Errorf("ranking: title match at %d, body match at %d", i, j)
		}
		if code, body, _ = v.get("/kb/search?q=" + url.QueryEscape("status:open")); code != 422 || !strings.Contains(body, `id="q-error"`) {
			t.Errorf("bad query: %d", code)
		}
	})
}

func TestKBVotes(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		agent := apptest.User(t, e.Services, user.RoleAgent, "")
		a := kbArticle(t, e, agent, "Reset password", "Use the link.", "public", "published")
		draft := kbArticle(t, e, agent, "Hidden", "x", "public", "draft")
		votes := func() kb.Votes {
			v, err := e.KB.Votes(ctx, agent, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		v1 := newVisitor(t, e)
		v1.ip = "192.0.2.1"
		v1.get("/kb/articles/" + a.Slug)
		if code, _, h := v1.post("/kb/articles/"+a.Slug+"/vote", url.Values{"helpful": {"yes"}}); code != 303 || !strings.HasSuffix(h.Get("Location"), "#helpful") {
			t.Fatalf("vote: %d", code)
		}
		// The same browser again changes its vote, it does not add one.
		v1.post("/kb/articles/"+a.Slug+"/vote", url.Values{"helpful": {"no"}})
		if got := votes(); got != (kb.Votes{Yes: 0, No: 1}) {
			t.Fatalf("after a changed vote: %+v", got)
		}
		v2 := newVisitor(t, e)
		v2.ip = "192.0.2.2"
		v2.post("/kb/articles/"+a.Slug+"/vote", url.Values{"helpful": {"yes"}})
		req := signedIn(t, e, apptest.User(t, e.Services, user.RoleRequester, ""))
		req.ip = "192.0.2.3"
		req.get("/kb/articles/" + a.Slug)
		req.post("/kb/articles/"+a.Slug+"/vote", url.Values{"helpful": {"yes"}})
		if got := votes(); got != (kb.Votes{Yes: 2, No: 1}) {
			t.Fatalf("votes %+v", got)
		}
		// A signed-in voter's form needs the session's CSRF token.
		if code, _, _ := req.post("/kb/articles/"+a.Slug+"/vote", url.Values{"helpful": {"no"}, "_csrf": {"forged"}}); code != 403 {
			t.Errorf("forged token: %d", code)
		}
		if code, _, _ := v2.post("/kb/articles/"+draft.Slug+"/vote", url.Values{"helpful": {"yes"}}); code != 404 {
			t.Errorf("vote on a draft: %d", code)
		}
		if code, _, _ := v2.post("/kb/articles/"+a.Slug+"/vote", url.Values{"helpful": {"maybe"}}); code != 422 {
			t.Errorf("bad answer: %d", code)
		}
		// Votes are limited per client address.
		v3 := newVisitor(t, e)
		v3.ip = "192.0.2.9"
		limited := false
		for i := 0; i < 20 && !limited; i++ {
			code, _, h := v3.post("/kb/articles/"+a.Slug+"/vote", url.Values{"helpful": {"yes"}})
			limited = code == 429 && h.Get("Retry-After") != ""
		}
		if !limited {
			t.Errorf("votes are not rate-limited")
		}
	})
}

// The new-request form suggests articles for its subject; "This solved my
// problem" counts a deflection for the article instead of a request.
func TestKBDeflection(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		agent := apptest.User(t, e.Services, user.RoleAgent, "")
		a := kbArticle(t, e, agent, "Printer offline", "Turn it off and on.", "public", "published")
		internal := kbArticle(t, e, agent, "Printer PIN", "1234", "internal", "published")
		req := signedIn(t, e, apptest.User(t, e.Services, user.RoleRequester, ""))
		code, body, _ := req.get("/portal/tickets/new")
		if code != 200 || !strings.Contains(body, `data-suggest="suggestions"`) || !strings.Contains(body, `id="suggestions"`) {
			t.Fatalf("new request form: %d", code)
		}
		code, _, h := req.post("/portal/solved/"+a.Slug, nil)
		if code != 303 || h.Get("Location") != "/kb/articles/"+a.Slug {
			t.Fatalf("solved: %d %s", code, h.Get("Location"))
		}
		if code, _, _ = req.post("/portal/solved/"+internal.Slug, nil); code != 404 {
			t.Errorf("solved by an internal article: %d", code)
		}
		if code, _, _ = req.post("/portal/solved/"+a.Slug, url.Values{"_csrf": {"forged"}}); code != 403 {
			t.Errorf("forged token: %d", code)
		}
		got, err := e.KB.Get(ctx, agent, a.ID)
		if err != nil || got.Deflections != 1 {
			t.Fatalf("deflections %v %v", got, err)
		}
		// Signed out, it is the sign-in page, and nothing is counted.
		if code, _, _ = newVisitor(t, e).post("/portal/solved/"+a.Slug, nil); code != 303 {
			t.Errorf("signed out: %d", code)
		}
		if got, _ = e.KB.Get(ctx, agent, a.ID); got.Deflections != 1 {
			t.Errorf("deflections %d after a signed-out post", got.Deflections)
		}
	})
}
