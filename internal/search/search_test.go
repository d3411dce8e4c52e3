package search

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	q, err := Parse(`status:open,pending assignee:me "VPN timeout" printer* tag:vpn Über-weird:thing`)
	if err != nil {
		t.Fatal(err)
	}
	wantTerms := []Term{{"status", []string{"open", "pending"}}, {"assignee", []string{"me"}}, {"tag", []string{"vpn"}}}
	if !reflect.DeepEqual(q.Terms, wantTerms) {
		t.Errorf("terms = %#v, want %#v", q.Terms, wantTerms)
	}
	wantPhrases := []Phrase{{Words: []string{"vpn", "timeout"}}, {Words: []string{"printer"}, Prefix: true},
		{Words: []string{"über", "weird", "thing"}}}
	if !reflect.DeepEqual(q.Phrases, wantPhrases) {
		t.Errorf("phrases = %#v, want %#v", q.Phrases, wantPhrases)
	}
	// "printer" is its own English stem; German stems it to "print".
	if got, want := FTS5(q), `("vpn timeout") AND ("printer"* OR "print"*) AND ("uber weird thing")`; got != want {
		t.Errorf("FTS5 = %s, want %s", got, want)
	}
	if got, want := TSQuery(q), `(('vpn' <-> 'timeout')) & (('printer':*) | ('print':*)) & (('uber' <-> 'weird' <-> 'thing'))`; got != want {
		t.Errorf("TSQuery = %s, want %s", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	for _, s := range []string{"status:", strings.Repeat("a ", 600), strings.Repeat("w ", 21), "\xff"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
}

func TestInjectionIsQuoted(t *testing.T) {
	q, _ := Parse(`a" OR b NEAR(c) ' & ! :*`)
	// Outside its quoted words the expression holds only its own operators.
	f := FTS5(q)
	for i, part := range strings.Split(f, `"`) {
		if i%2 == 0 && strings.Trim(part, "()* ANDOR") != "" {
			t.Errorf("FTS5 passes syntax through: %s", f)
		}
	}
	for _, p := range q.Phrases {
		for _, w := range p.Words {
			if strings.ContainsAny(w, `"'&!:*()`) {
				t.Errorf("word %q keeps syntax characters", w)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"status:open vpn", `"a b" c*`, `x:y:z "unterminated`, "tag:,,,", "ü*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			return
		}
		for _, p := range q.Phrases {
			if len(p.Words) == 0 {
				t.Fatalf("empty phrase from %q", s)
			}
		}
		_ = FTS5(q)
		_ = TSQuery(q)
	})
}

func TestQuotedValues(t *testing.T) {
	q, err := Parse(`team:"Service Desk" category:"Printers & scanners" vpn`)
	if err != nil {
		t.Fatal(err)
	}
	if got := q.Values("team"); len(got) != 1 || got[0] != "Service Desk" {
		t.Errorf("team = %q", got)
	}
	if got := q.Values("category"); len(got) != 1 || got[0] != "Printers & scanners" {
		t.Errorf("category = %q", got)
	}
	if len(q.Phrases) != 1 || q.Phrases[0].Words[0] != "vpn" {
		t.Errorf("phrases = %+v", q.Phrases)
	}
	if _, err := Parse(`team:"unclosed`); err == nil {
		t.Error("an unclosed quoted value was accepted")
	}
}

func TestRange(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	d := func(s string) time.Time { x, _ := time.Parse(time.DateOnly, s); return x }
	cases := []struct {
		in       string
		from, to time.Time
	}{
		{">2026-01-01", d("2026-01-02"), time.Time{}},
		{">=2026-01-01", d("2026-01-01"), time.Time{}},
		{"<2026-01-01", time.Time{}, d("2026-01-01")},
		{"<=2026-01-01", time.Time{}, d("2026-01-02")},
		{"2026-01-01..2026-01-31", d("2026-01-01"), d("2026-02-01")},
		{"2026-01-05", d("2026-01-05"), d("2026-01-06")},
		{">-7d", now.Add(-7 * 24 * time.Hour), time.Time{}},
		{"<-24h", time.Time{}, now.Add(-24 * time.Hour)},
	}
	for _, c := range cases {
		from, to, err := Range(c.in, now)
		if err != nil {
			t.Errorf("Range(%q): %v", c.in, err)
			continue
		}
		if (from == nil) != c.from.IsZero() || from != nil && !from.Equal(c.from) || (to == nil) != c.to.IsZero() || to != nil && !to.Equal(c.to) {
			t.Errorf("Range(%q) = %v, %v; want %v, %v", c.in, from, to, c.from, c.to)
		}
	}
	for _, bad := range []string{"yesterday", ">2026-13-01", "-7d", ">-7w", "2026-01-01..x"} {
		if _, _, err := Range(bad, now); err == nil {
			t.Errorf("Range(%q) accepted", bad)
		}
	}
}

// TestCountAndWeightedTSQuery: a Counter finds a phrase as the index
// would (inflections, prefixes, word order; a word whose stems agree
// counts in both languages' terms, here 3 × 2) and TSQueryIn restricts
// every lexeme to the weights asked for.
func TestCountAndWeightedTSQuery(t *testing.T) {
	terms := Terms("The quota is exceeded. Quota exceeded again, and the quota stays full.")
	for _, c := range []struct {
		query string
		want  int
	}{{"quota", 6}, {`"quota exceeded"`, 1}, {"quot*", 6}, {`"exceeded quota"`, 1}, {`"full quota"`, 0}, {"scanner", 0}} {
		q, err := Parse(c.query)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]int, 1)
		if NewCounter(q.Phrases).Count(terms, 1, got); got[0] != c.want {
			t.Errorf("Count(%s) = %d, want %d (terms %q)", c.query, got[0], c.want, terms)
		}
	}
	q, _ := Parse(`quota print*`)
	if got, want := TSQueryIn(q, "A"), `(('quota':A)) & (('print':*A))`; got != want {
		t.Errorf("TSQueryIn = %s, want %s", got, want)
	}
}

