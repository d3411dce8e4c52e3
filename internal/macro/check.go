package macro

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// check applies in to m and reports every invalid part at once, under the
// names the API uses (name, body, visibility, team, actions[1].field…).
func (s *Service) check(ctx context.Context, q db.Queryer, a *user.Actor, m *Macro, in Input) error {
	inv := &fault.Invalid{}
	if in.Name != nil {
		m.Name = strings.TrimSpace(*in.Name)
	}
	if in.Body != nil {
		m.Body = strings.ReplaceAll(*in.Body, "\r\n", "\n")
		if strings.TrimSpace(m.Body) == "" {
			m.Body = ""
		}
	}
	if in.Actions != nil {
		m.Actions = *in.Actions
	}
	switch {
	case m.Name == "":
		inv.Add("name", "is required")
	case utf8.RuneCountInString(m.Name) > MaxName:
		inv.Add("name", "must be at most %d characters", MaxName)
	}
	if len(m.Body) > MaxBody || !utf8.ValidString(m.Body) {
		inv.Add("body", "must be valid text of at most %d KiB", MaxBody>>10)
	}
	if err := s.Automation.CheckActions(ctx, q, inv, "actions", m.Actions, ActionTypes); err != nil {
		return err
	}
	if m.Body == "" && len(m.Actions) == 0 {
		inv.Add("actions", "a macro needs a reply text (body) or at least one action")
	}
	if err := s.checkVisibility(ctx, q, a, m, in, inv); err != nil {
		return err
	}
	return inv.Err()
}

// checkVisibility sets who sees m from in: admins choose everyone, a team
// or themselves; agents keep their macros personal.
func (s *Service) checkVisibility(ctx context.Context, q db.Queryer, a *user.Actor, m *Macro, in Input, inv *fault.Invalid) error {
	if in.Visibility != nil {
		v := strings.ToLower(strings.TrimSpace(*in.Visibility))
		if !slices.Contains(Visibilities, v) {
			inv.Add("visibility", "must be one of %s", strings.Join(Visibilities, ", "))
			return nil
		}
		if v != m.Visibility && !a.IsAdmin() && v != Personal {
			return fault.Forbidden("only admins share macros with everyone or a team")
		}
		if v != m.Visibility {
			m.TeamID, m.TeamName, m.OwnerID, m.OwnerEmail = 0, "", 0, ""
		}
		m.Visibility = v
	}
	switch m.Visibility {
	case Personal:
		if m.OwnerID == 0 {
			m.OwnerID, m.OwnerEmail = a.PersonID(), a.Email
		}
		if m.OwnerID == 0 {
			inv.Add("visibility", "a personal macro belongs to a person; this caller is not one")
		}
		if in.Team != nil && strings.TrimSpace(*in.Team) != "" {
			inv.Add("team", "only a team macro has a team")
		}
	case Team:
		name := m.TeamName
		if in.Team != nil {
			name = strings.TrimSpace(*in.Team)
		}
		if name == "" {
			inv.Add("team", "is required for a team macro: the name of a team")
			return nil
		}
		t, err := s.Users.TeamByName(ctx, q, name)
		if errors.Is(err, fault.ErrNotFound) {
			inv.Add("team", "no team named %q", name)
			return nil
		}
		if err != nil {
			return err
		}
		m.TeamID, m.TeamName = t.ID, t.Name
	default:
		if in.Team != nil && strings.TrimSpace(*in.Team) != "" {
			inv.Add("team", "only a team macro has a team")
		}
	}
	return nil
}
