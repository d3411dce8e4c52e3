package message

import (
	"bytes"
	"html"
	"mime"
	"strings"
	"unicode"

	"github.com/inbucket/html2text"
	"github.com/jhillyerd/enmime/v2"
	nethtml "golang.org/x/net/html"
)

// block is one piece of the body in reading order: a text part, an HTML
// part, or a multipart/alternative that offers the same content as both.
type block struct {
	text, html string // html is sanitized
	hasText    bool
	hasHTML    bool
}

// bodyReader walks the MIME tree: body text goes into blocks, in order;
// every other leaf becomes a Part.
type bodyReader struct {
	dec     *textDecoder
	leaves  []*enmime.Part
	rawHTML strings.Builder // the HTML shown, before sanitizing: for cid: references
}

// readBody reads the body as a mail client shows it: the parts of a
// multipart/mixed one after another (text beside HTML included), one
// alternative of a multipart/alternative (the last non-empty one of the
// richest kind, as RFC 2046 orders them), and of a multipart/related only
// its root, the other parts being the resources it refers to.
func (m *Message) readBody(root *enmime.Part) {
	r := bodyReader{dec: m.dec}
	blocks := r.walk(root, 0)

	rich := false
	for _, b := range blocks {
		rich = rich || b.hasHTML
	}
	var texts, htmls []string
	for _, b := range blocks {
		if b.hasText {
			texts = append(texts, b.text)
		} else {
			// From the sanitized HTML, so unsafe links never reach the text.
			texts = append(texts, htmlToText(b.html))
		}
		if rich {
			if b.hasHTML {
				htmls = append(htmls, b.html)
			} else if strings.TrimSpace(b.text) != "" {
				htmls = append(htmls, textToHTML(b.text))
			}
		}
	}
	m.Text = cleanText(strings.Join(nonEmpty(texts), "\n\n"))
	if rich {
		m.HTML = strings.TrimSpace(strings.Join(nonEmpty(htmls), "\n"))
	}

	n := 0
	rawHTML := r.rawHTML.String()
	for _, p := range r.leaves {
		n++
		ct := strings.ToLower(p.ContentType)
		if ct == "" {
			ct = "application/octet-stream"
		}
		part := Part{
			Filename:    partFilename(p, m.dec),
			ContentType: ct,
			ContentID:   strings.Trim(strings.TrimSpace(m.dec.bytes(p.ContentID)), "<>"),
			Data:        p.Content,
		}
		if part.Filename == "" {
			part.Filename = defaultFilename(ct, p.Content, n)
		}
		if part.ContentID != "" && strings.Contains(rawHTML, "cid:"+part.ContentID) {
			part.Inline = true
		}
		m.Parts = append(m.Parts, part)
	}
}

// walk returns the body blocks of p in reading order and collects the
// other leaves.
func (r *bodyReader) walk(p *enmime.Part, depth int) []block {
	if p == nil || depth > 64 {
		return nil
	}
	if p.FirstChild != nil {
		switch p.ContentType {
		case "multipart/alternative":
			return r.alternative(p, depth)
		case "multipart/related":
			root := relatedRoot(p)
			var out []block
			for c := p.FirstChild; c != nil; c = c.NextSibling {
				if c == root {
					out = append(out, r.walk(c, depth+1)...)
				} else {
					r.resources(c, depth+1)
				}
			}
			return out
		}
		var out []block
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			out = append(out, r.walk(c, depth+1)...)
		}
		return out
	}
	if strings.HasPrefix(p.ContentType, "multipart/") && len(p.Content) == 0 {
		return nil // empty container, e.g. a multipart whose parts were unreadable
	}
	if isUUEncoded(p) {
		p.Content = uudecode(p.Content)
	}
	ct := p.ContentType
	if ct == "" || strings.HasPrefix(ct, "multipart/") {
		ct = "text/plain" // no Content-Type, or a multipart without boundary read as one part
	}
	isBody := strings.ToLower(p.Disposition) != "attachment" && partFilename(p, r.dec) == ""
	switch {
	case isBody && ct == "text/plain":
		return []block{{text: r.dec.body(p), hasText: true}}
	case isBody && ct == "text/html":
		raw := r.dec.body(p)
		if strings.TrimSpace(raw) == "" {
			return nil
		}
		r.rawHTML.WriteString(raw)
		return []block{{html: SanitizeHTML(raw), hasHTML: true}}
	}
	r.leaves = append(r.leaves, p)
	return nil
}

// alternative picks, from the alternatives of p, the last HTML one with
// something to see and the last plain text one with some text: an empty
// HTML alternative never hides the text, and two alternatives of one
// kind never both show. Leaves that are not body text (a calendar
// invite beside the text, say) are kept from every alternative.
func (r *bodyReader) alternative(p *enmime.Part, depth int) []block {
	var text, html []block
	for c := p.FirstChild; c != nil; c = c.NextSibling {
		bs := r.walk(c, depth+1)
		rich, visible := false, false
		for _, b := range bs {
			rich = rich || b.hasHTML
			visible = visible || b.hasHTML && !htmlEmpty(b.html) || b.hasText && strings.TrimSpace(b.text) != ""
		}
		switch {
		case !visible: // an empty alternative never hides another
		case rich:
			html = bs
		default:
			text = bs
		}
	}
	switch {
	case html == nil:
		return text
	case text == nil:
		return html
	}
	// Both kinds: one block that carries both renderings.
	b := block{hasText: true, hasHTML: true}
	var ts, hs []string
	for _, t := range text {
		ts = append(ts, t.text)
	}
	for _, h := range html {
		if h.hasHTML {
			hs = append(hs, h.html)
		} else {
			hs = append(hs, textToHTML(h.text))
		}
	}
	b.text = strings.Join(nonEmpty(ts), "\n\n")
	b.html = strings.Join(nonEmpty(hs), "\n")
	return []block{b}
}