// TestCountReusesItsWords: one Counter counts document after document as
// a new one would, words being the runs between spaces, and finds them in
// place: counting allocates nothing (splitting each document into
// strings was a third of a relevance's ranking time).
func TestCountReusesItsWords(t *testing.T) {
	q, err := Parse(`printer "quota exceeded" vpn*`)
	if err != nil {
		t.Fatal(err)
	}
	docs := []string{
		Terms("The printer on floor two is jammed; printer queue stuck."),
		"",
		"   ",
		Terms("Quota exceeded on the VPN gateway, quota exceeded twice: vpns down"),
		"printer  printer\tquota\nexceeded",
		" quota  exceeded printers printer",
	}
	c := NewCounter(q.Phrases)
	for _, d := range docs {
		got, want := make([]int, 3), make([]int, 3)
		n := c.Count(d, 2, got)
		m := countByFields(q, d, 2, want)
		if !slices.Equal(got, want) || n != m {
			t.Errorf("Count(%q) = %v, %d words; want %v, %d", d, got, n, want, m)
		}
	}
	counts := make([]int, 3)
	if allocs := testing.AllocsPerRun(100, func() { c.Count(docs[3], 1, counts) }); allocs != 0 {
		t.Errorf("Count allocates %.0f times a document", allocs)
	}
}

