// Package markup turns what people write (Markdown) and what email carries
// (HTML) into HTML that is safe to show in Docket's pages.
package markup

import (
	"bytes"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	nethtml "golang.org/x/net/html"
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
func HTML(src string) string { return sanitizer().Sanitize(dropStrayEndTags(src)) }

// skipContent are the elements whose content the sanitizer drops (its
// default list). It counts them open and closed in one counter, so an end
// tag that nothing opened would make the next such element hide all that
// follows it.
var skipContent = map[string]bool{"frame": true, "frameset": true, "iframe": true, "noembed": true, "noframes": true,
	"noscript": true, "nostyle": true, "object": true, "script": true, "style": true, "title": true}

// dropStrayEndTags removes end tags of skipContent elements that are not
// open, and leaves everything else byte for byte.
func dropStrayEndTags(src string) string {
	if !strings.Contains(src, "</") {
		return src
	}
	var b strings.Builder
	b.Grow(len(src))
	open := map[string]int{}
	z := nethtml.NewTokenizer(strings.NewReader(src))
	z.SetMaxBuf(0)
	for {
		tt := z.Next()
		raw := z.Raw()
		if tt == nethtml.ErrorToken {
			b.Write(raw) // whatever the tokenizer left unread at the end
			return b.String()
		}
		if tt == nethtml.StartTagToken || tt == nethtml.EndTagToken {
			name, _ := z.TagName()
			if n := string(name); skipContent[n] {
				if tt == nethtml.StartTagToken {
					open[n]++
				} else if open[n] == 0 {
					continue
				} else {
					open[n]--
				}
			}
		}
		b.Write(raw)
	}
}
