// Package user owns the people of a help desk: users (admins, agents,
// requesters), teams with their memberships, and organizations.
package user

import (
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
)

// Role decides what a user may do.
type Role string

// The roles.
const (
	RoleAdmin     Role = "admin"
	RoleAgent     Role = "agent"
	RoleRequester Role = "requester"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleAgent || r == RoleRequester }

// User is a person who can act in Docket. Requesters often have no password:
// they arrive by email.
type User struct {
	ID             int64
	Email          string
	Name           string
	Role           Role
	PasswordHash   string
	OrganizationID int64
	Organization   string
	Phone          string
	Department     string
	Location       string
	Timezone       string
	Signature      string
	Active         bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Actor is the authenticated user on whose behalf a service call runs,
// with what visibility checks need; or one of Docket's own actors (the
// mail importer, a rule, the SLA, the system), which are not people: their
// Kind is set, their ID is 0 (or a rule's id) and they act as admins.
type Actor struct {
	// Kind is "" for a person, else event.ActorSystem, ActorMail, ActorRule
	// or ActorSLA.
	Kind           string
	ID             int64
	Email          string
	Name           string
	Role           Role
	OrganizationID int64
	TeamIDs        []int64
	// Timezone is a person's IANA time zone from their profile ("" for
	// none): the workspace shows times in it.
	Timezone string
}

// System returns one of Docket's own actors: kind is event.ActorSystem,
// ActorMail, ActorRule (id is the rule's) or ActorSLA; name is what history
// and the audit log show ("Mail importer", "Rule ‘Escalate P1’").
func System(kind string, id int64, name string) *Actor {
	return &Actor{Kind: kind, ID: id, Name: name, Role: RoleAdmin}
}

// MailImporter is the actor of everything the mail importer does.
var MailImporter = System(event.ActorMail, 0, "Mail importer")

// IsPerson is true for a signed-in person, false for Docket's own actors.
func (a *Actor) IsPerson() bool { return a != nil && a.Kind == "" }

// PersonID is the user id of a person, 0 for Docket's own actors: the value
// for columns that reference users.
func (a *Actor) PersonID() int64 {
	if a == nil || a.Kind != "" {
		return 0
	}
	return a.ID
}

// EventActor is how events and the audit log record a.
func (a *Actor) EventActor() event.Actor {
	switch {
	case a == nil:
		return event.Actor{Type: event.ActorSystem, Name: "System"}
	case a.Kind != "":
		return event.Actor{Type: a.Kind, ID: a.ID, Name: a.Name}
	}
	name := a.Name
	if name == "" {
		name = a.Email
	}
	return event.Actor{Type: event.ActorUser, ID: a.ID, Name: name}
}

// IsAgent is true for agents and admins.
func (a *Actor) IsAgent() bool { return a != nil && (a.Role == RoleAgent || a.Role == RoleAdmin) }

// IsAdmin is true for admins.
func (a *Actor) IsAdmin() bool { return a != nil && a.Role == RoleAdmin }

// InTeam reports membership of team id.
func (a *Actor) InTeam(id int64) bool { return slices.Contains(a.TeamIDs, id) }

// Team is a group of agents; a restricted team's tickets are visible only
// to its members (and admins).
type Team struct {
	ID         int64
	Name       string
	Restricted bool
	Members    []string // emails
	// Leads are the members told of SLA breaches on the team's tickets.
	Leads     []string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Organization groups requesters; when SharedTickets is set, its requesters
// see each other's tickets.
type Organization struct {
	ID            int64
	Name          string
	Domain        string
	SharedTickets bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Field length limits.
const (
	MaxEmail = 254
	MaxName  = 200
	MaxShort = 200
)

// NormalizeEmail validates an address and returns its canonical form
// (trimmed; the address itself, no display name). Case is kept for display;
// uniqueness is case-insensitive in the database.
func NormalizeEmail(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fault.Field(field, "is required")
	}
	if len(s) > MaxEmail {
		return "", fault.Field(field, "must be at most %d characters", MaxEmail)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s, "@") {
		return "", fault.Field(field, "is not a valid email address")
	}
	return s, nil
}

func checkText(inv *fault.Invalid, field, s string, max int, required bool) string {
	s = strings.TrimSpace(s)
	switch {
	case required && s == "":
		inv.Add(field, "is required")
	case utf8.RuneCountInString(s) > max:
		inv.Add(field, "must be at most %d characters", max)
	case !utf8.ValidString(s) || strings.ContainsFunc(s, isControl):
		inv.Add(field, "must be valid UTF-8 text without control characters")
	}
	return s
}

// isControl is true for control characters other than tab and line breaks;
// NUL cannot even be stored on PostgreSQL.
func isControl(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f
}
