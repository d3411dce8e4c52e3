package sla

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
)

// cache holds the policies in order and the calendars built for
// computing: an event.Cached, checked against the row count and latest
// updated_at of sla_policies and of calendars, and whether any clock
// exists. A ticket write chooses its policy and calendar without a
// statement, and uses an edit of another instance at most the pump's
// delay late.
type cache struct {
	policies []*Policy
	// clockless: no policy and no clock exist, so no ticket has an SLA
	// (a clock outlives its policy only when a ticket's write and the
	// policy's deletion cross; then the clock exists and is read).
	clockless bool

	mu    sync.Mutex
	hours map[int64]*bizhours.Calendar
}

// policyMark moves with every policy or calendar change, and when the
// first clock is written.
type policyMark [5]int64

// newCache returns the policy cache of s, dropped by policy and calendar
// events.
func (s *Service) newCache() *event.Cached[policyMark, *cache] {
	return event.NewCached(s.Events, s.Pump, changesPolicies,
		func(ctx context.Context, q db.Queryer) (policyMark, error) {
			var m policyMark
			if err := q.QueryRowContext(ctx, s.q.Get("policies-mark")).Scan(&m[0], &m[1], &m[2], &m[3], &m[4]); err != nil {
				return m, fmt.Errorf("sla: policies: %w", err)
			}
			return m, nil
		},
		func(ctx context.Context, q db.Queryer, m policyMark) (*cache, error) {
			rows, err := q.QueryContext(ctx, s.q.Get("list-policies"), -1, 1<<30)
			if err != nil {
				return nil, fmt.Errorf("sla: policies: %w", err)
			}
			ps, err := db.Collect(rows, scanPolicy)
			if err != nil {
				return nil, err
			}
			return &cache{policies: ps, clockless: len(ps) == 0 && m[4] == 0, hours: map[int64]*bizhours.Calendar{}}, nil
		})
}

func changesPolicies(kind string) bool {
	return strings.HasPrefix(kind, "sla_policy.") || strings.HasPrefix(kind, "calendar.")
}

// Changed tells the service that policies, calendars or clocks were written
// without their events (by hand, as test fixtures do): the next use checks
// the tables.
func (s *Service) Changed() { s.cache.Changed() }

// current returns the cache, checked when it may be stale and rebuilt when
// a policy or calendar changed.
func (s *Service) current(ctx context.Context, q db.Queryer) (*cache, error) {
	return s.cache.Get(ctx, q, false)
}

// knowing returns c, or the cache checked against the tables when c lacks
// a policy of ids: one written since c was built that this process has not
// heard of yet (a policy written without its event, as tests do).
func (s *Service) knowing(ctx context.Context, q db.Queryer, c *cache, ids ...int64) (*cache, error) {
	for _, id := range ids {
		if id != 0 && c.policy(id) == nil {
			return s.cache.Get(ctx, q, true)
		}
	}
	return c, nil
}

// policies returns every policy in order. Callers must not change them.
func (s *Service) policies(ctx context.Context, q db.Queryer) ([]*Policy, error) {
	c, err := s.current(ctx, q)
	if err != nil {
		return nil, err
	}
	return c.policies, nil
}

// policy returns policy id from c, nil when it is gone.
func (c *cache) policy(id int64) *Policy {
	for _, p := range c.policies {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// calendar returns calendar id built for computing, parsed once per
// version of the calendars.
func (c *cache) calendar(ctx context.Context, s *Service, q db.Queryer, id int64) (*bizhours.Calendar, error) {
	c.mu.Lock()
	cal := c.hours[id]
	c.mu.Unlock()
	if cal != nil {
		return cal, nil
	}
	var sp bizhours.Spec
	var iv, hs string
	var updated int64
	err := q.QueryRowContext(ctx, s.q.Get("calendar-hours"), id).Scan(&sp.TimeZone, &iv, &hs, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sla: calendar %d: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sla: calendar %d: %w", id, err)
	}
	if err := json.Unmarshal([]byte(iv), &sp.Intervals); err != nil {
		return nil, fmt.Errorf("sla: calendar %d: %w", id, err)
	}
	if err := json.Unmarshal([]byte(hs), &sp.Holidays); err != nil {
		return nil, fmt.Errorf("sla: calendar %d: %w", id, err)
	}
	if cal, err = sp.Calendar(); err != nil {
		return nil, fmt.Errorf("sla: calendar %d: %w", id, err)
	}
	c.mu.Lock()
	c.hours[id] = cal
	c.mu.Unlock()
	return cal, nil
}
