package ticket_test

import (
	"testing"

	"github.com/docket/docket/internal/ticket"
)

// TestRankedBlocksHoldLittleMoreThanTheWindow: a ranked search on
// PostgreSQL reads its newest matches block by block, and every match a
// block holds costs the index and the table, read or not. At a density
// the search knows, one statement's blocks hold the window's 2,000
// matches and at most half as many again. With blocks of 16,384 ids and
// twice the matches missing, two words in a tenth of a million tickets
// read 4,972 matches, and a word in 4 % 4,600.
func TestRankedBlocksHoldLittleMoreThanTheWindow(t *testing.T) {
	const lo, hi, window = 1, 1_000_000, 2000
	for _, density := range []float64{0.2, 0.1, 0.04, 0.02} {
		from, ids := ticket.BlockSpan(hi/ticket.PGBlock, lo, hi, ticket.OverRead*window/density)
		if span := hi - from*ticket.PGBlock + 1; ids != span {
			t.Errorf("density %g: blocks from %d counted as %d ids, want %d", density, from, ids, span)
		}
		if held := float64(ids) * density; held < window || held > 1.5*window {
			t.Errorf("density %g: the blocks read hold %.0f matches (%d ids), want %d to %d", density, held, ids, window, 3*window/2)
		}
	}
	// The oldest block is counted from the oldest id, and a span never
	// passes it.
	from, ids := ticket.BlockSpan(hi/ticket.PGBlock, hi-5000, hi, 1e9)
	if from != (hi-5000)/ticket.PGBlock || ids != 5001 {
		t.Errorf("ids %d…%d read as blocks from %d, %d ids; want from %d, 5001 ids", hi-5000, hi, from, ids, (hi-5000)/ticket.PGBlock)
	}
}
