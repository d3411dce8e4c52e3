package client

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestPatchEncoding(t *testing.T) {
	tests := []struct {
		name  string
		patch any
		want  string
	}{
		{"empty", TicketPatch{}, `{}`},
		{"set", TicketPatch{Status: Ptr("open"), Tags: &[]string{}}, `{"status":"open","tags":[]}`},
		{"clear", TicketPatch{Clear: []string{"assignee", "team"}}, `{"assignee":null,"team":null}`},
		{"clear wins", TicketPatch{Assignee: Ptr("a@example.test"), Clear: []string{"assignee"}}, `{"assignee":null}`},
		{"custom field removal", TicketPatch{CustomFields: map[string]any{"x": nil}}, `{"custom_fields":{"x":null}}`},
		{"user organization", UserPatch{Name: Ptr("N"), Clear: []string{"organization"}}, `{"name":"N","organization":null}`},
		{"organization domain", OrganizationPatch{Clear: []string{"domain"}}, `{"domain":null}`},
		{"custom field category", CustomFieldPatch{Position: Ptr(0), Clear: []string{"category"}}, `{"category":null,"position":0}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.patch)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("got %s, want %s", b, tt.want)
			}
		})
	}
}

func TestTicketFilterQuery(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.FixedZone("X", 3600))
	f := TicketFilter{Status: []string{"new", "open"}, Assignee: []string{"me"}, Q: `vpn "time out"`, Sort: "-priority",
		CreatedAfter: at, Limit: 3, Cursor: "abc"}
	got := f.values()
	if s := got["status"]; len(s) != 2 || s[0] != "new" || s[1] != "open" {
		t.Errorf("status %v", s)
	}
	for k, want := range map[string]string{"assignee": "me", "q": `vpn "time out"`, "sort": "-priority", "limit": "3",
		"cursor": "abc", "created_after": "2026-01-02T02:04:05.000006Z"} {
		if got.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, got.Get(k), want)
		}
	}
	for _, k := range []string{"type", "team", "created_before", "updated_after"} {
		if got.Has(k) {
			t.Errorf("zero %s sent", k)
		}
	}
	if v := (TicketFilter{}).values(); len(v) != 0 {
		t.Errorf("empty filter sends %v", v)
	}
}

// Uploads of the same file send the same bytes, so an idempotent retry is
// recognized; the token and content arrive intact.
func TestUploadIsRepeatable(t *testing.T) {
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Idempotency-Key") != "k" {
			t.Errorf("headers %v", r.Header)
		}
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, append([]byte(r.Header.Get("Content-Type")+"\n"), b...))
		f, h, err := r.FormFile("file")
		if err == nil {
			defer f.Close()
			content, _ := io.ReadAll(f)
			if h.Filename != "a.txt" || string(content) != "hello" {
				t.Errorf("file %q %q", h.Filename, content)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"x1","filename":"a.txt","content_type":"text/plain","size":5}`)
	}))
	defer srv.Close()
	c := New(srv.URL, "tok")
	for _, r := range []io.Reader{strings.NewReader("hello"), io.MultiReader(strings.NewReader("hel"), strings.NewReader("lo"))} {
		a, err := c.UploadAttachment(t.Context(), "a.txt", r, WithIdempotencyKey("k"))
		if err != nil {
			t.Fatal(err)
		}
		if a.ID != "x1" || a.Size != 5 {
			t.Errorf("attachment %+v", a)
		}
	}
	if len(bodies) != 2 || !bytes.Equal(bodies[0], bodies[1]) {
		t.Errorf("two uploads of one file sent different requests:\n%s\n%s", bodies[0], bodies[1])
	}
}

func TestDownloadError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"type":"about:blank","title":"Not Found","status":404,"detail":"gone"}`)
	}))
	defer srv.Close()
	_, err := New(srv.URL, "tok").DownloadAttachment(t.Context(), "a/b")
	if StatusOf(err) != http.StatusNotFound || !strings.Contains(err.Error(), "gone") {
		t.Errorf("got %v, want a 404 *Error", err)
	}
}
