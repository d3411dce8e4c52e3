package user

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/password"
)

//go:embed queries*.sql
var queryFiles embed.FS

// Service is the one writer of users, teams and organizations. Every
// change writes its domain event (the audit log) in its transaction.
type Service struct {
	db     *db.DB
	q      *db.Queries
	events *event.Log
}

// New loads the package's queries for d's dialect; changes are recorded in
// events.
func New(d *db.DB, events *event.Log) (*Service, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.Dialect)
	if err != nil {
		return nil, err
	}
	return &Service{db: d, q: q, events: events}, nil
}

// The kinds of domain events this package writes. Their subject is the
// user, team or organization; membership events name the user in the
// payload.
const (
	EventUserCreated         = "user.created"
	EventUserUpdated         = "user.updated"
	EventUserDeactivated     = "user.deactivated"
	EventTeamCreated         = "team.created"
	EventTeamUpdated         = "team.updated"
	EventTeamMemberAdded     = "team.member_added"
	EventTeamMemberRemoved   = "team.member_removed"
	EventOrganizationCreated = "organization.created"
	EventOrganizationUpdated = "organization.updated"
)

// record writes one domain event about subject id in tx, as a.
func (s *Service) record(ctx context.Context, tx *db.Tx, a *Actor, kind, subject string, id int64, payload any) error {
	_, err := s.events.Append(ctx, tx, kind, a.EventActor(), subject, id, 0, payload)
	return err
}

// Queries exposes the named queries for start-up checks.
func (s *Service) Queries() *db.Queries { return s.q }

// NewUser is the input to Create.
type NewUser struct {
	Email        string
	Name         string
	Role         Role
	Password     string // optional; empty means no password sign-in
	Organization string // name; must exist
	Phone        string
	Department   string
	Location     string
	Timezone     string
}

