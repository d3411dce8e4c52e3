// Package message parses inbound email into a typed Message: addresses,
// threading ids, a plain text body, sanitized HTML, attachments and inline
// images, and the signals the importer needs to avoid mail loops (RFC 3834
// automatic mail, auto-replies and RFC 3464 delivery status notifications).
//
// Parsing is tolerant: broken MIME gives a best-effort Message. Every body,
// header and file name is decoded to UTF-8.
package message

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"net/textproto"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"github.com/inbucket/html2text"
	"github.com/jhillyerd/enmime/v2"
	"golang.org/x/text/encoding/charmap"
)

// Address is one mailbox from an address header.
type Address struct{ Name, Email string }

// Part is an attachment, an inline image referenced from the HTML by cid:,
// or another non-body part (calendar invite, TNEF winmail.dat, forwarded
// message/rfc822, delivery status).
type Part struct {
	Filename    string
	ContentType string // lower-case media type without parameters
	ContentID   string // without <>
	Inline      bool   // referenced from the HTML body as cid:ContentID
	Data        []byte // transfer-decoded; text/* parts are converted to UTF-8
}

// Message is a parsed inbound email.
type Message struct {
	MessageID  string   // without <>; "" if absent
	InReplyTo  []string // message ids, without <>
	References []string
	Subject    string // RFC 2047 decoded, whitespace-normalized

	From       Address
	ReplyTo    []Address
	To, Cc     []Address
	ReturnPath string // "" for the null return path <> (and when absent)

	Date time.Time

	Text  string // plain text body (from text/plain, or derived from HTML)
	HTML  string // sanitized HTML; "" if none. Remote images are links, never loaded.
	Parts []Part

	AutoSubmitted         string
	Precedence            string
	ListID                string
	XAutoResponseSuppress string
	AuthenticationResults []string            // raw header values, in order
	Headers               map[string][]string // canonical keys, UTF-8 decoded values

	// Delivery status notifications (RFC 3464) and classic bounces.
	IsBounce         bool
	BouncedMessageID string // Message-ID of the message that bounced, without <>
	BounceStatus     string // e.g. "5.1.1"
	BounceRecipient  string

	// IsAutoReply: Auto-Submitted other than "no", X-Autoreply,
	// X-Autorespond, or Precedence: auto_reply.
	IsAutoReply bool

	// QuoteStart is the byte offset in Text where quoted history or the
	// signature starts (for folding in the UI), -1 if none.
	QuoteStart int

	nullReturnPath bool
}

// IsAutomatic reports whether the message was sent automatically and must
// never be answered automatically (RFC 3834): Auto-Submitted other than
// "no", Precedence bulk/junk/list, a List-Id, X-Auto-Response-Suppress,
// the null return path, a bounce, or an auto-reply.
func (m *Message) IsAutomatic() bool {
	if v := headerToken(m.AutoSubmitted); v != "" && v != "no" {
		return true
	}
	switch headerToken(m.Precedence) {
	case "bulk", "junk", "list", "auto_reply":
		return true
	}
	return m.ListID != "" || m.XAutoResponseSuppress != "" || m.nullReturnPath || m.IsBounce || m.IsAutoReply
}

// headerToken is the lower-cased first token of a header value such as
// "auto-replied; vacation".
func headerToken(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if i := strings.IndexAny(v, "; \t("); i >= 0 {
		v = v[:i]
	}
	return v
}

// ErrEmpty is returned by Parse when the input holds nothing usable.
var ErrEmpty = errors.New("message: no usable content")

var parser = enmime.NewParser(
	enmime.SkipMalformedParts(true),
	enmime.MultipartWOBoundaryAsSinglePart(true),
	enmime.SetReadPartErrorPolicy(allowPartial),
	enmime.StripMediaTypeInvalidCharacters(true),
	enmime.DisableTextConversion(true),
	enmime.DisableCharacterDetection(true), // a declared charset wins
	enmime.MaxStoredPartErrors(20),
)

