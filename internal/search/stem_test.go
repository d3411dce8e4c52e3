package search

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// Cases from the Snowball project's English and German vocabularies.
func TestStemEnglish(t *testing.T) {
	for in, want := range map[string]string{
		"consign": "consign", "consigned": "consign", "consignment": "consign", "consistency": "consist",
		"consistently": "consist", "consolation": "consol", "consolatory": "consolatori", "consoles": "consol",
		"consolidated": "consolid", "consolingly": "consol", "conspicuously": "conspicu", "conspiracy": "conspiraci",
		"conspirators": "conspir", "constables": "constabl", "constancy": "constanc", "knackeries": "knackeri",
		"kneeled": "kneel", "knightly": "knight", "knitting": "knit", "knives": "knive", "knocker": "knocker",
		"generously": "generous", "happy": "happi", "cried": "cri", "ties": "tie", "hopping": "hop", "hoped": "hope",
		"connection": "connect", "printers": "printer", "running": "run", "disconnects": "disconnect",
		"disconnected": "disconnect", "disconnecting": "disconnect", "skies": "sky", "news": "news", "gas": "gas",
		"caresses": "caress", "agreed": "agre", "feed": "feed", "by": "by", "say": "say", "1001": "1001",
		"relational": "relat", "hopefulness": "hope", "formality": "formal", "electrical": "electr", "adjustment": "adjust",
	} {
		if got := StemEnglish(in); got != want {
			t.Errorf("StemEnglish(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStemGerman(t *testing.T) {
	for in, want := range map[string]string{
		"aufeinanderfolgenden": "aufeinanderfolg", "aufeinanderfolgte": "aufeinanderfolgt", "aufgabe": "aufgab",
		"käufer": "kauf", "häuser": "haus", "verbindung": "verbind", "verbindungen": "verbind",
		"kategorien": "kategori", "ausschließlich": "ausschliess", "ausschlaggebend": "ausschlaggeb",
		"drucker": "druck", "druckers": "druck", "verbindet": "verbindet", "ergebnisse": "ergebnis",
	} {
		if got := StemGerman(in); got != want {
			t.Errorf("StemGerman(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTermsMatchInflections(t *testing.T) {
	if got, want := Terms("VPN disconnects; Café-Verbindungen"), "vpn disconnect cafe verbindungen vpn disconnect cafe verbind"; got != want {
		t.Errorf("Terms = %q, want %q", got, want)
	}
	if got, want := Terms("the printer"), "the printer the print"; got != want {
		t.Errorf("Terms = %q, want %q", got, want)
	}
	if got, want := Terms("ticket 1001"), "ticket 1001"; got != want {
		t.Errorf("Terms = %q, want %q (one stream when the languages agree)", got, want)
	}
	q, _ := Parse("disconnect Verbindung connection*")
	if got, want := FTS5(q), `("disconnect") AND ("verbindung" OR "verbind") AND ("connect"* OR "connection"*)`; got != want {
		t.Errorf("FTS5 = %s, want %s", got, want)
	}
}

// Terms reads a word's stems from the process's memo after the first time:
// the memo's terms are the stemmers' own, for a word seen before, one not,
// and once the memo is full.
func TestTermsFromTheMemoAreTheStemmers(t *testing.T) {
	texts := []string{"Drucker druckers printers printing Verbindungen 1001 1001", "printers Häuser caresses knives",
		"unstemmedzzz words Ausschließlich", "printers Drucker"}
	check := func(when string) {
		t.Helper()
		for _, text := range texts {
			if got, want := Terms(text), stemmedDirectly(text); got != want {
				t.Errorf("%s: Terms(%q) = %q, want %q", when, text, got, want)
			}
		}
	}
	check("first")
	check("memoized")
	if _, ok := stemmed.Load("verbindungen"); !ok {
		t.Error("a stemmed word is not in the memo")
	}
	if _, ok := stemmed.Load("1001"); ok {
		t.Error("a word with a digit is in the memo")
	}
	// A kept entry holds copies: never a slice of the text it came from.
	text := "qx " + strings.Repeat("z", 4096)
	Terms(text)
	if v, ok := stemmed.Load("qx"); !ok {
		t.Error("qx is not in the memo")
	} else {
		lo := uintptr(unsafe.Pointer(unsafe.StringData(text)))
		for _, st := range v.(*[len(stemmers)]string) {
			if p := uintptr(unsafe.Pointer(unsafe.StringData(st))); p >= lo && p < lo+uintptr(len(text)) {
				t.Errorf("the memo's %q is a slice of the text", st)
			}
		}
	}
	n := nStemmed.Load()
	nStemmed.Store(maxStemmed)
	defer nStemmed.Store(n)
	texts = append(texts, "aufeinanderfolgenden knackeries")
	check("memo full")
	if _, ok := stemmed.Load("knackeries"); ok {
		t.Error("a word was memoized past the bound")
	}
}

// A word that ends in a digit skips the stemmers (endsInDigit): each of
// them returns such a word unchanged, whatever letter endings it has
// before its last digit, and Terms writes what the stemmers would.
func TestWordsEndingInADigitAreNotStemmed(t *testing.T) {
	endings := []string{"", "s", "ies", "sses", "ied", "ing", "ingly", "eed", "ed", "y", "ational", "ization", "ness",
		"ement", "ung", "lich", "heit", "keit", "isch", "ern", "em", "est", "end", "ig", "ik", "ly", "al", "ful"}
	r := rand.New(rand.NewPCG(13, 0))
	var all []string
	for range 3000 {
		var b strings.Builder
		for range r.IntN(8) {
			b.WriteByte("abcdeiouyklmnrstxz0123456789"[r.IntN(28)])
		}
		b.WriteString(endings[r.IntN(len(endings))])
		if r.IntN(4) == 0 {
			b.WriteString(endings[r.IntN(len(endings))])
		}
		w := b.String()
		if r.IntN(2) == 0 {
			w += strconv.Itoa(r.IntN(1000)) // ends in a digit
		}
		all = append(all, w)
		if !endsInDigit(w) {
			continue
		}
		for i, stem := range stemmers {
			if got := stem(w); got != w {
				t.Errorf("stemmer %d: %q → %q, want it unchanged", i, w, got)
			}
		}
	}
	for _, w := range []string{"1001", "srv0580", "0x5c573", "v2", "ies1", "häuser2", "straße9", "5ü"} {
		all = append(all, w)
	}
	// Terms of the same words through the memo and the shortcut, the words
	// with a letter at the end stemmed as before.
	text := strings.Join(all, " ")
	if got, want := Terms(text), stemmedDirectly(text); got != want {
		t.Errorf("Terms differs from the stemmers' words")
	}
}

// stemmedDirectly is what Terms writes for text, each word put through
// every stemmer, with no memo and no shortcut: the reference the memo's
// and endsInDigit's tests compare Terms with.
func stemmedDirectly(text string) string {
	var streams []string
	for _, stem := range stemmers {
		var out []string
		for _, w := range words(text) {
			out = append(out, stem(w))
		}
		if s := strings.Join(out, " "); len(streams) == 0 || streams[0] != s {
			streams = append(streams, s)
		}
	}
	return strings.Join(streams, " ")
}
