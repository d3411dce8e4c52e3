package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/kb"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

// articleJSON is a knowledge-base article as the API shows it. helpful
// (the "was this helpful?" counts) is for agents only.
type articleJSON struct {
	ID          int64        `json:"id"`
	Slug        string       `json:"slug"`
	Title       string       `json:"title"`
	Body        string       `json:"body"`
	BodyHTML    string       `json:"body_html"`
	Category    *string      `json:"category"`
	Tags        []string     `json:"tags"`
	Visibility  string       `json:"visibility"`
	Status      string       `json:"status"`
	Version     int          `json:"version"`
	URL         string       `json:"url"`
	CreatedBy   *personJSON  `json:"created_by"`
	UpdatedBy   *personJSON  `json:"updated_by"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
	PublishedAt *time.Time   `json:"published_at"`
	Helpful     *helpfulJSON `json:"helpful,omitempty"`
	// Deflections (agents only) counts the requests the article spared.
	Deflections *int `json:"deflections,omitempty"`
	// LinkedTickets (agents only) counts the tickets linked to the article.
	LinkedTickets *int `json:"linked_tickets,omitempty"`
}

type helpfulJSON struct {
	Yes int `json:"yes"`
	No  int `json:"no"`
}

func kbPerson(p *kb.Person) *personJSON {
	if p == nil {
		return nil
	}
	return &personJSON{Email: p.Email, Name: p.Name}
}

// categorySlugs maps category ids to slugs, for showing articles.
func (a *API) categorySlugs(r *http.Request) (map[int64]string, error) {
	cs, err := a.KB.Categories(r.Context())
	if err != nil {
		return nil, err
	}
	m := make(map[int64]string, len(cs))
	for _, c := range cs {
		m[c.ID] = c.Slug
	}
	return m, nil
}

func (a *API) toArticleJSON(r *http.Request, actor *user.Actor, art *kb.Article, cats map[int64]string) (articleJSON, error) {
	out := articleJSON{ID: art.ID, Slug: art.Slug, Title: art.Title, Body: art.Body, BodyHTML: art.HTML(), Category: strPtr(cats[art.CategoryID]),
		Tags: art.Tags, Visibility: string(art.Visibility), Status: string(art.Status), Version: art.Version, URL: "/kb/articles/" + art.Slug,
		CreatedBy: kbPerson(art.CreatedBy), UpdatedBy: kbPerson(art.UpdatedBy), CreatedAt: art.CreatedAt, UpdatedAt: art.UpdatedAt,
		PublishedAt: art.PublishedAt}
	if actor.IsAgent() {
		v, err := a.KB.Votes(r.Context(), actor, art.ID)
		if err != nil {
			return out, err
		}
		out.Helpful = &helpfulJSON{Yes: v.Yes, No: v.No}
		out.Deflections, out.LinkedTickets = &art.Deflections, &art.LinkedTickets
	}
	return out, nil
}

// writeArticle answers with one article and its ETag.
func (a *API) writeArticle(w http.ResponseWriter, r *http.Request, actor *user.Actor, art *kb.Article, status int) error {
	cats, err := a.categorySlugs(r)
	if err != nil {
		return err
	}
	out, err := a.toArticleJSON(r, actor, art, cats)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", art.ETag())
	return web.JSON(w, status, out)
}

type articleInput struct {
	Title      *string   `json:"title"`
	Body       *string   `json:"body"`
	Slug       *string   `json:"slug"`
	Category   *string   `json:"category"`
	Tags       *[]string `json:"tags"`
	Visibility *string   `json:"visibility"`
	Status     *string   `json:"status"`
}

func (a *API) readArticleInput(w http.ResponseWriter, r *http.Request) (kb.ArticleInput, error) {
	var in articleInput
	body, err := a.decode(w, r, &in)
	if err != nil {
		return kb.ArticleInput{}, err
	}
	if isNull, ok := present(body)["category"]; ok && isNull {
		empty := ""
		in.Category = &empty
	}
	return kb.ArticleInput{Title: in.Title, Body: in.Body, Slug: in.Slug, Category: in.Category, Tags: in.Tags,
		Visibility: in.Visibility, Status: in.Status}, nil
}

// listArticles pages the articles the caller may read: newest first, or
// by relevance when q has text (then the cursor counts what was shown).
func (a *API) listArticles(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	qv := r.URL.Query()
	kind := "kba"
	if q, err := search.Parse(qv.Get("q")); err == nil && q.HasText() {
		kind = "kbr"
	}
	after, limit, err := page(r, kind)
	if err != nil {
		return err
	}
	p, err := a.KB.List(r.Context(), actor, kb.ListOptions{Query: qv.Get("q"), Category: qv.Get("category"), Tag: qv.Get("tag"),
		Status: qv.Get("status"), Visibility: qv.Get("visibility"), After: after, Limit: limit})
	if err != nil {
		return err
	}
	cats, err := a.categorySlugs(r)
	if err != nil {
		return err
	}
	out := list[articleJSON]{Items: []articleJSON{}}
	for _, art := range p.Articles {
		j, err := a.toArticleJSON(r, actor, art, cats)
		if err != nil {
			return err
		}
		out.Items = append(out.Items, j)
	}
	if p.Next != 0 {
		out.NextCursor = idCursor(kind, p.Next)
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) getArticle(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	art, err := a.KB.Get(r.Context(), actor, id)
	if err != nil {
		return err
	}
	return a.writeArticle(w, r, actor, art, http.StatusOK)
}

func (a *API) createArticle(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	in, err := a.readArticleInput(w, r)
	if err != nil {
		return err
	}
	art, err := a.KB.Create(r.Context(), actor, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/kb/articles/"+strconv.FormatInt(art.ID, 10))
	return a.writeArticle(w, r, actor, art, http.StatusCreated)
}

// patchArticle changes an article; with If-Match, only the version the
// caller read (412 otherwise).
func (a *API) patchArticle(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	// Someone who may not read it learns nothing from the body's errors.
	if _, err := a.KB.Get(r.Context(), actor, id); err != nil {
		return err
	}
	in, err := a.readArticleInput(w, r)
	if err != nil {
		return err
	}
	var ifVersion int
	if m := r.Header.Get("If-Match"); m != "" && m != "*" {
		aid, v, ok := parseArticleETag(m)
		if !ok || aid != id {
			return &web.StatusError{Status: http.StatusPreconditionFailed, Detail: "If-Match does not hold an ETag of this article."}
		}
		ifVersion = v
	}
	art, err := a.KB.Update(r.Context(), actor, id, ifVersion, in)
	if err != nil {
		return err
	}
	return a.writeArticle(w, r, actor, art, http.StatusOK)
}

// parseArticleETag reads "kb-<id>-<version>" (quoted, maybe weak).
func parseArticleETag(s string) (id int64, version int, ok bool) {
	s = strings.Trim(strings.TrimPrefix(strings.TrimSpace(s), "W/"), `"`)
	rest, ok := strings.CutPrefix(s, "kb-")
	if !ok {
		return 0, 0, false
	}
	is, vs, ok := strings.Cut(rest, "-")
	i, err1 := strconv.ParseInt(is, 10, 64)
	v, err2 := strconv.Atoi(vs)
	if !ok || err1 != nil || err2 != nil || v <= 0 {
		return 0, 0, false
	}
	return i, v, true
}

