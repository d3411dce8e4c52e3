package message

import (
	"bytes"
	"net/textproto"
	"strings"
)

// TraceField is a Received or Authentication-Results header field. The
// fields are kept in the order of the header block, top first: servers add
// theirs at the top, so what sits below a server's own fields was written
// before it got the message, by anyone.
type TraceField struct {
	Name  string // "Received" or "Authentication-Results"
	Value string // unfolded, UTF-8
}

// traceFields reads the Received and Authentication-Results fields of the
// header block that starts raw, in order.
func traceFields(raw []byte) []TraceField {
	var out []TraceField
	var cur *TraceField
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			break // the end of the header block
		}
		if line[0] == ' ' || line[0] == '\t' {
			if cur != nil {
				cur.Value += " " + strings.TrimSpace(string(line))
			}
			continue
		}
		cur = nil
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		switch k := textproto.CanonicalMIMEHeaderKey(string(bytes.TrimSpace(name))); k {
		case "Received", "Authentication-Results":
			out = append(out, TraceField{Name: k, Value: strings.TrimSpace(string(value))})
			cur = &out[len(out)-1]
		}
	}
	for i := range out {
		out[i].Value = fixHeaderBytes(out[i].Value)
	}
	return out
}
