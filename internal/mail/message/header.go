package message

import (
	"bytes"
	"io"
	"mime"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"github.com/jhillyerd/enmime/v2"
	"golang.org/x/text/encoding/charmap"
)

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

func charsetReader(cs string, r io.Reader) (io.Reader, error) {
	cs = strings.ToLower(strings.TrimSpace(cs))
	switch cs {
	case "gb2312", "csgb2312", "x-gbk", "gb_2312-80", "euc-cn":
		cs = "gbk" // GBK is a superset; real mail labelled gb2312 uses it
	case "iso-8859-8-i":
		cs = "iso-8859-8"
	}
	return charset.Reader(cs, r)
}

// textDecoder turns text whose charset is not declared into UTF-8. Valid
// UTF-8 is taken as it is (raw UTF-8 headers and bodies are common); other
// 8-bit bytes are read in the charset the message declares for its text,
// when that reads them cleanly, else byte by byte as Windows-1252 (a
// superset of Latin-1), keeping any UTF-8 sequences among them.
type textDecoder struct {
	root     *enmime.Part // where to look for a declared charset
	looked   bool
	declared string
}

// plain decodes raw 8-bit bytes with no message to take a charset from.
var plain = &textDecoder{looked: true}

func fixHeaderBytes(s string) string { return plain.bytes(s) }

func decodeWords(s string) string { return plain.words(s) }

func (d *textDecoder) bytes(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	if cs := d.charset(); cs != "" {
		if r, err := charsetReader(cs, strings.NewReader(s)); err == nil {
			if out, err := io.ReadAll(r); err == nil && utf8.Valid(out) && !bytes.ContainsRune(out, utf8.RuneError) {
				return string(out)
			}
		}
	}
	return repairUTF8(s)
}

// repairUTF8 keeps the valid UTF-8 sequences of s and reads every other
// byte as Windows-1252: one stray Latin-1 byte in UTF-8 text does not
// turn the rest into mojibake.
func repairUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			b.WriteRune(charmap.Windows1252.DecodeByte(s[i]))
			i++
			continue
		}
		b.WriteString(s[i : i+size])
		i += size
	}
	return b.String()
}

// charset is the first charset declared in a Content-Type of the message
// that can read 8-bit text: not UTF-8 (already tried), not ASCII, not a
// 7-bit encoding such as ISO-2022-JP.
func (d *textDecoder) charset() string {
	if d.looked {
		return d.declared
	}
	d.looked = true
	var walk func(p *enmime.Part, depth int) bool
	walk = func(p *enmime.Part, depth int) bool {
		if p == nil || depth > 64 {
			return false
		}
		if _, params, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); params != nil {
			cs := strings.ToLower(strings.TrimSpace(params["charset"]))
			switch {
			case cs == "", cs == "us-ascii", cs == "utf-8", cs == "utf8", cs == "utf-7",
				strings.HasPrefix(cs, "iso-2022"), strings.HasPrefix(cs, "csiso2022"):
			default:
				if _, err := charsetReader(cs, strings.NewReader("")); err == nil {
					d.declared = cs
					return true
				}
			}
		}
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			if walk(c, depth+1) {
				return true
			}
		}
		return false
	}
	walk(d.root, 0)
	return d.declared
}

// words decodes RFC 2047 encoded words in an unstructured header.
func (d *textDecoder) words(s string) string {
	s = d.bytes(s)
	if !strings.Contains(s, "=?") {
		return s
	}
	s = repairPadding(s)
	if out, err := wordDecoder.DecodeHeader(s); err == nil {
		return strings.ToValidUTF8(out, "\uFFFD")
	}
	// Encoded words with spaces or line breaks inside (broken mailers).
	if out, err := wordDecoder.DecodeHeader(strings.Join(strings.Fields(s), " ")); err == nil {
		return strings.ToValidUTF8(out, "\uFFFD")
	}
	return s
}

var bWordRe = regexp.MustCompile(`(=\?[^?\s]+\?[bB]\?)([A-Za-z0-9+/]*)(=+)\?=`)

// repairPadding fixes base64 encoded words with too much "=" padding
// ("...GyhC==?="), which real mail has and the standard decoder leaves
// undecoded.
func repairPadding(s string) string {
	if !strings.Contains(s, "=?=") {
		return s
	}
	return bWordRe.ReplaceAllStringFunc(s, func(w string) string {
		m := bWordRe.FindStringSubmatch(w)
		data := m[2]
		if n := len(data) % 4; n != 0 {
			data += strings.Repeat("=", 4-n)
		}
		if data == m[2]+m[3] {
			return w
		}
		return m[1] + data + "?="
	})
}

func normalizeSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

func (m *Message) readHeaders(h textproto.MIMEHeader) {
	m.Headers = make(map[string][]string, len(h))
	for k, vs := range h {
		ck := textproto.CanonicalMIMEHeaderKey(m.dec.bytes(k))
		for _, v := range vs {
			m.Headers[ck] = append(m.Headers[ck], m.dec.words(v))
		}
	}
	first := func(name string) string {
		if vs := h[textproto.CanonicalMIMEHeaderKey(name)]; len(vs) > 0 {
			return strings.TrimSpace(vs[0])
		}
		return ""
	}
	firstDecoded := func(name string) string {
		if vs := m.Headers[textproto.CanonicalMIMEHeaderKey(name)]; len(vs) > 0 {
			return strings.TrimSpace(vs[0])
		}
		return ""
	}

	m.Subject = normalizeSpace(m.dec.words(first("Subject")))
	if ids := msgIDs(first("Message-Id")); len(ids) > 0 {
		m.MessageID = ids[0]
	}
	m.InReplyTo = msgIDs(first("In-Reply-To"))
	m.References = msgIDs(strings.Join(h["References"], " "))

	m.ReplyTo = m.dec.addresses(first("Reply-To"))
	// The sender: the first From field with an address (spam sends a
	// broken one first, then a real one), else Sender, else Reply-To
	// (where a From without an address wants the answers to go).
	candidates := append(append([]string{}, h["From"]...), h["Sender"]...)
	for _, v := range candidates {
		if as := m.dec.addresses(v); len(as) > 0 {
			m.From = as[0]
			break
		}
	}
	if m.From.Email == "" && len(m.ReplyTo) > 0 {
		m.From = m.ReplyTo[0]
	}
	m.To = m.dec.addresses(strings.Join(h["To"], ", "))
	m.Cc = m.dec.addresses(strings.Join(h["Cc"], ", "))

	if vs := h["Return-Path"]; len(vs) > 0 {
		rp := strings.TrimSpace(vs[0])
		inner := strings.TrimSpace(strings.Trim(rp, "<> \t"))
		if inner == "" {
			m.nullReturnPath = true
		} else {
			m.ReturnPath = fixHeaderBytes(inner)
		}
	}
	m.Date = parseDate(first("Date"))

	// A message may carry these fields more than once; any one that marks
	// it automatic counts (a second "Precedence: bulk" is still bulk).
	m.AutoSubmitted = m.firstMarking("Auto-Submitted", func(t string) bool { return t != "" && t != "no" })
	m.Precedence = m.firstMarking("Precedence", func(t string) bool {
		return t == "bulk" || t == "junk" || t == "list" || t == "auto_reply"
	})
	m.ListID = firstDecoded("List-Id")
	m.XAutoResponseSuppress = firstDecoded("X-Auto-Response-Suppress")
	for _, v := range h["Authentication-Results"] {
		m.AuthenticationResults = append(m.AuthenticationResults, fixHeaderBytes(v))
	}

	if v := headerToken(m.AutoSubmitted); v != "" && v != "no" {
		m.IsAutoReply = true
	}
	if len(h["X-Autoreply"]) > 0 || len(h["X-Autorespond"]) > 0 || headerToken(m.Precedence) == "auto_reply" {
		m.IsAutoReply = true
	}
}

// firstMarking returns the first value of the header field name whose
// first token marks (by marks) the message as automatic, else its first
// value.
func (m *Message) firstMarking(name string, marks func(token string) bool) string {
	vs := m.Headers[textproto.CanonicalMIMEHeaderKey(name)]
	for _, v := range vs {
		if marks(headerToken(v)) {
			return strings.TrimSpace(v)
		}
	}
	if len(vs) > 0 {
		return strings.TrimSpace(vs[0])
	}
	return ""
}

var msgIDRe = regexp.MustCompile(`<([^<>\s]+)>`)

// msgIDs extracts message ids from a header, without angle brackets.
// Ids without brackets (seen from broken mailers) are accepted when they
// contain an @.
func msgIDs(v string) []string {
	v = fixHeaderBytes(v)
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	if ms := msgIDRe.FindAllStringSubmatch(v, -1); len(ms) > 0 {
		for _, mm := range ms {
			add(mm[1])
		}
		return out
	}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == '\r' || r == '\n' }) {
		if strings.Contains(f, "@") {
			add(strings.Trim(f, "<>\"'"))
		}
	}
	return out
}

var addrSpecRe = regexp.MustCompile(`[^\s<>()"',;:@\[\]]+@[^\s<>()"',;:@\[\]]+`)

