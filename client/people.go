package client

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// User is an admin, agent or requester.
type User struct {
	ID           int64     `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	Organization *string   `json:"organization"`
	Active       bool      `json:"active"`
	Phone        string    `json:"phone"`
	Department   string    `json:"department"`
	Location     string    `json:"location"`
	Timezone     string    `json:"timezone"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// Skills and Availability are an agent's or admin's (GetUser and
	// UpdateUser answer them; lists do not).
	Skills       *[]string `json:"skills,omitempty"`
	Availability string    `json:"availability,omitempty"`
}

// NewUser is the body of CreateUser. Role defaults to requester;
// Organization is an existing organization's name.
type NewUser struct {
	Email        string `json:"email"`
	Name         string `json:"name,omitempty"`
	Role         string `json:"role,omitempty"`
	Organization string `json:"organization,omitempty"`
	Password     string `json:"password,omitempty"`
	Phone        string `json:"phone,omitempty"`
	Department   string `json:"department,omitempty"`
	Location     string `json:"location,omitempty"`
	Timezone     string `json:"timezone,omitempty"`
}

// UserPatch lists the changes of UpdateUser; nil fields are kept. Name
// "organization" in Clear to remove the user from their organization.
type UserPatch struct {
	Email        *string `json:"email,omitempty"`
	Name         *string `json:"name,omitempty"`
	Role         *string `json:"role,omitempty"`
	Organization *string `json:"organization,omitempty"`
	Active       *bool   `json:"active,omitempty"`
	Password     *string `json:"password,omitempty"`
	// CurrentPassword must come with Password to change one's own
	// password: a token alone cannot.
	CurrentPassword *string `json:"current_password,omitempty"`
	Phone           *string `json:"phone,omitempty"`
	Department      *string `json:"department,omitempty"`
	Location        *string `json:"location,omitempty"`
	Timezone        *string `json:"timezone,omitempty"`
	Signature       *string `json:"signature,omitempty"`
	// Skills replaces an agent's skills for automatic assignment (admins).
	Skills *[]string `json:"skills,omitempty"`

	// Clear names fields to send as null.
	Clear []string `json:"-"`
}

// MarshalJSON encodes the set fields and the cleared ones as null.
func (p UserPatch) MarshalJSON() ([]byte, error) {
	type plain UserPatch
	return patchJSON(plain(p), p.Clear)
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	// Role is admin, agent or requester.
	Role string
	// Q matches part of the email or name.
	Q string
	ListOptions
}

