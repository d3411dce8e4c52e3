package search

import (
	"reflect"
	"strings"
	"testing"
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
	if got, want := FTS5(q), `"vpn timeout" AND "printer"* AND "über weird thing"`; got != want {
		t.Errorf("FTS5 = %s, want %s", got, want)
	}
	if got, want := TSQuery(q), `('vpn' <-> 'timeout') & ('printer':*) & ('über' <-> 'weird' <-> 'thing')`; got != want {
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
	if f := FTS5(q); strings.Contains(f, "OR") || strings.Contains(f, "NEAR(") {
		t.Errorf("FTS5 passes syntax through: %s", f)
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
