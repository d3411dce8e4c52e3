package ticket

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// referenceStoredJSON is storedJSON as encoding/json alone reads the
// columns: what the direct reading must always give.
func referenceStoredJSON(t *Ticket, cf, tags string) error {
	t.CustomFields = map[string]any{}
	if err := json.Unmarshal([]byte(cf), &t.CustomFields); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(tags), &t.Tags); err != nil {
		return err
	}
	if t.Tags == nil {
		t.Tags = []string{}
	}
	return nil
}

// sameAsEncodingJSON reports, as a test error, where storedJSON reads cf
// and tags otherwise than encoding/json.
func sameAsEncodingJSON(t *testing.T, cf, tags string) {
	t.Helper()
	var got, want Ticket
	gotErr, wantErr := storedJSON(&got, cf, tags), referenceStoredJSON(&want, cf, tags)
	if (gotErr != nil) != (wantErr != nil) {
		t.Errorf("custom fields %q, tags %q: error %v, encoding/json's %v", cf, tags, gotErr, wantErr)
		return
	}
	// Compared as Go syntax, which sorts a map's keys and tells -0 from 0
	// (reflect.DeepEqual does not).
	same := func(x, y any) bool { return fmt.Sprintf("%#v", x) == fmt.Sprintf("%#v", y) }
	if gotErr == nil && (!same(got.CustomFields, want.CustomFields) || !same(got.Tags, want.Tags)) {
		t.Errorf("custom fields %q, tags %q: read %#v %#v, encoding/json reads %#v %#v", cf, tags,
			got.CustomFields, got.Tags, want.CustomFields, want.Tags)
	}
}

// TestStoredJSONReadsAsEncodingJSON: the custom fields and tags a ticket's
// row holds read the same as json.Unmarshal reads them, whether storedJSON
// reads them directly or hands them on: what json.Marshal writes for random
// values (quotes, backslashes, control characters, markup, other scripts,
// bytes that are not UTF-8, numbers of every size, nested values), and
// text it never writes (white space, malformed numbers, truncations).
func TestStoredJSONReadsAsEncodingJSON(t *testing.T) {
	for _, raw := range []string{
		`{}`, `null`, `{"a":1}`, `{"a":-0}`, `{"a":1E+2}`, `{"a":1e-7}`, `{"a":0.5}`, `{"a":true,"b":false,"c":null}`,
		`{"a":1,"a":2}`, `{"":""}`, `{"a":"x"}`, `{ "a":1}`, `{"a": 1}`, `{"a":1 }`, `{"a":1e400}`, `{"a":-1e400}`,
		`{"a":01}`, `{"a":-}`, `{"a":1.}`, `{"a":.5}`, `{"a":+1}`, `{"a":1e}`, `{"a":1e+}`, `{"a":--1}`, `{"a":0x10}`,
		`{"a":1,}`, `{,}`, `{"a"}`, `{"a":}`, `{"a":tru}`, `{"a":truex}`, `{"a":nul}`, `{"a":"x"}}`, `{"a":"x"`, `{"a":"x",`,
		`{"a":[1]}`, `{"a":{}}`, "{\"a\":\"x\ty\"}", "{\"a\":\"\xff\"}", "{\"\xff\":1}", `{"a":"\u0041"}`, `{"a":"\""}`,
		`{"a":"b"`, `{"a":"b"]`, `{"a":1}x`, `{"a"::1}`, `{"a":1:2}`, `[]`, `{"a":Infinity}`, `{"a":NaN}`, `{"a":1_0}`,
	} {
		sameAsEncodingJSON(t, raw, `[]`)
	}
	for _, raw := range []string{
		`[]`, `null`, `[""]`, `["",""]`, `[" "]`, `["a","b"]`, `["a",]`, `["a""b"]`, `["a","b]`, `[1]`, `["a",1]`,
		`[ "a"]`, `["a" ]`, `["a", "b"]`, `["a","b"]x`, `["a\"b"]`, `["\u00e9"]`, "[\"a\tb\"]", "[\"\xff\"]", `["a"`,
		`"a"`, `[[]]`, `["a",null]`, `{}`, `["]`, `[""""]`, `["a","",""]`,
	} {
		sameAsEncodingJSON(t, `{}`, raw)
	}
	r := rand.New(rand.NewPCG(13, 5))
	direct := 0
	for range 5000 {
		fields := map[string]any{}
		for range r.IntN(5) {
			fields[randomText(r)] = randomValue(r, 2)
		}
		tags := make([]string, r.IntN(4))
		for i := range tags {
			tags[i] = randomText(r)
		}
		cf, _ := json.Marshal(fields)
		tg, _ := json.Marshal(tags)
		if _, ok := plainObject(string(cf)); ok {
			direct++
		}
		sameAsEncodingJSON(t, string(cf), string(tg))
	}
	if direct < 1000 {
		t.Errorf("read directly %d of 5,000 random custom fields; want most of the plain ones", direct)
	}
}

// randomText is a short string of letters, digits and, now and then, what
// JSON escapes or refuses.
func randomText(r *rand.Rand) string {
	parts := []string{"a", "Z", "0", " ", "é", "日本", "-", "_", ":", ",", "{", "]", "\"", "\\", "\t", "\x01", "<", "&", "\xff", "\u2028"}
	var b strings.Builder
	for range r.IntN(8) {
		if r.IntN(4) == 0 {
			b.WriteString(parts[r.IntN(len(parts))])
		} else {
			b.WriteString(parts[r.IntN(4)])
		}
	}
	return b.String()
}

// randomValue is a value a custom field may hold, nested up to depth.
func randomValue(r *rand.Rand, depth int) any {
	switch r.IntN(9) {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return float64(r.IntN(100000) - 50000)
	case 3:
		return r.NormFloat64() * math.Pow(10, float64(r.IntN(40)-20))
	case 4:
		return math.MaxFloat64 / float64(1+r.IntN(3))
	case 5:
		if depth > 0 {
			return []any{randomValue(r, depth-1), randomValue(r, depth-1)}
		}
	case 6:
		if depth > 0 {
			return map[string]any{randomText(r): randomValue(r, depth-1)}
		}
	}
	return randomText(r)
}
