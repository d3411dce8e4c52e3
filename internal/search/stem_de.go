package search

import "strings"

// StemGerman reduces a lowercase German word to its stem with the Snowball
// German algorithm, so that "Verbindung", "Verbindungen" and "verbinden"
// meet, and umlauts become plain vowels.
func StemGerman(word string) string {
	w := []rune(strings.ReplaceAll(word, "ß", "ss"))
	// u and y between vowels are consonants: mark them U and Y.
	for i := 1; i+1 < len(w); i++ {
		if deVowel(w[i-1]) && deVowel(w[i+1]) {
			switch w[i] {
			case 'u':
				w[i] = 'U'
			case 'y':
				w[i] = 'Y'
			}
		}
	}
	r1, r2 := deRegions(w)
	w = deStep1(w, r1)
	w = deStep2(w, r1)
	w = deStep3(w, r1, r2)
	for i, c := range w {
		switch c {
		case 'U', 'ü':
			w[i] = 'u'
		case 'Y':
			w[i] = 'y'
		case 'ä':
			w[i] = 'a'
		case 'ö':
			w[i] = 'o'
		}
	}
	return string(w)
}

func deVowel(c rune) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y', 'ä', 'ö', 'ü':
		return true
	}
	return false
}

// deRegions returns where R1 and R2 start; R1 leaves at least three
// letters before it.
func deRegions(w []rune) (int, int) {
	after := func(from int) int {
		for i := from + 1; i < len(w); i++ {
			if !deVowel(w[i]) && deVowel(w[i-1]) {
				return i + 1
			}
		}
		return len(w)
	}
	r1 := after(0)
	r2 := len(w)
	if r1 < len(w) {
		r2 = after(r1)
	}
	if r1 < 3 {
		r1 = min(3, len(w))
	}
	return r1, r2
}

func runeSuffix(w []rune, s string) bool { return strings.HasSuffix(string(w), s) }

// cut removes the suffix s (known to be there) when it starts in the region
// from; ok reports whether it did.
func cut(w []rune, s string, from int) ([]rune, bool) {
	n := len(w) - len([]rune(s))
	if n < from {
		return w, false
	}
	return w[:n], true
}

func deStep1(w []rune, r1 int) []rune {
	for _, s := range []string{"ern", "em", "er", "en", "es", "e", "s"} {
		if !runeSuffix(w, s) {
			continue
		}
		n := len(w) - len([]rune(s))
		if s == "s" && (n == 0 || !strings.ContainsRune("bdfghklmnrt", w[n-1])) {
			return w
		}
		out, ok := cut(w, s, r1)
		if ok && (s == "en" || s == "es" || s == "e") && runeSuffix(out, "niss") {
			out = out[:len(out)-1]
		}
		return out
	}
	return w
}

func deStep2(w []rune, r1 int) []rune {
	for _, s := range []string{"est", "en", "er", "st"} {
		if !runeSuffix(w, s) {
			continue
		}
		n := len(w) - len([]rune(s))
		if s == "st" && (n < 4 || !strings.ContainsRune("bdfghklmnt", w[n-1])) {
			return w
		}
		out, _ := cut(w, s, r1)
		return out
	}
	return w
}

func deStep3(w []rune, r1, r2 int) []rune {
	for _, s := range []string{"heit", "isch", "keit", "lich", "end", "ung", "ig", "ik"} {
		if !runeSuffix(w, s) {
			continue
		}
		out, ok := cut(w, s, r2)
		if !ok {
			return w
		}
		switch s {
		case "end", "ung":
			if runeSuffix(out, "ig") && !runeSuffix(out, "eig") && len(out)-2 >= r2 {
				out = out[:len(out)-2]
			}
		case "ig", "ik", "isch":
			if runeSuffix(out, "e") {
				return w
			}
		case "lich", "heit":
			if (runeSuffix(out, "er") || runeSuffix(out, "en")) && len(out)-2 >= r1 {
				out = out[:len(out)-2]
			}
		case "keit":
			for _, p := range []string{"lich", "ig"} {
				if runeSuffix(out, p) && len(out)-len(p) >= r2 {
					out = out[:len(out)-len(p)]
					break
				}
			}
		}
		return out
	}
	return w
}
