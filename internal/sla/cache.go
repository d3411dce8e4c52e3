package sla

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
)

// cache holds the policies in order and the calendars built for
// computing. It is checked against mark, the row count and latest
// updated_at of sla_policies and of calendars (one small query, which
// every change moves, whichever instance made it), only when it may be
// stale: after this process wrote a policy or calendar event, or read one
// another instance wrote (the pump's Observe), or when the pump has not
// read the log lately (not running: a command-line process). A ticket
// write otherwise chooses its policy and calendar without a statement, and
// uses an edit of another instance at most the pump's delay late.
type cache struct {
	mark     [4]int64
	policies []*Policy
	// gen is the Service's gen when mark was last checked.
	gen atomic.Int64

	mu    sync.Mutex
	hours map[int64]*bizhours.Calendar
}

// pumpFresh is how lately the pump must have read the event log for the
// cache to go unchecked: it reads every second or sooner, but a round
// also drains the consumers, which a loaded machine slows. It bounds how
// long a process whose pump stopped trusts its cache.
const pumpFresh = 10 * time.Second

// appended is the event log's OnAppend: a policy or calendar change
// written in this process drops the cache when it commits.
func (s *Service) appended(tx *db.Tx, kind string) {
	if changesPolicies(kind) {
		tx.AfterCommit(func() { s.gen.Add(1) })
	}
}

// observe is the pump's Observe: a policy or calendar change another
// instance wrote drops the cache.
func (s *Service) observe(recs []event.Record) {
	for _, r := range recs {
		if changesPolicies(r.Kind) {
			s.gen.Add(1)
			break
		}
	}
	s.pumped.Store(time.Now().UnixNano())
}

func changesPolicies(kind string) bool {
	return strings.HasPrefix(kind, "sla_policy.") || strings.HasPrefix(kind, "calendar.")
}

// current returns the cache, checked when it may be stale and rebuilt when
// a policy or calendar changed.
func (s *Service) current(ctx context.Context, q db.Queryer) (*cache, error) {
	return s.checked(ctx, q, false)
}

// knowing returns c, or the cache checked against the tables when c lacks
// a policy of ids: one written since c was built that this process has not
// heard of yet (a policy written without its event, as tests do).
func (s *Service) knowing(ctx context.Context, q db.Queryer, c *cache, ids ...int64) (*cache, error) {
	for _, id := range ids {
		if id != 0 && c.policy(id) == nil {
			return s.checked(ctx, q, true)
		}
	}
	return c, nil
}

func (s *Service) checked(ctx context.Context, q db.Queryer, force bool) (*cache, error) {
	gen := s.gen.Load()
	s.mu.Lock()
	c := s.cache
	s.mu.Unlock()
	trusted := s.Pump != nil && time.Now().UnixNano()-s.pumped.Load() < int64(pumpFresh)
	if c != nil && c.gen.Load() == gen && trusted && !force {
		return c, nil
	}
	var mark [4]int64
	if err := q.QueryRowContext(ctx, s.q.Get("policies-mark")).Scan(&mark[0], &mark[1], &mark[2], &mark[3]); err != nil {
		return nil, fmt.Errorf("sla: policies: %w", err)
	}
	if c != nil && c.mark == mark {
		c.gen.Store(gen)
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
	c.gen.Store(gen)
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
