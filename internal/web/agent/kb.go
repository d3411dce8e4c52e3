package agent

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/kb"
	"github.com/docket/docket/internal/web"
)

// The workspace's knowledge-base pages: agents list and search every
// article (drafts and internal ones too), write them with a Markdown
// preview, and compare versions. The public pages are at /kb.

type kbListPage struct {
	Layout
	Query, Status string
	Error         string
	Articles      []*kb.Article
	Categories    map[int64]string
	Next          string
}

func (a *Agent) kbArticles(w http.ResponseWriter, r *http.Request, rq *request) error {
	q, status := r.URL.Query().Get("q"), r.URL.Query().Get("status")
	if status != "" && status != string(kb.Draft) && status != string(kb.Published) {
		status = ""
	}
	page := kbListPage{Layout: a.layout(w, r, rq, "Knowledge base", "kb"), Query: q, Status: status}
	cats, err := a.kbCategoryNames(r)
	if err != nil {
		return err
	}
	page.Categories = cats
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	p, err := a.KB.List(r.Context(), rq.actor, kb.ListOptions{Query: q, Status: status, After: max(after, 0), Limit: 50})
	var inv *fault.Invalid
	if errors.As(err, &inv) {
		page.Error = inv.Fields[0].Message
		return a.tmpl.Render(w, http.StatusUnprocessableEntity, "kb_articles", page)
	}
	if err != nil {
		return err
	}
	page.Articles = p.Articles
	if p.Next != 0 {
		page.Next = "/articles?" + url.Values{"q": {q}, "status": {status}, "after": {strconv.FormatInt(p.Next, 10)}}.Encode()
	}
	return a.tmpl.Render(w, http.StatusOK, "kb_articles", page)
}

func (a *Agent) kbCategoryNames(r *http.Request) (map[int64]string, error) {
	cs, err := a.KB.Categories(r.Context())
	if err != nil {
		return nil, err
	}
	m := map[int64]string{}
	for _, c := range cs {
		m[c.ID] = c.Name
	}
	return m, nil
}

type kbEditPage struct {
	Layout
	Article    *kb.Article // nil: a new one
	Categories []*kb.Category
	Form       map[string]string
	Errors     map[string]string
	Votes      kb.Votes
}

func articleForm(a *kb.Article, categories []*kb.Category) map[string]string {
	f := map[string]string{"visibility": string(kb.Internal), "status": string(kb.Draft)}
	if a == nil {
		return f
	}
	f["title"], f["body"], f["slug"], f["tags"] = a.Title, a.Body, a.Slug, strings.Join(a.Tags, ", ")
	f["visibility"], f["status"], f["version"] = string(a.Visibility), string(a.Status), strconv.Itoa(a.Version)
	for _, c := range categories {
		if c.ID == a.CategoryID {
			f["category"] = c.Slug
		}
	}
	return f
}

func (a *Agent) renderArticle(w http.ResponseWriter, r *http.Request, rq *request, status int, art *kb.Article, form, errs map[string]string) error {
	cs, err := a.KB.Categories(r.Context())
	if err != nil {
		return err
	}
	if form == nil {
		form = articleForm(art, cs)
	}
	title := "New article"
	page := kbEditPage{Article: art, Categories: cs, Form: form, Errors: errs}
	if art != nil {
		title = art.Title
		if page.Votes, err = a.KB.Votes(r.Context(), rq.actor, art.ID); err != nil {
			return err
		}
	}
	page.Layout = a.layout(w, r, rq, title, "kb")
	return a.tmpl.Render(w, status, "kb_edit", page)
}

func (a *Agent) kbNew(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.renderArticle(w, r, rq, http.StatusOK, nil, nil, map[string]string{})
}

func (a *Agent) kbArticleFromPath(r *http.Request, rq *request) (*kb.Article, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, fault.ErrNotFound
	}
	return a.KB.Get(r.Context(), rq.actor, id)
}

func (a *Agent) kbEdit(w http.ResponseWriter, r *http.Request, rq *request) error {
	art, err := a.kbArticleFromPath(r, rq)
	if err != nil {
		return err
	}
	return a.renderArticle(w, r, rq, http.StatusOK, art, nil, map[string]string{})
}

