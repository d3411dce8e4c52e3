package assign

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// Settings are a team's assignment settings, with its members as
// assignment sees them.
type Settings struct {
	TeamID   int64
	Team     string
	Strategy string
	// Cap bounds each member's active tickets; 0 is no cap.
	Cap int
	// LastUser is the round-robin position: the member assigned last.
	LastUser int64
	Members  []Member
}

// Member is a team member as assignment sees them.
type Member struct {
	ID    int64
	Email string
	Name  string
	// Agent is true for an active agent or admin: only they are assigned.
	Agent bool
	// OwnCap is the member's own cap, nil when the team's applies.
	OwnCap *int
	// Cap is the cap that applies (0: none).
	Cap          int
	Availability string
	// Load counts the member's active assigned tickets, in every team.
	Load   int
	Skills []string
}

// Label is how the member is named in reasons: name, else email.
func (m Member) Label() string {
	if m.Name != "" {
		return m.Name
	}
	return m.Email
}

// Settings returns team id's assignment settings (agents and admins).
func (s *Service) Settings(ctx context.Context, a *user.Actor, id int64) (*Settings, error) {
	if !a.IsAgent() {
		return nil, fault.Forbidden("only agents see assignment settings")
	}
	return s.settings(ctx, s.DB.R, id)
}

func (s *Service) settings(ctx context.Context, q db.Queryer, id int64) (*Settings, error) {
	st := &Settings{}
	err := q.QueryRowContext(ctx, s.q.Get("team-settings"), id).Scan(&st.TeamID, &st.Team, &st.Strategy, &st.Cap, &st.LastUser)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("team %d: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("assign: team %d: %w", id, err)
	}
	rows, err := q.QueryContext(ctx, s.q.Get("team-members"), id)
	if err != nil {
		return nil, fmt.Errorf("assign: team %d members: %w", id, err)
	}
	st.Members, err = db.Collect(rows, func(sc db.Scanner) (Member, error) {
		var m Member
		var role, skills string
		var active bool
		var own sql.NullInt64
		if err := sc.Scan(&m.ID, &m.Email, &m.Name, &role, &active, &skills, &own, &m.Availability, &m.Load); err != nil {
			return m, err
		}
		m.Agent = active && (role == string(user.RoleAgent) || role == string(user.RoleAdmin))
		m.Cap = st.Cap
		if own.Valid {
			c := int(own.Int64)
			m.OwnCap, m.Cap = &c, c
		}
		m.Skills = parseSkills(skills)
		return m, nil
	})
	return st, err
}

func parseSkills(s string) []string {
	var out []string
	if json.Unmarshal([]byte(s), &out) != nil || out == nil {
		return []string{}
	}
	return out
}

// MemberCap is one member's own cap in an update; Cap nil takes the
// team's cap again.
type MemberCap struct {
	Email string
	Cap   *int
}

// Input changes a team's settings; nil fields are kept, and only the
// members listed in MemberCaps change.
type Input struct {
	Strategy   *string
	Cap        *int
	MemberCaps []MemberCap
}

// Field names errors refer to, as the API spells them.
const fieldPrefix = "assignment."