// body is the text of a body part as UTF-8. enmime has converted it when
// the part declares a charset it knows. A part without a charset, or
// labelled US-ASCII (what RFC 2045 assumes when there is none), arrives
// unconverted (see parseMediaType), as does one in a charset nobody knows:
// the message's textDecoder reads those, so raw UTF-8 from a PHP contact
// form stays UTF-8.
func (d *textDecoder) body(p *enmime.Part) string {
	s := string(p.Content)
	if p.Charset == "" || p.Charset == unlabelled {
		return d.bytes(s)
	}
	for _, e := range p.Errors {
		if e.Name == enmime.ErrorCharsetConversion {
			return d.bytes(s)
		}
	}
	return repairUTF8(s) // declared UTF-8 with a stray byte, say
}

// isUUEncoded reports a part in the old x-uuencode transfer encoding, which
// enmime does not know and leaves encoded.
func isUUEncoded(p *enmime.Part) bool {
	switch strings.ToLower(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding"))) {
	case "x-uuencode", "uuencode", "x-uue", "uue":
		return true
	}
	return false
}

// uudecode decodes uuencoded lines, with or without the "begin" and "end"
// lines around them. A line that is not uuencoded ends the data.
func uudecode(in []byte) []byte {
	var out []byte
	for _, line := range bytes.Split(in, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		switch {
		case len(bytes.TrimSpace(line)) == 0:
			continue
		case bytes.HasPrefix(line, []byte("begin ")):
			continue
		case bytes.Equal(line, []byte("end")):
			return out
		}
		n := int(line[0]-' ') & 63
		if n == 0 {
			continue // the "`" line before "end"
		}
		data := line[1:]
		if need := (n + 2) / 3 * 4; len(data) < need {
			// Trailing spaces (zero bits) are often stripped in transit.
			data = append(bytes.Clone(data), bytes.Repeat([]byte{' '}, need-len(data))...)
		}
		for i := 0; n > 0; i += 4 {
			var q [4]byte
			for j := range q {
				q[j] = (data[i+j] - ' ') & 63
			}
			b := [3]byte{q[0]<<2 | q[1]>>4, q[1]<<4 | q[2]>>2, q[2]<<6 | q[3]}
			k := min(n, 3)
			out = append(out, b[:k]...)
			n -= k
		}
	}
	return out
}

// resources collects every leaf below p as a Part, body-like or not: the
// parts of a multipart/related other than its root are what the root
// refers to.
func (r *bodyReader) resources(p *enmime.Part, depth int) {
	if p == nil || depth > 64 {
		return
	}
	if p.FirstChild == nil {
		if isUUEncoded(p) {
			p.Content = uudecode(p.Content)
		}
		r.leaves = append(r.leaves, p)
		return
	}
	for c := p.FirstChild; c != nil; c = c.NextSibling {
		r.resources(c, depth+1)
	}
}

// relatedRoot is the root of a multipart/related: the part its start
// parameter names, else the first (RFC 2387).
func relatedRoot(p *enmime.Part) *enmime.Part {
	if _, params, err := mime.ParseMediaType(p.Header.Get("Content-Type")); err == nil {
		if start := strings.Trim(strings.TrimSpace(params["start"]), "<>"); start != "" {
			for c := p.FirstChild; c != nil; c = c.NextSibling {
				if strings.Trim(strings.TrimSpace(c.ContentID), "<>") == start {
					return c
				}
			}
		}
	}
	return p.FirstChild
}

// htmlToText is the plain text of sanitized HTML.
func htmlToText(safe string) string {
	t, err := html2text.FromString(safe)
	if err != nil {
		return ""
	}
	return t
}

// textToHTML shows a plain text part among HTML ones: escaped, with its
// line breaks.
func textToHTML(s string) string {
	s = strings.TrimRight(cleanText(s), "\n")
	return "<p>" + strings.ReplaceAll(html.EscapeString(s), "\n", "<br>\n") + "</p>"
}

// htmlEmpty reports whether sanitized HTML shows nothing: no text but
// white space and no image.
func htmlEmpty(safe string) bool {
	z := nethtml.NewTokenizer(strings.NewReader(safe))
	for {
		switch z.Next() {
		case nethtml.ErrorToken:
			return true
		case nethtml.TextToken:
			if strings.TrimFunc(string(z.Text()), func(r rune) bool { return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' }) != "" {
				return false
			}
		case nethtml.StartTagToken, nethtml.SelfClosingTagToken:
			if name, _ := z.TagName(); string(name) == "img" {
				return false
			}
		}
	}
}

func nonEmpty(ss []string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// cleanText makes body text valid UTF-8 with \n line ends.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return strings.TrimRight(s, " \t\n") + trailingNewline(s)
}

func trailingNewline(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return "\n"
}
