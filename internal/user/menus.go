package user

import (
	"context"
	"fmt"

	"github.com/docket/docket/internal/db"
)

// The workspace's menus: who a ticket can be assigned to, and the teams,
// read with only the columns a menu shows (every queue and ticket page
// has them).

// Choice is a person as the workspace's menus offer them: the email is
// what a form posts, the name what the menu shows.
type Choice struct {
	Email, Name string
}

// Assignees lists the people a ticket can be assigned to, for the
// workspace's menus: the active agents, then the active admins, each in id
// order (at most 500 of each). Every queue and ticket page shows them, so
// only the three columns a menu needs are read.
func (s *Service) Assignees(ctx context.Context) ([]Choice, error) {
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("assignee-choices"))
	if err != nil {
		return nil, fmt.Errorf("user: assignees: %w", err)
	}
	return db.Collect(rows, func(r db.Scanner) (Choice, error) {
		var c Choice
		err := r.Scan(&c.Email, &c.Name)
		return c, err
	})
}

// TeamNames lists the teams' names in the order Teams lists the teams (at
// most 500), without their members: the workspace's team menus.
func (s *Service) TeamNames(ctx context.Context) ([]string, error) {
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("team-names"))
	if err != nil {
		return nil, fmt.Errorf("user: team names: %w", err)
	}
	return db.Collect(rows, func(r db.Scanner) (string, error) {
		var n string
		err := r.Scan(&n)
		return n, err
	})
}
