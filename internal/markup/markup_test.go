package markup

import (
	"strings"
	"testing"
)

func TestMarkdownIsSafe(t *testing.T) {
	cases := []struct {
		in      string
		want    []string
		mustNot []string
	}{
		{"**bold** and _em_", []string{"<strong>bold</strong>", "<em>em</em>"}, nil},
		{"<script>alert(1)</script>", nil, []string{"<script"}},
		{"[x](javascript:alert(1))", nil, []string{"javascript:"}},
		{"<img src=x onerror=alert(1)>", nil, []string{"onerror"}},
		{"![a](https://evil.example/track.png)", nil, []string{"evil.example"}},
		{"![a](/api/v1/attachments/abc)", []string{`src="/api/v1/attachments/abc"`}, nil},
		{"[site](https://example.com)", []string{`href="https://example.com"`, `rel="nofollow noreferrer noopener"`}, nil},
		{"line1\nline2", []string{"line1<br"}, nil},
	}
	for _, c := range cases {
		got := Markdown(c.in)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("Markdown(%q) = %q, want it to contain %q", c.in, got, w)
			}
		}
		for _, m := range c.mustNot {
			if strings.Contains(got, m) {
				t.Errorf("Markdown(%q) = %q, must not contain %q", c.in, got, m)
			}
		}
	}
}

func TestHTMLStripsActiveContent(t *testing.T) {
	in := `<div onclick="x()"><p style="color:red">Hi</p><iframe src="https://e"></iframe><a href="vbscript:x">l</a><form><input name=a></form></div>`
	got := HTML(in)
	for _, bad := range []string{"onclick", "iframe", "vbscript", "<form", "style="} {
		if strings.Contains(got, bad) {
			t.Errorf("HTML kept %q: %s", bad, got)
		}
	}
	if !strings.Contains(got, "<p>Hi</p>") {
		t.Errorf("HTML lost the text: %s", got)
	}
}

// The sanitizer drops the content of elements such as <title> and
// <iframe>, counting them open and closed; an end tag that nothing opened
// once upset that count so that everything after the next such element
// vanished from the message.
func TestHTMLKeepsTextAfterStrayEndTags(t *testing.T) {
	for _, in := range []string{
		`<p>a</p></title><title>Subject</title><p>after</p>`,
		`<p>a</p></noscript><iframe src="https://e"></iframe><p>after</p>`,
		`<object></object></object><iframe></iframe><style>p{}</style><p>after</p>`,
		`<p>a</p></TITLE><Title>x</Title><p>after</p>`,
	} {
		got := HTML(in)
		if !strings.Contains(got, "<p>after</p>") || strings.Contains(got, "Subject") || strings.Contains(got, "p{}") {
			t.Errorf("HTML(%q) = %q, want the text after, and nothing of title or style", in, got)
		}
	}
}

// Input without stray end tags goes to the sanitizer byte for byte, even
// when it ends in the middle of a tag.
func TestDropStrayEndTagsChangesNothingElse(t *testing.T) {
	for _, s := range []string{"a<div", "a<", "<!-- x", `<p title="x`, "x</", "a</b", "<script>a</script", "<title>t",
		"<p>x</p><title>t</title><iframe></iframe>"} {
		if got := dropStrayEndTags(s); got != s {
			t.Errorf("dropStrayEndTags(%q) = %q", s, got)
		}
	}
}
