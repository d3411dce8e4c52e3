// Package kb is the knowledge base: articles in Markdown filed in a tree of
// categories, each public, for signed-in requesters or internal to agents,
// draft or published, with every change kept as a version that can be
// compared with any other. Articles are indexed for full-text search in the
// transaction that writes them, with the ticket search's query language.
//
// Who may do what: everyone reads what their audience admits (published
// public articles anonymously, also requesters-only ones when signed in,
// everything including drafts and internal articles as an agent); agents
// create and edit articles; admins delete articles and write categories.
package kb

import (
	"embed"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/markup"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/user"
	"golang.org/x/text/unicode/norm"
)

//go:embed queries.sql
var queryFiles embed.FS

// Visibility says who may read a published article.
type Visibility string

// The visibilities.
const (
	Public     Visibility = "public"
	Requesters Visibility = "requesters"
	Internal   Visibility = "internal"
)

// Status is an article's life stage: only published articles are shown
// outside the workspace.
type Status string

// The statuses.
const (
	Draft     Status = "draft"
	Published Status = "published"
)

// Limits on what an article holds.
const (
	MaxTitle = 200
	MaxBody  = 200 * 1024
	MaxSlug  = 100
)

// Person is who wrote or changed something, as shown.
type Person struct {
	Email string
	Name  string
}

// Article is one knowledge-base article.
type Article struct {
	ID          int64
	Slug        string
	Title       string
	Body        string
	CategoryID  int64 // 0: none
	Tags        []string
	Visibility  Visibility
	Status      Status
	Version     int
	CreatedBy   *Person
	UpdatedBy   *Person
	CreatedAt   time.Time
	UpdatedAt   time.Time
	PublishedAt *time.Time
	Excerpt     string
	// Deflections counts the requests not sent because the article solved
	// the problem ("this solved my problem" in the portal).
	Deflections int
	// LinkedTickets counts the tickets linked to the article.
	LinkedTickets int
}

// HTML is the article's body rendered and sanitized.
func (a *Article) HTML() string { return markup.Markdown(a.Body) }

// ETag identifies this version of the article.
func (a *Article) ETag() string { return fmt.Sprintf(`"kb-%d-%d"`, a.ID, a.Version) }

// Service stores the knowledge base.
type Service struct {
	db *db.DB
	q  *db.Queries
}

// New returns a Service.
func New(d *db.DB) (*Service, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.Dialect)
	if err != nil {
		return nil, err
	}
	return &Service{db: d, q: q}, nil
}

// Queries exposes the named queries for start-up checks.
func (s *Service) Queries() *db.Queries { return s.q }

// Audience is how much of the knowledge base someone may read.
type Audience int

// The audiences, each seeing what the one before sees and more.
const (
	// Anyone reads published public articles, signed in or not.
	Anyone Audience = iota
	// SignedIn also reads published articles for requesters.
	SignedIn
	// Staff reads everything: internal articles and drafts too.
	Staff
)

// AudienceOf is the audience of an actor (nil: not signed in).
func AudienceOf(a *user.Actor) Audience {
	switch {
	case a.IsAgent():
		return Staff
	case a.IsPerson():
		return SignedIn
	}
	return Anyone
}

// Admits reports whether the audience may read an article; published
// tells whether only published ones count (the public pages).
func (au Audience) Admits(a *Article, published bool) bool {
	if (published || au != Staff) && a.Status != Published {
		return false
	}
	switch a.Visibility {
	case Public:
		return true
	case Requesters:
		return au >= SignedIn
	}
	return au == Staff
}

// where is the SQL condition (over alias a) that admits the same articles
// as Admits. It holds only constants.
func (au Audience) where(published bool) string {
	var conds []string
	if published || au != Staff {
		conds = append(conds, "a.status = 'published'")
	}
	switch au {
	case Anyone:
		conds = append(conds, "a.visibility = 'public'")
	case SignedIn:
		conds = append(conds, "a.visibility IN ('public', 'requesters')")
	}
	if len(conds) == 0 {
		return "TRUE"
	}
	return strings.Join(conds, " AND ")
}

func notFound(what string, id any) error {
	return fmt.Errorf("kb: %s %v: %w", what, id, fault.ErrNotFound)
}

func requireAgent(a *user.Actor) error {
	if !a.IsAgent() {
		return fault.Forbidden("only agents write knowledge-base articles")
	}
	return nil
}

func requireAdmin(a *user.Actor, what string) error {
	if !a.IsAdmin() {
		return fault.Forbidden("only admins %s", what)
	}
	return nil
}

var slugRe = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Slugify turns a title into a URL slug: lowercase ASCII letters and
// digits joined by hyphens ("Reset your VPN password" → "reset-your-vpn-password").
func Slugify(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(strings.ReplaceAll(strings.ToLower(title), "ß", "ss")) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
		if b.Len() >= MaxSlug-10 {
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		return "article"
	}
	return s
}

func checkSlug(inv *fault.Invalid, field, s string) {
	if len(s) > MaxSlug || !slugRe.MatchString(s) {
		inv.Add(field, "must be 1 to %d lowercase letters, digits and single hyphens", MaxSlug)
	}
}

func validText(s string) bool {
	for _, r := range s {
		if r < ' ' && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return utf8.ValidString(s)
}

// excerpt is the start of a body as plain text.
func excerpt(body string) string {
	t := strings.Join(strings.Fields(markup.Text(markup.Markdown(body))), " ")
	if r := []rune(t); len(r) > 200 {
		t = strings.TrimSpace(string(r[:200])) + "…"
	}
	return t
}

// fieldError reports a query the search language refused as a field error.
func fieldError(field string, err error) error {
	var se *search.Error
	if errors.As(err, &se) {
		return fault.Field(field, "%s", se.Msg)
	}
	return err
}
