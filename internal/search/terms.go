package search

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The full-text index does not hold the text as written but its terms:
// every word stemmed in Go, for English and again for German, so that both
// database engines index exactly the same words and a word finds its
// inflections ("disconnect" finds "disconnects", "Verbindung" finds
// "Verbindungen"). Queries are stemmed the same way.

// maxWord bounds a word (in runes): longer runs, such as base64 blobs, are
// cut, the same at index and query time.
const maxWord = 60

// words splits text into lowercase runs of letters and digits.
func words(s string) []string {
	ws := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for i, w := range ws {
		if r := []rune(w); len(r) > maxWord {
			ws[i] = string(r[:maxWord])
		}
	}
	return ws
}

// fold removes diacritics ("café" → "cafe", "ß" → "ss"), so a word is
// found however it was accented.
func fold(w string) string {
	ascii := true
	for i := 0; i < len(w); i++ {
		if w[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return w
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ReplaceAll(w, "ß", "ss")) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// stemmers are the languages words are matched in.
var stemmers = [...]func(string) string{
	func(w string) string { return StemEnglish(fold(w)) },
	func(w string) string { return fold(StemGerman(w)) },
}

// Terms returns what the index stores for a text: its words stemmed for
// English, followed by the German stems when they differ.
func Terms(text string) string {
	ws := words(text)
	var out [len(stemmers)][]string
	for lang := range out {
		out[lang] = make([]string, len(ws))
	}
	var local map[string]*[len(stemmers)]string // the words the memo does not keep
	for i, w := range ws {
		st := stems(w, &local)
		for lang := range st {
			out[lang][i] = st[lang]
		}
	}
	var streams []string
	for _, o := range out {
		s := strings.Join(o, " ")
		if len(streams) == 0 || streams[0] != s {
			streams = append(streams, s)
		}
	}
	return strings.Join(streams, " ")
}

// A word's stems are a pure function of the word, and text repeats its
// words (Zipf): stemmed holds each word's stems, once per process, for up
// to maxStemmed distinct words, so a write's text costs map lookups rather
// than two stemmers per word. Words with a digit (numbers, ids, hashes:
// seldom seen twice) are not kept, nor any word past the bound; those are
// stemmed once per text.
const maxStemmed = 50000

var (
	stemmed  sync.Map // word → *[len(stemmers)]string, its stems in stemmers' order
	nStemmed atomic.Int64
)

// stems returns w's stems, one per stemmer, from the memo or else from
// local, the text's own (made when first needed).
func stems(w string, local *map[string]*[len(stemmers)]string) *[len(stemmers)]string {
	if endsInDigit(w) {
		var st [len(stemmers)]string
		for i := range st {
			st[i] = w
		}
		return &st
	}
	if v, ok := stemmed.Load(w); ok {
		return v.(*[len(stemmers)]string)
	}
	if st, ok := (*local)[w]; ok {
		return st
	}
	// A copy: w and what the stemmers return are slices of the whole
	// text, which a kept entry would keep alive.
	w = strings.Clone(w)
	st := new([len(stemmers)]string)
	for i, stem := range stemmers {
		st[i] = stem(w)
	}
	if nStemmed.Load() < maxStemmed && strings.IndexFunc(w, unicode.IsDigit) < 0 {
		if _, loaded := stemmed.LoadOrStore(w, st); !loaded {
			nStemmed.Add(1)
		}
		return st
	}
	if *local == nil {
		*local = make(map[string]*[len(stemmers)]string)
	}
	(*local)[w] = st
	return st
}

// endsInDigit reports whether w is ASCII and ends in a digit: a ticket
// number, a version, an id such as "srv0580" — half the words of some
// tickets, and kept by no memo. Every stemmer leaves such a word as it is
// (their rules remove or change letter endings, and fold and the umlaut
// rules touch no ASCII), so it is not stemmed at all
// (TestWordsEndingInADigitAreNotStemmed).
func endsInDigit(w string) bool {
	if w == "" || w[len(w)-1] < '0' || w[len(w)-1] > '9' {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] >= 0x80 {
			return false
		}
	}
	return true
}

// variants returns the phrase as the index holds it, once per language
// (duplicates dropped). A prefix's last word keeps only what it shares
// with its stem, so "printers*" looks for "printer…" and "connection*" for
// "connect…".
func variants(p Phrase) [][]string {
	var out [][]string
next:
	for _, stem := range stemmers {
		v := make([]string, len(p.Words))
		for i, w := range p.Words {
			v[i] = stem(w)
			if p.Prefix && i == len(p.Words)-1 {
				v[i] = commonPrefix(fold(w), v[i])
			}
		}
		for _, o := range out {
			if strings.Join(o, " ") == strings.Join(v, " ") {
				continue next
			}
		}
		out = append(out, v)
	}
	return out
}

func commonPrefix(a, b string) string {
	ra, rb := []rune(a), []rune(b)
	n := 0
	for n < len(ra) && n < len(rb) && ra[n] == rb[n] {
		n++
	}
	if n == 0 {
		return b
	}
	return string(ra[:n])
}

// Variants returns p as the index holds it, once per language: the word
// sequences a document's terms contain where p matches (a prefix phrase's
// last word begins a word of the terms).
func Variants(p Phrase) [][]string { return variants(p) }

// Counter counts phrases in documents' terms (as Terms returns them) as
// the full-text index matches them. A Counter is for one goroutine.
type Counter struct {
	phrases [][][]string // per phrase, its variants
	prefix  []bool
}

// NewCounter returns a Counter of ps.
func NewCounter(ps []Phrase) *Counter {
	c := &Counter{}
	for _, p := range ps {
		c.phrases = append(c.phrases, variants(p))
		c.prefix = append(c.prefix, p.Prefix)
	}
	return c
}

// Count adds weight times the occurrences of each phrase in terms to
// counts (one per phrase) and returns the number of words of terms (the
// runs between white space). A phrase counts in the language it matches
// most in; the terms hold the text once per language when the stems
// differ, so a word stemmed alike in both counts twice: the same for
// every document, which is what a rank compares. A relevance ranks
// thousands of documents, megabytes of terms: the words are counted in
// one pass and a phrase is looked for where its first word is found
// (strings.Index), never by splitting the terms into words.
func (c *Counter) Count(terms string, weight int, counts []int) int {
	for k, vs := range c.phrases {
		best := 0
		for _, v := range vs {
			best = max(best, occurrences(terms, v, c.prefix[k]))
		}
		counts[k] += weight * best
	}
	return countWords(terms)
}

// occurrences is how many times the words v follow each other in terms,
// each a whole word but the last of a prefix phrase, which begins one.
func occurrences(terms string, v []string, prefix bool) int {
	if len(v) == 0 || v[0] == "" {
		return 0 // never a word of the terms (a phrase's words are not empty)
	}
	n := 0
	for i := 0; i < len(terms); {
		j := strings.Index(terms[i:], v[0])
		if j < 0 {
			break
		}
		at := i + j
		i = at + 1
		if (at == 0 || isSpace(terms[at-1])) && wordsAt(terms, at, v, prefix) {
			n++
		}
	}
	return n
}

// wordsAt reports whether the words v follow each other in terms from at,
// the start of a word.
func wordsAt(terms string, at int, v []string, prefix bool) bool {
	for j, w := range v {
		if j > 0 {
			// The white space between two words.
			if at == 0 || at >= len(terms) || !isSpace(terms[at]) {
				return false
			}
			for at < len(terms) && isSpace(terms[at]) {
				at++
			}
		}
		if !strings.HasPrefix(terms[at:], w) || w == "" {
			return false
		}
		at += len(w)
		if prefix && j == len(v)-1 {
			return true // the rest of the word, if any, is the prefix's
		}
		if at < len(terms) && !isSpace(terms[at]) {
			return false // a longer word
		}
	}
	return true
}

// countWords is the number of runs of non-white-space bytes in s: for
// terms as Terms writes them (words between single spaces), the spaces
// plus one, found by strings' vectorised scans (a third faster than the
// byte loop in BenchmarkCount); else a byte at a time.
func countWords(s string) int {
	if s == "" {
		return 0
	}
	if s[0] != ' ' && s[len(s)-1] != ' ' && !strings.Contains(s, "  ") && !hasOtherSpace(s) {
		return strings.Count(s, " ") + 1
	}
	n := 0
	in := false
	for i := 0; i < len(s); i++ {
		sp := isSpace(s[i])
		if !sp && !in {
			n++
		}
		in = !sp
	}
	return n
}

// hasOtherSpace reports whether s holds white space other than ' '.
func hasOtherSpace(s string) bool {
	for _, b := range []byte{'\t', '\n', '\v', '\f', '\r'} {
		if strings.IndexByte(s, b) >= 0 {
			return true
		}
	}
	return false
}

// isSpace is the ASCII white space strings.Fields splits terms at (terms
// hold letters, digits and the spaces between them).
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
