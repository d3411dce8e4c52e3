package markup_test

import (
	"testing"

	"github.com/docket/docket/internal/markup"
)

func TestTextOfMarkdown(t *testing.T) {
	for _, tc := range []struct{ name, md, want string }{
		{"emphasis and line breaks", "Have you tried **turning it off**?\nThen _on_ again.",
			"Have you tried turning it off?\nThen on again."},
		{"paragraphs", "One.\n\nTwo.", "One.\n\nTwo."},
		{"lists", "- one\n- two\n  more\n\n3. a\n4. b", "- one\n- two\n  more\n\n3. a\n4. b"},
		{"nested list", "- one\n  - inner\n- two", "- one\n  - inner\n- two"},
		{"links", "See [the docs](https://example.com/docs), https://x.example/y and <ann@example.com>.",
			"See the docs <https://example.com/docs>, https://x.example/y and ann@example.com."},
		{"quote", "> quoted\n>\n> more", "> quoted\n>\n> more"},
		{"code", "Run `make`:\n\n```\nblock\n  indented <b>\n```", "Run make:\n\nblock\n  indented <b>"},
		{"heading and rule", "# Head\n\ntext\n\n---\n\nend", "Head\n\ntext\n\n----\n\nend"},
		{"escapes", "A < B & C", "A < B & C"},
		{"raw html left out", "Hi <b>there</b>", "Hi there"},
		{"loose list", "- one\n\n  more\n- two", "- one\n\n  more\n- two"},
		{"table", "| a | b |\n|---|---|\n| 1 | 2 |", "a | b\n1 | 2"},
	} {
		if got := markup.Text(markup.Markdown(tc.md)); got != tc.want {
			t.Errorf("%s: Text(Markdown(%q)) =\n%q\nwant\n%q", tc.name, tc.md, got, tc.want)
		}
	}
}

func TestTextOfEmailHTML(t *testing.T) {
	src := `<div>Hello,<br>the <b>printer</b>   is
	on fire.</div><div><br></div><div>Bob</div><img src="cid:x" alt="photo">`
	if got, want := markup.Text(markup.HTML(src)), "Hello,\nthe printer is on fire.\n\nBob\n\n[photo]"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}
