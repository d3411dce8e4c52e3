package kb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// Version is an article as one change left it.
type Version struct {
	Number     int
	Title      string
	Body       string
	CategoryID int64
	Tags       []string
	Visibility Visibility
	Status     Status
	By         *Person // nil: Docket itself, or a deleted user
	At         time.Time
}

func scanVersion(row db.Scanner) (*Version, error) {
	var v Version
	var cat sql.NullInt64
	var tags string
	var email, name sql.NullString
	var at int64
	if err := row.Scan(&v.Number, &v.Title, &v.Body, &cat, &tags, &v.Visibility, &v.Status, &email, &name, &at); err != nil {
		return nil, err
	}
	v.CategoryID, v.By, v.At = cat.Int64, person(email, name), db.Time(at)
	if err := json.Unmarshal([]byte(tags), &v.Tags); err != nil || v.Tags == nil {
		v.Tags = []string{}
	}
	return &v, nil
}

// history checks that actor may read an article's history: agents only,
// since it shows drafts and earlier visibilities.
func (s *Service) history(ctx context.Context, actor *user.Actor, id int64) (*Article, error) {
	if !actor.IsAgent() {
		return nil, notFound("article", id)
	}
	return s.Get(ctx, actor, id)
}

// Versions returns an article's versions, newest first, those before
// version before (0: from the newest), at most limit.
func (s *Service) Versions(ctx context.Context, actor *user.Actor, id int64, before, limit int) ([]*Version, error) {
	a, err := s.history(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if before <= 0 {
		before = a.Version + 1
	}
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("list-versions"), id, before, limit)
	if err != nil {
		return nil, fmt.Errorf("kb: versions: %w", err)
	}
	return db.Collect(rows, scanVersion)
}

// Version returns one version of an article.
func (s *Service) Version(ctx context.Context, actor *user.Actor, id int64, n int) (*Version, error) {
	if _, err := s.history(ctx, actor, id); err != nil {
		return nil, err
	}
	v, err := scanVersion(s.db.R.QueryRowContext(ctx, s.q.Get("select-version"), id, n))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("article version", fmt.Sprintf("%d/%d", id, n))
	}
	return v, err
}

// Comparison is what changed between two versions of an article.
type Comparison struct {
	From, To *Version
	// Fields lists the changed fields other than the body, by name.
	Fields []string
	// Lines is the body's line diff.
	Lines []DiffLine
}

// Compare diffs version from against version to.
func (s *Service) Compare(ctx context.Context, actor *user.Actor, id int64, from, to int) (*Comparison, error) {
	f, err := s.Version(ctx, actor, id, from)
	if err != nil {
		return nil, err
	}
	t, err := s.Version(ctx, actor, id, to)
	if err != nil {
		return nil, err
	}
	c := &Comparison{From: f, To: t, Lines: Diff(f.Body, t.Body), Fields: []string{}}
	if f.Title != t.Title {
		c.Fields = append(c.Fields, "title")
	}
	if f.CategoryID != t.CategoryID {
		c.Fields = append(c.Fields, "category")
	}
	ft, _ := json.Marshal(f.Tags)
	tt, _ := json.Marshal(t.Tags)
	if string(ft) != string(tt) {
		c.Fields = append(c.Fields, "tags")
	}
	if f.Visibility != t.Visibility {
		c.Fields = append(c.Fields, "visibility")
	}
	if f.Status != t.Status {
		c.Fields = append(c.Fields, "status")
	}
	return c, nil
}
