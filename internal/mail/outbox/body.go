package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"html"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/markup"
)

// rich is content written in Markdown or HTML that a template places with
// one of its fields (the message, the signature). The template sees a
// token; the text part gets the content as plain text and the HTML part as
// HTML, so both parts carry the same content.
type rich struct {
	token, text, html string
	// signature marks the agent's signature: a template that does not
	// place it gets it at the end, after the signature delimiter.
	signature bool
}

// newRich returns the rich content of safe (sanitized) HTML.
func newRich(safe string) rich {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("outbox: no randomness: " + err.Error())
	}
	return rich{token: "\ue000" + hex.EncodeToString(b[:]) + "\ue001", text: markup.Text(safe), html: safe}
}

// signatureDelimiter starts a signature in the text part (RFC 3676 4.3):
// mail clients leave what follows out when they quote a reply.
const signatureDelimiter = "-- "

// compose renders the template for key with data and the rich parts (their
// tokens already in data) into the subject and the text and HTML bodies.
func (s *Store) compose(ctx context.Context, q db.Queryer, key string, data TemplateData, parts ...rich) (subject, text, htmlBody string, err error) {
	subject, out, err := s.render(ctx, q, key, data)
	if err != nil {
		return "", "", "", err
	}
	for _, p := range parts {
		if p.signature && !strings.Contains(out, p.token) {
			out = strings.TrimRight(out, "\n") + "\n\n" + signatureDelimiter + "\n" + p.token + "\n"
		}
	}
	pairs := make([]string, 0, 2*len(parts))
	for _, p := range parts {
		pairs = append(pairs, p.token, p.text)
	}
	texts := strings.NewReplacer(pairs...)
	subject = strings.Join(strings.Fields(texts.Replace(subject)), " ")
	return subject, texts.Replace(out), richHTML(out, parts), nil
}

// richHTML renders a template's output as HTML: its own text escaped, in
// paragraphs with its line breaks, and each part's HTML where its token is.
func richHTML(out string, parts []rich) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><body>")
	text := func(t string) {
		if t = strings.Trim(t, "\n"); strings.TrimSpace(t) != "" {
			b.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(t), "\n", "<br>\n") + "</p>\n")
		}
	}
	for _, para := range strings.Split(strings.TrimSpace(out), "\n\n") {
		for {
			at, part := -1, rich{}
			for _, p := range parts {
				if i := strings.Index(para, p.token); i >= 0 && (at < 0 || i < at) {
					at, part = i, p
				}
			}
			if at < 0 {
				text(para)
				break
			}
			text(para[:at])
			b.WriteString(part.html + "\n")
			para = para[at+len(part.token):]
		}
	}
	b.WriteString("</body></html>")
	return b.String()
}
