package message

import (
	"strings"

	"github.com/inbucket/html2text"
	"github.com/jhillyerd/enmime/v2"
)

func (m *Message) readBody(root *enmime.Part) {
	var texts, htmls []string
	var leaves []*enmime.Part
	var walk func(p *enmime.Part, depth int)
	walk = func(p *enmime.Part, depth int) {
		if p == nil || depth > 64 {
			return
		}
		if p.FirstChild != nil {
			for c := p.FirstChild; c != nil; c = c.NextSibling {
				walk(c, depth+1)
			}
			return
		}
		if strings.HasPrefix(p.ContentType, "multipart/") && len(p.Content) == 0 {
			return // empty container, e.g. a multipart whose parts were unreadable
		}
		ct := p.ContentType
		if ct == "" || strings.HasPrefix(ct, "multipart/") {
			ct = "text/plain" // no Content-Type, or a multipart without boundary read as one part
		}
		isBody := strings.ToLower(p.Disposition) != "attachment" && partFilename(p) == ""
		switch {
		case isBody && ct == "text/plain":
			texts = append(texts, string(p.Content))
		case isBody && ct == "text/html":
			htmls = append(htmls, string(p.Content))
		default:
			leaves = append(leaves, p)
		}
	}
	walk(root, 0)

	// A multipart/alternative text part and an inline text part in mixed
	// are both body text; join them as a reader would see them.
	m.Text = cleanText(strings.Join(nonEmpty(texts), "\n\n"))
	rawHTML := strings.ToValidUTF8(strings.Join(htmls, "\n"), "\uFFFD")
	if strings.TrimSpace(rawHTML) != "" {
		m.HTML = SanitizeHTML(rawHTML)
		if strings.TrimSpace(m.Text) == "" {
			// From the sanitized HTML, so unsafe links never reach the text.
			if t, err := html2text.FromString(m.HTML); err == nil {
				m.Text = cleanText(t)
			}
		}
	}

	n := 0
	for _, p := range leaves {
		n++
		ct := strings.ToLower(p.ContentType)
		if ct == "" {
			ct = "application/octet-stream"
		}
		part := Part{
			Filename:    partFilename(p),
			ContentType: ct,
			ContentID:   strings.Trim(strings.TrimSpace(fixHeaderBytes(p.ContentID)), "<>"),
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
