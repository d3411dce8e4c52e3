package mail_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/unicode/norm"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// The real-world corpora: other projects' test mails with their expected
// reading, kept outside the repository (../shared/mail-corpora, see its
// README). Nothing from them is committed here; what Docket learned from
// them has fixtures of its own under testdata/ and message/.
var corpora = []string{"zammad", "rt", "enmime"}

// findCorpora walks up from the test's directory to the folder that holds
// shared/mail-corpora next to the repository.
func findCorpora(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "mail-corpora")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("shared/mail-corpora not found above the repository; the real-world corpus test needs it (CI has it)")
		}
		dir = parent
	}
}

// corpusExpect is one entry of a corpus's expected.json.
type corpusExpect struct {
	Subject     *string `json:"subject"`
	FromEmail   *string `json:"from_email"`
	FromName    *string `json:"from_display_name"`
	Body        string  `json:"body"`
	ContentType string  `json:"content_type"`
	Attachments []struct {
		Filename    *string `json:"filename"`
		MimeType    *string `json:"mime_type"`
		Size        int     `json:"size"`
		MD5         string  `json:"md5"`
		Alternative bool    `json:"content_alternative"`
	} `json:"attachments"`
}

// corpusGot is Docket's reading of one message, as stored.
type corpusGot struct {
	filed       bool
	decision    string
	subject     string
	email, name string
	body        string // the stored body as text
	attachments []corpusFile
}

type corpusFile struct {
	name string
	size int
	md5  string
	// The content with CRLF line ends made LF: Zammad turns a message's
	// line ends to LF before it reads it, and computed its sizes and
	// checksums so.
	sizeLF int
	md5LF  string
}

// corpusDB is a fresh database with one mailbox. Each message is filed
// into one of its own, as the first mail a new Docket receives, so that
// nothing earlier in the corpus colours its reading: threading onto an
// earlier ticket, a Message-ID reused by another test mail, or a sender
// first seen as a recipient (and so without a name).
type corpusDB struct {
	s     *app.Services
	mb    *mailbox.Mailbox
	admin *user.Actor
}

func newCorpusDB(t *testing.T) *corpusDB {
	t.Helper()
	d := apptest.DB(t, db.SQLite)
	s := apptest.Services(t, d)
	admin := apptest.User(t, s, user.RoleAdmin, "")
	addr, name := "support@docket.test", "Support"
	mb, err := s.Mailboxes.Create(context.Background(), admin, mailbox.Input{Address: &addr, Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	return &corpusDB{s: s, mb: mb, admin: admin}
}

// file imports raw through the importer as `docket serve` wires it and
// reads back what was stored.
func (c *corpusDB) file(t *testing.T, raw []byte) corpusGot {
	t.Helper()
	ctx := context.Background()
	res, err := c.s.Importer.Import(ctx, c.mb, raw)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	got := corpusGot{decision: res.Decision}
	if res.Ticket == 0 {
		return got
	}
	got.filed = true
	tk, err := c.s.Tickets.Get(ctx, c.admin, res.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := c.s.Tickets.Messages(ctx, c.admin, res.Ticket, 0, 10)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("messages of #%d: %d, %v", res.Ticket, len(msgs), err)
	}
	m := msgs[0]
	got.subject, got.email, got.name = tk.Subject, tk.Requester.Email, tk.Requester.Name
	if m.Format == ticket.FormatHTML {
		got.body = htmlText(m.Body)
	} else {
		got.body = m.Body
	}
	for _, a := range m.Attachments {
		_, f, err := c.s.Attachments.Open(ctx, c.admin, a.ID)
		if err != nil {
			t.Fatalf("open attachment %s: %v", a.Filename, err)
		}
		data, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		lf := bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		got.attachments = append(got.attachments, corpusFile{name: a.Filename, size: len(data), md5: md5sum(data),
			sizeLF: len(lf), md5LF: md5sum(lf)})
	}
	return got
}

func md5sum(b []byte) string {
	h := md5.Sum(b)
	return hex.EncodeToString(h[:])
}

// htmlText is the text a reader sees in HTML: text nodes, with a break at
// every block element, nothing from head, style or script.
func htmlText(s string) string {
	var b strings.Builder
	z := nethtml.NewTokenizer(strings.NewReader(s))
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case nethtml.ErrorToken:
			return b.String()
		case nethtml.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case nethtml.StartTagToken, nethtml.EndTagToken, nethtml.SelfClosingTagToken:
			name, _ := z.TagName()
			switch a := atom.Lookup(name); a {
			case atom.Body:
				skip = 0 // a <head> nobody closed
				b.WriteString("\n")
			case atom.Script, atom.Style, atom.Head, atom.Title:
				if tt == nethtml.StartTagToken {
					skip++
				} else if tt == nethtml.EndTagToken && skip > 0 {
					skip--
				}
			case atom.A, atom.B, atom.I, atom.U, atom.S, atom.Em, atom.Strong, atom.Span, atom.Font, atom.Small, atom.Big,
				atom.Sub, atom.Sup, atom.Code, atom.Abbr, atom.Mark, atom.Del, atom.Ins, atom.Kbd, atom.Strike, atom.Tt:
			default:
				b.WriteString("\n")
			}
		}
	}
}

