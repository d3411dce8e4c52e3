package portal

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/kb"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

// The knowledge base's public pages at /kb: anyone reads published public
// articles; a signed-in person (a portal session) also those for
// requesters; agents also internal ones. Drafts are never shown here.
// Search engines are asked not to index anything that is not public.

// voterCookie identifies a browser that votes without signing in.
const voterCookie = "docket_kb_voter"

// kbVisitor is who is reading: the person of a live session, or nobody.
type kbVisitor struct {
	actor   *user.Actor
	session *auth.Session
}

func (p *Portal) kbVisitor(r *http.Request) (kbVisitor, error) {
	sess, actor, err := p.site.Session(r)
	if errors.Is(err, fault.ErrUnauthorized) {
		return kbVisitor{}, nil
	}
	return kbVisitor{actor: actor, session: sess}, err
}

// kbLayout is the frame of a knowledge-base page.
func (p *Portal) kbLayout(w http.ResponseWriter, r *http.Request, v kbVisitor, title string, noindex bool) Layout {
	l := Layout{Title: title, Actor: v.actor, Flash: p.site.TakeFlash(w, r), NoIndex: noindex, KB: true}
	if v.session != nil {
		l.CSRF = v.session.CSRFToken
	}
	return l
}

// crumb is one step of a category path.
type crumb struct{ Name, Slug string }

// kbTree is the category tree, for paths and listings.
type kbTree struct {
	byID     map[int64]*kb.Category
	children map[int64][]*kb.Category
}

func (p *Portal) kbTree(r *http.Request) (*kbTree, error) {
	cs, err := p.KB.Categories(r.Context())
	if err != nil {
		return nil, err
	}
	t := &kbTree{byID: map[int64]*kb.Category{}, children: map[int64][]*kb.Category{}}
	for _, c := range cs {
		t.byID[c.ID] = c
		t.children[c.ParentID] = append(t.children[c.ParentID], c)
	}
	return t, nil
}

// path returns the categories from the top down to id.
func (t *kbTree) path(id int64) []crumb {
	var out []crumb
	for c := t.byID[id]; c != nil && len(out) < 20; c = t.byID[c.ParentID] {
		out = append([]crumb{{c.Name, c.Slug}}, out...)
	}
	return out
}

type kbItem struct {
	Slug, Title, Excerpt string
	Category             string
	UpdatedAt            time.Time
}

func (t *kbTree) items(as []*kb.Article) []kbItem {
	out := make([]kbItem, 0, len(as))
	for _, a := range as {
		it := kbItem{Slug: a.Slug, Title: a.Title, Excerpt: a.Excerpt, UpdatedAt: a.UpdatedAt}
		if c := t.byID[a.CategoryID]; c != nil {
			it.Category = c.Name
		}
		out = append(out, it)
	}
	return out
}

type kbHomePage struct {
	Layout
	Categories []*kb.Category
	Children   map[int64][]*kb.Category
	Recent     []kbItem
}

func (p *Portal) kbHome(w http.ResponseWriter, r *http.Request) error {
	v, err := p.kbVisitor(r)
	if err != nil {
		return err
	}
	t, err := p.kbTree(r)
	if err != nil {
		return err
	}
	recent, err := p.KB.List(r.Context(), v.actor, kb.ListOptions{Published: true, Limit: 10})
	if err != nil {
		return err
	}
	return p.tmpl.Render(w, http.StatusOK, "kb", kbHomePage{Layout: p.kbLayout(w, r, v, "Help articles", false),
		Categories: t.children[0], Children: t.children, Recent: t.items(recent.Articles)})
}

type kbListPage struct {
	Layout
	Category *kb.Category
	Path     []crumb
	Children []*kb.Category
	Query    string
	Error    string
	Items    []kbItem
	Next     string
}

