package sla

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
)

// cache holds the policies in order and the calendars built for
// computing, valid while mark is unchanged: the row count and latest
// updated_at of sla_policies and of calendars, which every change moves,
// whichever instance made it. One small query checks both, so a ticket
// write pays one statement for choosing its policy and calendar.
type cache struct {
	mark     [4]int64
	policies []*Policy

	mu    sync.Mutex
	hours map[int64]*bizhours.Calendar
}

// current returns the cache, rebuilt when a policy or calendar changed.
func (s *Service) current(ctx context.Context, q db.Queryer) (*cache, error) {
	var mark [4]int64
	if err := q.QueryRowContext(ctx, s.q.Get("policies-mark")).Scan(&mark[0], &mark[1], &mark[2], &mark[3]); err != nil {
		return nil, fmt.Errorf("sla: policies: %w", err)
	}
	s.mu.Lock()
	c := s.cache
	s.mu.Unlock()
	if c != nil && c.mark == mark {
		return c, nil
	}
	rows, err := q.QueryContext(ctx, s.q.Get("list-policies"), -1, 1<<30)
	if err != nil {
		return nil, fmt.Errorf("sla: policies: %w", err)
	}
	ps, err := db.Collect(rows, scanPolicy)
	if err != nil {
		return nil, err
	}
	c = &cache{mark: mark, policies: ps, hours: map[int64]*bizhours.Calendar{}}
	s.mu.Lock()
	s.cache = c
	s.mu.Unlock()
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
