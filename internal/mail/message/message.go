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
	"math"
	"mime"
	"net/textproto"
	"strings"
	"time"

	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"
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
	Data        []byte // transfer-decoded; text/* parts with a declared charset are converted to UTF-8
}

// Message is a parsed inbound email.
type Message struct {
	MessageID  string   // without <>; "" if absent
	InReplyTo  []string // message ids, without <>
	References []string
	Subject    string // RFC 2047 decoded, whitespace-normalized

	From       Address // From; if it has no address, Sender, then Reply-To
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
	Trace                 []TraceField        // Received and Authentication-Results, top first
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
	dec            *textDecoder
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
	// and none is guessed: text without a charset is read by textDecoder
	// (UTF-8 if it is, then the message's charset), not by a detector
	// that takes raw UTF-8 for Latin-1.
	enmime.MinCharsetDetectRunes(math.MaxInt32),
	enmime.SetCustomParseMediaType(parseMediaType),
	enmime.MaxStoredPartErrors(20),
)

// unlabelled stands for the charset of text whose label says nothing:
// US-ASCII, declared or assumed for a part without a charset (RFC 2045).
// enmime decodes US-ASCII as Windows-1252, which turns raw UTF-8 into
// mojibake and loses five bytes outright; under this name, which no
// decoder knows, it keeps the bytes for textDecoder.
const unlabelled = "x-docket-unlabelled"

// parseMediaType is enmime's own media type parser, with US-ASCII
// renamed to unlabelled.
func parseMediaType(ctype string) (string, map[string]string, []string, error) {
	mt, params, invalid, err := mediatype.ParseWithOptions(ctype, mediatype.ParseOptions{StripMediaTypeInvalidCharacters: true})
	switch strings.ToLower(strings.TrimSpace(params["charset"])) {
	case "us-ascii", "ascii", "us", "ansi_x3.4-1968", "iso646-us":
		params["charset"] = unlabelled
	}
	return mt, params, invalid, err
}

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
	raw = separateHeader(trimLeadingJunk(raw))

	m := &Message{QuoteStart: -1}
	var root *enmime.Part
	if p, err := parser.ReadParts(bytes.NewReader(raw)); err == nil && p != nil {
		root = p
	}
	var hdr textproto.MIMEHeader
	if root != nil {
		hdr = textproto.MIMEHeader(root.Header)
		m.dec = &textDecoder{root: root}
	} else {
		hdr = looseHeader(raw)
		m.dec = &textDecoder{root: &enmime.Part{Header: hdr}}
	}
	m.readHeaders(hdr)
	m.Trace = traceFields(raw)

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

// separateHeader makes sure the header block ends in a blank line. Some
// mailers go straight from the last header field to the body (to "This is
// a multi-part message in MIME format." and the first boundary, or to the
// text itself), and the body was then read as more header lines and lost.
// The first line that is not a header field starts the body when no
// header field follows it before a blank line, or when a boundary of the
// message's Content-Type does. A single line of junk before header fields
// that include From is dropped. Any other stray line among header fields (a field
// folded without indentation) is left to enmime, which skips it.
func separateHeader(raw []byte) []byte {
	blank := len(raw)
	other := -1 // offset of the first line that is not a header field
	line := 0
	for off := 0; off < len(raw); line++ {
		end := bytes.IndexByte(raw[off:], '\n')
		next := len(raw)
		if end >= 0 {
			next = off + end + 1
		}
		l := bytes.TrimRight(raw[off:next], "\r\n")
		if len(l) == 0 {
			blank = off
			break
		}
		if other < 0 && !isHeaderLine(l) && !(line > 0 && (l[0] == ' ' || l[0] == '\t')) {
			if line == 0 && next < len(raw) && isHeaderLine(firstLine(raw[next:])) && hasFrom(raw[next:]) {
				return separateHeader(raw[next:]) // junk before the header fields
			}
			other = off
		}
		off = next
	}
	if other < 0 {
		return raw
	}
	rest := raw[other:blank]
	starts := !hasHeaderLine(rest)
	if !starts {
		ct := looseHeader(append(bytes.Clone(raw[:other]), "\n\n"...)).Get("Content-Type")
		if _, params, err := mime.ParseMediaType(ct); err == nil && params["boundary"] != "" {
			starts = bytes.HasPrefix(rest, []byte("--"+params["boundary"])) ||
				bytes.Contains(rest, []byte("\n--"+params["boundary"]))
		}
	}
	if !starts {
		return raw
	}
	nl := "\n"
	if other >= 2 && raw[other-2] == '\r' {
		nl = "\r\n"
	}
	out := make([]byte, 0, len(raw)+2)
	out = append(out, raw[:other]...)
	out = append(out, nl...)
	return append(out, raw[other:]...)
}

// isHeaderLine reports a header field line: a name of printable ASCII
// other than ":" and space, then ":".
func isHeaderLine(l []byte) bool {
	i := bytes.IndexByte(l, ':')
	if i <= 0 {
		return false
	}
	for _, c := range l[:i] {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

func hasHeaderLine(b []byte) bool {
	for _, l := range bytes.Split(b, []byte("\n")) {
		if isHeaderLine(l) {
			return true
		}
	}
	return false
}

// hasFrom reports a From field in the header block that starts b.
func hasFrom(b []byte) bool {
	for len(b) > 0 {
		l := firstLine(b)
		if len(l) == 0 {
			return false
		}
		if len(l) > 5 && strings.EqualFold(string(l[:5]), "from:") {
			return true
		}
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return false
		}
		b = b[i+1:]
	}
	return false
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return bytes.TrimRight(b, "\r")
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
