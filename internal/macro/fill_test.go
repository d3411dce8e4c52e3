package macro

import "testing"

func TestFill(t *testing.T) {
	v := map[string]string{"requester.name": "Bob", "ticket.number": "#1042"}
	cases := map[string]string{
		"Hi {{requester.name}}, about {{ ticket.number }}.": "Hi Bob, about #1042.",
		"{{unknown}} stays":                    "{{unknown}} stays",
		"unclosed {{requester.name":            "unclosed {{requester.name",
		"no placeholders":                      "no placeholders",
		"{{requester.name}}{{requester.name}}": "BobBob",
	}
	for in, want := range cases {
		if got := Fill(in, v); got != want {
			t.Errorf("Fill(%q) = %q, want %q", in, got, want)
		}
	}
}