// allowPartial keeps whatever could be decoded from a broken part.
func allowPartial(*enmime.Part, error) bool { return true }

// Parse parses a raw RFC 5322 message. It never panics; malformed MIME
// gives a best-effort Message, and an error is returned only when nothing
// usable can be read.
func Parse(raw []byte) (m *Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("message: parse failed: %v", r)
		}
	}()
	return parse(raw)
}

func parse(raw []byte) (*Message, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, ErrEmpty
	}
	// enmime expects a header block; mbox "From " lines and leading blank
	// lines would otherwise become part of the body.
	raw = trimLeadingJunk(raw)

	m := &Message{QuoteStart: -1}
	var root *enmime.Part
	if p, err := parser.ReadParts(bytes.NewReader(raw)); err == nil && p != nil {
		root = p
	}
	var hdr textproto.MIMEHeader
	if root != nil {
		hdr = textproto.MIMEHeader(root.Header)
	} else {
		hdr = looseHeader(raw)
	}
	m.readHeaders(hdr)

	if root != nil {
		m.readBody(root)
	} else if i := headerEnd(raw); i >= 0 {
		m.Text = cleanText(string(raw[i:]))
	}
	m.detectBounce()
	m.QuoteStart = QuoteStart(m.Text)

	if m.MessageID == "" && m.Subject == "" && m.From.Email == "" && len(m.To) == 0 &&
		strings.TrimSpace(m.Text) == "" && m.HTML == "" && len(m.Parts) == 0 {
		return nil, ErrEmpty
	}
	return m, nil
}

func trimLeadingJunk(raw []byte) []byte {
	for len(raw) > 0 && (raw[0] == '\r' || raw[0] == '\n' || raw[0] == ' ' || raw[0] == '\t') {
		raw = raw[1:]
	}
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	return raw
}

// headerEnd is the offset of the body (after the first blank line), or -1.
func headerEnd(raw []byte) int {
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		if j := bytes.Index(raw, []byte("\n\n")); j >= 0 && j < i {
			return j + 2
		}
		return i + 4
	}
	if j := bytes.Index(raw, []byte("\n\n")); j >= 0 {
		return j + 2
	}
	return -1
}

// looseHeader reads "Name: value" lines up to the first blank line, for
// input that enmime refused.
func looseHeader(raw []byte) textproto.MIMEHeader {
	h := textproto.MIMEHeader{}
	end := headerEnd(raw)
	if end < 0 {
		end = len(raw)
	}
	var key string
	for _, line := range strings.Split(string(raw[:end]), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			break
		}
		if (line[0] == ' ' || line[0] == '\t') && key != "" {
			vs := h[key]
			vs[len(vs)-1] += " " + strings.TrimSpace(line)
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			key = ""
			continue
		}
		key = textproto.CanonicalMIMEHeaderKey(k)
		h[key] = append(h[key], strings.TrimSpace(v))
	}
	return h
}

// ---- headers ----

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
	if out, err := wordDecoder.DecodeHeader(s); err == nil {
		return strings.ToValidUTF8(out, "\uFFFD")
	}
	// Encoded words with spaces or line breaks inside (broken mailers).
	if out, err := wordDecoder.DecodeHeader(strings.Join(strings.Fields(s), " ")); err == nil {
		return strings.ToValidUTF8(out, "\uFFFD")
	}
	return s
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
			out = append(out, Address{Name: normalizeSpace(strings.ToValidUTF8(a.Name, "\uFFFD")), Email: a.Address})
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

// ---- body ----

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

// partFilename is the part's file name, with RFC 2231 parameters in any
// charset and 8-bit names decoded.
func partFilename(p *enmime.Part) string {
	h := textproto.MIMEHeader(p.Header)
	for _, hv := range []struct{ header, param string }{
		{h.Get("Content-Disposition"), "filename"},
		{h.Get("Content-Type"), "name"},
	} {
		if name := rfc2231Param(hv.header, hv.param); name != "" {
			return cleanFilename(name)
		}
	}
	return cleanFilename(decodeWords(p.FileName))
}

