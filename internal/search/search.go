// Package search parses Docket's small search language and turns its free
// text into full-text queries for SQLite FTS5 and PostgreSQL tsquery.
//
//	status:open,pending assignee:me priority:p1 tag:vpn "vpn timeout" printer*
//
// key:value terms become filters; everything else is text that must all
// match (words, "quoted phrases", and word* prefixes).
package search

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Keys are the filter names the language knows.
var Keys = []string{"status", "type", "priority", "assignee", "team", "requester", "tag", "category", "organization",
	"created", "updated", "missing", "sla", "due"}

// MaxQuery bounds the length of a query.
const MaxQuery = 1000

// Term is one key:value filter; Values holds the comma-separated values.
type Term struct {
	Key    string
	Values []string
}

// Phrase is a run of words that must appear in order; Prefix makes the
// last word match any word it begins.
type Phrase struct {
	Words  []string
	Prefix bool
}

// Query is a parsed search.
type Query struct {
	Terms   []Term
	Phrases []Phrase
}

// HasText reports whether q has text to match.
func (q Query) HasText() bool { return len(q.Phrases) > 0 }

// Values returns the values of every term with key.
func (q Query) Values(key string) []string {
	var out []string
	for _, t := range q.Terms {
		if t.Key == key {
			out = append(out, t.Values...)
		}
	}
	return out
}

// Error is a query the parser could not accept; its text is safe to show.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// Parse reads a query.
func Parse(s string) (Query, error) {
	var q Query
	if len(s) > MaxQuery {
		return q, &Error{fmt.Sprintf("the query must be at most %d characters", MaxQuery)}
	}
	if !utf8.ValidString(s) {
		return q, &Error{"the query must be valid UTF-8"}
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			i += size
			continue
		}
		if r == '"' {
			end := strings.IndexByte(s[i+1:], '"')
			var body string
			if end < 0 {
				body, i = s[i+1:], len(s)
			} else {
				body, i = s[i+1:i+1+end], i+end+2
			}
			if p := phrase(body, false); len(p.Words) > 0 {
				q.Phrases = append(q.Phrases, p)
			}
			continue
		}
		// key:"a value with spaces"
		if k := strings.IndexByte(s[i:], ':'); k > 0 && i+k+1 < len(s) && s[i+k+1] == '"' &&
			isKey(strings.ToLower(s[i:i+k])) && !strings.ContainsFunc(s[i:i+k], unicode.IsSpace) {
			end := strings.IndexByte(s[i+k+2:], '"')
			if end < 0 {
				return q, &Error{fmt.Sprintf("%s: the quoted value is not closed", s[i:i+k])}
			}
			val := s[i+k+2 : i+k+2+end]
			if val == "" {
				return q, &Error{fmt.Sprintf("%s: needs a value", s[i:i+k])}
			}
			q.Terms = append(q.Terms, Term{Key: strings.ToLower(s[i : i+k]), Values: []string{val}})
			i += k + 2 + end + 1
			continue
		}
		j := i
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += size
		}
		tok := s[i:j]
		i = j
		if key, val, ok := strings.Cut(tok, ":"); ok && isKey(strings.ToLower(key)) {
			if val == "" {
				return q, &Error{fmt.Sprintf("%s: needs a value", key)}
			}
			var vals []string
			for _, v := range strings.Split(val, ",") {
				if v = strings.Trim(v, `"`); v != "" {
					vals = append(vals, v)
				}
			}
			q.Terms = append(q.Terms, Term{Key: strings.ToLower(key), Values: vals})
			continue
		}
		prefix := strings.HasSuffix(tok, "*")
		if p := phrase(strings.TrimRight(tok, "*"), prefix); len(p.Words) > 0 {
			q.Phrases = append(q.Phrases, p)
		}
	}
	if len(q.Phrases) > 20 {
		return q, &Error{"the query has too many words (at most 20)"}
	}
	return q, nil
}

func isKey(k string) bool {
	for _, x := range Keys {
		if x == k {
			return true
		}
	}
	return false
}

// phrase splits text into words the way the index does: runs of letters
// and digits, lowercased.
func phrase(s string, prefix bool) Phrase {
	words := words(s)
	if len(words) > 10 {
		words = words[:10]
	}
	return Phrase{Words: words, Prefix: prefix && len(words) > 0}
}

// FTS5 renders the text of q as an SQLite FTS5 MATCH expression over the
// index's terms: each phrase matches in any language it was stemmed for.
// Every word is quoted, so no user input is read as FTS5 syntax.
func FTS5(q Query) string {
	parts := make([]string, 0, len(q.Phrases))
	for _, p := range q.Phrases {
		parts = append(parts, fts5Phrase(p, variants(p)))
	}
	return strings.Join(parts, " AND ")
}

// fts5Phrase is p matched in any of its variants vs.
func fts5Phrase(p Phrase, vs [][]string) string {
	alts := make([]string, 0, len(vs))
	for _, v := range vs {
		s := `"` + strings.ReplaceAll(strings.Join(v, " "), `"`, `""`) + `"`
		if p.Prefix {
			s += "*"
		}
		alts = append(alts, s)
	}
	return "(" + strings.Join(alts, " OR ") + ")"
}

// DocSeparator is the token between two documents of a ticket's full-text
// document (a private-use character no query holds; see migration 0046).
const DocSeparator = "\uE000"

