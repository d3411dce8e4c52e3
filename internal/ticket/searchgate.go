package ticket

import (
	"context"
	"runtime"
	"sync/atomic"

	"github.com/docket/docket/internal/user"
)

// searchGate lets a few text searches (lists with words) run at once;
// the others wait their turn, in the order they came (Go's runtime queues
// blocked senders on a channel in order), or until their request is gone.
// A search is the heaviest read (thousands of matches counted and ranked),
// and eight at a time on two cores shared the CPU: each took four times as
// long as alone, and the slow ones (three common words) made the p99. In
// turn, at a million tickets and eight searches at a time, ranked searches
// had a p99 of 68–75 ms against 94–109 ms on SQLite (at 4–12 % more a
// second), and 133–142 ms against 195–222 ms on PostgreSQL (from 13 % fewer
// a second to 3 % more): BENCHMARKS.md, "Finer blocks of PostgreSQL's text
// index, and searches that take turns". Lists without words, reads and
// counts (the sidebar's saved views among them) do not wait.
type searchGate struct {
	slots   chan struct{}
	waiting atomic.Int64
}

// newSearchGate lets n searches run at once: when n is 0, GOMAXPROCS at
// start, the CPUs Docket may use (with PostgreSQL on a larger machine,
// --search-concurrency says more).
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
