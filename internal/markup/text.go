package markup

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Text renders HTML (what Markdown or HTML renders to here) as readable
// plain text, the way an email's text part shows the same content as its
// HTML part: paragraphs apart, line breaks kept, no markup characters, list
// items with "- " or "1. ", quotations with "> ", preformatted text as it
// is, and a link as its text followed by its address in angle brackets.
func Text(src string) string {
	nodes, err := html.ParseFragment(strings.NewReader(src), &html.Node{Type: html.ElementNode, DataAtom: atom.Body, Data: "body"})
	if err != nil {
		return strings.TrimSpace(src) // only reader errors, which a strings.Reader has none of
	}
	return strings.Join(blocks(nodes), "\n\n")
}

// blocks renders a run of sibling nodes as paragraphs: each block element
// is one, and so is each run of inline content between them.
func blocks(nodes []*html.Node) []string {
	var out []string
	var inl strings.Builder
	flush := func() {
		if p := tidyLines(inl.String()); p != "" {
			out = append(out, p)
		}
		inl.Reset()
	}
	for _, n := range nodes {
		if n.Type == html.ElementNode && blockElements[n.DataAtom] {
			flush()
			if b := block(n); b != "" {
				out = append(out, b)
			}
			continue
		}
		inline(n, &inl)
	}
	flush()
	return out
}

var blockElements = map[atom.Atom]bool{}

func init() {
	for _, a := range []atom.Atom{atom.P, atom.Div, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote,
		atom.Pre, atom.Ul, atom.Ol, atom.Li, atom.Dl, atom.Dt, atom.Dd, atom.Hr, atom.Table, atom.Section, atom.Article,
		atom.Header, atom.Footer, atom.Address, atom.Figure, atom.Figcaption, atom.Center, atom.Caption} {
		blockElements[a] = true
	}
}

func children(n *html.Node) []*html.Node {
	var out []*html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		out = append(out, c)
	}
	return out
}

func block(n *html.Node) string {
	switch n.DataAtom {
	case atom.Hr:
		return "----"
	case atom.Pre:
		return strings.Trim(textContent(n), "\n")
	case atom.Blockquote:
		return prefixLines(strings.Join(blocks(children(n)), "\n\n"), "> ", ">")
	case atom.Ul, atom.Ol:
		return list(n)
	case atom.Li:
		return item("- ", n)
	case atom.Table:
		return table(n)
	}
	return strings.Join(blocks(children(n)), "\n\n")
}

func list(n *html.Node) string {
	num := 1
	if v, err := strconv.Atoi(attr(n, "start")); err == nil {
		num = v
	}
	var items []string
	for _, c := range children(n) {
		if c.Type != html.ElementNode || c.DataAtom != atom.Li {
			continue
		}
		marker := "- "
		if n.DataAtom == atom.Ol {
			marker = strconv.Itoa(num) + ". "
			num++
		}
		items = append(items, item(marker, c))
	}
	return strings.Join(items, "\n")
}

// item is one list item: the marker, and its further lines indented below
// the marker's text.
func item(marker string, n *html.Node) string {
	sep := "\n" // a tight item: its text and any inner list
	for _, c := range children(n) {
		if c.Type == html.ElementNode && c.DataAtom == atom.P {
			sep = "\n\n" // a loose one, of paragraphs
		}
	}
	body := strings.Join(blocks(children(n)), sep)
	indent := strings.Repeat(" ", len(marker))
	lines := strings.Split(body, "\n")
	for i := range lines {
		if i == 0 {
			lines[i] = marker + lines[i]
		} else if lines[i] != "" {
			lines[i] = indent + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}

func table(n *html.Node) string {
	var rows []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for _, c := range children(n) {
			if c.Type != html.ElementNode {
				continue
			}
			if c.DataAtom != atom.Tr {
				walk(c)
				continue
			}
			var cells []string
			for _, td := range children(c) {
				if td.Type == html.ElementNode && (td.DataAtom == atom.Td || td.DataAtom == atom.Th) {
					cells = append(cells, strings.Join(strings.Fields(strings.Join(blocks(children(td)), " ")), " "))
				}
			}
			rows = append(rows, strings.Join(cells, " | "))
		}
	}
	walk(n)
	return strings.Join(rows, "\n")
}

func inline(n *html.Node, b *strings.Builder) {
	switch n.Type {
	case html.TextNode:
		// White space between words is one space; tidyLines trims the
		// lines' ends.
		if strings.TrimFunc(n.Data, isSpace) == "" {
			if n.Data != "" {
				b.WriteByte(' ')
			}
			return
		}
		if isSpace(rune(n.Data[0])) {
			b.WriteByte(' ')
		}
		b.WriteString(strings.Join(strings.FieldsFunc(n.Data, isSpace), " "))
		if isSpace(rune(n.Data[len(n.Data)-1])) {
			b.WriteByte(' ')
		}
		return
	case html.ElementNode:
	default:
		return
	}
	switch n.DataAtom {
	case atom.Br:
		b.WriteByte('\n')
		return
	case atom.Img:
		if alt := strings.TrimSpace(attr(n, "alt")); alt != "" {
			b.WriteString("[" + alt + "]")
		}
		return
	case atom.Script, atom.Style, atom.Head, atom.Title:
		return
	case atom.A:
		var t strings.Builder
		for _, c := range children(n) {
			inline(c, &t)
		}
		text := t.String()
		b.WriteString(text)
		href := strings.TrimSpace(attr(n, "href"))
		if shown := strings.TrimSpace(text); href != "" && href != shown && strings.TrimPrefix(href, "mailto:") != shown &&
			(strings.HasPrefix(href, "http://") || strings.HasPrefix(href, "https://") || strings.HasPrefix(href, "mailto:")) {
			b.WriteString(" <" + href + ">")
		}
		return
	}
	if blockElements[n.DataAtom] {
		// A block inside inline content: its own lines.
		b.WriteString("\n" + block(n) + "\n")
		return
	}
	for _, c := range children(n) {
		inline(c, b)
	}
}

// isSpace is HTML's white space (not the no-break space).
func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' }

// tidyLines makes each line of inline text single-spaced and trimmed, and
// drops blank lines at the ends.
func tidyLines(s string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = strings.Join(strings.FieldsFunc(lines[i], isSpace), " ")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

func prefixLines(s, prefix, empty string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l == "" {
			lines[i] = empty
		} else {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

func textContent(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Br {
			b.WriteByte('\n')
			continue
		}
		b.WriteString(textContent(c))
	}
	return b.String()
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
