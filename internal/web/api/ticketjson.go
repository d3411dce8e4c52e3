package api

import (
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/docket/docket/internal/web"
)

// A ticket's JSON written by hand (issue 13, lists): encoding/json's
// reflection over ticketJSON's 30 fields was 14 % of the server's CPU
// listing 50 tickets at a time. appendTicketJSON writes exactly the bytes
// encoding/json writes for a ticketJSON (HTML characters escaped, invalid
// UTF-8 replaced, nil slices and maps as null);
// TestTicketJSONWritesAsEncodingJSON compares the two on tickets with
// every optional part set and unset and on hostile strings. The parts
// whose shapes vary (the SLA's targets, a satisfaction rating, a custom
// field that is not a string, a boolean, null or a plain number) go
// through encoding/json.

// listBuffers are the buffers pages are written in (a page of 50 tickets
// is about 50 KB); one past maxPooledList is left to the collector.
var listBuffers = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledList = 1 << 20

// writeTicketList writes a page of tickets as the list endpoints answer it:
// list[ticketJSON].
func writeTicketList(w http.ResponseWriter, items []ticketJSON, next *string) error {
	buf := listBuffers.Get().(*[]byte)
	defer func() {
		if cap(*buf) <= maxPooledList {
			listBuffers.Put(buf)
		}
	}()
	b := append((*buf)[:0], `{"items":[`...)
	defer func() { *buf = b[:0] }()
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendTicketJSON(b, &items[i]); err != nil {
			return err
		}
	}
	b = append(b, `],"next_cursor":`...)
	if next == nil {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, *next)
	}
	b = append(b, "}\n"...)
	return web.JSONBytes(w, http.StatusOK, b)
}

// writeTicketJSON writes one ticket with status.
func writeTicketJSON(w http.ResponseWriter, status int, j *ticketJSON) error {
	b, err := appendTicketJSON(make([]byte, 0, 2048), j)
	if err != nil {
		return err
	}
	return web.JSONBytes(w, status, append(b, '\n'))
}

func appendTicketJSON(b []byte, j *ticketJSON) ([]byte, error) {
	var err error
	b = append(b, `{"number":`...)
	b = strconv.AppendInt(b, j.Number, 10)
	b = append(b, `,"reference":`...)
	b = appendJSONString(b, j.Reference)
	b = append(b, `,"id":`...)
	b = appendJSONString(b, j.ID)
	b = append(b, `,"subject":`...)
	b = appendJSONString(b, j.Subject)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, string(j.Type))
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(j.Status))
	b = append(b, `,"resolution":`...)
	b = appendJSONStringPtr(b, j.Resolution)
	b = append(b, `,"solution":`...)
	b = appendJSONStringPtr(b, j.Solution)
	b = append(b, `,"priority":`...)
	b = appendJSONString(b, j.Priority)
	b = append(b, `,"impact":`...)
	b = appendJSONStringPtr(b, j.Impact)
	b = append(b, `,"urgency":`...)
	b = appendJSONStringPtr(b, j.Urgency)
	b = append(b, `,"category":`...)
	b = appendJSONStringPtr(b, j.Category)
	b = append(b, `,"tags":`...)
	b = appendJSONStrings(b, j.Tags)
	b = append(b, `,"requester":`...)
	b = appendPersonJSON(b, &j.Requester)
	b = append(b, `,"organization":`...)
	b = appendJSONStringPtr(b, j.Organization)
	b = append(b, `,"assignee":`...)
	if j.Assignee == nil {
		b = append(b, "null"...)
	} else {
		b = appendPersonJSON(b, j.Assignee)
	}
	b = append(b, `,"team":`...)
	b = appendJSONStringPtr(b, j.Team)
	b = append(b, `,"channel":`...)
	b = appendJSONString(b, string(j.Channel))
	b = append(b, `,"custom_fields":`...)
	if b, err = appendFieldsJSON(b, j.CustomFields); err != nil {
		return nil, err
	}
	if j.MissingFields != nil {
		b = append(b, `,"missing_fields":`...)
		b = appendJSONStrings(b, *j.MissingFields)
	}
	if len(j.Followers) > 0 {
		b = append(b, `,"followers":[`...)
		for i := range j.Followers {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPersonJSON(b, &j.Followers[i])
		}
		b = append(b, ']')
	}
	b = append(b, `,"merged_into":`...)
	if j.MergedInto == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, *j.MergedInto, 10)
	}
	for _, f := range [...]struct {
		name string
		t    *time.Time
	}{{`,"created_at":`, &j.CreatedAt}, {`,"updated_at":`, &j.UpdatedAt}, {`,"first_response_at":`, j.FirstResponseAt},
		{`,"resolved_at":`, j.ResolvedAt}, {`,"closed_at":`, j.ClosedAt}, {`,"due_at":`, j.DueAt}} {
		b = append(b, f.name...)
		if b, err = appendJSONTime(b, f.t); err != nil {
			return nil, err
		}
	}
	b = append(b, `,"sla":{"policy":`...)
	b = appendJSONStringPtr(b, j.SLA.Policy)
	b = append(b, `,"first_response_due_at":`...)
	if b, err = appendJSONTime(b, j.SLA.FirstResponseDueAt); err != nil {
		return nil, err
	}
	b = append(b, `,"resolution_due_at":`...)
	if b, err = appendJSONTime(b, j.SLA.ResolutionDueAt); err != nil {
		return nil, err
	}
	b = append(b, `,"breached":`...)
	b = strconv.AppendBool(b, j.SLA.Breached)
	b = append(b, `,"targets":`...)
	if b, err = appendMarshaled(b, j.SLA.Targets); err != nil {
		return nil, err
	}
	b = append(b, `},"satisfaction":`...)
	if b, err = appendMarshaled(b, j.Satisfaction); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