// Update changes team id's assignment settings (admins only), recording
// the change in the audit log; on any invalid value nothing is saved.
func (s *Service) Update(ctx context.Context, a *user.Actor, id int64, in Input) (*Settings, error) {
	if !a.IsAdmin() {
		return nil, fault.Forbidden("only admins may change assignment settings")
	}
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		st, err := s.settings(ctx, tx, id)
		if err != nil {
			return err
		}
		inv := &fault.Invalid{}
		strategy, cap := st.Strategy, st.Cap
		if in.Strategy != nil {
			strategy = *in.Strategy
			if !slices.Contains(Strategies, strategy) {
				inv.Add(fieldPrefix+"strategy", "must be one of %s", strings.Join(Strategies, ", "))
			}
		}
		if in.Cap != nil {
			cap = *in.Cap
			checkCap(inv, fieldPrefix+"cap", cap, "0 for no cap")
		}
		type memberChange struct {
			m   Member
			cap *int
		}
		var members []memberChange
		for i, mc := range in.MemberCaps {
			f := fmt.Sprintf("%smembers[%d]", fieldPrefix, i)
			j := slices.IndexFunc(st.Members, func(m Member) bool { return strings.EqualFold(m.Email, strings.TrimSpace(mc.Email)) })
			if j < 0 {
				inv.Add(f+".email", "%q is not a member of %s", mc.Email, st.Team)
				continue
			}
			if mc.Cap != nil {
				checkCap(inv, f+".cap", *mc.Cap, "null for the team's cap")
			}
			members = append(members, memberChange{st.Members[j], mc.Cap})
		}
		if err := inv.Err(); err != nil {
			return err
		}
		c := event.Changes{}
		c.Note("strategy", st.Strategy, strategy)
		c.Note("cap", st.Cap, cap)
		if len(c) > 0 {
			if _, err := tx.ExecContext(ctx, s.q.Get("set-team-settings"), id, strategy, cap, db.Now()); err != nil {
				return err
			}
		}
		for _, mc := range members {
			var old, now any
			if mc.m.OwnCap != nil {
				old = *mc.m.OwnCap
			}
			if mc.cap != nil {
				now = *mc.cap
			}
			if old == now {
				continue
			}
			if _, err := tx.ExecContext(ctx, s.q.Get("set-member-cap"), id, mc.m.ID, now); err != nil {
				return err
			}
			c.Note("cap of "+mc.m.Email, old, now)
		}
		if len(c) == 0 {
			return nil
		}
		_, err = s.Events.Append(ctx, tx, EventSettingsUpdated, a.EventActor(), "team", id, 0,
			map[string]any{"team": st.Team, "changes": c})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("assign: team %d settings: %w", id, err)
	}
	return s.settings(ctx, s.DB.R, id)
}

func checkCap(inv *fault.Invalid, field string, cap int, zero string) {
	if cap < 0 || cap > MaxCap {
		inv.Add(field, "must be a whole number from 0 to %d (%s)", MaxCap, zero)
	}
}

// Skills returns user id's skills.
func (s *Service) Skills(ctx context.Context, id int64) ([]string, error) {
	var raw string
	err := s.DB.R.QueryRowContext(ctx, s.q.Get("user-skills"), id).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("user %d: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("assign: skills of %d: %w", id, err)
	}
	return parseSkills(raw), nil
}

// NormalizeSkills checks and cleans skills: trimmed, lower case, each once,
// in the order given. field names the list in errors ("skills").
func NormalizeSkills(field string, skills []string) ([]string, error) {
	inv := &fault.Invalid{}
	out := []string{}
	if len(skills) > MaxSkills {
		inv.Add(field, "at most %d skills", MaxSkills)
	}
	for i, sk := range skills {
		sk = strings.ToLower(strings.Join(strings.Fields(sk), " "))
		switch {
		case sk == "":
			inv.Add(fmt.Sprintf("%s[%d]", field, i), "must not be empty")
		case len(sk) > MaxSkill || strings.IndexFunc(sk, unicode.IsControl) >= 0:
			inv.Add(fmt.Sprintf("%s[%d]", field, i), "must be text of at most %d bytes", MaxSkill)
		case !slices.Contains(out, sk):
			out = append(out, sk)
		}
	}
	return out, inv.Err()
}

// SetSkills replaces user id's skills (admins only): the categories, tags
// and languages the skill strategy matches, any case.
func (s *Service) SetSkills(ctx context.Context, a *user.Actor, id int64, skills []string) ([]string, error) {
	if !a.IsAdmin() {
		return nil, fault.Forbidden("only admins may change skills")
	}
	clean, err := NormalizeSkills("skills", skills)
	if err != nil {
		return nil, err
	}
	err = s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var raw string
		err := tx.QueryRowContext(ctx, s.q.Get("user-skills"), id).Scan(&raw)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("user %d: %w", id, fault.ErrNotFound)
		}
		if err != nil {
			return err
		}
		old := parseSkills(raw)
		if slices.Equal(old, clean) {
			return nil
		}
		b, _ := json.Marshal(clean)
		if _, err := tx.ExecContext(ctx, s.q.Get("set-user-skills"), id, string(b), db.Now()); err != nil {
			return err
		}
		c := event.Changes{}
		c.Note("skills", old, clean)
		_, err = s.Events.Append(ctx, tx, EventSkillsUpdated, a.EventActor(), "user", id, 0, map[string]any{"changes": c})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("assign: skills of %d: %w", id, err)
	}
	return clean, nil
}
