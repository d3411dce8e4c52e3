package ticket

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTopRankedIsTheSortedHead: the page a ranked search takes from its
// matches is the head of the whole window sorted, ties by id included,
// whatever the page's depth.
func TestTopRankedIsTheSortedHead(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 300; round++ {
		n := r.IntN(2100)
		ms := make([]match, n)
		for i := range ms {
			// Few distinct ranks, so ties are common.
			ms[i] = match{id: int64(r.IntN(5000)), rank: float64(r.IntN(1 + r.IntN(40)))}
		}
		want := slices.Clone(ms)
		slices.SortFunc(want, rankedBefore)
		for _, k := range []int{0, 1, 2, 51, 102, n / 3, n - 1, n, n + 5} {
			got := topRanked(slices.Clone(ms), k)
			if w := want[:max(min(k, n), 0)]; !slices.Equal(got, w) {
				t.Fatalf("n %d, k %d: got %v, want %v", n, k, got, w)
			}
		}
	}
}

// BenchmarkTopRanked takes a first page (51) from a full window of
// ranked matches; "sort" sorts the whole window, as searches did.
func BenchmarkTopRanked(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	window := make([]match, textWindow+1)
	for i := range window {
		window[i] = match{id: int64(1_000_000 - i), rank: r.Float64() * 12}
	}
	ms := make([]match, len(window))
	b.Run("top", func(b *testing.B) {
		for b.Loop() {
			copy(ms, window)
			topRanked(ms, 51)
		}
	})
	b.Run("sort", func(b *testing.B) {
		for b.Loop() {
			copy(ms, window)
			slices.SortFunc(ms, rankedBefore)
		}
	})
}
