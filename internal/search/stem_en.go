package search

import "strings"

// StemEnglish reduces a lowercase English word to its stem with the
// Snowball English ("Porter2") algorithm, so that "disconnects",
// "disconnected" and "disconnecting" all become "disconnect".
func StemEnglish(word string) string {
	if len(word) <= 2 || !isASCIILower(word) {
		return word
	}
	if s, ok := enExceptions[word]; ok {
		return s
	}
	w := []byte(word)
	// y at the start or after a vowel is a consonant: mark it Y.
	for i := range w {
		if w[i] == 'y' && (i == 0 || enVowel(w[i-1])) {
			w[i] = 'Y'
		}
	}
	r1, r2 := enRegions(w)
	w = enStep1a(w)
	if enKeep1a[string(w)] {
		return string(w)
	}
	w = enStep1b(w, r1)
	w = enStep1c(w)
	w = enStep2(w, r1)
	w = enStep3(w, r1, r2)
	w = enStep4(w, r2)
	w = enStep5(w, r1, r2)
	return strings.ReplaceAll(string(w), "Y", "y")
}

func isASCIILower(s string) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] < 'a' || s[i] > 'z') && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}

var enExceptions = map[string]string{
	"skis": "ski", "skies": "sky", "dying": "die", "lying": "lie", "tying": "tie", "idly": "idl", "gently": "gentl",
	"ugly": "ugli", "early": "earli", "only": "onli", "singly": "singl", "sky": "sky", "news": "news", "howe": "howe",
	"atlas": "atlas", "cosmos": "cosmos", "bias": "bias", "andes": "andes",
}

var enKeep1a = map[string]bool{"inning": true, "outing": true, "canning": true, "herring": true, "earring": true,
	"proceed": true, "exceed": true, "succeed": true}

func enVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

// enRegions returns where R1 and R2 start.
func enRegions(w []byte) (int, int) {
	after := func(from int) int {
		for i := from + 1; i < len(w); i++ {
			if !enVowel(w[i]) && enVowel(w[i-1]) {
				return i + 1
			}
		}
		return len(w)
	}
	r1 := -1
	for _, p := range []string{"gener", "commun", "arsen"} {
		if strings.HasPrefix(string(w), p) {
			r1 = len(p)
		}
	}
	if r1 < 0 {
		r1 = after(0)
	}
	r2 := len(w)
	if r1 < len(w) {
		r2 = after(r1)
	}
	return r1, r2
}

// shortSyllableAt reports whether w[:end] ends in a short syllable.
func shortSyllableAt(w []byte, end int) bool {
	if end == 2 {
		return enVowel(w[0]) && !enVowel(w[1])
	}
	if end < 3 {
		return false
	}
	a, b, c := w[end-3], w[end-2], w[end-1]
	return !enVowel(a) && enVowel(b) && !enVowel(c) && c != 'w' && c != 'x' && c != 'Y'
}

func hasSuffix(w []byte, s string) bool { return strings.HasSuffix(string(w), s) }

func hasVowel(w []byte) bool {
	for _, c := range w {
		if enVowel(c) {
			return true
		}
	}
	return false
}

func enStep1a(w []byte) []byte {
	switch {
	case hasSuffix(w, "sses"):
		return w[:len(w)-2]
	case hasSuffix(w, "ied"), hasSuffix(w, "ies"):
		if len(w) > 4 {
			return w[:len(w)-2]
		}
		return w[:len(w)-1]
	case hasSuffix(w, "us"), hasSuffix(w, "ss"):
		return w
	case hasSuffix(w, "s"):
		if len(w) >= 3 && hasVowel(w[:len(w)-2]) {
			return w[:len(w)-1]
		}
	}
	return w
}

