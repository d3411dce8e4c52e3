package notify

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A mention is "@" at the start of a word followed by an agent's email
// address, or by the part of it before the "@" when only one agent has
// that part ("@alice" for alice@example.com). Code (fenced blocks and
// `spans`) mentions nobody.
var (
	mentionRe = regexp.MustCompile(`@([A-Za-z0-9._%+-]+(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)`)
	fenceRe   = regexp.MustCompile("(?s)```.*?(```|$)|~~~.*?(~~~|$)")
	spanRe    = regexp.MustCompile("`[^`\n]*`")
)

// Mentions returns the handles mentioned in a Markdown body, lower-cased,
// each once, in order.
func Mentions(body string) []string {
	body = spanRe.ReplaceAllString(fenceRe.ReplaceAllString(body, " "), " ")
	var out []string
	seen := map[string]bool{}
	for _, m := range mentionRe.FindAllStringSubmatchIndex(body, -1) {
		if m[0] > 0 {
			// "bob@example.com" in running text is an address, not a
			// mention: the @ must start a word.
			r, _ := utf8.DecodeLastRuneInString(body[:m[0]])
			if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._%+-@/", r) {
				continue
			}
		}
		h := strings.ToLower(strings.TrimRight(body[m[2]:m[3]], "._-"))
		if h == "" || seen[h] {
			continue
		}
		seen[h] = true
		out = append(out, h)
	}
	return out
}

// agent is someone who can be mentioned.
type agent struct {
	ID    int64
	Email string
	Role  string
}

// resolve picks the agents the handles name: by whole address, or by the
// part before the @ when it is one agent's only. Unknown and ambiguous
// handles name nobody.
func resolve(handles []string, agents []agent) []agent {
	byEmail := map[string]agent{}
	byLocal := map[string][]agent{}
	for _, a := range agents {
		e := strings.ToLower(a.Email)
		byEmail[e] = a
		local, _, _ := strings.Cut(e, "@")
		byLocal[local] = append(byLocal[local], a)
	}
	var out []agent
	seen := map[int64]bool{}
	for _, h := range handles {
		a, ok := byEmail[h]
		if !ok {
			if l := byLocal[h]; len(l) == 1 {
				a, ok = l[0], true
			}
		}
		if ok && !seen[a.ID] {
			seen[a.ID] = true
			out = append(out, a)
		}
	}
	return out
}
