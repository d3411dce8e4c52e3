package satisfaction

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"
)

// CSAT is how satisfied requesters were: Ratings given, of which Positive
// and Negative (the rest neutral); Percent is Positive as a percentage of
// Ratings (one decimal), nil without ratings.
type CSAT struct {
	Ratings, Positive, Negative int
	Percent                     *float64
}

// Neutral counts the ratings neither positive nor negative (a 3 of 5).
func (c CSAT) Neutral() int { return c.Ratings - c.Positive - c.Negative }

// Compute fills in Percent.
func (c *CSAT) Compute() {
	c.Percent = nil
	if c.Ratings > 0 {
		p := math.Round(float64(c.Positive)*1000/float64(c.Ratings)) / 10
		c.Percent = &p
	}
}

// AgentCSAT is the CSAT of the ratings of tickets agent was assigned when
// they were rated, rated since since: for the agent's own profile.
func (s *Service) AgentCSAT(ctx context.Context, agent int64, since time.Time) (CSAT, error) {
	var c CSAT
	if err := s.db.R.QueryRowContext(ctx, s.q.Get("agent-csat"), agent, since.UnixMicro()).Scan(&c.Ratings, &c.Positive, &c.Negative); err != nil {
		return c, fmt.Errorf("satisfaction: csat of user %d: %w", agent, err)
	}
	c.Compute()
	return c, nil
}

// PercentText is the CSAT with one decimal ("" without ratings).
func (c CSAT) PercentText() string {
	if c.Percent == nil {
		return ""
	}
	return strconv.FormatFloat(*c.Percent, 'f', 1, 64)
}
