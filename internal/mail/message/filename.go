package message

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/textproto"
	"regexp"
	"sort"
	"strings"

	"github.com/jhillyerd/enmime/v2"
)

// partFilename is the part's file name, with RFC 2231 parameters in any
// charset, encoded words and raw 8-bit names decoded (dec says how).
func partFilename(p *enmime.Part, dec *textDecoder) string {
	h := textproto.MIMEHeader(p.Header)
	params := []struct{ header, param string }{
		{h.Get("Content-Disposition"), "filename"},
		{h.Get("Content-Type"), "name"},
	}
	for _, hv := range params {
		if name := rfc2231Param(hv.header, hv.param, dec); name != "" {
			return cleanFilename(name)
		}
	}
	// From the header as received: enmime has already turned raw 8-bit
	// bytes that are not UTF-8 into U+FFFD, and reads Apple Mail's folded
	// `filename=\n "..."; size=...` as a name ending in "; size=...".
	for _, hv := range params {
		if _, ps, _ := mime.ParseMediaType(hv.header); ps[hv.param] != "" {
			return cleanFilename(dec.words(ps[hv.param]))
		}
	}
	return cleanFilename(dec.words(p.FileName))
}

func cleanFilename(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f, isBidiControl(r):
			return -1
		}
		return r
	}, s)
	// Spaces inside the name are the sender's ("Tax Invoice  INX4183.PDF").
	s = strings.TrimSpace(s)
	// Keep only the last path element of names like "C:\docs\a.pdf".
	if i := strings.LastIndexAny(s, `/\`); i >= 0 && i < len(s)-1 {
		s = s[i+1:]
	}
	return s
}

// isBidiControl reports the Unicode bidirectional controls. In a file
// name they disguise it: "invoice\u202Efdp.exe" shows as "invoiceexe.pdf".
func isBidiControl(r rune) bool {
	switch {
	case 0x202A <= r && r <= 0x202E: // LRE, RLE, PDF, LRO, RLO
		return true
	case 0x2066 <= r && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	}
	return r == 0x200E || r == 0x200F || r == 0x061C // LRM, RLM, ALM
}

var rfc2231Re = regexp.MustCompile(`(?i)(?:^|;)\s*([a-z]+)\*(?:(\d+)\*?|\*)?\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)`)

// rfc2231Param decodes an RFC 2231 extended parameter (name*=charset'lang'
// percent-encoded, possibly split as name*0*, name*1, ...). It returns ""
// when the header has no extended form of the parameter.
func rfc2231Param(header, param string, dec *textDecoder) string {
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
	return decodeCharset(cs, buf.Bytes(), dec)
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
// to dec's reading of raw bytes when the charset is unknown.
func decodeCharset(cs string, b []byte, dec *textDecoder) string {
	if cs != "" && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "us-ascii") {
		if r, err := charsetReader(cs, bytes.NewReader(b)); err == nil {
			if out, err := io.ReadAll(r); err == nil {
				return strings.ToValidUTF8(string(out), "\uFFFD")
			}
		}
	}
	return dec.bytes(string(b))
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