// TestCountAgreesWithSplitting: Count, which looks for a phrase where its
// first word is found in the terms, counts what splitting the terms into
// words and comparing them counts, over random documents (words that
// begin, end or contain another, runs of mixed white space) and phrases
// of one to three words, prefixes among them.
func TestCountAgreesWithSplitting(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 13))
	vocab := []string{"a", "ab", "abc", "b", "ba", "print", "printer", "printers", "quota", "quot", "exceed"}
	spaces := []string{" ", " ", " ", " ", "  ", "\t", "\n", " \r\n"}
	for range 3000 {
		var b strings.Builder
		if r.IntN(8) == 0 {
			b.WriteString(spaces[r.IntN(len(spaces))])
		}
		for i := range r.IntN(12) {
			if i > 0 {
				b.WriteString(spaces[r.IntN(len(spaces))])
			}
			b.WriteString(vocab[r.IntN(len(vocab))])
		}
		if r.IntN(8) == 0 {
			b.WriteString(spaces[r.IntN(len(spaces))])
		}
		words := make([]string, 1+r.IntN(3))
		for i := range words {
			words[i] = vocab[r.IntN(len(vocab))]
		}
		text := strings.Join(words, " ")
		if len(words) > 1 {
			text = `"` + text + `"`
		}
		if r.IntN(3) == 0 {
			text += "*"
		}
		q, err := Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		doc := b.String()
		got, want := make([]int, len(q.Phrases)), make([]int, len(q.Phrases))
		n, m := NewCounter(q.Phrases).Count(doc, 3, got), countByFields(q, doc, 3, want)
		if !slices.Equal(got, want) || n != m {
			t.Fatalf("Count(%q) of %s = %v, %d words; splitting counts %v, %d", doc, text, got, n, want, m)
		}
	}
}

// countByFields is what Count counted before it found words in place (the
// terms split by strings.Fields, the phrase compared at every word): the
// reference Count must agree with.
func countByFields(q Query, terms string, weight int, counts []int) int {
	doc := strings.Fields(terms)
	for k, p := range q.Phrases {
		best := 0
		for _, v := range Variants(p) {
			n := 0
		at:
			for i := 0; i+len(v) <= len(doc); i++ {
				for j, w := range v {
					if doc[i+j] != w && !(p.Prefix && j == len(v)-1 && strings.HasPrefix(doc[i+j], w)) {
						continue at
					}
				}
				n++
			}
			best = max(best, n)
		}
		counts[k] += weight * best
	}
	return len(doc)
}

// BenchmarkCount counts three phrases in the terms of a help desk
// message, as relevance does for each of a search's documents.
func BenchmarkCount(b *testing.B) {
	q, err := Parse(`printer "password reset" vpn*`)
	if err != nil {
		b.Fatal(err)
	}
	terms := Terms(strings.Repeat("The printer on the third floor is not working since this morning; "+
		"please reset my password, the VPN disconnects every few minutes and Outlook cannot sync. ", 4))
	c, counts := NewCounter(q.Phrases), make([]int, 3)
	b.SetBytes(int64(len(terms)))
	for b.Loop() {
		c.Count(terms, 1, counts)
	}
}

// TestRepeatedPhrasesMatchOnce: a phrase given twice is one condition of
// the tsquery (PostgreSQL estimated "disconnects disconnects disconnects"
// as a word in a thousandth of the tickets and read all of a tenth to sort
// them), and Distinct keeps each phrase once, in order.
func TestRepeatedPhrasesMatchOnce(t *testing.T) {
	for _, c := range []struct{ query, once string }{
		{"disconnects disconnects disconnects", "disconnects"},
		{"printer vpn printer", "printer vpn"},
		{`print* "paper jam" print* "paper jam"`, `print* "paper jam"`},
	} {
		q, err := Parse(c.query)
		if err != nil {
			t.Fatal(err)
		}
		once, _ := Parse(c.once)
		if got, want := TSQuery(q), TSQuery(once); got != want {
			t.Errorf("TSQuery(%s) = %s, want %s", c.query, got, want)
		}
		if got := Distinct(q.Phrases); !reflect.DeepEqual(got, once.Phrases) {
			t.Errorf("Distinct(%s) = %v, want %v", c.query, got, once.Phrases)
		}
	}
	// Different words stay, and a prefix is not its word.
	q, _ := Parse("print print*")
	if got := Distinct(q.Phrases); len(got) != 2 {
		t.Errorf("Distinct(print print*) = %v, want both", got)
	}
}