var addrParser = &mail.AddressParser{WordDecoder: wordDecoder}

// rootDotRe finds a domain written with the trailing dot of the DNS root.
var rootDotRe = regexp.MustCompile(`(@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)\.+(\s*(?:[>,;]|$))`)

func addressList(v string) []Address { return plain.addresses(v) }

// addresses parses an address header leniently: the strict parser first,
// then enmime's repairs, then a plain scan for addr-specs.
func (d *textDecoder) addresses(v string) []Address {
	v = strings.TrimSpace(d.bytes(v))
	if v == "" {
		return nil
	}
	conv := func(as []*mail.Address) []Address {
		out := make([]Address, 0, len(as))
		for _, a := range as {
			if a == nil || a.Address == "" {
				continue
			}
			name := a.Name
			if strings.Contains(name, "=?") {
				// Encoded words inside a quoted display name are not
				// decoded by the strict parser (RFC 2047 forbids them
				// there), but mailers write "=?UTF-8?B?...?=" <a@b> all
				// the same. Only the name: never an address.
				name = d.words(name)
			}
			out = append(out, Address{Name: normalizeSpace(strings.ToValidUTF8(name, "\uFFFD")), Email: a.Address})
		}
		return out
	}
	if as, err := addrParser.ParseList(v); err == nil {
		if out := conv(as); len(out) > 0 {
			return out
		}
	}
	if fixed := rootDotRe.ReplaceAllString(v, "$1$2"); fixed != v {
		// "name@yahoo.com." names the same mailbox as "name@yahoo.com" (the
		// root of the DNS); the strict parser refuses the dot.
		if as, err := addrParser.ParseList(fixed); err == nil {
			if out := conv(as); len(out) > 0 {
				return out
			}
		}
		v = fixed
	}
	if as, err := enmime.ParseAddressList(v); err == nil {
		if out := conv(as); len(out) > 0 {
			return out
		}
	}
	// One broken mailbox spoils the list for both parsers: take the
	// mailboxes one by one, and scan a broken one for its addr-spec.
	var out []Address
	for _, elem := range splitAddressList(v) {
		if a, err := addrParser.Parse(elem); err == nil {
			if as := conv([]*mail.Address{a}); len(as) == 1 {
				out = append(out, as[0])
			}
			continue
		}
		email := addrSpecRe.FindString(elem)
		if email == "" {
			continue // "Name" <>, a group name, junk
		}
		a := Address{Email: strings.TrimRight(email, ".")}
		if q := quotedRe.FindStringSubmatch(elem); q != nil {
			a.Name = q[1] // "Name" <broken address>
		} else if i := strings.Index(elem, email); i > 0 {
			a.Name = strings.Trim(elem[:i], " <\"'") // Name <addr, as Name addr
		}
		a.Name = normalizeSpace(d.words(a.Name))
		if strings.EqualFold(a.Name, a.Email) {
			a.Name = "" // From: "a@b.example", the address in quotes
		}
		out = append(out, a)
	}
	return out
}

var quotedRe = regexp.MustCompile(`^\s*"((?:[^"\\]|\\.)*)"`)

// splitAddressList splits an address list at the commas that are not
// inside a quoted string, an angle address, a comment or an encoded word
// (=?iso-8859-1?Q?B=FCrling,=20Andreas?= is one name).
func splitAddressList(v string) []string {
	var out []string
	quoted, angle, comment := false, false, 0
	start := 0
	for i := 0; i < len(v); i++ {
		if !quoted && comment == 0 && strings.HasPrefix(v[i:], "=?") {
			if loc := encodedWordRe.FindStringIndex(v[i:]); loc != nil && loc[0] == 0 {
				i += loc[1] - 1
				continue
			}
		}
		switch c := v[i]; {
		case c == '\\' && (quoted || comment > 0):
			i++
		case c == '"' && comment == 0:
			quoted = !quoted
		case quoted:
		case c == '(':
			comment++
		case c == ')' && comment > 0:
			comment--
		case comment > 0:
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		case c == ',' && !angle:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}

var encodedWordRe = regexp.MustCompile(`=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=`)

var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 -0700 2006",
	"2006-01-02 15:04:05 -0700",
	time.RFC3339,
}

var dateCommentRe = regexp.MustCompile(`\s*\([^)]*\)\s*$`)

func parseDate(v string) time.Time {
	v = normalizeSpace(fixHeaderBytes(v))
	if v == "" {
		return time.Time{}
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	v = dateCommentRe.ReplaceAllString(v, "")
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t
		}
	}
	return time.Time{}
}