// FTS5Phrases maps the phrases of FTS5(q), in the order FTS5 numbers them
// (as written: each query phrase's variants in turn), to the index in
// q.Phrases of the phrase each is a variant of.
func FTS5Phrases(q Query) []int {
	var of []int
	for k, p := range q.Phrases {
		for range variants(p) {
			of = append(of, k)
		}
	}
	return of
}

// TSQuery renders the text of q as a PostgreSQL to_tsquery('simple', …)
// string over the index's terms, matching what FTS5 matches. Every word is
// a quoted lexeme, so no input is read as syntax.
func TSQuery(q Query) string { return TSQueryIn(q, "") }

// TSQueryIn is TSQuery matching only lexemes of the given weights ("A":
// what a tsvector weighs 'A'; "" any).
func TSQueryIn(q Query, weights string) string {
	if weights != "" {
		weights = strings.Map(func(r rune) rune {
			if r >= 'A' && r <= 'D' {
				return r
			}
			return -1
		}, weights)
	}
	parts := make([]string, 0, len(q.Phrases))
	seen := make(map[string]bool, len(q.Phrases))
	for _, p := range q.Phrases {
		var alts []string
		for _, v := range variants(p) {
			ws := make([]string, len(v))
			for i, w := range v {
				ws[i] = "'" + strings.ReplaceAll(strings.ReplaceAll(w, `\`, `\\`), "'", "''") + "'"
				switch {
				case p.Prefix && i == len(v)-1:
					ws[i] += ":*" + weights
				case weights != "":
					ws[i] += ":" + weights
				}
			}
			alts = append(alts, "("+strings.Join(ws, " <-> ")+")")
		}
		// A phrase given twice ("disconnects disconnects") is written
		// once: PostgreSQL estimates an AND of lexemes as the product of
		// their shares, and for a word in a tenth of a million tickets
		// three times over it read all of its matches to sort them, 6.5–7.3
		// s, where a walk by activity meets a page of them at once.
		if part := "(" + strings.Join(alts, " | ") + ")"; !seen[part] {
			seen[part] = true
			parts = append(parts, part)
		}
	}
	return strings.Join(parts, " & ")
}

// Distinct is ps without the phrases that match what an earlier one does
// (the same words in every language: one lexeme list in TSQuery).
func Distinct(ps []Phrase) []Phrase {
	out := make([]Phrase, 0, len(ps))
	seen := make(map[string]bool, len(ps))
	for _, p := range ps {
		if key := TSQuery(Query{Phrases: []Phrase{p}}); !seen[key] {
			seen[key] = true
			out = append(out, p)
		}
	}
	return out
}

// Range reads a date filter value: ">2026-01-01", ">=…", "<…", "<=…",
// "2026-01-01..2026-01-31" or a single day "2026-01-01". A date may also be
// relative to now: "-7d" or "-24h" (so "updated:>-7d" is the last week).
// It returns the inclusive start and exclusive end; either may be nil.
func Range(v string, now time.Time) (from, to *time.Time, err error) {
	bad := &Error{fmt.Sprintf("%q is not a date range like >2026-01-01, <-7d or 2026-01-01..2026-01-31", v)}
	day := func(s string) (time.Time, bool) {
		if strings.HasPrefix(s, "-") && len(s) > 2 {
			n, err := strconv.Atoi(s[1 : len(s)-1])
			if err != nil || n < 0 || n > 100000 {
				return time.Time{}, false
			}
			switch s[len(s)-1] {
			case 'd':
				return now.Add(-time.Duration(n) * 24 * time.Hour), true
			case 'h':
				return now.Add(-time.Duration(n) * time.Hour), true
			}
			return time.Time{}, false
		}
		t, err := time.Parse(time.DateOnly, s)
		return t, err == nil
	}
	ptr := func(t time.Time) *time.Time { return &t }
	nextDay := func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }
	relative := func(s string) bool { return strings.HasPrefix(s, "-") }
	switch {
	case strings.HasPrefix(v, ">="):
		t, ok := day(v[2:])
		if !ok {
			return nil, nil, bad
		}
		return ptr(t), nil, nil
	case strings.HasPrefix(v, ">"):
		t, ok := day(v[1:])
		if !ok {
			return nil, nil, bad
		}
		if !relative(v[1:]) {
			t = nextDay(t)
		}
		return ptr(t), nil, nil
	case strings.HasPrefix(v, "<="):
		t, ok := day(v[2:])
		if !ok {
			return nil, nil, bad
		}
		if !relative(v[2:]) {
			t = nextDay(t)
		}
		return nil, ptr(t), nil
	case strings.HasPrefix(v, "<"):
		t, ok := day(v[1:])
		if !ok {
			return nil, nil, bad
		}
		return nil, ptr(t), nil
	case strings.Contains(v, ".."):
		a, b, _ := strings.Cut(v, "..")
		var f, t *time.Time
		if a != "" {
			x, ok := day(a)
			if !ok {
				return nil, nil, bad
			}
			f = ptr(x)
		}
		if b != "" {
			x, ok := day(b)
			if !ok {
				return nil, nil, bad
			}
			if !relative(b) {
				x = nextDay(x)
			}
			t = ptr(x)
		}
		return f, t, nil
	}
	t, ok := day(v)
	if !ok || relative(v) {
		return nil, nil, bad
	}
	return ptr(t), ptr(nextDay(t)), nil
}
