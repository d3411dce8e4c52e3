package message

import (
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

// fixHeaderBytes turns raw 8-bit header bytes into UTF-8: valid UTF-8 is
// kept, anything else is read as Windows-1252 (a superset of Latin-1).
func fixHeaderBytes(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	if out, err := charmap.Windows1252.NewDecoder().String(s); err == nil {
		return out
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// decodeWords decodes RFC 2047 encoded words in an unstructured header.
func decodeWords(s string) string {
	s = fixHeaderBytes(s)
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
		ck := textproto.CanonicalMIMEHeaderKey(fixHeaderBytes(k))
		for _, v := range vs {
			m.Headers[ck] = append(m.Headers[ck], decodeWords(v))
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

	m.Subject = normalizeSpace(decodeWords(first("Subject")))
	if ids := msgIDs(first("Message-Id")); len(ids) > 0 {
		m.MessageID = ids[0]
	}
	m.InReplyTo = msgIDs(first("In-Reply-To"))
	m.References = msgIDs(strings.Join(h["References"], " "))

	if from := addressList(first("From")); len(from) > 0 {
		m.From = from[0]
	} else if sender := addressList(first("Sender")); len(sender) > 0 {
		m.From = sender[0]
	}
	m.ReplyTo = addressList(first("Reply-To"))
	m.To = addressList(strings.Join(h["To"], ", "))
	m.Cc = addressList(strings.Join(h["Cc"], ", "))

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

	m.AutoSubmitted = firstDecoded("Auto-Submitted")
	m.Precedence = firstDecoded("Precedence")
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

// addressList parses an address header leniently: the strict parser first,
// then enmime's repairs, then a plain scan for addr-specs.
func addressList(v string) []Address {
	v = strings.TrimSpace(fixHeaderBytes(v))
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
				name = decodeWords(name)
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
	if as, err := enmime.ParseAddressList(v); err == nil {
		if out := conv(as); len(out) > 0 {
			return out
		}
	}
	var out []Address
	for _, e := range addrSpecRe.FindAllString(v, -1) {
		out = append(out, Address{Email: e})
	}
	if len(out) == 1 {
		// "Name <addr" style breakage: keep the text before the address as name.
		if i := strings.Index(v, out[0].Email); i > 0 {
			out[0].Name = normalizeSpace(strings.Trim(decodeWords(v[:i]), " <\"'"))
		}
	}
	return out
}

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