func cleanFilename(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	s = normalizeSpace(s)
	// Keep only the last path element of names like "C:\docs\a.pdf".
	if i := strings.LastIndexAny(s, `/\`); i >= 0 && i < len(s)-1 {
		s = s[i+1:]
	}
	return s
}

var rfc2231Re = regexp.MustCompile(`(?i)(?:^|;)\s*([a-z]+)\*(?:(\d+)\*?|\*)?\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)`)

// rfc2231Param decodes an RFC 2231 extended parameter (name*=charset'lang'
// percent-encoded, possibly split as name*0*, name*1, ...). It returns ""
// when the header has no extended form of the parameter.
func rfc2231Param(header, param string) string {
	if !strings.Contains(header, "*") {
		return ""
	}
	type seg struct {
		n       int
		encoded bool
		val     string
	}
	var segs []seg
	for _, mm := range rfc2231Re.FindAllStringSubmatchIndex(header, -1) {
		name := header[mm[2]:mm[3]]
		if !strings.EqualFold(name, param) {
			continue
		}
		full := header[mm[0]:mm[1]]
		star := strings.Index(full, "*")
		eq := strings.Index(full, "=")
		attr := strings.TrimSpace(full[star:eq])
		n := 0
		encoded := strings.HasSuffix(attr, "*") && (attr == "*" || strings.Count(attr, "*") == 2)
		if mm[4] >= 0 {
			fmt.Sscanf(header[mm[4]:mm[5]], "%d", &n)
		}
		val := strings.TrimSpace(header[mm[6]:mm[7]])
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = strings.ReplaceAll(val[1:len(val)-1], `\"`, `"`)
		}
		if n > 1000 {
			continue
		}
		segs = append(segs, seg{n, encoded, val})
	}
	if len(segs) == 0 {
		return ""
	}
	sort.SliceStable(segs, func(i, j int) bool { return segs[i].n < segs[j].n })
	cs := ""
	var buf bytes.Buffer
	for i, s := range segs {
		v := s.val
		if s.encoded {
			if i == 0 {
				if parts := strings.SplitN(v, "'", 3); len(parts) == 3 {
					cs, v = parts[0], parts[2]
				}
			}
			buf.Write(percentDecode(v))
		} else {
			buf.WriteString(v)
		}
	}
	return decodeCharset(cs, buf.Bytes())
}

func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// decodeCharset converts b from the named charset to UTF-8, falling back
// to UTF-8/Windows-1252 when the charset is unknown.
func decodeCharset(cs string, b []byte) string {
	if cs != "" && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "us-ascii") {
		if r, err := charsetReader(cs, bytes.NewReader(b)); err == nil {
			if out, err := io.ReadAll(r); err == nil {
				return strings.ToValidUTF8(string(out), "\uFFFD")
			}
		}
	}
	return fixHeaderBytes(string(b))
}

var extByType = map[string]string{
	"text/calendar":                    ".ics",
	"application/ics":                  ".ics",
	"text/rfc822-headers":              ".txt",
	"message/delivery-status":          ".txt",
	"message/global-delivery-status":   ".txt",
	"message/disposition-notification": ".txt",
	"message/rfc822":                   ".eml",
	"message/global":                   ".eml",
	"image/png":                        ".png",
	"image/jpeg":                       ".jpg",
	"image/gif":                        ".gif",
	"image/webp":                       ".webp",
	"application/pdf":                  ".pdf",
	"text/plain":                       ".txt",
	"text/html":                        ".html",
	"text/csv":                         ".csv",
}

// defaultFilename names a part that carries no file name.
func defaultFilename(ct string, data []byte, n int) string {
	switch ct {
	case "application/ms-tnef", "application/vnd.ms-tnef":
		return "winmail.dat"
	case "text/calendar", "application/ics":
		return "invite.ics"
	case "message/delivery-status", "message/global-delivery-status":
		return "delivery-status.txt"
	case "text/rfc822-headers", "message/global-headers":
		return "original-headers.txt"
	case "message/rfc822", "message/global":
		if s := innerSubject(data); s != "" {
			return cleanFilename(s) + ".eml"
		}
		return "forwarded-message.eml"
	}
	ext := extByType[ct]
	if ext == "" {
		ext = ".bin"
	}
	return fmt.Sprintf("part-%d%s", n, ext)
}

func innerSubject(data []byte) string {
	s := normalizeSpace(decodeWords(looseHeader(data).Get("Subject")))
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, s)
	if len(s) > 100 {
		s = strings.ToValidUTF8(s[:100], "")
	}
	return s
}

// ---- bounces ----

var (
	bounceSubjectRe = regexp.MustCompile(`(?i)(undeliver|delivery status notification \(failure\)|delivery (has )?failed|failure notice|returned mail|mail delivery (failed|subsystem)|non[- ]?delivery)`)
	statusCodeRe    = regexp.MustCompile(`\b([45]\.\d{1,3}\.\d{1,3})\b`)
	bodyMsgIDRe     = regexp.MustCompile(`(?im)^\s*Message-ID:\s*<([^<>\s]+)>`)
)

func (m *Message) detectBounce() {
	var status, headers []byte
	for _, p := range m.Parts {
		switch p.ContentType {
		case "message/delivery-status", "message/global-delivery-status":
			if status == nil {
				status = p.Data
			}
		case "message/rfc822", "message/global", "text/rfc822-headers", "message/global-headers":
			if headers == nil {
				headers = p.Data
			}
		}
	}
	if status != nil {
		if rcpt, st, failed := parseDeliveryStatus(status); failed {
			m.IsBounce = true
			m.BounceRecipient, m.BounceStatus = rcpt, st
		}
	} else {
		from := strings.ToLower(m.From.Email)
		daemon := strings.HasPrefix(from, "mailer-daemon@") || strings.HasPrefix(from, "postmaster@") || from == "mailer-daemon"
		failed := m.Headers["X-Failed-Recipients"]
		if (m.nullReturnPath || daemon) && (len(failed) > 0 || bounceSubjectRe.MatchString(m.Subject)) {
			m.IsBounce = true
			if len(failed) > 0 {
				if as := addressList(failed[0]); len(as) > 0 {
					m.BounceRecipient = as[0].Email
				}
			}
			if mm := statusCodeRe.FindStringSubmatch(m.Text); mm != nil {
				m.BounceStatus = mm[1]
			}
		}
	}
	if !m.IsBounce {
		return
	}
	if headers != nil {
		if ids := msgIDs(looseHeader(headers).Get("Message-Id")); len(ids) > 0 {
			m.BouncedMessageID = ids[0]
		}
	}
	if m.BouncedMessageID == "" {
		if mm := bodyMsgIDRe.FindStringSubmatch(m.Text); mm != nil {
			m.BouncedMessageID = mm[1]
		}
	}
}

// parseDeliveryStatus reads an RFC 3464 message/delivery-status body and
// returns the first failed recipient and its status code.
func parseDeliveryStatus(b []byte) (rcpt, status string, failed bool) {
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	for _, block := range strings.Split(text, "\n\n") {
		h := looseHeader([]byte(block + "\n\n"))
		action := strings.ToLower(strings.TrimSpace(h.Get("Action")))
		r := h.Get("Final-Recipient")
		if r == "" {
			r = h.Get("Original-Recipient")
		}
		if r == "" && action == "" {
			continue // per-message block
		}
		st := strings.TrimSpace(h.Get("Status"))
		if mm := statusCodeRe.FindStringSubmatch(st); mm != nil {
			st = mm[1]
		} else if f := strings.Fields(st); len(f) > 0 {
			st = f[0]
		}
		if action == "failed" || (action == "" && strings.HasPrefix(st, "5")) {
			if _, addr, ok := strings.Cut(r, ";"); ok {
				r = addr
			}
			return strings.Trim(strings.TrimSpace(fixHeaderBytes(r)), "<>"), st, true
		}
	}
	return "", "", false
}
