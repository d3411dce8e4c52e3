package ticket

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A ticket's custom fields and tags are stored as JSON (tickets.custom_fields,
// tickets.tags), and every ticket a list or a get reads decodes both: two
// json.Unmarshal calls were about a tenth of what a listed ticket costs in
// the service (issue 13, lists). Docket writes them with json.Marshal: an
// object of strings, numbers, booleans and nulls, without white space, and
// an array of strings. Such text is read here directly; anything else — an
// escape, a nested value, white space, a number strconv refuses, bytes
// that are not UTF-8 — is left to encoding/json, so the result is always
// what json.Unmarshal gives (TestStoredJSONReadsAsEncodingJSON).

// storedJSON sets t's custom fields and tags from their columns' JSON.
func storedJSON(t *Ticket, cf, tags string) error {
	if fields, ok := plainObject(cf); ok {
		t.CustomFields = fields
	} else {
		t.CustomFields = map[string]any{}
		if err := json.Unmarshal([]byte(cf), &t.CustomFields); err != nil {
			return fmt.Errorf("ticket %d: custom fields: %w", t.Number, err)
		}
	}
	if list, ok := plainStrings(tags); ok {
		t.Tags = list
	} else if err := json.Unmarshal([]byte(tags), &t.Tags); err != nil {
		return fmt.Errorf("ticket %d: tags: %w", t.Number, err)
	}
	if t.Tags == nil {
		t.Tags = []string{}
	}
	return nil
}

// plainText reports whether s may be read without encoding/json: valid
// UTF-8 without a backslash (no escapes) and without control characters
// (JSON refuses them in a string, and outside one they are white space,
// which json.Marshal does not write).
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == '\\' {
			return false
		}
	}
	return utf8.ValidString(s)
}

// plainObject reads s as json.Unmarshal reads an object into a
// map[string]any, when s is an object of strings, numbers, booleans and
// nulls without white space or escapes; ok is false otherwise.
func plainObject(s string) (fields map[string]any, ok bool) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' || !plainText(s) {
		return nil, false
	}
	fields = map[string]any{}
	if s == "{}" {
		return fields, true
	}
	for i := 1; ; {
		key, j, ok := plainString(s, i)
		if !ok || j >= len(s) || s[j] != ':' {
			return nil, false
		}
		v, k, ok := plainValue(s, j+1)
		if !ok || k >= len(s) {
			return nil, false
		}
		fields[key] = v
		switch s[k] {
		case ',':
			i = k + 1
		case '}':
			if k != len(s)-1 {
				return nil, false
			}
			return fields, true
		default:
			return nil, false
		}
	}
}

// plainString reads the string that starts at s[i] (a quotation mark) and
// returns it and the index after it; s is plainText.
func plainString(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", i, false
	}
	end := strings.IndexByte(s[i+1:], '"')
	if end < 0 {
		return "", i, false
	}
	return s[i+1 : i+1+end], i + 2 + end, true
}

// plainValue reads the value that starts at s[i]: a string, a number, true,
// false or null.
func plainValue(s string, i int) (any, int, bool) {
	if i >= len(s) {
		return nil, i, false
	}
	switch c := s[i]; {
	case c == '"':
		return plainString(s, i)
	case c == 't' && strings.HasPrefix(s[i:], "true"):
		return true, i + 4, true
	case c == 'f' && strings.HasPrefix(s[i:], "false"):
		return false, i + 5, true
	case c == 'n' && strings.HasPrefix(s[i:], "null"):
		return nil, i + 4, true
	case c == '-' || c >= '0' && c <= '9':
		j := i
		for j < len(s) && strings.IndexByte("+-.eE0123456789", s[j]) >= 0 {
			j++
		}
		if !jsonNumber(s[i:j]) {
			return nil, i, false
		}
		f, err := strconv.ParseFloat(s[i:j], 64)
		if err != nil { // out of range: encoding/json says so
			return nil, i, false
		}
		return f, j, true
	}
	return nil, i, false
}

// jsonNumber reports whether n is a number as JSON writes one.
func jsonNumber(n string) bool {
	i := 0
	digits := func() bool {
		start := i
		for i < len(n) && n[i] >= '0' && n[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(n) && n[i] == '-' {
		i++
	}
	switch {
	case i < len(n) && n[i] == '0':
		i++
	case !digits():
		return false
	}
	if i < len(n) && n[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(n) && (n[i] == 'e' || n[i] == 'E') {
		i++
		if i < len(n) && (n[i] == '+' || n[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(n)
}

// plainStrings reads s as json.Unmarshal reads an array into a []string,
// when s is an array of strings without white space or escapes.
func plainStrings(s string) ([]string, bool) {
	if s == "[]" {
		return []string{}, true
	}
	if len(s) < 4 || s[0] != '[' || s[1] != '"' || s[len(s)-2] != '"' || s[len(s)-1] != ']' || !plainText(s) {
		return nil, false
	}
	list := strings.Split(s[2:len(s)-2], `","`)
	for _, v := range list {
		if strings.IndexByte(v, '"') >= 0 {
			return nil, false
		}
	}
	return list, true
}
