package ticket_test

import (
	"testing"

	"github.com/docket/docket/internal/ticket"
)

// TestRankedBlocksHoldLittleMoreThanTheWindow: a ranked search on
// PostgreSQL reads its newest matches a span of ids at a time, and every
// match a span holds costs the table and the count, read or not. At a
// density the search knows, one statement's span holds the window's 2,000
// matches and at most half as many again, whatever the density: with
// whole blocks of 4,096 ids, words in 45 % of the tickets read 3,686
// matches, and with blocks of 16,384 and twice the matches missing, two
// words in a tenth of a million tickets read 4,972.
func TestRankedBlocksHoldLittleMoreThanTheWindow(t *testing.T) {
	const lo, hi, window = 1, 1_000_000, 2000
	for _, density := range []float64{0.9, 0.45, 0.2, 0.1, 0.04, 0.02} {
		bottom := ticket.IDSpan(hi, lo, ticket.OverRead*window/density)
		if held := float64(hi-bottom+1) * density; held < window || held > 1.5*window {
			t.Errorf("density %g: the span read holds %.0f matches (%d ids), want %d to %d", density, held, hi-bottom+1, window, 3*window/2)
		}
	}
	// A span never passes the oldest id, reads at least one id, and at
	// most MaxBlocks blocks' worth.
	if bottom := ticket.IDSpan(hi, hi-5000, 1e9); bottom != hi-5000 {
		t.Errorf("ids %d…%d read from %d", hi-5000, hi, bottom)
	}
	if bottom := ticket.IDSpan(hi, lo, 0.01); bottom != hi {
		t.Errorf("a span for no match missing reads from %d, want %d alone", bottom, hi)
	}
	if bottom := ticket.IDSpan(hi, lo, 1e12); hi-bottom+1 != ticket.MaxBlocks*ticket.PGBlock {
		t.Errorf("a span for a word in almost no ticket reads %d ids, want %d", hi-bottom+1, ticket.MaxBlocks*ticket.PGBlock)
	}
}