// kbSave creates an article (POST /articles/new) or changes one (POST
// /articles/{id}); a form based on an older version than the stored one
// is refused rather than overwriting someone else's change.
func (a *Agent) kbSave(w http.ResponseWriter, r *http.Request, rq *request) error {
	form := map[string]string{}
	for _, k := range []string{"title", "body", "slug", "category", "tags", "visibility", "status", "version"} {
		form[k] = r.PostFormValue(k)
	}
	var tags []string
	for _, t := range strings.Split(form["tags"], ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	in := kb.ArticleInput{Title: ptr(form["title"]), Body: ptr(form["body"]), Category: ptr(form["category"]), Tags: &tags,
		Visibility: ptr(form["visibility"]), Status: ptr(form["status"])}
	if form["slug"] != "" {
		in.Slug = ptr(form["slug"])
	}
	var art *kb.Article
	var err error
	if r.PathValue("id") == "" {
		art, err = a.KB.Create(r.Context(), rq.actor, in)
	} else {
		var cur *kb.Article
		if cur, err = a.kbArticleFromPath(r, rq); err != nil {
			return err
		}
		version, _ := strconv.Atoi(form["version"])
		art, err = a.KB.Update(r.Context(), rq.actor, cur.ID, version, in)
		if errors.Is(err, fault.ErrPrecondition) {
			errs := map[string]string{"body": "Someone changed this article since you opened it; copy your text, reload, and apply it again."}
			return a.renderArticle(w, r, rq, http.StatusConflict, cur, form, errs)
		}
		if err != nil {
			art = cur
		}
	}
	if err != nil {
		errs := map[string]string{}
		if !fieldErrors(err, errs) {
			return err
		}
		for k := range errs {
			if strings.HasPrefix(k, "tags[") {
				errs["tags"] = errs[k]
			}
		}
		return a.renderArticle(w, r, rq, http.StatusUnprocessableEntity, art, form, errs)
	}
	a.site.Flash(w, "Article saved.")
	http.Redirect(w, r, fmt.Sprintf("/articles/%d", art.ID), http.StatusSeeOther)
	return nil
}

func (a *Agent) kbDelete(w http.ResponseWriter, r *http.Request, rq *request) error {
	art, err := a.kbArticleFromPath(r, rq)
	if err != nil {
		return err
	}
	if !rq.actor.IsAdmin() {
		return fault.Forbidden("only admins delete knowledge-base articles")
	}
	if ok, err := a.confirmed(w, r, rq, confirmation{Heading: fmt.Sprintf("Delete the article “%s”?", art.Title),
		Detail: "The article, its versions and its votes are gone for good; links to it will answer “not found”. This cannot be undone.",
		Button: "Delete article", Cancel: fmt.Sprintf("/articles/%d", art.ID)}); !ok {
		return err
	}
	if err := a.KB.Delete(r.Context(), rq.actor, art.ID); err != nil {
		return err
	}
	a.site.Flash(w, "Article deleted.")
	http.Redirect(w, r, "/articles", http.StatusSeeOther)
	return nil
}

type kbVersionsPage struct {
	Layout
	Article  *kb.Article
	Versions []*kb.Version
	Compare  *kb.Comparison
	From, To int
}

// kbVersions lists an article's versions and, with from and to, shows
// what changed between them (by default the latest change).
func (a *Agent) kbVersions(w http.ResponseWriter, r *http.Request, rq *request) error {
	art, err := a.kbArticleFromPath(r, rq)
	if err != nil {
		return err
	}
	vs, err := a.KB.Versions(r.Context(), rq.actor, art.ID, 0, 200)
	if err != nil {
		return err
	}
	page := kbVersionsPage{Layout: a.layout(w, r, rq, "Versions of "+art.Title, "kb"), Article: art, Versions: vs,
		To: art.Version, From: max(art.Version-1, 1)}
	if n, err := strconv.Atoi(r.URL.Query().Get("to")); err == nil {
		page.To = n
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("from")); err == nil {
		page.From = n
	}
	if page.Compare, err = a.KB.Compare(r.Context(), rq.actor, art.ID, page.From, page.To); err != nil {
		return err
	}
	return a.tmpl.Render(w, http.StatusOK, "kb_versions", page)
}

// kbPick answers the reply box's article search: published articles a
// requester could read (never internal ones, whose text must not reach a
// public reply), with their public address and Markdown, for inserting a
// link or the text.
func (a *Agent) kbPick(w http.ResponseWriter, r *http.Request, rq *request) error {
	p, err := a.KB.List(r.Context(), rq.actor, kb.ListOptions{Query: r.URL.Query().Get("q"), Published: true, Limit: 20})
	if err != nil {
		return err
	}
	type item struct {
		Title string `json:"title"`
		URL   string `json:"url"`
		Body  string `json:"body"`
	}
	out := struct {
		Items []item `json:"items"`
	}{Items: []item{}}
	base := strings.TrimSuffix(a.BaseURL, "/")
	for _, art := range p.Articles {
		if art.Visibility != kb.Internal && len(out.Items) < 8 {
			out.Items = append(out.Items, item{Title: art.Title, URL: base + "/kb/articles/" + art.Slug, Body: art.Body})
		}
	}
	return web.JSON(w, http.StatusOK, out)
}

// kbFromTicket turns a resolved ticket's solution into a draft article
// linked to the ticket and opens it for editing.
func (a *Agent) kbFromTicket(w http.ResponseWriter, r *http.Request, rq *request) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	t, err := a.Tickets.Get(r.Context(), rq.actor, n)
	if err != nil {
		return err
	}
	art, err := a.KB.FromTicket(r.Context(), rq.actor, t)
	var inv *fault.Invalid
	if errors.As(err, &inv) {
		a.site.Flash(w, inv.Fields[0].Message+".")
		http.Redirect(w, r, fmt.Sprintf("/tickets/%d", n), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	a.site.Flash(w, "Draft article created from the ticket's solution; edit it and publish when ready.")
	http.Redirect(w, r, fmt.Sprintf("/articles/%d", art.ID), http.StatusSeeOther)
	return nil
}
