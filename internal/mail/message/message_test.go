package message

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the expect half of testdata/*.golden.json")

const corpusDir = "../testdata"

// golden is one NAME.golden.json: "expect" is written by -update (and must
// be reviewed by eye); "checks" are hand-written in gen_corpus.py and kept.
type golden struct {
	Checks checks  `json:"checks"`
	Expect *expect `json:"expect"`
}

type checks struct {
	Subject          *string         `json:"subject"`
	FromName         *string         `json:"from_name"`
	ToNames          []string        `json:"to_names"`
	Filenames        []string        `json:"filenames"`
	ContentTypes     []string        `json:"content_types"`
	HTMLContains     []string        `json:"html_contains"`
	HTMLNotContains  []string        `json:"html_not_contains"`
	TextContains     []string        `json:"text_contains"`
	TextNotContains  []string        `json:"text_not_contains"`
	PartTextContains []string        `json:"part_text_contains"`
	QuotePrefix      *string         `json:"quote_prefix"`
	Flags            map[string]bool `json:"flags"`
	BouncedMessageID *string         `json:"bounced_message_id"`
	BounceStatus     *string         `json:"bounce_status"`
	BounceRecipient  *string         `json:"bounce_recipient"`
}

type expectPart struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	ContentID   string `json:"content_id,omitempty"`
	Inline      bool   `json:"inline"`
	Size        int    `json:"size"`
	SHA256      string `json:"sha256"`
}

type expect struct {
	Subject               string          `json:"subject"`
	From                  string          `json:"from"`
	ReplyTo               []string        `json:"reply_to,omitempty"`
	To                    []string        `json:"to,omitempty"`
	Cc                    []string        `json:"cc,omitempty"`
	MessageID             string          `json:"message_id"`
	InReplyTo             []string        `json:"in_reply_to,omitempty"`
	References            []string        `json:"references,omitempty"`
	ReturnPath            string          `json:"return_path"`
	Date                  string          `json:"date"`
	Text                  string          `json:"text,omitempty"`
	TextPrefix            string          `json:"text_prefix,omitempty"`
	TextLen               int             `json:"text_len"`
	TextSHA256            string          `json:"text_sha256"`
	HTML                  string          `json:"html,omitempty"`
	HTMLPrefix            string          `json:"html_prefix,omitempty"`
	HTMLLen               int             `json:"html_len"`
	QuoteStart            int             `json:"quote_start"`
	Quoted                string          `json:"quoted,omitempty"`
	Parts                 []expectPart    `json:"parts,omitempty"`
	AutoSubmitted         string          `json:"auto_submitted,omitempty"`
	Precedence            string          `json:"precedence,omitempty"`
	ListID                string          `json:"list_id,omitempty"`
	XAutoResponseSuppress string          `json:"x_auto_response_suppress,omitempty"`
	AuthResults           int             `json:"authentication_results"`
	Flags                 map[string]bool `json:"flags"`
	BouncedMessageID      string          `json:"bounced_message_id,omitempty"`
	BounceStatus          string          `json:"bounce_status,omitempty"`
	BounceRecipient       string          `json:"bounce_recipient,omitempty"`
}

func addrString(a Address) string {
	if a.Name == "" {
		return a.Email
	}
	return a.Name + " <" + a.Email + ">"
}

func addrStrings(as []Address) []string {
	var out []string
	for _, a := range as {
		out = append(out, addrString(a))
	}
	return out
}

func sum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:8]) }

func prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func flags(m *Message) map[string]bool {
	return map[string]bool{"is_bounce": m.IsBounce, "is_auto_reply": m.IsAutoReply, "is_automatic": m.IsAutomatic()}
}

func toExpect(m *Message) *expect {
	e := &expect{
		Subject: m.Subject, From: addrString(m.From), ReplyTo: addrStrings(m.ReplyTo), To: addrStrings(m.To), Cc: addrStrings(m.Cc),
		MessageID: m.MessageID, InReplyTo: m.InReplyTo, References: m.References, ReturnPath: m.ReturnPath,
		TextLen: len(m.Text), TextSHA256: sum([]byte(m.Text)), HTMLLen: len(m.HTML), QuoteStart: m.QuoteStart,
		AutoSubmitted: m.AutoSubmitted, Precedence: m.Precedence, ListID: m.ListID, XAutoResponseSuppress: m.XAutoResponseSuppress,
		AuthResults: len(m.AuthenticationResults), Flags: flags(m),
		BouncedMessageID: m.BouncedMessageID, BounceStatus: m.BounceStatus, BounceRecipient: m.BounceRecipient,
	}
	if !m.Date.IsZero() {
		e.Date = m.Date.Format(time.RFC3339)
	}
	if len(m.Text) <= 1500 {
		e.Text = m.Text
	} else {
		e.TextPrefix = prefix(m.Text, 200)
	}
	if len(m.HTML) <= 1500 {
		e.HTML = m.HTML
	} else {
		e.HTMLPrefix = prefix(m.HTML, 200)
	}
	if m.QuoteStart >= 0 {
		e.Quoted = prefix(m.Text[m.QuoteStart:], 60)
	}
	for _, p := range m.Parts {
		e.Parts = append(e.Parts, expectPart{p.Filename, p.ContentType, p.ContentID, p.Inline, len(p.Data), sum(p.Data)})
	}
	return e
}

// unsafeHTML must never survive sanitizing, in any message.
var unsafeHTML = []string{"<script", "onerror", "onload", "onclick", "onmouseover", "<iframe", "javascript:", "<form", "<style",
	"style=", `src="http`, `src='http`, "<meta", "<svg", "<object", "<embed", "<link", "data-src", "srcset", "background="}

func TestCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 40 {
		t.Fatalf("corpus has %d messages, want at least 40", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".eml")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse(raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			gpath := filepath.Join(corpusDir, name+".golden.json")
			var g golden
			if b, err := os.ReadFile(gpath); err == nil {
				if err := json.Unmarshal(b, &g); err != nil {
					t.Fatalf("%s: %v", gpath, err)
				}
			}
			got := toExpect(m)
			if *update {
				g.Expect = got
				b, _ := json.MarshalIndent(g, "", "  ")
				// Keep non-ASCII readable for review.
				b = bytes.ReplaceAll(b, []byte(`\u003c`), []byte("<"))
				b = bytes.ReplaceAll(b, []byte(`\u003e`), []byte(">"))
				b = bytes.ReplaceAll(b, []byte(`\u0026`), []byte("&"))
				if err := os.WriteFile(gpath, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			} else if g.Expect == nil {
				t.Fatalf("no golden %s; run go test -update and review it", gpath)
			} else if !reflect.DeepEqual(normalize(got), normalize(g.Expect)) {
				gb, _ := json.MarshalIndent(got, "", "  ")
				wb, _ := json.MarshalIndent(g.Expect, "", "  ")
				t.Errorf("golden mismatch\n got: %s\nwant: %s", gb, wb)
			}
			checkMessage(t, m, g.Checks)
		})
	}
}

// normalize round-trips through JSON so nil and empty slices compare equal.
func normalize(e *expect) map[string]any {
	b, _ := json.Marshal(e)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

func checkMessage(t *testing.T, m *Message, c checks) {
	t.Helper()
	for _, s := range append([]string{m.Subject, m.Text, m.HTML, m.From.Name}, strings.Join(addrStrings(m.To), ",")) {
		if !utf8.ValidString(s) {
			t.Errorf("not valid UTF-8: %q", prefix(s, 80))
		}
	}
	lowerHTML := strings.ToLower(m.HTML)
	for _, bad := range unsafeHTML {
		if strings.Contains(lowerHTML, bad) {
			t.Errorf("HTML contains %q: %s", bad, prefix(m.HTML, 400))
		}
	}
	if c.Subject != nil && m.Subject != *c.Subject {
		t.Errorf("Subject = %q, want %q", m.Subject, *c.Subject)
	}
	if c.FromName != nil && m.From.Name != *c.FromName {
		t.Errorf("From.Name = %q, want %q", m.From.Name, *c.FromName)
	}
	if c.ToNames != nil {
		var names []string
		for _, a := range m.To {
			names = append(names, a.Name)
		}
		if !reflect.DeepEqual(names, c.ToNames) {
			t.Errorf("To names = %q, want %q", names, c.ToNames)
		}
	}
	var fnames, ctypes []string
	for _, p := range m.Parts {
		fnames = append(fnames, p.Filename)
		ctypes = append(ctypes, p.ContentType)
		if !utf8.ValidString(p.Filename) {
			t.Errorf("filename not UTF-8: %q", p.Filename)
		}
	}
	if c.Filenames != nil && !reflect.DeepEqual(fnames, c.Filenames) {
		t.Errorf("filenames = %q, want %q", fnames, c.Filenames)
	}
	if c.ContentTypes != nil && !reflect.DeepEqual(ctypes, c.ContentTypes) {
		t.Errorf("content types = %q, want %q", ctypes, c.ContentTypes)
	}
	for _, s := range c.HTMLContains {
		if !strings.Contains(m.HTML, s) {
			t.Errorf("HTML lacks %q: %s", s, prefix(m.HTML, 600))
		}
	}
	for _, s := range c.HTMLNotContains {
		if strings.Contains(m.HTML, s) {
			t.Errorf("HTML contains %q: %s", s, prefix(m.HTML, 600))
		}
	}
	for _, s := range c.TextContains {
		if !strings.Contains(m.Text, s) {
			t.Errorf("Text lacks %q: %q", s, prefix(m.Text, 600))
		}
	}
	for _, s := range c.TextNotContains {
		if strings.Contains(m.Text, s) {
			t.Errorf("Text contains %q", s)
		}
	}
	for _, s := range c.PartTextContains {
		found := false
		for _, p := range m.Parts {
			found = found || strings.Contains(string(p.Data), s)
		}
		if !found {
			t.Errorf("no part contains %q", s)
		}
	}
	if c.QuotePrefix != nil {
		if m.QuoteStart < 0 {
			t.Errorf("QuoteStart = -1, want quote starting %q", *c.QuotePrefix)
		} else if !strings.HasPrefix(m.Text[m.QuoteStart:], *c.QuotePrefix) {
			t.Errorf("quote starts %q, want %q", prefix(m.Text[m.QuoteStart:], 60), *c.QuotePrefix)
		}
	}
	got := flags(m)
	for k, want := range c.Flags {
		if got[k] != want {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
	if c.BouncedMessageID != nil && m.BouncedMessageID != *c.BouncedMessageID {
		t.Errorf("BouncedMessageID = %q, want %q", m.BouncedMessageID, *c.BouncedMessageID)
	}
	if c.BounceStatus != nil && m.BounceStatus != *c.BounceStatus {
		t.Errorf("BounceStatus = %q, want %q", m.BounceStatus, *c.BounceStatus)
	}
	if c.BounceRecipient != nil && m.BounceRecipient != *c.BounceRecipient {
		t.Errorf("BounceRecipient = %q, want %q", m.BounceRecipient, *c.BounceRecipient)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, in := range []string{"", "   \r\n\r\n  "} {
		if m, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) = %+v, want error", in, m)
		}
	}
}

func TestQuoteStart(t *testing.T) {
	cases := []struct {
		text, want string // want: the text the quote starts with, "" for none
	}{
		{"Hi\n\nThanks\n", ""},
		{"Fine.\n\n-- \nAnn\n", "-- \nAnn"},
		{"Yes.\n\nOn Mon, 2 Mar 2026 at 10:00, Bob <b@x> wrote:\n> q\n", "On Mon"},
		{"Ja.\n\nAm 02.03.2026 um 10:00 schrieb Bob <b@x>:\n> q\n", "Am 02.03"},
		{"a\n> inline quote\nmy answer\n\n> trailing\n> quote\n", "> trailing"},
		{"ok\n\n________________________________\nFrom: Bob <b@x>\nSent: Monday\n", "________"},
		{"ok\n\nFrom: Bob <b@x>\nSent: Monday\n", "From: Bob"},
	}
	for _, c := range cases {
		qs := QuoteStart(c.text)
		switch {
		case c.want == "" && qs != -1:
			t.Errorf("QuoteStart(%q) = %d, want -1", c.text, qs)
		case c.want != "" && (qs < 0 || !strings.HasPrefix(c.text[qs:], c.want)):
			t.Errorf("QuoteStart(%q) = %d, want start at %q", c.text, qs, c.want)
		}
	}
}

func TestSeparateHeader(t *testing.T) {
	cases := []struct{ in, want string }{
		// A blank line already there: nothing to do.
		{"From: a@b\nSubject: s\n\nbody\n", "From: a@b\nSubject: s\n\nbody\n"},
		// Straight into the text.
		{"From: a@b\r\nSubject: s\r\nbody\r\n", "From: a@b\r\nSubject: s\r\n\r\nbody\r\n"},
		// A field folded without indentation, more fields after it: left
		// alone (enmime skips the stray line), the body is not cut short.
		{"From: a@b\nX-Tracker: H4sI\nIg5drOC\nContent-Type: text/plain\n\nbody\n", "From: a@b\nX-Tracker: H4sI\nIg5drOC\nContent-Type: text/plain\n\nbody\n"},
		// Junk before fields with a From: dropped; without one, kept.
		{"---- Original ----\nFrom: a@b\n\nbody\n", "From: a@b\n\nbody\n"},
		{"Hello\nNote: call me\n", "Hello\nNote: call me\n"},
	}
	for _, c := range cases {
		if got := string(separateHeader([]byte(c.in))); got != c.want {
			t.Errorf("separateHeader(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestIsAutomatic(t *testing.T) {
	cases := []struct {
		hdr  string
		want bool
	}{
		{"Auto-Submitted: no\n", false},
		{"Auto-Submitted: auto-generated\n", true},
		{"Precedence: bulk\n", true},
		{"Precedence: junk\n", true},
		{"Precedence: list\n", true},
		{"List-Id: <x.example>\n", true},
		{"X-Auto-Response-Suppress: OOF\n", true},
		{"Return-Path: <>\n", true},
		{"Return-Path: <a@b.example>\n", false},
		{"X-Autoreply: yes\n", true},
		// Every field counts, not only the first.
		{"Precedence: normal\nPrecedence: bulk\n", true},
		{"Auto-Submitted: no\nAuto-Submitted: auto-generated\n", true},
		{"Precedence: normal\nPrecedence: first-class\n", false},
	}
	for _, c := range cases {
		m, err := Parse([]byte("From: a@b.example\nSubject: s\n" + c.hdr + "\nbody\n"))
		if err != nil {
			t.Fatal(err)
		}
		if m.IsAutomatic() != c.want {
			t.Errorf("%q: IsAutomatic = %v, want %v", c.hdr, m.IsAutomatic(), c.want)
		}
	}
}

func corpus(tb testing.TB) [][]byte {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func FuzzParse(f *testing.F) {
	for _, b := range corpus(f) {
		if len(b) < 64<<10 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			m, err := parse(raw) // no recover: a panic fails the fuzz run
			if err != nil {
				return
			}
			if m.QuoteStart > len(m.Text) {
				t.Errorf("QuoteStart %d beyond text length %d", m.QuoteStart, len(m.Text))
			}
			_ = m.IsAutomatic()
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("Parse hung on %d bytes", len(raw))
		}
	})
}

func BenchmarkParse(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join(corpusDir, "outlook_inline_images.eml"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(raw); err != nil {
			b.Fatal(err)
		}
	}
}
