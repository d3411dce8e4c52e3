package kb

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

// suggestWindow bounds how many of the newest articles that mention the
// words in their body are ranked to fill the suggestions up.
const suggestWindow = 200

// Suggest returns up to limit published articles the actor may read that
// match what was typed so far, best first: every word must match, the
// last one as a prefix (it may be unfinished; a single letter waits for
// the next). Articles with every word in their title come first, ranked
// by relevance; the rest is filled from the newest articles that have
// the words anywhere, so that the answer takes the same time however
// common the words are.
func (s *Service) Suggest(ctx context.Context, actor *user.Actor, typed string, limit int) ([]Suggestion, error) {
	steps, ok := s.suggestSteps(actor, typed)
	if !ok {
		return []Suggestion{}, nil
	}
	rd, done, err := s.suggestReader(ctx)
	if err != nil {
		return nil, fmt.Errorf("kb: suggest: %w", err)
	}
	defer done()
	out := []Suggestion{}
	seen := map[int64]bool{}
	for _, step := range steps {
		rows, err := rd.QueryContext(ctx, step.query, step.match, limit)
		if err != nil {
			return nil, fmt.Errorf("kb: suggest: %w", err)
		}
		type hit struct {
			id int64
			Suggestion
		}
		hits, err := db.Collect(rows, func(r db.Scanner) (hit, error) {
			var h hit
			return h, r.Scan(&h.id, &h.Slug, &h.Title, &h.Excerpt)
		})
		if err != nil {
			return nil, fmt.Errorf("kb: suggest: %w", err)
		}
		for _, h := range hits {
			if !seen[h.id] && len(out) < limit {
				seen[h.id] = true
				out = append(out, h.Suggestion)
			}
		}
		if len(out) >= limit {
			break
		}
	}
	return out, nil
}

// suggestStep is one query of a suggestion and its match argument.
type suggestStep struct{ query, match string }

// suggestSteps returns the queries that suggest articles for typed text:
// articles with every word in their title, then the newest with the words
// anywhere. ok is false when nothing typed is worth a query yet.
func (s *Service) suggestSteps(actor *user.Actor, typed string) (steps []suggestStep, ok bool) {
	q, ok := suggestQuery(typed)
	if !ok {
		return nil, false
	}
	where := AudienceOf(actor).where(true)
	var titles, window, match, inTitles string
	if s.db.Dialect == db.Postgres {
		match = search.TSQuery(q)
		inTitles = match
		// The matches are read from the text indexes first (MATERIALIZED):
		// left to itself the planner may walk the listing or primary key
		// index and test every article's tsvector against the query, which
		// costs tens of milliseconds when few or none match.
		titles = "WITH m AS MATERIALIZED (SELECT id FROM kb_articles WHERE title_tsv @@ to_tsquery('simple', $1))" +
			" SELECT a.id, a.slug, a.title, a.excerpt FROM m JOIN kb_articles a ON a.id = m.id WHERE " + where +
			" ORDER BY ts_rank(a.tsv, to_tsquery('simple', $1)) DESC, a.id DESC LIMIT $2"
		window = "WITH m AS MATERIALIZED (SELECT id FROM kb_articles WHERE tsv @@ to_tsquery('simple', $1))" +
			" SELECT a.id, a.slug, a.title, a.excerpt FROM (SELECT id FROM m ORDER BY id DESC LIMIT " + strconv.Itoa(suggestWindow) +
			") w JOIN kb_articles a ON a.id = w.id WHERE " + where +
			" ORDER BY ts_rank(a.tsv, to_tsquery('simple', $1)) DESC, a.id DESC LIMIT $2"
	} else {
		match = search.FTS5(q)
		inTitles = "title_terms : (" + match + ")"
		titles = "SELECT a.id, a.slug, a.title, a.excerpt FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid WHERE kb_fts MATCH $1 AND " + where +
			" ORDER BY bm25(kb_fts, 10.0, 1.0), a.id DESC LIMIT $2"
		window = "SELECT a.id, a.slug, a.title, a.excerpt FROM (SELECT rowid, bm25(kb_fts, 10.0, 1.0) AS r FROM kb_fts WHERE kb_fts MATCH $1" +
			" ORDER BY rowid DESC LIMIT " + strconv.Itoa(suggestWindow) + ") m JOIN kb_articles a ON a.id = m.rowid WHERE " + where +
			" ORDER BY m.r, a.id DESC LIMIT $2"
	}
	return []suggestStep{{s.db.Rebind(titles), inTitles}, {s.db.Rebind(window), match}}, true
}

// suggestReader returns where the suggestion queries run, and the function
// that ends it. On PostgreSQL that is a read-only transaction that keeps
// the planner off sequential scans: it prices testing a query against an
// article's tsvector far below its cost (a body's tsvector is large), and
// with statistics would rather read every article than the text index
// once a tenth of them match — 40 ms instead of 3 over 10,000 articles.
func (s *Service) suggestReader(ctx context.Context) (db.Queryer, func(), error) {
	if s.db.Dialect != db.Postgres {
		return s.db.R, func() {}, nil
	}
	_, r := s.db.Pools()
	tx, err := db.Begin(ctx, r, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, err
	}
	if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
		_ = tx.Rollback()
		return nil, nil, err
	}
	return tx, func() { _ = tx.Rollback() }, nil
}

// suggestQuery reads typed text as words only (quotes and keys typed into
// a subject are not syntax here), the last one a prefix unless followed
// by a space.
func suggestQuery(typed string) (search.Query, bool) {
	if len(typed) > 200 {
		typed = typed[:200]
	}
	text := strings.Map(func(r rune) rune {
		if r == '"' || r == ':' || r == '*' {
			return ' '
		}
		return r
	}, typed)
	q, err := search.Parse(text)
	if err != nil || !q.HasText() {
		return q, false
	}
	if len(q.Phrases) > 8 {
		q.Phrases = q.Phrases[:8]
	}
	if !strings.HasSuffix(typed, " ") {
		last := &q.Phrases[len(q.Phrases)-1]
		if w := last.Words[len(last.Words)-1]; utf8.RuneCountInString(w) < 2 {
			if last.Words = last.Words[:len(last.Words)-1]; len(last.Words) == 0 {
				q.Phrases = q.Phrases[:len(q.Phrases)-1]
			}
		} else {
			last.Prefix = true
		}
	}
	return q, q.HasText()
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}
