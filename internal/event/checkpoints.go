package event

import (
	"context"
	"fmt"

	"github.com/docket/docket/internal/db"
)

// Checkpoints returns every durable consumer's stored position, by name.
// It is the place all instances share: a Consumer's Position is only what
// this process last saw, and stands still while another instance holds
// the consumer and moves it on.
func (l *Log) Checkpoints(ctx context.Context) (map[string]int64, error) {
	rows, err := l.db.R.QueryContext(ctx, l.q.Get("list-checkpoints"))
	if err != nil {
		return nil, fmt.Errorf("event: checkpoints: %w", err)
	}
	type checkpoint struct {
		name string
		pos  int64
	}
	cs, err := db.Collect(rows, func(s db.Scanner) (checkpoint, error) {
		var c checkpoint
		var updated int64
		return c, s.Scan(&c.name, &c.pos, &updated)
	})
	if err != nil {
		return nil, fmt.Errorf("event: checkpoints: %w", err)
	}
	out := make(map[string]int64, len(cs))
	for _, c := range cs {
		out[c.name] = c.pos
	}
	return out, nil
}
