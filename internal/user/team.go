package user

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
)

func checkTimezone(inv *fault.Invalid, tz string) string {
	if tz == "" {
		return ""
	}
	if _, err := time.LoadLocation(tz); err != nil || len(tz) > 64 {
		inv.Add("timezone", "is not a known IANA time zone")
	}
	return tz
}

func scanTeam(row interface{ Scan(...any) error }) (*Team, error) {
	var t Team
	var c, u int64
	if err := row.Scan(&t.ID, &t.Name, &t.Restricted, &c, &u); err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = db.Time(c), db.Time(u)
	return &t, nil
}

func requireAdmin(actor *Actor, what string) error {
	if !actor.IsAdmin() {
		return fmt.Errorf("user: %s: %w", what, fault.Forbidden("only admins may do this"))
	}
	return nil
}

// TeamInput is the input to CreateTeam and UpdateTeam; nil fields are kept.
type TeamInput struct {
	Name       *string
	Restricted *bool
	Members    *[]string // emails; replaces the membership when set
}

// CreateTeam adds a team (admins only).
func (s *Service) CreateTeam(ctx context.Context, actor *Actor, in TeamInput) (*Team, error) {
	if err := requireAdmin(actor, "create team"); err != nil {
		return nil, err
	}
	var id int64
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		inv := &fault.Invalid{}
		name := ""
		if in.Name != nil {
			name = *in.Name
		}
		name = checkText(inv, "name", name, MaxName, true)
		if err := inv.Err(); err != nil {
			return err
		}
		if _, err := s.teamByName(ctx, tx, name); err == nil {
			return fault.Field("name", "a team with this name already exists")
		}
		restricted := in.Restricted != nil && *in.Restricted
		if err := tx.QueryRowContext(ctx, s.q.Get("insert-team"), name, restricted, db.Now()).Scan(&id); err != nil {
			return err
		}
		members := []string{}
		if in.Members != nil {
			added, err := s.setMembers(ctx, tx, id, *in.Members)
			if err != nil {
				return err
			}
			for _, m := range added {
				members = append(members, m.email)
			}
		}
		return s.record(ctx, tx, actor, EventTeamCreated, "team", id,
			map[string]any{"name": name, "restricted": restricted, "members": members})
	})
	if err != nil {
		if db.IsUniqueViolation(err) {
			err = fault.Field("name", "a team with this name already exists") // lost a race with a concurrent create
		}
		return nil, fmt.Errorf("user: create team: %w", err)
	}
	return s.Team(ctx, id)
}

// UpdateTeam changes a team (admins only).
func (s *Service) UpdateTeam(ctx context.Context, actor *Actor, id int64, in TeamInput) (*Team, error) {
	if err := requireAdmin(actor, "update team"); err != nil {
		return nil, err
	}
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		t, err := s.team(ctx, tx, id)
		if err != nil {
			return err
		}
		before := *t
		inv := &fault.Invalid{}
		if in.Name != nil {
			t.Name = checkText(inv, "name", *in.Name, MaxName, true)
			if other, err := s.teamByName(ctx, tx, t.Name); err == nil && other.ID != id {
				inv.Add("name", "a team with this name already exists")
			}
		}
		if err := inv.Err(); err != nil {
			return err
		}
		if in.Restricted != nil {
			t.Restricted = *in.Restricted
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("update-team"), id, t.Name, t.Restricted, db.Now()); err != nil {
			return err
		}
		c := event.Changes{}
		c.Note("name", before.Name, t.Name)
		c.Note("restricted", before.Restricted, t.Restricted)
		if len(c) > 0 {
			if err := s.record(ctx, tx, actor, EventTeamUpdated, "team", id, map[string]any{"name": t.Name, "changes": c}); err != nil {
				return err
			}
		}
		if in.Members == nil {
			return nil
		}
		old, err := s.members(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("delete-members"), id); err != nil {
			return err
		}
		now, err := s.setMembers(ctx, tx, id, *in.Members)
		if err != nil {
			return err
		}
		return s.recordMembers(ctx, tx, actor, t, old, now)
	})
	if err != nil {
		if db.IsUniqueViolation(err) {
			err = fault.Field("name", "a team with this name already exists") // lost a race with a concurrent create
		}
		return nil, fmt.Errorf("user: update team %d: %w", id, err)
	}
	return s.Team(ctx, id)
}

// member is a team member as membership events name them.
type member struct {
	id    int64
	email string
}

// setMembers adds the users with emails to team teamID and returns those
// who were not members before.
func (s *Service) setMembers(ctx context.Context, tx *db.Tx, teamID int64, emails []string) ([]member, error) {
	inv := &fault.Invalid{}
	var added []member
	for i, e := range emails {
		u, err := s.byEmail(ctx, tx, e)
		switch {
		case err != nil:
			inv.Add(fmt.Sprintf("members[%d]", i), "no user with email %q", e)
		case u.Role == RoleRequester:
			inv.Add(fmt.Sprintf("members[%d]", i), "%s is a requester; only agents and admins join teams", e)
		default:
			res, err := tx.ExecContext(ctx, s.q.Get("insert-member"), teamID, u.ID)
			if err != nil {
				return nil, err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				added = append(added, member{u.ID, u.Email})
			}
		}
	}
	return added, inv.Err()
}

// members returns the members of team id as q sees them.
func (s *Service) members(ctx context.Context, q db.Queryer, id int64) ([]member, error) {
	rows, err := q.QueryContext(ctx, s.q.Get("team-member-users"), id)
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, func(sc db.Scanner) (member, error) {
		var m member
		err := sc.Scan(&m.id, &m.email)
		return m, err
	})
}

