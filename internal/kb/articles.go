package kb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// ArticleInput creates or changes an article; nil fields stay as they are.
// Category is a category's slug ("" for none). A new article without a
// slug gets one from its title; without visibility it is internal, without
// status a draft.
type ArticleInput struct {
	Title      *string
	Body       *string
	Slug       *string
	Category   *string
	Tags       *[]string
	Visibility *string
	Status     *string
}

const articleCols = `a.id, a.slug, a.title, a.body, a.category_id, a.tags, a.visibility, a.status, a.version,
	cu.email, cu.name, uu.email, uu.name, a.created_at, a.updated_at, a.published_at, a.excerpt, a.deflections,
	(SELECT COUNT(*) FROM kb_ticket_links l WHERE l.article_id = a.id)`

const articleFrom = ` FROM kb_articles a LEFT JOIN users cu ON cu.id = a.created_by LEFT JOIN users uu ON uu.id = a.updated_by`

func person(email, name sql.NullString) *Person {
	if !email.Valid {
		return nil
	}
	return &Person{Email: email.String, Name: name.String}
}

func scanArticle(row db.Scanner, extra ...any) (*Article, error) {
	var a Article
	var cat, published sql.NullInt64
	var tags string
	var ce, cn, ue, un sql.NullString
	var created, updated int64
	dest := []any{&a.ID, &a.Slug, &a.Title, &a.Body, &cat, &tags, &a.Visibility, &a.Status, &a.Version,
		&ce, &cn, &ue, &un, &created, &updated, &published, &a.Excerpt, &a.Deflections, &a.LinkedTickets}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	a.CategoryID, a.CreatedAt, a.UpdatedAt, a.PublishedAt = cat.Int64, db.Time(created), db.Time(updated), db.NullTime(published)
	a.CreatedBy, a.UpdatedBy = person(ce, cn), person(ue, un)
	if err := json.Unmarshal([]byte(tags), &a.Tags); err != nil || a.Tags == nil {
		a.Tags = []string{}
	}
	return &a, nil
}

func (s *Service) load(ctx context.Context, q db.Queryer, id int64) (*Article, error) {
	a, err := scanArticle(q.QueryRowContext(ctx, s.db.Rebind("SELECT "+articleCols+articleFrom+" WHERE a.id = $1"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("article", id)
	}
	return a, err
}

// Get returns an article its actor may read: agents any, others only
// published ones their audience admits; the rest is not found.
func (s *Service) Get(ctx context.Context, actor *user.Actor, id int64) (*Article, error) {
	a, err := s.load(ctx, s.db.R, id)
	if err != nil {
		return nil, err
	}
	if !AudienceOf(actor).Admits(a, false) {
		return nil, notFound("article", id)
	}
	return a, nil
}

// Published returns a published article by slug for the public pages:
// never a draft, whoever asks, and only what the actor's audience admits.
func (s *Service) Published(ctx context.Context, actor *user.Actor, slug string) (*Article, error) {
	a, err := scanArticle(s.db.R.QueryRowContext(ctx, s.db.Rebind("SELECT "+articleCols+articleFrom+" WHERE a.slug = $1"), slug))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !AudienceOf(actor).Admits(a, true) {
		return nil, notFound("article", slug)
	}
	return a, err
}

// Create adds an article (agents only) as its version 1.
func (s *Service) Create(ctx context.Context, actor *user.Actor, in ArticleInput) (*Article, error) {
	if err := requireAgent(actor); err != nil {
		return nil, err
	}
	// Absent title and body are reported with every other field.
	empty := ""
	if in.Title == nil {
		in.Title = &empty
	}
	if in.Body == nil {
		in.Body = &empty
	}
	var id int64
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.create(ctx, tx, actor, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.load(ctx, s.db.R, id)
}

// create writes a new article in tx and returns its id.
func (s *Service) create(ctx context.Context, tx *db.Tx, actor *user.Actor, in ArticleInput) (int64, error) {
	a := &Article{Visibility: Internal, Status: Draft, Tags: []string{}, Version: 1}
	if err := s.apply(ctx, tx, a, in); err != nil {
		return 0, err
	}
	if in.Slug == nil {
		slug, err := s.freeSlug(ctx, tx, Slugify(a.Title), 0)
		if err != nil {
			return 0, err
		}
		a.Slug = slug
	}
	t := db.Now()
	var published any
	if a.Status == Published {
		published = t
	}
	tags, _ := json.Marshal(a.Tags)
	err := tx.QueryRowContext(ctx, s.q.Get("insert-article"), a.Slug, a.Title, a.Body, nullID(a.CategoryID), string(tags),
		a.Visibility, a.Status, actorID(actor), t, published, excerpt(a.Body)).Scan(&a.ID)
	if db.IsUniqueViolation(err) {
		return 0, fault.Field("slug", "is already used by another article")
	}
	if err != nil {
		return 0, err
	}
	return a.ID, s.afterWrite(ctx, tx, actor, a, t, false)
}

// Update changes an article (agents only). ifVersion, when not 0, is the
// version the caller read: another one is a failed precondition. A change
// becomes the next version; an input that changes nothing makes none.
func (s *Service) Update(ctx context.Context, actor *user.Actor, id int64, ifVersion int, in ArticleInput) (*Article, error) {
	if err := requireAgent(actor); err != nil {
		return nil, err
	}
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		a, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && ifVersion != a.Version {
			return fmt.Errorf("kb: article %d is at version %d: %w", id, a.Version, fault.ErrPrecondition)
		}
		before := *a
		if err := s.apply(ctx, tx, a, in); err != nil {
			return err
		}
		if sameContent(&before, a) && before.Slug == a.Slug {
			return nil
		}
		t := db.Now()
		published := nullTime(a.PublishedAt)
		if a.Status == Published && before.Status != Published {
			published = t
		}
		a.Version++
		tags, _ := json.Marshal(a.Tags)
		if _, err := tx.ExecContext(ctx, s.q.Get("update-article"), id, a.Slug, a.Title, a.Body, nullID(a.CategoryID), string(tags),
			a.Visibility, a.Status, a.Version, actorID(actor), t, published, excerpt(a.Body)); err != nil {
			return err
		}
		return s.afterWrite(ctx, tx, actor, a, t, true)
	})
	if db.IsUniqueViolation(err) {
		return nil, fault.Field("slug", "is already used by another article")
	}
	if err != nil {
		return nil, err
	}
	return s.load(ctx, s.db.R, id)
}

// Delete removes an article with its versions and votes (admins only).
func (s *Service) Delete(ctx context.Context, actor *user.Actor, id int64) error {
	if err := requireAdmin(actor, "delete knowledge-base articles"); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.Get("delete-article"), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("article", id)
		}
		return nil
	})
}