func enStep1b(w []byte, r1 int) []byte {
	for _, s := range []string{"eedly", "eed"} {
		if hasSuffix(w, s) {
			if len(w)-len(s) >= r1 {
				return append(w[:len(w)-len(s)], "ee"...)
			}
			return w
		}
	}
	for _, s := range []string{"ingly", "edly", "ing", "ed"} {
		if !hasSuffix(w, s) {
			continue
		}
		stem := w[:len(w)-len(s)]
		if !hasVowel(stem) {
			return w
		}
		w = stem
		switch {
		case hasSuffix(w, "at"), hasSuffix(w, "bl"), hasSuffix(w, "iz"):
			return append(w, 'e')
		case len(w) >= 2 && w[len(w)-1] == w[len(w)-2] && strings.IndexByte("bdfgmnprt", w[len(w)-1]) >= 0:
			return w[:len(w)-1]
		case r1 >= len(w) && shortSyllableAt(w, len(w)):
			return append(w, 'e')
		}
		return w
	}
	return w
}

func enStep1c(w []byte) []byte {
	if n := len(w); n > 2 && (w[n-1] == 'y' || w[n-1] == 'Y') && !enVowel(w[n-2]) {
		w[n-1] = 'i'
	}
	return w
}

var enStep2Suffixes = []struct{ from, to string }{
	{"ization", "ize"}, {"ational", "ate"}, {"fulness", "ful"}, {"ousness", "ous"}, {"iveness", "ive"},
	{"tional", "tion"}, {"biliti", "ble"}, {"lessli", "less"}, {"entli", "ent"}, {"ation", "ate"}, {"alism", "al"},
	{"aliti", "al"}, {"ousli", "ous"}, {"iviti", "ive"}, {"fulli", "ful"}, {"enci", "ence"}, {"anci", "ance"},
	{"abli", "able"}, {"izer", "ize"}, {"ator", "ate"}, {"alli", "al"}, {"bli", "ble"}, {"ogi", "og"}, {"li", ""},
}

func enStep2(w []byte, r1 int) []byte {
	for _, s := range enStep2Suffixes {
		if !hasSuffix(w, s.from) {
			continue
		}
		stem := len(w) - len(s.from)
		if stem < r1 {
			return w
		}
		switch s.from {
		case "ogi":
			if stem == 0 || w[stem-1] != 'l' {
				return w
			}
		case "li":
			if stem == 0 || strings.IndexByte("cdeghkmnrt", w[stem-1]) < 0 {
				return w
			}
		}
		return append(w[:stem], s.to...)
	}
	return w
}

var enStep3Suffixes = []struct{ from, to string }{
	{"ational", "ate"}, {"tional", "tion"}, {"alize", "al"}, {"icate", "ic"}, {"iciti", "ic"}, {"ative", ""},
	{"ical", "ic"}, {"ness", ""}, {"ful", ""},
}

func enStep3(w []byte, r1, r2 int) []byte {
	for _, s := range enStep3Suffixes {
		if !hasSuffix(w, s.from) {
			continue
		}
		stem := len(w) - len(s.from)
		if stem < r1 || s.from == "ative" && stem < r2 {
			return w
		}
		return append(w[:stem], s.to...)
	}
	return w
}

var enStep4Suffixes = []string{"ement", "ance", "ence", "able", "ible", "ment", "ant", "ent", "ism", "ate", "iti",
	"ous", "ive", "ize", "ion", "al", "er", "ic"}

func enStep4(w []byte, r2 int) []byte {
	for _, s := range enStep4Suffixes {
		if !hasSuffix(w, s) {
			continue
		}
		stem := len(w) - len(s)
		if stem < r2 {
			return w
		}
		if s == "ion" && (stem == 0 || w[stem-1] != 's' && w[stem-1] != 't') {
			return w
		}
		return w[:stem]
	}
	return w
}

func enStep5(w []byte, r1, r2 int) []byte {
	n := len(w)
	switch {
	case n > 0 && w[n-1] == 'e':
		if n-1 >= r2 || n-1 >= r1 && !shortSyllableAt(w, n-1) {
			return w[:n-1]
		}
	case n > 1 && w[n-1] == 'l' && w[n-2] == 'l':
		if n-1 >= r2 {
			return w[:n-1]
		}
	}
	return w
}