// recordMembers writes a membership event for each user in now and not in
// old (added) and in old and not in now (removed).
func (s *Service) recordMembers(ctx context.Context, tx *db.Tx, actor *Actor, t *Team, old, now []member) error {
	in := func(list []member, id int64) bool {
		for _, m := range list {
			if m.id == id {
				return true
			}
		}
		return false
	}
	for _, m := range now {
		if !in(old, m.id) {
			if err := s.recordMember(ctx, tx, actor, EventTeamMemberAdded, t, m); err != nil {
				return err
			}
		}
	}
	for _, m := range old {
		if !in(now, m.id) {
			if err := s.recordMember(ctx, tx, actor, EventTeamMemberRemoved, t, m); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Service) recordMember(ctx context.Context, tx *db.Tx, actor *Actor, kind string, t *Team, m member) error {
	return s.record(ctx, tx, actor, kind, "team", t.ID, map[string]any{"team": t.Name, "user_id": m.id, "email": m.email})
}

// AddMember puts the user with email into team id (admins only).
func (s *Service) AddMember(ctx context.Context, actor *Actor, id int64, email string) (*Team, error) {
	if err := requireAdmin(actor, "add member"); err != nil {
		return nil, err
	}
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		t, err := s.team(ctx, tx, id)
		if err != nil {
			return err
		}
		added, err := s.setMembers(ctx, tx, id, []string{email})
		if err != nil {
			return err
		}
		for _, m := range added {
			if err := s.recordMember(ctx, tx, actor, EventTeamMemberAdded, t, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("user: team %d add member: %w", id, err)
	}
	return s.Team(ctx, id)
}

// RemoveMember takes the user with email out of team id (admins only).
func (s *Service) RemoveMember(ctx context.Context, actor *Actor, id int64, email string) (*Team, error) {
	if err := requireAdmin(actor, "remove member"); err != nil {
		return nil, err
	}
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		t, err := s.team(ctx, tx, id)
		if err != nil {
			return err
		}
		u, err := s.byEmail(ctx, tx, email)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q.Get("delete-member"), id, u.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%s is not a member: %w", email, fault.ErrNotFound)
		}
		return s.recordMember(ctx, tx, actor, EventTeamMemberRemoved, t, member{u.ID, u.Email})
	})
	if err != nil {
		return nil, fmt.Errorf("user: team %d remove member: %w", id, err)
	}
	return s.Team(ctx, id)
}

// Team returns a team with its members.
func (s *Service) Team(ctx context.Context, id int64) (*Team, error) {
	t, err := s.team(ctx, s.db.R, id)
	if err != nil {
		return nil, err
	}
	return t, s.loadMembers(ctx, t)
}

// TeamByName returns a team by name, case-insensitively.
func (s *Service) TeamByName(ctx context.Context, q db.Queryer, name string) (*Team, error) {
	return s.teamByName(ctx, q, name)
}

func (s *Service) team(ctx context.Context, q db.Queryer, id int64) (*Team, error) {
	t, err := scanTeam(q.QueryRowContext(ctx, s.q.Get("select-team"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("team %d: %w", id, fault.ErrNotFound)
	}
	return t, err
}

func (s *Service) teamByName(ctx context.Context, q db.Queryer, name string) (*Team, error) {
	t, err := scanTeam(q.QueryRowContext(ctx, s.q.Get("select-team-by-name"), name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("team %q: %w", name, fault.ErrNotFound)
	}
	return t, err
}

func (s *Service) loadMembers(ctx context.Context, t *Team) error {
	var err error
	t.Members, t.Leads, err = s.memberEmails(ctx, s.db.R, t.ID)
	return err
}

// memberEmails lists the emails of team id's members, and of its leads.
func (s *Service) memberEmails(ctx context.Context, q db.Queryer, id int64) (members, leads []string, err error) {
	rows, err := q.QueryContext(ctx, s.q.Get("team-members"), id)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	members, leads = []string{}, []string{}
	for rows.Next() {
		var e string
		var lead bool
		if err := rows.Scan(&e, &lead); err != nil {
			return nil, nil, err
		}
		members = append(members, e)
		if lead {
			leads = append(leads, e)
		}
	}
	return members, leads, rows.Err()
}

// Teams lists teams by id after the keyset cursor.
func (s *Service) Teams(ctx context.Context, after int64, limit int) ([]*Team, error) {
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("list-teams"), after, limit)
	if err != nil {
		return nil, err
	}
	var out []*Team
	for rows.Next() {
		t, err := scanTeam(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	return out, s.loadMembersOf(ctx, after, out)
}

// loadMembersOf fills in the members and leads of teams, the teams after
// id after in id order, in one statement: every queue and ticket page
// lists the teams (it was one statement a team).
func (s *Service) loadMembersOf(ctx context.Context, after int64, teams []*Team) error {
	byID := make(map[int64]*Team, len(teams))
	for _, t := range teams {
		t.Members, t.Leads = []string{}, []string{}
		byID[t.ID] = t
	}
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("members-of-teams"), after, teams[len(teams)-1].ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var e string
		var lead bool
		if err := rows.Scan(&id, &e, &lead); err != nil {
			return err
		}
		t := byID[id]
		if t == nil { // a team created meanwhile, not listed
			continue
		}
		t.Members = append(t.Members, e)
		if lead {
			t.Leads = append(t.Leads, e)
		}
	}
	return rows.Err()
}
