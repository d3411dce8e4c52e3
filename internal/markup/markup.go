// Package markup turns what people write (Markdown) and what email carries
// (HTML) into HTML that is safe to show in Docket's pages.
package markup

import (
	"bytes"
	"regexp"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
)

// Goldmark escapes raw HTML by default (no WithUnsafe); the sanitizer below
// is the second line of defence.
var md = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithRendererOptions(gmhtml.WithHardWraps()),
)

var (
	policyOnce sync.Once
	policy     *bluemonday.Policy
)

// Images may only come from our own attachments (relative URLs) or inline
// cid: parts; a remote image would tell the sender that the message was
// read. data: URLs are not allowed anywhere.
var safeImageSrc = regexp.MustCompile(`^(/[^/\\]|cid:)`)

func sanitizer() *bluemonday.Policy {
	policyOnce.Do(func() {
		p := bluemonday.NewPolicy()
		p.AllowStandardURLs()
		p.AllowURLSchemes("http", "https", "mailto", "cid")
		p.AllowRelativeURLs(true)
		p.AllowElements("p", "br", "hr", "b", "strong", "i", "em", "u", "s", "del", "ins", "sub", "sup", "small",
			"blockquote", "pre", "code", "kbd", "ul", "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
			"span", "div", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "abbr", "mark")
		p.AllowAttrs("href").OnElements("a")
		p.AllowAttrs("title").Globally()
		p.AllowAttrs("colspan", "rowspan", "align").OnElements("td", "th")
		p.AllowAttrs("start").OnElements("ol")
		p.AllowAttrs("checked", "disabled").OnElements("input")
		p.AllowAttrs("type").Matching(regexp.MustCompile(`^checkbox$`)).OnElements("input")
		p.AllowAttrs("src").Matching(safeImageSrc).OnElements("img")
		p.AllowAttrs("alt", "width", "height").OnElements("img")
		p.RequireNoFollowOnLinks(true)
		p.RequireNoReferrerOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(true)
		policy = p
	})
	return policy
}

// Markdown renders Markdown to sanitized HTML.
func Markdown(src string) string {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		// goldmark only fails on writer errors, which a bytes.Buffer has none of.
		return sanitizer().Sanitize(src)
	}
	return sanitizer().Sanitize(buf.String())
}

// HTML sanitizes HTML from an untrusted source (email) to the safe subset.
func HTML(src string) string { return sanitizer().Sanitize(src) }