var imageMarkerRe = regexp.MustCompile(`\[(?:remote image|image)(?::[^\]]*)?\]`)

// normText is the comparison form of a body: Unicode NFC, Docket's
// markers for images it does not load removed, invisible characters
// dropped, the angle brackets of &lang;/&rang; made one, and all white
// space collapsed (layout is not content).
func normText(s string) string {
	s = norm.NFC.String(s)
	s = imageMarkerRe.ReplaceAllString(s, " ")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\u00a0' || r == '\u3000':
			return ' '
		// &lang; and &rang;: U+27E8/9 in HTML5, U+2329/A or U+3008/9 in
		// older entity tables.
		case r == '\u2329' || r == '\u3008':
			return '\u27e8'
		case r == '\u232a' || r == '\u3009':
			return '\u27e9'
		case r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\ufeff' || r == '\u00ad':
			return -1
		case unicode.IsControl(r) && !unicode.IsSpace(r):
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// What each side writes for a message with no text.
const (
	docketEmpty = "(no text)"          // the importer's body for an empty message
	zammadEmpty = "no visible content" // Zammad's
)

// normBody is normText with the side's placeholder for "no text" read
// as the empty text it stands for.
func normBody(s, placeholder string) string {
	s = normText(s)
	if s == placeholder {
		return ""
	}
	return s
}

// normAddr compares addresses case-insensitively, with or without the
// DNS root's trailing dot.
func normAddr(s string) string { return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".") }

// compare says how got differs from want, field by field (filed,
// subject, from, name, body, attachments). A deliberate reading, if any,
// adjusts what the body is compared with.
func compare(want corpusExpect, got corpusGot, r reading) map[string]string {
	diffs := map[string]string{}
	if !got.filed {
		diffs["filed"] = "not filed: " + got.decision
		return diffs
	}
	wantSubject := ""
	if want.Subject != nil {
		wantSubject = strings.Join(strings.Fields(*want.Subject), " ")
	}
	if wantSubject == "" {
		wantSubject = "(no subject)"
	}
	if got.subject != wantSubject {
		diffs["subject"] = fmt.Sprintf("got %q, want %q", got.subject, wantSubject)
	}
	if want.FromEmail != nil && normAddr(got.email) != normAddr(*want.FromEmail) {
		diffs["from"] = fmt.Sprintf("got %q, want %q", got.email, *want.FromEmail)
	}
	if want.FromName != nil && normText(got.name) != normText(*want.FromName) {
		diffs["name"] = fmt.Sprintf("got %q, want %q", got.name, *want.FromName)
	}
	wantBody := want.Body
	if want.ContentType == "text/html" {
		wantBody = htmlText(wantBody)
	}
	g, w := normBody(got.body, docketEmpty), normBody(wantBody, zammadEmpty)
	if r.drop != "" {
		if d := normText(r.drop); strings.Contains(w, d) {
			w = strings.TrimSpace(strings.Replace(w, d, "", 1))
		} else {
			diffs["drop"] = fmt.Sprintf("the expected body no longer holds %q", r.drop)
		}
	}
	switch {
	case r.more && !strings.Contains(g, w):
		diffs["body"] = "does not hold the expected body: " + firstDifference(g, w)
	case r.more && g == w:
		diffs["more"] = "listed as showing more than the expected body, but it shows just that; update the list"
	case !r.more && g != w:
		diffs["body"] = firstDifference(g, w)
	}
	var wantFiles []corpusFile
	for _, a := range want.Attachments {
		if a.Alternative {
			continue // the body's other rendering (Zammad keeps it as message.html)
		}
		name := ""
		if a.Filename != nil {
			name = *a.Filename
		}
		wantFiles = append(wantFiles, corpusFile{name: name, size: a.Size, md5: a.MD5})
	}
	if d := compareFiles(got.attachments, wantFiles); d != "" {
		diffs["attachments"] = d
	}
	return diffs
}