func appendPersonJSON(b []byte, p *personJSON) []byte {
	b = append(b, `{"email":`...)
	b = appendJSONString(b, p.Email)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, p.Name)
	return append(b, '}')
}

// appendMarshaled appends v as encoding/json writes it: a nil interface
// and the SLA's targets when there are none here, anything else through
// json.Marshal.
func appendMarshaled(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case []targetJSON:
		if v == nil {
			return append(b, "null"...), nil
		} else if len(v) == 0 {
			return append(b, "[]"...), nil
		}
	}
	out, err := json.Marshal(v)
	return append(b, out...), err
}

// appendJSONTime appends t as time.Time's MarshalJSON does (RFC 3339 with
// the fraction's digits as needed); nil is null.
func appendJSONTime(b []byte, t *time.Time) ([]byte, error) {
	if t == nil {
		return append(b, "null"...), nil
	}
	if y := t.Year(); y < 0 || y > 9999 {
		out, err := json.Marshal(t) // encoding/json's error
		return append(b, out...), err
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

func appendJSONStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

func appendJSONStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendFieldsJSON appends custom fields as encoding/json writes a
// map[string]any: keys in order; strings, booleans, nulls and numbers
// written here, any other value by encoding/json.
func appendFieldsJSON(b []byte, m map[string]any) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	keys := make([]string, 0, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case nil, string, bool:
		case float64:
			if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) || math.IsNaN(v) {
				return appendMarshaled(b, m)
			}
		default:
			return appendMarshaled(b, m)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		switch v := m[k].(type) {
		case nil:
			b = append(b, "null"...)
		case string:
			b = appendJSONString(b, v)
		case bool:
			b = strconv.AppendBool(b, v)
		case float64:
			b = strconv.AppendFloat(b, v, 'f', -1, 64)
		}
	}
	return append(b, '}'), nil
}

// appendJSONString appends s as a JSON string as encoding/json writes it:
// <, > and & escaped for HTML, control characters escaped, bytes that are
// not UTF-8 as U+FFFD, and U+2028 and U+2029 escaped for JavaScript.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
