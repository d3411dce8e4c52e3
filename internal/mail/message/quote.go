package message

import (
	"regexp"
	"strings"
)

var (
	// Attribution lines: "On Tue, 3 Mar 2026 at 10:00, Ann <a@x> wrote:"
	// and the common translations. Gmail may wrap it onto two lines.
	attributionRe = regexp.MustCompile(`(?i)^(on|am|le|el|il|op|em|den|dne|w dniu)\s.{0,300}(wrote|schrieb|a écrit|escribió|ha scritto|schreef|escreveu|skrev|napsal|napisał\(a\))\s*:?\s*$`)
	schriebRe     = regexp.MustCompile(`(?i)^am\s.{0,200}\sschrieb\s.{0,200}:\s*$`)
	wroteTailRe   = regexp.MustCompile(`(?i)(wrote|schrieb|a écrit|escribió|ha scritto|schreef|escreveu|skrev)\s*:\s*$`)
	originalRe    = regexp.MustCompile(`(?i)^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht|исходное сообщение)\s*-{2,}\s*$`)
	forwardedRe   = regexp.MustCompile(`(?i)(forwarded message|begin forwarded message|weitergeleitete nachricht|message transféré)`)
	underscoreRe  = regexp.MustCompile(`^\s*_{10,}\s*$`)
	outlookFromRe = regexp.MustCompile(`(?i)^\s*\*?(from|von|de|van|от)\s*:\*?\s+\S`)
	outlookNextRe = regexp.MustCompile(`(?i)^\s*\*?(sent|date|gesendet|envoyé|enviado|verzonden|отправлено|to)\s*:`)
	mobileSigRe   = regexp.MustCompile(`(?i)^\s*(sent from my (iphone|ipad|android|samsung|galaxy|mobile|blackberry)|sent from (outlook|mail) for (ios|android|windows)|get outlook for (ios|android)|von meinem iphone gesendet|envoyé de mon iphone)\b`)
)

// QuoteStart returns the byte offset in text where quoted history or the
// signature begins, or -1 if there is none. It recognises the signature
// delimiter "-- ", attribution lines ("On … wrote:"), Outlook's
// "-----Original Message-----" and "From:/Sent:" header blocks, mobile
// signatures, and a trailing block of "> " quoted lines. Nothing is
// removed: the UI folds text[QuoteStart:].
func QuoteStart(text string) int {
	if text == "" {
		return -1
	}
	lines := strings.SplitAfter(text, "\n")
	// trailingQuote[i]: lines i.. are only quoted, blank, or start a signature.
	trailingQuote := make([]bool, len(lines)+1)
	trailingQuote[len(lines)] = true
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimRight(lines[i], "\r\n")
		switch {
		case isSigDelimiter(l):
			trailingQuote[i] = true
		case strings.TrimSpace(l) == "":
			trailingQuote[i] = trailingQuote[i+1]
		case strings.HasPrefix(strings.TrimLeft(l, " "), ">"):
			trailingQuote[i] = trailingQuote[i+1]
		default:
			trailingQuote[i] = false
		}
	}
	off := 0
	for i, raw := range lines {
		l := strings.TrimRight(raw, "\r\n")
		next := ""
		if i+1 < len(lines) {
			next = strings.TrimRight(lines[i+1], "\r\n")
		}
		switch {
		case isSigDelimiter(l),
			attributionRe.MatchString(l),
			schriebRe.MatchString(l),
			originalRe.MatchString(l),
			mobileSigRe.MatchString(l),
			strings.HasPrefix(strings.ToLower(l), "on ") && len(l) < 300 && !strings.HasSuffix(l, ".") && wroteTailRe.MatchString(next),
			underscoreRe.MatchString(l) && outlookFromRe.MatchString(next),
			outlookFromRe.MatchString(l) && outlookNextRe.MatchString(next) && i > 0 && !forwardedRe.MatchString(lines[i-1]),
			strings.HasPrefix(strings.TrimLeft(l, " "), ">") && trailingQuote[i]:
			return off
		}
		off += len(raw)
	}
	return -1
}

func isSigDelimiter(l string) bool { return l == "-- " || l == "--" }
