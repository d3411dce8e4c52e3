package kb

import "strings"

// Op is what a diff line does.
type Op string

// The diff operations.
const (
	Same   Op = "same"
	Add    Op = "add"
	Remove Op = "remove"
)

// DiffLine is one line of a line diff.
type DiffLine struct {
	Op   Op     `json:"op"`
	Text string `json:"text"`
}

// maxDiffCells bounds the work of the longest-common-subsequence table;
// a bigger change is shown as the old lines removed and the new added.
const maxDiffCells = 4_000_000

// Diff compares two texts line by line: the lines they share stay in
// order as Same, the rest are Remove (only in a) and Add (only in b).
func Diff(a, b string) []DiffLine {
	x, y := splitLines(a), splitLines(b)
	var out []DiffLine
	// The unchanged start and end need no table.
	pre := 0
	for pre < len(x) && pre < len(y) && x[pre] == y[pre] {
		out = append(out, DiffLine{Same, x[pre]})
		pre++
	}
	suf := 0
	for suf < len(x)-pre && suf < len(y)-pre && x[len(x)-1-suf] == y[len(y)-1-suf] {
		suf++
	}
	mx, my := x[pre:len(x)-suf], y[pre:len(y)-suf]
	if (len(mx)+1)*(len(my)+1) > maxDiffCells {
		for _, l := range mx {
			out = append(out, DiffLine{Remove, l})
		}
		for _, l := range my {
			out = append(out, DiffLine{Add, l})
		}
	} else {
		out = append(out, lcs(mx, my)...)
	}
	for _, l := range x[len(x)-suf:] {
		out = append(out, DiffLine{Same, l})
	}
	return out
}

// lcs diffs two line slices by their longest common subsequence.
func lcs(x, y []string) []DiffLine {
	n, m := len(x), len(y)
	// t[i][j] is the LCS length of x[i:] and y[j:].
	t := make([][]int32, n+1)
	for i := range t {
		t[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	var out []DiffLine
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case x[i] == y[j]:
			out = append(out, DiffLine{Same, x[i]})
			i, j = i+1, j+1
		case t[i+1][j] >= t[i][j+1]:
			out = append(out, DiffLine{Remove, x[i]})
			i++
		default:
			out = append(out, DiffLine{Add, y[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, DiffLine{Remove, x[i]})
	}
	for ; j < m; j++ {
		out = append(out, DiffLine{Add, y[j]})
	}
	return out
}

func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
