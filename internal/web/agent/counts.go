package agent

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// counts caches the sidebar's per-view ticket counts. Counting a big view
// costs far more than rendering a page, and every page shows every count,
// so a count is recomputed only after a ticket changed (any domain event
// bumps the generation). A cheap count is recomputed on the spot; an
// expensive one in the background, while the page shows the previous
// figure and the live stream refreshes the sidebar a moment later.
type counts struct {
	gen     atomic.Int64
	mu      sync.Mutex
	entries map[countKey]*countEntry
}

type countKey struct {
	user int64
	view string
}

type countEntry struct {
	n        int
	gen      int64
	at       time.Time
	cost     time.Duration // how long the last count took
	updating bool
}

// cheapCount is the cost under which a stale count is simply recomputed on
// the spot: small help desks always see exact figures.
const cheapCount = 3 * time.Millisecond

// countFresh is how long a count may be shown without checking the
// generation at all.
const countFresh = 2 * time.Second

func newCounts() *counts { return &counts{entries: map[countKey]*countEntry{}} }

// bump marks every cached count as possibly stale.
func (c *counts) bump() { c.gen.Add(1) }

// get returns the count of view for actor, computing it with count when
// none is cached, and refreshing a stale one in the background.
func (c *counts) get(ctx context.Context, a *user.Actor, view string, f ticket.Filter, count func(context.Context, *user.Actor, ticket.Filter) (int, error)) (int, error) {
	key := countKey{a.ID, view}
	gen := c.gen.Load()
	c.mu.Lock()
	e := c.entries[key]
	if e != nil && (e.gen == gen || time.Since(e.at) < countFresh) {
		n := e.n
		c.mu.Unlock()
		return n, nil
	}
	if e != nil && e.cost >= cheapCount {
		n := e.n
		if !e.updating {
			e.updating = true
			go c.refresh(key, gen, a, f, count)
		}
		c.mu.Unlock()
		return n, nil
	}
	c.mu.Unlock()
	start := time.Now()
	n, err := count(ctx, a, f)
	if err != nil {
		return 0, err
	}
	c.store(key, n, gen, time.Since(start))
	return n, nil
}

func (c *counts) refresh(key countKey, gen int64, a *user.Actor, f ticket.Filter, count func(context.Context, *user.Actor, ticket.Filter) (int, error)) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	n, err := count(ctx, a, f)
	cost := time.Since(start)
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[key]
	if e == nil {
		return
	}
	e.updating = false
	if err == nil {
		e.n, e.gen, e.at, e.cost = n, gen, time.Now(), cost
	}
}

func (c *counts) store(key countKey, n int, gen int64, cost time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) > 100_000 {
		c.entries = map[countKey]*countEntry{} // bounded: start over
	}
	c.entries[key] = &countEntry{n: n, gen: gen, at: time.Now(), cost: cost}
}

// watch bumps the generation on every domain event until stop closes.
func (a *Agent) watchCounts() {
	sub := a.Bus.Subscribe(1024)
	go func() {
		defer sub.Close()
		for {
			select {
			case <-sub.C:
				a.counts.bump()
			case <-a.stopping():
				return
			}
		}
	}()
}
