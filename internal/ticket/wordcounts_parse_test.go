package ticket

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// refPhrase is wordCounter.phrase as it read the entries before its
// one-pass parse: each entry cut at its space, then at its ':', both
// sides whole numbers or the entry counts nothing.
func refPhrase(weight []int, vals [][]byte, cols []int) int {
	best := make([]int, len(weight))
	for _, col := range cols {
		for list := vals[col]; len(list) > 0; {
			var entry []byte
			entry, list, _ = bytes.Cut(list, []byte{' '})
			d, cnt, ok := bytes.Cut(entry, []byte{':'})
			if !ok {
				continue
			}
			if doc, n := atoi(d), atoi(cnt); doc >= 0 && doc < len(best) {
				best[doc] = max(best[doc], n)
			}
		}
	}
	total := 0
	for doc, n := range best {
		total += weight[doc] * n
	}
	return total
}

// TestWordEntriesParseAsCut: the one-pass parse of a word's 'doc:count'
// entries counts what cutting them did, for well-formed lists and for
// any bytes of the same alphabet (a malformed entry counts nothing, and
// never stops the entries after it from counting).
func TestWordEntriesParseAsCut(t *testing.T) {
	c := wordCounter{agent: true}
	c.docs([]byte("s4 v10 n3 v7"))
	cases := []string{"", "0:2", "0:2 1:3 3:1", "1:3 0:2", "2:5  3:1", " 0:1", "0:1 ", "9:4 0:1", "0:", ":3 1:2",
		"1:2:3 0:1", "0:1x 1:2", "x 0:4", "0:12 0:3", "1:99999999999999999999 0:1", "99999999999999999999:1 2:2"}
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "0123:: 1 2 3"
	for range 5000 {
		b := make([]byte, r.IntN(14))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, list := range cases {
		vals := [][]byte{nil, []byte(list), []byte("2:1")}
		if got, want := c.phrase(vals, []int{1, 2}), refPhrase(c.weight, vals, []int{1, 2}); got != want {
			t.Fatalf("%q counted %d, want %d", list, got, want)
		}
	}
}