// kbCategory lists a category's subcategories and the articles in it.
func (p *Portal) kbCategory(w http.ResponseWriter, r *http.Request) error {
	v, err := p.kbVisitor(r)
	if err != nil {
		return err
	}
	c, err := p.KB.CategoryBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	t, err := p.kbTree(r)
	if err != nil {
		return err
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	pg, err := p.KB.List(r.Context(), v.actor, kb.ListOptions{Category: c.Slug, Published: true, After: max(after, 0), Limit: 50})
	if err != nil {
		return err
	}
	page := kbListPage{Layout: p.kbLayout(w, r, v, c.Name, false), Category: c, Path: t.path(c.ID), Children: t.children[c.ID],
		Items: t.items(pg.Articles)}
	if pg.Next != 0 {
		page.Next = "/kb/categories/" + c.Slug + "?after=" + strconv.FormatInt(pg.Next, 10)
	}
	return p.tmpl.Render(w, http.StatusOK, "kb_list", page)
}

// kbSearch ranks the articles the visitor may read by relevance.
func (p *Portal) kbSearch(w http.ResponseWriter, r *http.Request) error {
	v, err := p.kbVisitor(r)
	if err != nil {
		return err
	}
	t, err := p.kbTree(r)
	if err != nil {
		return err
	}
	q := r.URL.Query().Get("q")
	page := kbListPage{Layout: p.kbLayout(w, r, v, "Search help articles", true), Query: q}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	pg, err := p.KB.List(r.Context(), v.actor, kb.ListOptions{Query: q, Published: true, After: max(after, 0), Limit: 20})
	var inv *fault.Invalid
	switch {
	case errors.As(err, &inv):
		page.Error = inv.Fields[0].Message
		return p.tmpl.Render(w, http.StatusUnprocessableEntity, "kb_list", page)
	case err != nil:
		return err
	}
	page.Items = t.items(pg.Articles)
	if pg.Next != 0 {
		page.Next = "/kb/search?q=" + url.QueryEscape(q) + "&after=" + strconv.FormatInt(pg.Next, 10)
	}
	return p.tmpl.Render(w, http.StatusOK, "kb_list", page)
}

type kbArticlePage struct {
	Layout
	Article *kb.Article
	Path    []crumb
	HTML    template.HTML
	Votes   kb.Votes
	Staff   bool
}

func (p *Portal) kbArticle(w http.ResponseWriter, r *http.Request) error {
	v, err := p.kbVisitor(r)
	if err != nil {
		return err
	}
	a, err := p.KB.Published(r.Context(), v.actor, r.PathValue("slug"))
	if err != nil {
		return err
	}
	t, err := p.kbTree(r)
	if err != nil {
		return err
	}
	votes, err := p.KB.Votes(r.Context(), v.actor, a.ID)
	if err != nil {
		return err
	}
	p.voter(w, r)
	page := kbArticlePage{Layout: p.kbLayout(w, r, v, a.Title, a.Visibility != kb.Public), Article: a, Path: t.path(a.CategoryID),
		HTML: template.HTML(a.HTML()), Votes: votes, Staff: v.actor.IsAgent()}
	return p.tmpl.Render(w, http.StatusOK, "kb_article", page)
}

// voter returns the browser's voter id, giving it one the first time.
func (p *Portal) voter(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(voterCookie); err == nil && len(c.Value) == 32 {
		return c.Value
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: voterCookie, Value: id, Path: "/kb/", HttpOnly: true, Secure: strings.HasPrefix(p.BaseURL, "https://"),
		SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
	return id
}

// kbVote records "was this helpful?": once per person or browser and
// article (a second vote changes the first), limited per client address.
func (p *Portal) kbVote(w http.ResponseWriter, r *http.Request) error {
	if err := limit(p.votes, r); err != nil {
		return err
	}
	v, err := p.kbVisitor(r)
	if err != nil {
		return err
	}
	if v.session != nil && !v.session.CheckCSRF(r.PostFormValue("_csrf")) {
		return &web.StatusError{Status: http.StatusForbidden, Detail: "The form expired or did not come from this page; reload and try again."}
	}
	helpful := r.PostFormValue("helpful")
	if helpful != "yes" && helpful != "no" {
		return fault.Field("helpful", "must be yes or no")
	}
	client := "b:" + p.voter(w, r)
	if v.actor != nil {
		client = "u:" + strconv.FormatInt(v.actor.ID, 10)
	}
	slug := r.PathValue("slug")
	if err := p.KB.Vote(r.Context(), v.actor, slug, client, helpful == "yes"); err != nil {
		return err
	}
	p.site.Flash(w, "Thank you for your feedback.")
	http.Redirect(w, r, "/kb/articles/"+url.PathEscape(slug)+"#helpful", http.StatusSeeOther)
	return nil
}

// kbSuggest answers what the portal's subject box shows while someone
// types: published articles the visitor may read, best first, as JSON.
func (p *Portal) kbSuggest(w http.ResponseWriter, r *http.Request) error {
	if err := limit(p.suggests, r); err != nil {
		return err
	}
	v, err := p.kbVisitor(r)
	if err != nil {
		return err
	}
	items, err := p.KB.Suggest(r.Context(), v.actor, r.URL.Query().Get("q"), 5)
	if err != nil {
		return err
	}
	type item struct {
		kb.Suggestion
		URL string `json:"url"`
	}
	out := struct {
		Items []item `json:"items"`
	}{Items: []item{}}
	for _, s := range items {
		out.Items = append(out.Items, item{Suggestion: s, URL: "/kb/articles/" + s.Slug})
	}
	w.Header().Set("Cache-Control", "no-store")
	return web.JSON(w, http.StatusOK, out)
}

// solved records that an article answered what a requester was about to
// ask ("This solved my problem" under the new request's subject): a
// deflection counted for the article, and no request is sent.
func (p *Portal) solved(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := limit(p.votes, r); err != nil {
		return err
	}
	slug := r.PathValue("slug")
	if err := p.KB.Deflect(r.Context(), rq.actor, slug); err != nil {
		return err
	}
	p.site.Flash(w, "Glad the article helped — no request was sent.")
	http.Redirect(w, r, "/kb/articles/"+url.PathEscape(slug), http.StatusSeeOther)
	return nil
}

// limit answers 429 with Retry-After when the client address is over l.
func limit(l *web.Limiter, r *http.Request) error {
	if ok, wait := l.Allow(web.ClientIP(r)); !ok {
		return &web.StatusError{Status: http.StatusTooManyRequests, RetryAfter: wait, Detail: "Too many requests; try again later."}
	}
	return nil
}
