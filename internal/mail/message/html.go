package message

import (
	"html"
	"strings"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/docket/docket/internal/markup"
)

// RemoteImageMarker is the visible text that stands in for a remote image.
const RemoteImageMarker = "[remote image]"

// SanitizeHTML makes email HTML safe to show: before internal/markup's
// sanitizer runs, remote images are replaced with a link (so nothing loads
// until the reader clicks it), tracking pixels are dropped, images that
// are neither cid: nor remote are reduced to their alt text, links that
// are not absolute http(s)/mailto/# are unlinked, and Gmail's quote
// becomes a blockquote. The markup
// sanitizer then removes scripts, event handlers, styles, iframes and forms.
func SanitizeHTML(src string) string {
	var b strings.Builder
	b.Grow(len(src))
	z := nethtml.NewTokenizer(strings.NewReader(src))
	z.SetMaxBuf(0)
	var divs []bool // open <div>s; true for a Gmail quote turned into a blockquote
	for {
		tt := z.Next()
		if tt == nethtml.ErrorToken {
			break
		}
		tok := z.Token()
		switch {
		case tt == nethtml.StartTagToken && tok.DataAtom == atom.Div:
			quote := isGmailQuote(tok)
			divs = append(divs, quote)
			if quote {
				b.WriteString("<blockquote>")
				continue
			}
		case tt == nethtml.EndTagToken && tok.DataAtom == atom.Div && len(divs) > 0:
			quote := divs[len(divs)-1]
			divs = divs[:len(divs)-1]
			if quote {
				b.WriteString("</blockquote>")
				continue
			}
		case tt == nethtml.StartTagToken || tt == nethtml.SelfClosingTagToken:
			switch tok.DataAtom {
			case atom.Img:
				writeImage(&b, tok)
				continue
			case atom.A:
				tok.Attr = safeLinkAttrs(tok.Attr)
			}
		}
		b.WriteString(tok.String())
	}
	return strings.TrimSpace(markup.HTML(b.String()))
}

// isGmailQuote reports Gmail's <div class="gmail_quote">, which holds the
// attribution line ("On ... wrote:") and the quoted message. The sanitizer
// drops class attributes, so it becomes a <blockquote>, which the
// workspace folds like any quoted history.
func isGmailQuote(tok nethtml.Token) bool {
	class, _ := attr(tok, "class")
	for _, c := range strings.Fields(class) {
		if c == "gmail_quote" {
			return true
		}
	}
	return false
}

func attr(tok nethtml.Token, name string) (string, bool) {
	for _, a := range tok.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

func writeImage(b *strings.Builder, tok nethtml.Token) {
	src, _ := attr(tok, "src")
	src = strings.TrimSpace(src)
	alt, _ := attr(tok, "alt")
	alt = normalizeSpace(alt)
	lower := strings.ToLower(src)
	switch {
	case strings.HasPrefix(lower, "cid:"):
		b.WriteString(`<img src="`)
		b.WriteString(html.EscapeString(src))
		b.WriteString(`"`)
		for _, k := range []string{"alt", "width", "height"} {
			if v, ok := attr(tok, k); ok {
				b.WriteString(" " + k + `="` + html.EscapeString(v) + `"`)
			}
		}
		b.WriteString(">")
	case strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "//"):
		if isTrackingPixel(tok) {
			return
		}
		if strings.HasPrefix(src, "//") {
			src = "https:" + src
		}
		label := RemoteImageMarker
		if alt != "" {
			label = "[remote image: " + alt + "]"
		}
		b.WriteString(`<a href="`)
		b.WriteString(html.EscapeString(src))
		b.WriteString(`" title="Remote image, not loaded. Click to open.">`)
		b.WriteString(html.EscapeString(label))
		b.WriteString("</a>")
	default:
		// data:, relative and other URLs never load; keep the alt text.
		if alt != "" {
			b.WriteString(html.EscapeString("[image: " + alt + "]"))
		}
	}
}

// isTrackingPixel reports 0/1-pixel or hidden images.
func isTrackingPixel(tok nethtml.Token) bool {
	tiny := func(v string) bool {
		v = strings.TrimSuffix(strings.TrimSpace(v), "px")
		return v == "0" || v == "1"
	}
	if w, ok := attr(tok, "width"); ok && tiny(w) {
		return true
	}
	if h, ok := attr(tok, "height"); ok && tiny(h) {
		return true
	}
	style, _ := attr(tok, "style")
	style = strings.ReplaceAll(strings.ToLower(style), " ", "")
	return strings.Contains(style, "display:none") || strings.Contains(style, "width:1px") ||
		strings.Contains(style, "height:1px") || strings.Contains(style, "width:0") || strings.Contains(style, "visibility:hidden")
}

// safeLinkAttrs drops href values other than absolute http(s), mailto and
// in-page anchors: a relative link in an email would point at Docket itself.
func safeLinkAttrs(attrs []nethtml.Attribute) []nethtml.Attribute {
	out := attrs[:0]
	for _, a := range attrs {
		if a.Key == "href" {
			v := strings.ToLower(strings.TrimSpace(a.Val))
			if !(strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "mailto:") || strings.HasPrefix(v, "#")) {
				continue
			}
		}
		out = append(out, a)
	}
	return out
}
