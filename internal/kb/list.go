package kb

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/user"
)

// ListOptions filter and page a list of articles.
type ListOptions struct {
	// Query is text in the search language (words, "quoted phrases",
	// prefix*, and the keys tag: and category:). With text, the list is
	// ranked by relevance, the title weighing more than the body; without,
	// newest first.
	Query string
	// Category (a slug), Tag, Status and Visibility narrow the list.
	Category, Tag, Status, Visibility string
	// Published keeps drafts out even for agents (the public pages).
	Published bool
	// After is the cursor: the last id of the previous page, or, for a
	// ranked list, how many were already shown.
	After int64
	// Limit bounds the page; one more is read to tell whether there is a
	// next one.
	Limit int
}

// Page is one page of a list; Next is the cursor of the next page, 0 for
// none.
type Page struct {
	Articles []*Article
	Next     int64
	Ranked   bool
}

// searchKeys are the search-language keys the knowledge base reads.
var searchKeys = map[string]bool{"tag": true, "category": true}

// List returns the articles its actor may read that match o.
func (s *Service) List(ctx context.Context, actor *user.Actor, o ListOptions) (*Page, error) {
	q, err := search.Parse(o.Query)
	if err != nil {
		return nil, fieldError("q", err)
	}
	for _, t := range q.Terms {
		if !searchKeys[t.Key] {
			return nil, fieldError("q", &search.Error{Msg: t.Key + ": articles can be searched by tag: and category: only"})
		}
	}
	if o.Limit <= 0 {
		o.Limit = 50
	}
	conds := []string{AudienceOf(actor).where(o.Published)}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	tags := q.Values("tag")
	if o.Tag != "" {
		tags = append(tags, o.Tag)
	}
	for _, tag := range tags {
		conds = append(conds, "a.id IN (SELECT article_id FROM kb_article_tags WHERE tag = "+arg(strings.ToLower(tag))+")")
	}
	cats := q.Values("category")
	if o.Category != "" {
		cats = append(cats, o.Category)
	}
	for _, c := range cats {
		conds = append(conds, "a.category_id IN (SELECT id FROM kb_categories WHERE slug = "+arg(c)+")")
	}
	if o.Status != "" {
		conds = append(conds, "a.status = "+arg(o.Status))
	}
	if o.Visibility != "" {
		conds = append(conds, "a.visibility = "+arg(o.Visibility))
	}
	page := &Page{Ranked: q.HasText()}
	var query string
	if !q.HasText() {
		if o.After > 0 {
			conds = append(conds, "a.id < "+arg(o.After))
		}
		query = "SELECT " + articleCols + articleFrom + " WHERE " + strings.Join(conds, " AND ") +
			" ORDER BY a.id DESC LIMIT " + arg(o.Limit+1)
	} else if s.db.Dialect == db.Postgres {
		tsq := arg(search.TSQuery(q))
		query = "SELECT " + articleCols + articleFrom + " WHERE a.tsv @@ to_tsquery('simple', " + tsq + ") AND " + strings.Join(conds, " AND ") +
			" ORDER BY ts_rank(a.tsv, to_tsquery('simple', " + tsq + ")) DESC, a.id DESC LIMIT " + arg(o.Limit+1) + " OFFSET " + arg(o.After)
	} else {
		query = "SELECT " + articleCols + " FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid" +
			" LEFT JOIN users cu ON cu.id = a.created_by LEFT JOIN users uu ON uu.id = a.updated_by" +
			" WHERE kb_fts MATCH " + arg(search.FTS5(q)) + " AND " + strings.Join(conds, " AND ") +
			" ORDER BY bm25(kb_fts, 10.0, 1.0), a.id DESC LIMIT " + arg(o.Limit+1) + " OFFSET " + arg(o.After)
	}
	rows, err := s.db.R.QueryContext(ctx, s.db.Rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("kb: list: %w", err)
	}
	if page.Articles, err = db.Collect(rows, func(r db.Scanner) (*Article, error) { return scanArticle(r) }); err != nil {
		return nil, fmt.Errorf("kb: list: %w", err)
	}
	if len(page.Articles) > o.Limit {
		page.Articles = page.Articles[:o.Limit]
		if page.Ranked {
			page.Next = o.After + int64(o.Limit)
		} else {
			page.Next = page.Articles[o.Limit-1].ID
		}
	}
	return page, nil
}

// Suggestion is an article suggested while someone types.
type Suggestion struct {
	Slug    string `json:"slug"`
	Title   string `json:"title"`
	Excerpt string `json:"excerpt"`
}

// Suggest returns up to limit published articles the actor may read that
// match what was typed so far, best first: every word must match, the
// last one as a prefix (it may be unfinished).
func (s *Service) Suggest(ctx context.Context, actor *user.Actor, typed string, limit int) ([]Suggestion, error) {
	if len(typed) > 200 {
		typed = typed[:200]
	}
	// Only words: quotes and keys typed into a subject are not syntax here.
	text := strings.Map(func(r rune) rune {
		if r == '"' || r == ':' || r == '*' {
			return ' '
		}
		return r
	}, typed)
	q, err := search.Parse(text)
	if err != nil || !q.HasText() {
		return []Suggestion{}, nil
	}
	if len(q.Phrases) > 8 {
		q.Phrases = q.Phrases[:8]
	}
	if !strings.HasSuffix(typed, " ") {
		q.Phrases[len(q.Phrases)-1].Prefix = true
	}
	where := AudienceOf(actor).where(true)
	var query, match string
	if s.db.Dialect == db.Postgres {
		match = search.TSQuery(q)
		query = "SELECT a.slug, a.title, a.excerpt FROM kb_articles a WHERE a.tsv @@ to_tsquery('simple', $1) AND " + where +
			" ORDER BY ts_rank(a.tsv, to_tsquery('simple', $1)) DESC, a.id DESC LIMIT $2"
	} else {
		match = search.FTS5(q)
		query = "SELECT a.slug, a.title, a.excerpt FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid WHERE kb_fts MATCH $1 AND " + where +
			" ORDER BY bm25(kb_fts, 10.0, 1.0), a.id DESC LIMIT $2"
	}
	rows, err := s.db.R.QueryContext(ctx, s.db.Rebind(query), match, limit)
	if err != nil {
		return nil, fmt.Errorf("kb: suggest: %w", err)
	}
	return db.Collect(rows, func(r db.Scanner) (Suggestion, error) {
		var sg Suggestion
		return sg, r.Scan(&sg.Slug, &sg.Title, &sg.Excerpt)
	})
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}