// ListUsers returns a page of users ordered by id (a requester sees only
// themselves).
func (c *Client) ListUsers(ctx context.Context, f UserFilter) (*Page[User], error) {
	v := f.ListOptions.values()
	if f.Role != "" {
		v.Set("role", f.Role)
	}
	if f.Q != "" {
		v.Set("q", f.Q)
	}
	var p Page[User]
	if _, err := c.Do(ctx, http.MethodGet, withQuery("/api/v1/users", v), nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// GetUser returns user id.
func (c *Client) GetUser(ctx context.Context, id int64) (*User, error) {
	var u User
	if _, err := c.Do(ctx, http.MethodGet, idPath("/api/v1/users", id), nil, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// CreateUser adds a user (admins only).
func (c *Client) CreateUser(ctx context.Context, in NewUser, opts ...Option) (*User, error) {
	var u User
	if _, err := c.Do(ctx, http.MethodPost, "/api/v1/users", in, &u, opts...); err != nil {
		return nil, err
	}
	return &u, nil
}

// UpdateUser changes user id. Everyone may change their own profile;
// admins anything of anyone.
func (c *Client) UpdateUser(ctx context.Context, id int64, p UserPatch) (*User, error) {
	var u User
	if _, err := c.Do(ctx, http.MethodPatch, idPath("/api/v1/users", id), p, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// Team is a group of agents; the tickets of a restricted team are visible
// only to its members.
type Team struct {
	ID         int64    `json:"id"`
	Name       string   `json:"name"`
	Restricted bool     `json:"restricted"`
	Members    []string `json:"members"`
	// Leads are the members told of SLA breaches on the team's tickets.
	Leads     []string  `json:"leads"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Assignment is the team's automatic assignment.
	Assignment *Assignment `json:"assignment,omitempty"`
}

// Assignment is a team's automatic assignment: Strategy is off,
// round_robin, least_loaded or skill; Cap bounds each member's active
// tickets (0: no cap).
type Assignment struct {
	Strategy string             `json:"strategy"`
	Cap      int                `json:"cap"`
	Members  []AssignmentMember `json:"members"`
}

// AssignmentMember is a team member as automatic assignment sees them:
// Cap is their own cap (nil: the team's), EffectiveCap the one that
// applies.
type AssignmentMember struct {
	Email         string   `json:"email"`
	Name          string   `json:"name"`
	Cap           *int     `json:"cap"`
	EffectiveCap  int      `json:"effective_cap"`
	Availability  string   `json:"availability"`
	ActiveTickets int      `json:"active_tickets"`
	Skills        []string `json:"skills"`
}

// AssignmentPatch changes a team's assignment; nil fields are kept, and
// each listed member's own cap is set (Cap nil: the team's again).
type AssignmentPatch struct {
	Strategy *string           `json:"strategy,omitempty"`
	Cap      *int              `json:"cap,omitempty"`
	Members  []MemberCapChange `json:"members,omitempty"`
}

// MemberCapChange sets one member's own cap.
type MemberCapChange struct {
	Email string `json:"email"`
	Cap   *int   `json:"cap"`
}

// NewTeam is the body of CreateTeam; Members are agents' emails.
type NewTeam struct {
	Name       string           `json:"name"`
	Restricted bool             `json:"restricted,omitempty"`
	Members    []string         `json:"members,omitempty"`
	Assignment *AssignmentPatch `json:"assignment,omitempty"`
}

// TeamPatch lists the changes of UpdateTeam; nil fields are kept, and
// Members replaces the whole membership.
type TeamPatch struct {
	Name       *string          `json:"name,omitempty"`
	Restricted *bool            `json:"restricted,omitempty"`
	Members    *[]string        `json:"members,omitempty"`
	Assignment *AssignmentPatch `json:"assignment,omitempty"`
}

// Availability is whether an agent takes automatic assignments:
// available, away or off; Automatic when the idle check set away.
type Availability struct {
	UserID       int64     `json:"user_id"`
	Availability string    `json:"availability"`
	Automatic    bool      `json:"automatic"`
	ChangedAt    time.Time `json:"changed_at"`
	LastActiveAt time.Time `json:"last_active_at"`
}

// GetAvailability returns user id's availability; id 0 is the caller.
func (c *Client) GetAvailability(ctx context.Context, id int64) (*Availability, error) {
	var out Availability
	_, err := c.Do(ctx, http.MethodGet, availabilityPath(id), nil, &out)
	return &out, err
}

// SetAvailability sets user id's availability (available, away or off);
// id 0 is the caller. Admins set anyone's.
func (c *Client) SetAvailability(ctx context.Context, id int64, availability string) (*Availability, error) {
	var out Availability
	_, err := c.Do(ctx, http.MethodPut, availabilityPath(id), map[string]string{"availability": availability}, &out)
	return &out, err
}

func availabilityPath(id int64) string {
	if id == 0 {
		return "/api/v1/users/me/availability"
	}
	return "/api/v1/users/" + strconv.FormatInt(id, 10) + "/availability"
}

// ListTeams returns a page of teams (agents only).
func (c *Client) ListTeams(ctx context.Context, o ListOptions) (*Page[Team], error) {
	var p Page[Team]
	if _, err := c.Do(ctx, http.MethodGet, withQuery("/api/v1/teams", o.values()), nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// GetTeam returns team id with its members.
func (c *Client) GetTeam(ctx context.Context, id int64) (*Team, error) {
	return c.team(ctx, http.MethodGet, idPath("/api/v1/teams", id), nil)
}

// CreateTeam adds a team (admins only).
func (c *Client) CreateTeam(ctx context.Context, in NewTeam, opts ...Option) (*Team, error) {
	return c.team(ctx, http.MethodPost, "/api/v1/teams", in, opts...)
}

// UpdateTeam changes team id (admins only).
func (c *Client) UpdateTeam(ctx context.Context, id int64, p TeamPatch) (*Team, error) {
	return c.team(ctx, http.MethodPatch, idPath("/api/v1/teams", id), p)
}

// AddTeamMember puts the agent with email into team id (admins only).
func (c *Client) AddTeamMember(ctx context.Context, id int64, email string) (*Team, error) {
	body := struct {
		Email string `json:"email"`
	}{email}
	return c.team(ctx, http.MethodPost, idPath("/api/v1/teams", id)+"/members", body)
}

// SetTeamLead makes the agent with email a lead of team id, told of SLA
// breaches, or no longer one (admins only); they are added as a member
// first if need be.
func (c *Client) SetTeamLead(ctx context.Context, id int64, email string, lead bool) (*Team, error) {
	body := struct {
		Email string `json:"email"`
		Lead  bool   `json:"lead"`
	}{email, lead}
	return c.team(ctx, http.MethodPost, idPath("/api/v1/teams", id)+"/members", body)
}

// RemoveTeamMember takes the user with email out of team id (admins only).
func (c *Client) RemoveTeamMember(ctx context.Context, id int64, email string) (*Team, error) {
	return c.team(ctx, http.MethodDelete, idPath("/api/v1/teams", id)+"/members/"+escape(email), nil)
}

func (c *Client) team(ctx context.Context, method, path string, body any, opts ...Option) (*Team, error) {
	var t Team
	if _, err := c.Do(ctx, method, path, body, &t, opts...); err != nil {
		return nil, err
	}
	return &t, nil
}

// Organization is a customer company; with SharedTickets its requesters see
// each other's tickets.
type Organization struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	Domain        *string   `json:"domain"`
	SharedTickets bool      `json:"shared_tickets"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// NewOrganization is the body of CreateOrganization.
type NewOrganization struct {
	Name          string `json:"name"`
	Domain        string `json:"domain,omitempty"`
	SharedTickets bool   `json:"shared_tickets,omitempty"`
}

// OrganizationPatch lists the changes of UpdateOrganization; nil fields are
// kept. Name "domain" in Clear to remove the domain.
type OrganizationPatch struct {
	Name          *string `json:"name,omitempty"`
	Domain        *string `json:"domain,omitempty"`
	SharedTickets *bool   `json:"shared_tickets,omitempty"`

	// Clear names fields to send as null.
	Clear []string `json:"-"`
}

// MarshalJSON encodes the set fields and the cleared ones as null.
func (p OrganizationPatch) MarshalJSON() ([]byte, error) {
	type plain OrganizationPatch
	return patchJSON(plain(p), p.Clear)
}

// ListOrganizations returns a page of organizations (a requester sees only
// their own).
func (c *Client) ListOrganizations(ctx context.Context, o ListOptions) (*Page[Organization], error) {
	var p Page[Organization]
	if _, err := c.Do(ctx, http.MethodGet, withQuery("/api/v1/organizations", o.values()), nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// GetOrganization returns organization id.
func (c *Client) GetOrganization(ctx context.Context, id int64) (*Organization, error) {
	return c.organization(ctx, http.MethodGet, idPath("/api/v1/organizations", id), nil)
}

// CreateOrganization adds an organization (admins only).
func (c *Client) CreateOrganization(ctx context.Context, in NewOrganization, opts ...Option) (*Organization, error) {
	return c.organization(ctx, http.MethodPost, "/api/v1/organizations", in, opts...)
}

// UpdateOrganization changes organization id (admins only).
func (c *Client) UpdateOrganization(ctx context.Context, id int64, p OrganizationPatch) (*Organization, error) {
	return c.organization(ctx, http.MethodPatch, idPath("/api/v1/organizations", id), p)
}

func (c *Client) organization(ctx context.Context, method, path string, body any, opts ...Option) (*Organization, error) {
	var o Organization
	if _, err := c.Do(ctx, method, path, body, &o, opts...); err != nil {
		return nil, err
	}
	return &o, nil
}
