package ticket

import (
	"cmp"
	"slices"
)

// rankedBefore orders a ranked search's matches: the higher rank first,
// the newer ticket among equals.
func rankedBefore(x, y match) int {
	return cmp.Or(cmp.Compare(y.rank, x.rank), cmp.Compare(y.id, x.id))
}

// topRanked puts the k first of ms in rankedBefore's order at its head,
// in that order, and returns them; the rest of ms is left in no order. A
// ranked search orders up to textWindow+1 matches to take a page of 51
// from the top: a bounded heap of the best k so far compares each match
// once with the worst of them, where sorting the window was 3 % of the
// server's CPU under ranked searches at a million tickets.
func topRanked(ms []match, k int) []match {
	k = max(min(k, len(ms)), 0)
	if k == 0 {
		return ms[:0]
	}
	if 4*k >= len(ms) {
		slices.SortFunc(ms, rankedBefore)
		return ms[:k]
	}
	// ms[:k] is a heap whose root is the worst of the best k so far.
	worse := func(i, j int) bool { return rankedBefore(ms[i], ms[j]) > 0 }
	down := func(i int) {
		for {
			c := 2*i + 1
			if c >= k {
				return
			}
			if c+1 < k && worse(c+1, c) {
				c++
			}
			if !worse(c, i) {
				return
			}
			ms[i], ms[c] = ms[c], ms[i]
			i = c
		}
	}
	for i := k/2 - 1; i >= 0; i-- {
		down(i)
	}
	for j := k; j < len(ms); j++ {
		if rankedBefore(ms[j], ms[0]) < 0 {
			ms[0], ms[j] = ms[j], ms[0]
			down(0)
		}
	}
	slices.SortFunc(ms[:k], rankedBefore)
	return ms[:k]
}