// afterWrite keeps what follows an article's row in the same transaction:
// its tags, its version and its search terms.
func (s *Service) afterWrite(ctx context.Context, tx *db.Tx, actor *user.Actor, a *Article, t int64, replace bool) error {
	if replace {
		if _, err := tx.ExecContext(ctx, s.q.Get("delete-article-tags"), a.ID); err != nil {
			return err
		}
	}
	for _, tag := range a.Tags {
		if _, err := tx.ExecContext(ctx, s.q.Get("insert-article-tag"), a.ID, tag); err != nil {
			return err
		}
	}
	tags, _ := json.Marshal(a.Tags)
	if _, err := tx.ExecContext(ctx, s.q.Get("insert-version"), a.ID, a.Version, a.Title, a.Body, nullID(a.CategoryID), string(tags),
		a.Visibility, a.Status, actorID(actor), t); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, s.q.Get("index-article"), a.ID, search.Terms(a.Title), search.Terms(strings.Join(a.Tags, " ")+"\n"+a.Body))
	return err
}

func sameContent(x, y *Article) bool {
	return x.Title == y.Title && x.Body == y.Body && x.CategoryID == y.CategoryID && slices.Equal(x.Tags, y.Tags) &&
		x.Visibility == y.Visibility && x.Status == y.Status
}

// apply checks the input and sets it on a.
func (s *Service) apply(ctx context.Context, tx *db.Tx, a *Article, in ArticleInput) error {
	inv := &fault.Invalid{}
	if in.Title != nil {
		a.Title = strings.TrimSpace(*in.Title)
		if a.Title == "" || utf8.RuneCountInString(a.Title) > MaxTitle || !validText(a.Title) || strings.ContainsAny(a.Title, "\r\n") {
			inv.Add("title", "must be one line of 1 to %d characters", MaxTitle)
		}
	}
	if in.Body != nil {
		a.Body = *in.Body
		switch {
		case strings.TrimSpace(a.Body) == "":
			inv.Add("body", "is required")
		case len(a.Body) > MaxBody || !validText(a.Body):
			inv.Add("body", "must be text of at most %d bytes", MaxBody)
		}
	}
	if in.Slug != nil {
		a.Slug = strings.TrimSpace(*in.Slug)
		checkSlug(inv, "slug", a.Slug)
		if len(inv.Fields) == 0 {
			var n int
			if err := tx.QueryRowContext(ctx, s.q.Get("slug-taken"), a.Slug, a.ID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				inv.Add("slug", "is already used by another article")
			}
		}
	}
	if in.Category != nil {
		a.CategoryID = 0
		if *in.Category != "" {
			c, err := scanCategory(tx.QueryRowContext(ctx, s.q.Get("select-category-slug"), *in.Category))
			switch {
			case errors.Is(err, sql.ErrNoRows):
				inv.Add("category", "is not a knowledge-base category")
			case err != nil:
				return err
			default:
				a.CategoryID = c.ID
			}
		}
	}
	if in.Tags != nil {
		a.Tags = ticket.NormalizeTags(inv, *in.Tags)
	}
	if in.Visibility != nil {
		switch v := Visibility(*in.Visibility); v {
		case Public, Requesters, Internal:
			a.Visibility = v
		default:
			inv.Add("visibility", "must be public, requesters or internal")
		}
	}
	if in.Status != nil {
		switch st := Status(*in.Status); st {
		case Draft, Published:
			a.Status = st
		default:
			inv.Add("status", "must be draft or published")
		}
	}
	return inv.Err()
}

// freeSlug returns base, or base-2, base-3, … whichever no other article
// has.
func (s *Service) freeSlug(ctx context.Context, tx *db.Tx, base string, id int64) (string, error) {
	slug := base
	for i := 2; ; i++ {
		var n int
		if err := tx.QueryRowContext(ctx, s.q.Get("slug-taken"), slug, id).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			return slug, nil
		}
		slug = base + "-" + strconv.Itoa(i)
	}
}

func actorID(a *user.Actor) any {
	if !a.IsPerson() {
		return nil
	}
	return a.ID
}
