package loadgen

import (
	"encoding/json"
	"testing"
)

// TestNextCursorReadsAsDecoding: nextCursor, which reads a page's last
// member, finds what decoding the whole page finds, for pages as the API
// writes them and for other valid and invalid shapes of their start, end
// and cursor (which it decodes whole); it does not check a page's middle.
func TestNextCursorReadsAsDecoding(t *testing.T) {
	for _, body := range []string{
		`{"items":[{"number":1}],"next_cursor":"eyJzIjoiLW51bWJlciJ9"}` + "\n",
		`{"items":[],"next_cursor":null}` + "\n",
		`{"items":[{"custom_fields":{"next_cursor":"inner"}}],"next_cursor":"outer"}`,
		`{"items":[{"custom_fields":{"next_cursor":"inner"}}]}`,
		`{"items":[{"subject":"\"next_cursor\":\"x\"}"}],"next_cursor":null}`,
		`{"next_cursor":"first","items":[{"custom_fields":{"next_cursor":"inner"}}]}`,
		`{"items":[], "next_cursor" : "spaced" }`,
		`{"items":[],"next_cursor":"esc\"aped"}`,
		`{"items":[],"next_cursor":"a\u0062c"}`,
		`{"items":[],"next_cursor":"a","next_cursor":"b"}`,
		`{"items":[],"next_cursor":"a"}}`,
		`{"items":[],"next_cursor":"a"`,
		`{"items":[],"next_cursor":7}`,
		`{"items":[],"next_cursor":"a" "b"}`,
		`not json "next_cursor":"a"}`,
		``,
	} {
		var resp struct {
			Next *string `json:"next_cursor"`
		}
		wantOK := json.Unmarshal([]byte(body), &resp) == nil
		want := ""
		if resp.Next != nil {
			want = *resp.Next
		}
		got, ok := nextCursor([]byte(body))
		if ok != wantOK || (ok && got != want) {
			t.Errorf("%s: read %q, %v; decoding gives %q, %v", body, got, ok, want, wantOK)
		}
	}
}