func scanUser(row db.Scanner) (*User, error) {
	var u User
	var created, updated int64
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &u.OrganizationID, &u.Organization,
		&u.Phone, &u.Department, &u.Location, &u.Timezone, &u.Signature, &u.Active, &created, &updated); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = db.Time(created), db.Time(updated)
	return &u, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Create adds a user after validating every field (admins only: a person
// with the admin role, or one of Docket's own actors such as the command
// line).
func (s *Service) Create(ctx context.Context, actor *Actor, in NewUser) (*User, error) {
	return s.CreateWith(ctx, actor, in, nil)
}

// CreateWith is Create with a guard run inside the same transaction before
// the insert; an error from guard aborts the creation. First-run setup uses
// it to consume its one-time token atomically with the admin's creation.
func (s *Service) CreateWith(ctx context.Context, actor *Actor, in NewUser, guard func(tx *db.Tx) error) (*User, error) {
	if err := requireAdmin(actor, "create user"); err != nil {
		return nil, err
	}
	inv := &fault.Invalid{}
	email, err := NormalizeEmail("email", in.Email)
	if err != nil {
		inv.Fields = append(inv.Fields, err.(*fault.Invalid).Fields...)
	}
	in.Name = checkText(inv, "name", in.Name, MaxName, false)
	if !in.Role.Valid() {
		inv.Add("role", "must be one of admin, agent, requester")
	}
	if in.Password != "" && in.Role == RoleRequester {
		inv.Fields = append(inv.Fields, errRequesterPassword().(*fault.Invalid).Fields...)
	} else if in.Password != "" && len(in.Password) < password.MinLength {
		inv.Add("password", "must be at least %d characters", password.MinLength)
	}
	if len(in.Password) > password.MaxLength {
		inv.Add("password", "must be at most %d characters", password.MaxLength)
	}
	in.Phone = checkText(inv, "phone", in.Phone, MaxShort, false)
	in.Department = checkText(inv, "department", in.Department, MaxShort, false)
	in.Location = checkText(inv, "location", in.Location, MaxShort, false)
	in.Timezone = checkTimezone(inv, in.Timezone)
	if err := inv.Err(); err != nil {
		return nil, err
	}
	var hash string
	if in.Password != "" {
		if hash, err = password.Hash(ctx, in.Password); err != nil {
			return nil, fmt.Errorf("user: hash password: %w", err)
		}
	}
	var id int64
	err = s.db.WithTx(ctx, func(tx *db.Tx) error {
		var orgID int64
		var orgName string
		if in.Organization != "" {
			o, err := s.orgByName(ctx, tx, in.Organization)
			if err != nil {
				return fault.Field("organization", "no organization named %q", in.Organization)
			}
			orgID, orgName = o.ID, o.Name
		}
		if _, err := s.byEmail(ctx, tx, email); err == nil {
			return fault.Field("email", "a user with this email already exists")
		}
		if guard != nil {
			if err := guard(tx); err != nil {
				return err
			}
		}
		if err := tx.QueryRowContext(ctx, s.q.Get("insert-user"), email, in.Name, string(in.Role), hash, nullID(orgID),
			in.Phone, in.Department, in.Location, in.Timezone, true, db.Now()).Scan(&id); err != nil {
			return err
		}
		p := map[string]any{"email": email, "name": in.Name, "role": in.Role, "active": true, "password_set": hash != ""}
		for k, v := range map[string]string{"organization": orgName, "phone": in.Phone, "department": in.Department,
			"location": in.Location, "timezone": in.Timezone} {
			if v != "" {
				p[k] = v
			}
		}
		return s.record(ctx, tx, actor, EventUserCreated, "user", id, p)
	})
	if err != nil {
		if db.IsUniqueViolation(err) {
			err = fault.Field("email", "a user with this email already exists") // lost a race with a concurrent create
		}
		return nil, fmt.Errorf("user: create %s: %w", email, err)
	}
	return s.Get(ctx, id)
}

// FindOrCreateRequester returns the user with this email, creating a
// password-less requester inside tx when there is none. Requesters mostly
// arrive this way: by email or named on a ticket.
func (s *Service) FindOrCreateRequester(ctx context.Context, tx db.Queryer, field, email, name string) (*User, error) {
	email, err := NormalizeEmail(field+".email", email)
	if err != nil {
		return nil, err
	}
	inv := &fault.Invalid{}
	name = checkText(inv, field+".name", name, MaxName, false)
	if err := inv.Err(); err != nil {
		return nil, err
	}
	if u, err := s.byEmail(ctx, tx, email); err == nil {
		return u, nil
	} else if !errors.Is(err, fault.ErrNotFound) {
		return nil, err
	}
	// Another transaction may create the same requester concurrently (two
	// mails from one new sender): insert if absent, then read.
	var id int64
	err = tx.QueryRowContext(ctx, s.q.Get("insert-requester"), email, name, db.Now()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return s.byEmail(ctx, tx, email)
	}
	if err != nil {
		return nil, fmt.Errorf("user: create requester: %w", err)
	}
	// A new requester whose address is in an organization's domain joins it.
	if at := strings.LastIndexByte(email, '@'); at > 0 {
		o, err := scanOrg(tx.QueryRowContext(ctx, s.q.Get("select-organization-by-domain"), strings.ToLower(email[at+1:])))
		if err == nil {
			if _, err := tx.ExecContext(ctx, s.q.Get("set-user-organization"), id, o.ID); err != nil {
				return nil, err
			}
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	return scanUser(tx.QueryRowContext(ctx, s.q.Get("select-user-by-id"), id))
}

// Get returns a user by id.
func (s *Service) Get(ctx context.Context, id int64) (*User, error) {
	return s.get(ctx, s.db.R, id)
}

func (s *Service) get(ctx context.Context, q db.Queryer, id int64) (*User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, s.q.Get("select-user-by-id"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("user %d: %w", id, fault.ErrNotFound)
	}
	return u, err
}

// ByEmail returns a user by email, case-insensitively.
func (s *Service) ByEmail(ctx context.Context, email string) (*User, error) {
	return s.byEmail(ctx, s.db.R, email)
}

// ByEmailTx is ByEmail inside a caller's transaction.
func (s *Service) ByEmailTx(ctx context.Context, tx db.Queryer, email string) (*User, error) {
	return s.byEmail(ctx, tx, email)
}

func (s *Service) byEmail(ctx context.Context, q db.Queryer, email string) (*User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, s.q.Get("select-user-by-email"), strings.TrimSpace(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("user %s: %w", email, fault.ErrNotFound)
	}
	return u, err
}

// Actor loads what visibility checks need about user id, with its teams,
// in one statement. Deactivated users are not actors.
func (s *Service) Actor(ctx context.Context, id int64) (*Actor, error) {
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("select-actor"), id)
	if err != nil {
		return nil, err
	}
	a, err := ScanActor(rows)
	if err != nil {
		return nil, fmt.Errorf("user %d: %w", id, err)
	}
	return a, nil
}

// ScanActor reads an actor from rows ending in the columns of select-actor
// (queries.sql): u.id, u.email, u.name, u.role,
// COALESCE(u.organization_id, 0), u.timezone, u.active and
// COALESCE(m.team_id, 0) of users u LEFT JOIN team_members m, one row per
// team in team order. Columns of the caller's own come first, scanned into
// head (the same in every row): every request authenticates, and its
// session or token and its person are one statement. It closes rows. No
// row is fault.ErrNotFound; a deactivated user fault.ErrUnauthorized, with
// head scanned.
func ScanActor(rows *sql.Rows, head ...any) (*Actor, error) {
	defer rows.Close()
	var a *Actor
	var u Actor
	var active bool
	var team int64
	dests := append(head[:len(head):len(head)], &u.ID, &u.Email, &u.Name, &u.Role, &u.OrganizationID, &u.Timezone,
		&active, &team)
	for rows.Next() {
		if err := rows.Scan(dests...); err != nil {
			return nil, err
		}
		if a == nil {
			first := u
			a = &first
		}
		if team != 0 {
			a.TeamIDs = append(a.TeamIDs, team)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	switch {
	case a == nil:
		return nil, fault.ErrNotFound
	case !active:
		return nil, fmt.Errorf("deactivated: %w", fault.ErrUnauthorized)
	}
	return a, nil
}

// ListFilter narrows List.
type ListFilter struct {
	After int64 // keyset: ids greater than this
	Limit int
	Role  Role
	Query string // substring of email or name
}

// List returns users ordered by id.
func (s *Service) List(ctx context.Context, f ListFilter) ([]*User, error) {
	like := ""
	if f.Query != "" {
		like = "%" + strings.NewReplacer("%", "", "_", "").Replace(strings.ToLower(f.Query)) + "%"
	}
	var rows *sql.Rows
	var err error
	if f.Role != "" && like == "" {
		// The workspace's assignee menus, on every page: a role's range of
		// users_role, not every user.
		rows, err = s.db.R.QueryContext(ctx, s.q.Get("list-users-of-role"), f.After, string(f.Role), f.Limit)
	} else {
		rows, err = s.db.R.QueryContext(ctx, s.q.Get("list-users"), f.After, string(f.Role), like, f.Limit)
	}
	if err != nil {
		return nil, fmt.Errorf("user: list: %w", err)
	}
	return db.Collect(rows, scanUser)
}

// Count returns how many users exist (zero on a fresh install).
func (s *Service) Count(ctx context.Context) (int, error) {
	var n int
	err := s.db.R.QueryRowContext(ctx, s.q.Get("count-users")).Scan(&n)
	return n, err
}

// Patch holds the fields to change; nil means unchanged.
type Patch struct {
	Email        *string
	Name         *string
	Role         *Role
	Organization *string // "" clears
	Phone        *string
	Department   *string
	Location     *string
	Timezone     *string
	Signature    *string
	Active       *bool
	Password     *string
	// CurrentPassword must come with Password when a person changes their
	// own password: a session or an API token alone is not enough.
	CurrentPassword *string
}

// ErrWrongPassword is what Update answers when the current password given
// to change one's own is wrong: a validation error on current_password that
// callers can tell apart, to count it as a failed guess of the password.
var ErrWrongPassword = errors.New("user: wrong current password")

type wrongPassword struct{ *fault.Invalid }

func (e wrongPassword) Is(target error) bool {
	return target == ErrWrongPassword || target == fault.ErrInvalid
}
func (e wrongPassword) Unwrap() error { return e.Invalid }

// checkOwnPassword verifies current against u's password when actor is u
// changing their own. Only admins set other people's passwords; Update
// checks that already.
func checkOwnPassword(ctx context.Context, actor *Actor, u *User, current *string) error {
	if !actor.IsPerson() || actor.ID != u.ID {
		return nil
	}
	if u.PasswordHash == "" {
		return fault.Field("current_password", "you have no password yet: an admin sets the first one")
	}
	if current == nil || *current == "" {
		return fault.Field("current_password", "is required to change your own password")
	}
	if len(*current) > password.MaxLength {
		return wrongPassword{fault.Field("current_password", "is not your current password").(*fault.Invalid)}
	}
	if err := password.Verify(ctx, u.PasswordHash, *current); err != nil {
		if !errors.Is(err, password.ErrMismatch) {
			return err
		}
		return wrongPassword{fault.Field("current_password", "is not your current password").(*fault.Invalid)}
	}
	return nil
}

// errRequesterPassword refuses a password for a requester: requesters do
// not sign in to Docket yet (the requester portal will let them).
func errRequesterPassword() error {
	return fault.Field("password", "requesters do not sign in with a password yet; only agents and admins have one")
}

// Update changes a user. Only admins may change role, email, activity or
// other users; everyone may change their own profile fields.
func (s *Service) Update(ctx context.Context, actor *Actor, id int64, p Patch) (*User, error) {
	if !actor.IsAdmin() && actor.ID != id {
		return nil, fmt.Errorf("user: update %d: %w", id, fault.Forbidden("only admins may change other users"))
	}
	if !actor.IsAdmin() && (p.Role != nil || p.Active != nil || p.Email != nil || p.Organization != nil) {
		return nil, fmt.Errorf("user: update %d: %w", id, fault.Forbidden("only admins may change email, role, organization or active"))
	}
	var hash, verified string
	if p.Password != nil {
		if len(*p.Password) < password.MinLength || len(*p.Password) > password.MaxLength {
			return nil, fault.Field("password", "must be %d to %d characters", password.MinLength, password.MaxLength)
		}
		// The current password is checked outside the transaction: hashing
		// takes a while, and SQLite has one writer.
		u, err := s.Get(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("user: update %d: %w", id, err)
		}
		if err := checkOwnPassword(ctx, actor, u, p.CurrentPassword); err != nil {
			return nil, fmt.Errorf("user: update %d: %w", id, err)
		}
		verified = u.PasswordHash
		h, err := password.Hash(ctx, *p.Password)
		if err != nil {
			return nil, fmt.Errorf("user: hash password: %w", err)
		}
		hash = h
	}
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		u, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if hash != "" && actor.IsPerson() && actor.ID == id && u.PasswordHash != verified {
			return fault.Conflict("your password was changed meanwhile; try again")
		}
		before := *u
		inv := &fault.Invalid{}
		if p.Email != nil {
			e, err := NormalizeEmail("email", *p.Email)
			if err != nil {
				inv.Fields = append(inv.Fields, err.(*fault.Invalid).Fields...)
			} else if other, err := s.byEmail(ctx, tx, e); err == nil && other.ID != id {
				inv.Add("email", "a user with this email already exists")
			} else {
				u.Email = e
			}
		}
		set := func(dst *string, src *string, field string, max int, required bool) {
			if src != nil {
				*dst = checkText(inv, field, *src, max, required)
			}
		}
		set(&u.Name, p.Name, "name", MaxName, false)
		set(&u.Phone, p.Phone, "phone", MaxShort, false)
		set(&u.Department, p.Department, "department", MaxShort, false)
		set(&u.Location, p.Location, "location", MaxShort, false)
		set(&u.Signature, p.Signature, "signature", 2000, false)
		if p.Timezone != nil {
			u.Timezone = checkTimezone(inv, *p.Timezone)
		}
		if p.Role != nil {
			if !p.Role.Valid() {
				inv.Add("role", "must be one of admin, agent, requester")
			} else {
				u.Role = *p.Role
			}
		}
		if p.Active != nil {
			u.Active = *p.Active
		}
		if p.Organization != nil {
			if *p.Organization == "" {
				u.OrganizationID, u.Organization = 0, ""
			} else if o, err := s.orgByName(ctx, tx, *p.Organization); err != nil {
				inv.Add("organization", "no organization named %q", *p.Organization)
			} else {
				u.OrganizationID, u.Organization = o.ID, o.Name
			}
		}
		if hash != "" && u.Role == RoleRequester {
			inv.Fields = append(inv.Fields, errRequesterPassword().(*fault.Invalid).Fields...)
		}
		if err := inv.Err(); err != nil {
			return err
		}
		if actor.ID == id && u.Role != RoleAdmin && actor.IsAdmin() || actor.ID == id && !u.Active {
			return fault.Conflict("you cannot demote or deactivate yourself")
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("update-user"), id, u.Name, string(u.Role), nullID(u.OrganizationID),
			u.Phone, u.Department, u.Location, u.Timezone, u.Signature, u.Active, u.Email, db.Now()); err != nil {
			return err
		}
		if hash != "" {
			if _, err := tx.ExecContext(ctx, s.q.Get("update-password"), id, hash, db.Now()); err != nil {
				return err
			}
		}
		return s.recordUpdate(ctx, tx, actor, &before, u, hash != "")
	})
	if err != nil {
		if db.IsUniqueViolation(err) {
			err = fault.Field("email", "a user with this email already exists") // lost a race with a concurrent create
		}
		return nil, fmt.Errorf("user: update %d: %w", id, err)
	}
	return s.Get(ctx, id)
}

// recordUpdate writes the event of a change from before to after: the
// fields that changed with their old and new values, and whether a
// password was set (never the password or its hash). Nothing changed,
// nothing is written. Deactivation has a kind of its own.
func (s *Service) recordUpdate(ctx context.Context, tx *db.Tx, actor *Actor, before, after *User, passwordSet bool) error {
	c := event.Changes{}
	c.Note("email", before.Email, after.Email)
	c.Note("name", before.Name, after.Name)
	c.Note("role", before.Role, after.Role)
	c.Note("organization", before.Organization, after.Organization)
	c.Note("phone", before.Phone, after.Phone)
	c.Note("department", before.Department, after.Department)
	c.Note("location", before.Location, after.Location)
	c.Note("timezone", before.Timezone, after.Timezone)
	c.Note("signature", before.Signature, after.Signature)
	c.Note("active", before.Active, after.Active)
	if len(c) == 0 && !passwordSet {
		return nil
	}
	kind := EventUserUpdated
	if before.Active && !after.Active {
		kind = EventUserDeactivated
	}
	p := map[string]any{"email": after.Email, "changes": c}
	if passwordSet {
		p["password_set"] = true
	}
	return s.record(ctx, tx, actor, kind, "user", after.ID, p)
}

// HashNewPassword checks a new password's length and hashes it (slow: do
// it before opening a transaction).
func HashNewPassword(ctx context.Context, pw string) (string, error) {
	if len(pw) < password.MinLength || len(pw) > password.MaxLength {
		return "", fault.Field("password", "must be %d to %d characters", password.MinLength, password.MaxLength)
	}
	return password.Hash(ctx, pw)
}

// SetPasswordHash sets a user's password (hashed by HashNewPassword) inside
// tx, once the person proved by email that the address is theirs: a
// requester's password reset in the portal, where requesters sign in. The
// actor is the person themselves; the event says a password was set,
// never which.
func (s *Service) SetPasswordHash(ctx context.Context, tx *db.Tx, actor *Actor, id int64, hash string) error {
	if actor.PersonID() != id {
		return fmt.Errorf("user: set password of %d: %w", id, fault.Forbidden("people set only their own password"))
	}
	u, err := s.get(ctx, tx, id)
	if err != nil {
		return fmt.Errorf("user: set password of %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, s.q.Get("update-password"), id, hash, db.Now()); err != nil {
		return fmt.Errorf("user: set password of %d: %w", id, err)
	}
	return s.recordUpdate(ctx, tx, actor, u, u, true)
}
