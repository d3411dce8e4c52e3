package notify

import (
	"slices"
	"testing"
)

func TestMentions(t *testing.T) {
	for _, c := range []struct {
		body string
		want []string
	}{
		{"@alice can you look?", []string{"alice"}},
		{"Ask @Alice, then @bob.", []string{"alice", "bob"}},
		{"cc @alice@example.test and (@bob)", []string{"alice@example.test", "bob"}},
		{"@alice @alice @ALICE", []string{"alice"}},
		{"write to bob@example.test", nil},
		{"see `@alice` and\n```\n@bob\n```\ndone", nil},
		{"email@ alone, @ alone", nil},
		{"mail me at x@y.test or ping @carol_d-1!", []string{"carol_d-1"}},
	} {
		if got := Mentions(c.body); !slices.Equal(got, c.want) {
			t.Errorf("Mentions(%q) = %q, want %q", c.body, got, c.want)
		}
	}
}

func TestResolve(t *testing.T) {
	agents := []agent{{1, "alice@example.test", "agent"}, {2, "bob@example.test", "agent"}, {3, "bob@other.test", "admin"},
		{4, "carol@example.test", "admin"}}
	ids := func(as []agent) []int64 {
		var out []int64
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	for _, c := range []struct {
		handles []string
		want    []int64
	}{
		{[]string{"alice"}, []int64{1}},
		{[]string{"bob"}, nil}, // two agents are bob: say which
		{[]string{"bob@other.test", "carol", "alice@example.test"}, []int64{3, 4, 1}},
		{[]string{"alice", "alice@example.test"}, []int64{1}},
		{[]string{"dave"}, nil},
	} {
		if got := ids(resolve(c.handles, agents)); !slices.Equal(got, c.want) {
			t.Errorf("resolve(%q) = %v, want %v", c.handles, got, c.want)
		}
	}
}
