package ticket

import (
	"context"
	"runtime"
	"sync/atomic"

	"github.com/docket/docket/internal/user"
)

// searchGate lets a few text searches run at once; the others wait their
// turn, first come first served, or until their request is gone. A search
// is the heaviest read (thousands of matches counted and ranked), and
// eight at a time on two cores shared them out: each took four times as
// long as alone, and the slow ones (three common words) made the p99. In
// turn, at a million tickets and eight searches at a time, ranked searches
// answered at the same rate with a p99 of 66–72 ms against 93–99 ms on
// SQLite, and 163–179 ms against 260–278 ms on PostgreSQL
// (BENCHMARKS.md, "Searches take turns"). Lists and reads do not wait.
type searchGate struct {
	slots   chan struct{}
	waiting atomic.Int64
}

// newSearchGate lets n searches run at once: the CPUs Docket may use when
// n is 0 (with PostgreSQL on a larger machine, --search-concurrency says
// more).
func newSearchGate(n int) *searchGate {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	return &searchGate{slots: make(chan struct{}, n)}
}

// enter waits for a turn: nil once it has one (leave gives it back), or
// ctx's error when ctx ends first.
func (g *searchGate) enter(ctx context.Context) error {
	select {
	case g.slots <- struct{}{}:
		return nil
	default:
	}
	g.waiting.Add(1)
	defer g.waiting.Add(-1)
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// leave ends a turn enter gave.
func (g *searchGate) leave() { <-g.slots }

// Searches is how many text searches are running and how many wait for
// their turn (for /metrics).
func (s *Service) Searches() (running, waiting int) {
	return len(s.searches.slots), int(s.searches.waiting.Load())
}

// listTextInTurn is listText once the search has its turn.
func (s *Service) listTextInTurn(ctx context.Context, a *user.Actor, f Filter, w *whereBuilder, spec sortSpec, sortName string, cur *cursor) ([]*Ticket, error) {
	if err := s.searches.enter(ctx); err != nil {
		return nil, err
	}
	defer s.searches.leave()
	return s.listText(ctx, a, f, w, spec, sortName, cur)
}