func (a *API) deleteArticle(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := a.KB.Get(r.Context(), actor, id); err != nil {
		return err
	}
	if err := a.KB.Delete(r.Context(), actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type versionJSON struct {
	Version    int         `json:"version"`
	Title      string      `json:"title"`
	Body       string      `json:"body"`
	Category   *string     `json:"category"`
	Tags       []string    `json:"tags"`
	Visibility string      `json:"visibility"`
	Status     string      `json:"status"`
	Author     *personJSON `json:"author"`
	CreatedAt  time.Time   `json:"created_at"`
}

func toVersionJSON(v *kb.Version, cats map[int64]string) versionJSON {
	return versionJSON{Version: v.Number, Title: v.Title, Body: v.Body, Category: strPtr(cats[v.CategoryID]), Tags: v.Tags,
		Visibility: string(v.Visibility), Status: string(v.Status), Author: kbPerson(v.By), CreatedAt: v.At}
}

// listVersions pages an article's versions, newest first (agents only).
func (a *API) listVersions(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	after, limit, err := page(r, "kbv")
	if err != nil {
		return err
	}
	vs, err := a.KB.Versions(r.Context(), actor, id, int(after), limit+1)
	if err != nil {
		return err
	}
	cats, err := a.categorySlugs(r)
	if err != nil {
		return err
	}
	out := list[versionJSON]{Items: []versionJSON{}}
	if len(vs) > limit {
		vs = vs[:limit]
		out.NextCursor = idCursor("kbv", int64(vs[limit-1].Number))
	}
	for _, v := range vs {
		out.Items = append(out.Items, toVersionJSON(v, cats))
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) getVersion(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := pathID(r, "n")
	if err != nil {
		return err
	}
	v, err := a.KB.Version(r.Context(), actor, id, int(n))
	if err != nil {
		return err
	}
	cats, err := a.categorySlugs(r)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toVersionJSON(v, cats))
}

// diffArticle compares two versions: ?from=N&to=M (to defaults to the
// latest, from to the one before it).
func (a *API) diffArticle(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	art, err := a.KB.Get(r.Context(), actor, id)
	if err != nil {
		return err
	}
	to, err := versionParam(r, "to", art.Version)
	if err != nil {
		return err
	}
	from, err := versionParam(r, "from", max(to-1, 1))
	if err != nil {
		return err
	}
	c, err := a.KB.Compare(r.Context(), actor, id, from, to)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, map[string]any{"from": from, "to": to, "fields": c.Fields, "lines": c.Lines})
}

func versionParam(r *http.Request, name string, def int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fault.Field(name, "must be a version number")
	}
	return n, nil
}