// compareFiles pairs each expected attachment with a stored one of the
// same content (MD5 and size, or those of its LF form) and, unless either
// name is one its reader made up for a part without a name, the same name.
func compareFiles(got, want []corpusFile) string {
	left := slices.Clone(got)
	var missing []corpusFile
	for _, w := range want {
		best := -1
		for i, g := range left {
			same := g.md5 == w.md5 && g.size == w.size || g.md5LF == w.md5 && g.sizeLF == w.size
			if !same {
				continue
			}
			if norm.NFC.String(g.name) == norm.NFC.String(w.name) {
				best = i
				break
			}
			if best < 0 && (generatedName(w.name) || docketName(g.name)) {
				best = i
			}
		}
		if best < 0 {
			missing = append(missing, w)
			continue
		}
		left = slices.Delete(left, best, best+1)
	}
	if len(missing) == 0 && len(left) == 0 {
		return ""
	}
	return fmt.Sprintf("not stored %s; stored, not expected %s", filesString(missing), filesString(left))
}

var (
	generatedNameRe = regexp.MustCompile(`^file(-\d+)?$`)
	docketNameRe    = regexp.MustCompile(`^part-\d+\.[a-z]+$`)
)

// generatedName: the expectation has no name for the part (Python), or
// Zammad's "file", "file-2" for one without a name.
func generatedName(s string) bool { return s == "" || generatedNameRe.MatchString(s) }

// docketName: Docket's name for a part without one (defaultFilename).
func docketName(s string) bool { return docketNameRe.MatchString(s) }

func filesString(fs []corpusFile) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("%q (%d bytes, %.8s)", f.name, f.size, f.md5))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// firstDifference shows where two texts part.
func firstDifference(got, want string) string {
	gr, wr := []rune(got), []rune(want)
	i := 0
	for i < len(gr) && i < len(wr) && gr[i] == wr[i] {
		i++
	}
	clip := func(r []rune) string {
		from, to := max(0, i-30), min(len(r), i+70)
		return string(r[from:to])
	}
	return fmt.Sprintf("at rune %d (of %d, want %d): got %q, want %q", i, len(gr), len(wr), clip(gr), clip(wr))
}

// TestRealWorldCorpora files every message of the shared corpora through
// the importer and compares what is stored with the expected reading.
// A message passes when it matches, or when it differs exactly in the
// fields its entry in deliberate names (and a deliberate reading that no
// longer differs fails too, so the list stays true).
func TestRealWorldCorpora(t *testing.T) {
	root := findCorpora(t)
	known := map[string]bool{}
	defer func() {
		for key := range deliberate {
			if !known[key] {
				t.Errorf("deliberate reading %s names no corpus message; update the list", key)
			}
		}
	}()
	for _, corpus := range corpora {
		b, err := os.ReadFile(filepath.Join(root, corpus, "expected.json"))
		if errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("corpus %s has no expected.json", corpus)
		} else if err != nil {
			t.Fatal(err)
		}
		var expected map[string]corpusExpect
		if err := json.Unmarshal(b, &expected); err != nil {
			t.Fatalf("%s/expected.json: %v", corpus, err)
		}
		names := make([]string, 0, len(expected))
		for name := range expected {
			names = append(names, name)
			known[corpus+"/"+name] = true
		}
		sort.Strings(names)
		var mu sync.Mutex
		var matched, excused, failing int
		t.Run(corpus, func(t *testing.T) {
			for _, name := range names {
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					raw, err := os.ReadFile(filepath.Join(root, corpus, "box", name+".box"))
					if err != nil {
						t.Fatal(err)
					}
					r, listed := deliberate[corpus+"/"+name]
					diffs := compare(expected[name], newCorpusDB(t).file(t, raw), r)
					var problems []string
					for _, f := range []string{"filed", "subject", "from", "name", "body", "attachments", "drop", "more"} {
						d, differs := diffs[f]
						excused := slices.Contains(strings.Fields(r.fields), f)
						switch {
						case differs && !excused:
							problems = append(problems, f+": "+d)
						case excused && !differs:
							problems = append(problems, f+": listed as a deliberate reading, but it now matches; update the list")
						}
					}
					mu.Lock()
					defer mu.Unlock()
					switch {
					case len(problems) > 0:
						failing++
						t.Errorf("%s", strings.Join(problems, "\n\t"))
					case listed:
						excused++
						for f, d := range diffs {
							t.Logf("deliberate, %s: %s (%s)", f, d, r.reason)
						}
					default:
						matched++
					}
				})
			}
		})
		t.Logf("corpus %s: %d messages, %d matched, %d deliberate, %d failing", corpus, len(names), matched, excused, failing)
	}
}
