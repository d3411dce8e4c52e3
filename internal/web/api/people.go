package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

type userJSON struct {
	ID           int64     `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Role         user.Role `json:"role"`
	Organization *string   `json:"organization"`
	Active       bool      `json:"active"`
	Phone        string    `json:"phone"`
	Department   string    `json:"department"`
	Location     string    `json:"location"`
	Timezone     string    `json:"timezone"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// Skills and Availability are an agent's or admin's, for automatic
	// assignment; a single user's answer carries them.
	Skills       *[]string `json:"skills,omitempty"`
	Availability string    `json:"availability,omitempty"`
}

func toUserJSON(u *user.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Organization: strPtr(u.Organization),
		Active: u.Active, Phone: u.Phone, Department: u.Department, Location: u.Location, Timezone: u.Timezone,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	after, limit, err := page(r, "u")
	if err != nil {
		return err
	}
	out := list[userJSON]{Items: []userJSON{}}
	if !actor.IsAgent() {
		// Requesters see only themselves.
		if after == 0 {
			u, err := a.Users.Get(r.Context(), actor.ID)
			if err != nil {
				return err
			}
			out.Items = append(out.Items, toUserJSON(u))
		}
		return web.JSON(w, http.StatusOK, out)
	}
	role := user.Role(r.URL.Query().Get("role"))
	if role != "" && !role.Valid() {
		return fault.Field("role", "must be admin, agent or requester")
	}
	us, err := a.Users.List(r.Context(), user.ListFilter{After: after, Limit: limit + 1, Role: role, Query: r.URL.Query().Get("q")})
	if err != nil {
		return err
	}
	if len(us) > limit {
		us = us[:limit]
		out.NextCursor = idCursor("u", us[len(us)-1].ID)
	}
	for _, u := range us {
		out.Items = append(out.Items, toUserJSON(u))
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if !actor.IsAgent() && id != actor.ID {
		return fmt.Errorf("user %d: %w", id, fault.ErrNotFound)
	}
	u, err := a.Users.Get(r.Context(), id)
	if err != nil {
		return err
	}
	out := toUserJSON(u)
	if err := a.userExtras(r.Context(), actor, u, &out); err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

type userInput struct {
	Email        *string `json:"email"`
	Name         *string `json:"name"`
	Role         *string `json:"role"`
	Organization *string `json:"organization"`
	Active       *bool   `json:"active"`
	Password     *string `json:"password"`
	// CurrentPassword must come with Password to change one's own.
	CurrentPassword *string `json:"current_password"`
	Phone           *string `json:"phone"`
	Department      *string `json:"department"`
	Location        *string `json:"location"`
	Timezone        *string `json:"timezone"`
	Signature       *string `json:"signature"`
	// Skills are an agent's skills for automatic assignment (admins set
	// them).
	Skills *[]string `json:"skills"`
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if !actor.IsAdmin() {
		return fault.Forbidden("only admins may create users")
	}
	var in userInput
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Active != nil && !*in.Active {
		return fault.Field("active", "new users are active; deactivate them afterwards")
	}
	if in.CurrentPassword != nil {
		return fault.Field("current_password", "is only for changing your own password")
	}
	if in.Skills != nil {
		return fault.Field("skills", "set skills once the user exists (PATCH)")
	}
	role := user.Role(deref(in.Role))
	if role == "" {
		role = user.RoleRequester
	}
	u, err := a.Users.Create(r.Context(), actor, user.NewUser{Email: deref(in.Email), Name: deref(in.Name), Role: role,
		Password: deref(in.Password), Organization: deref(in.Organization), Phone: deref(in.Phone),
		Department: deref(in.Department), Location: deref(in.Location), Timezone: deref(in.Timezone)})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	return web.JSON(w, http.StatusCreated, toUserJSON(u))
}

func (a *API) patchUser(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if !actor.IsAgent() && id != actor.ID {
		return fmt.Errorf("user %d: %w", id, fault.ErrNotFound)
	}
	var in userInput
	body, err := a.decode(w, r, &in)
	if err != nil {
		return err
	}
	empty := ""
	if isNull, ok := present(body)["organization"]; ok && isNull {
		in.Organization = &empty
	}
	p := user.Patch{Email: in.Email, Name: in.Name, Organization: in.Organization, Phone: in.Phone, Department: in.Department,
		Location: in.Location, Timezone: in.Timezone, Signature: in.Signature, Active: in.Active, Password: in.Password,
		CurrentPassword: in.CurrentPassword}
	if in.Role != nil {
		role := user.Role(*in.Role)
		p.Role = &role
	}
	if in.CurrentPassword != nil && in.Password == nil {
		return fault.Field("current_password", "goes with password, to change your own")
	}
	var u *user.User
	update := func() error {
		if in.Skills == nil {
			u, err = a.Users.Update(r.Context(), actor, id, p)
			return err
		}
		// Skills save with the other fields, or nothing does.
		return a.DB.WithTx(r.Context(), func(tx *db.Tx) error {
			ctx := db.WithinTx(r.Context(), tx)
			if u, err = a.Users.Update(ctx, actor, id, p); err != nil {
				return err
			}
			if u.Role == user.RoleRequester {
				return fault.Field("skills", "requesters have no skills; only agents and admins do")
			}
			_, err = a.Assign.SetSkills(ctx, actor, id, *in.Skills)
			return err
		})
	}
	if p.Password != nil && id == actor.ID {
		// A token changes its owner's password only with the current
		// one, guessed no faster than at sign-in.
		err = a.Auth.GuardPassword(r.Context(), actor.Email, web.ClientIP(r), "", update)
	} else {
		err = update()
	}
	var locked *auth.LockedError
	if errors.As(err, &locked) {
		return &web.StatusError{Status: http.StatusTooManyRequests, RetryAfter: max(time.Until(locked.Until), time.Second),
			Detail: "Too many wrong passwords for this account; try again later."}
	}
	if err != nil {
		return err
	}
	if !u.Active || p.Password != nil {
		// A deactivated user or a changed password ends the browser
		// sessions, so reactivation does not revive them.
		if err := a.Auth.EndUserSessions(r.Context(), id, ""); err != nil {
			return err
		}
	}
	out := toUserJSON(u)
	if err := a.userExtras(r.Context(), actor, u, &out); err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

type teamJSON struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Restricted bool      `json:"restricted"`
	Members    []string  `json:"members"`
	Leads      []string  `json:"leads"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// Assignment is the team's automatic assignment (see assignment.go).
	Assignment *assignmentJSON `json:"assignment,omitempty"`
}

func toTeamJSON(t *user.Team) teamJSON {
	leads := t.Leads
	if leads == nil {
		leads = []string{}
	}
	return teamJSON{ID: t.ID, Name: t.Name, Restricted: t.Restricted, Members: t.Members, Leads: leads, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

func requireAgent(actor *user.Actor) error {
	if !actor.IsAgent() {
		return fault.Forbidden("only agents may do this")
	}
	return nil
}

func (a *API) listTeams(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if err := requireAgent(actor); err != nil {
		return err
	}
	after, limit, err := page(r, "t")
	if err != nil {
		return err
	}
	ts, err := a.Users.Teams(r.Context(), after, limit+1)
	if err != nil {
		return err
	}
	out := list[teamJSON]{Items: []teamJSON{}}
	if len(ts) > limit {
		ts = ts[:limit]
		out.NextCursor = idCursor("t", ts[len(ts)-1].ID)
	}
	for _, t := range ts {
		tj, err := a.teamJSON(r.Context(), actor, t)
		if err != nil {
			return err
		}
		out.Items = append(out.Items, tj)
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) getTeam(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if err := requireAgent(actor); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := a.Users.Team(r.Context(), id)
	if err != nil {
		return err
	}
	return a.writeTeam(w, r, actor, http.StatusOK, t)
}

type teamInput struct {
	Name       *string          `json:"name"`
	Restricted *bool            `json:"restricted"`
	Members    *[]string        `json:"members"`
	Assignment *assignmentInput `json:"assignment"`
}

func (a *API) createTeam(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	var in teamInput
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	var t *user.Team
	err := a.DB.WithTx(r.Context(), func(tx *db.Tx) error {
		ctx := db.WithinTx(r.Context(), tx)
		var err error
		if t, err = a.Users.CreateTeam(ctx, actor, user.TeamInput{Name: in.Name, Restricted: in.Restricted, Members: in.Members}); err != nil {
			return err
		}
		return a.setAssignment(ctx, actor, t.ID, in.Assignment)
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/teams/"+strconv.FormatInt(t.ID, 10))
	return a.writeTeam(w, r, actor, http.StatusCreated, t)
}

func (a *API) patchTeam(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in teamInput
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	var t *user.Team
	err = a.DB.WithTx(r.Context(), func(tx *db.Tx) error {
		ctx := db.WithinTx(r.Context(), tx)
		var err error
		if t, err = a.Users.UpdateTeam(ctx, actor, id, user.TeamInput{Name: in.Name, Restricted: in.Restricted, Members: in.Members}); err != nil {
			return err
		}
		return a.setAssignment(ctx, actor, id, in.Assignment)
	})
	if err != nil {
		return err
	}
	return a.writeTeam(w, r, actor, http.StatusOK, t)
}

func (a *API) addMember(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Email string `json:"email"`
		// Lead, when set, makes the member a lead (told of SLA breaches)
		// or no longer one; the member is added first if need be.
		Lead *bool `json:"lead"`
	}
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Email == "" {
		return fault.Field("email", "is required")
	}
	t, err := a.Users.AddMember(r.Context(), actor, id, in.Email)
	if err != nil {
		return err
	}
	if in.Lead != nil {
		if t, err = a.Users.SetLead(r.Context(), actor, id, in.Email, *in.Lead); err != nil {
			return err
		}
	}
	return a.writeTeam(w, r, actor, http.StatusOK, t)
}

func (a *API) removeMember(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := a.Users.RemoveMember(r.Context(), actor, id, r.PathValue("email"))
	if err != nil {
		return err
	}
	return a.writeTeam(w, r, actor, http.StatusOK, t)
}

type organizationJSON struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	Domain        *string   `json:"domain"`
	SharedTickets bool      `json:"shared_tickets"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func toOrgJSON(o *user.Organization) organizationJSON {
	return organizationJSON{o.ID, o.Name, strPtr(o.Domain), o.SharedTickets, o.CreatedAt, o.UpdatedAt}
}

func (a *API) listOrganizations(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	after, limit, err := page(r, "o")
	if err != nil {
		return err
	}
	out := list[organizationJSON]{Items: []organizationJSON{}}
	if !actor.IsAgent() {
		if actor.OrganizationID != 0 && after == 0 {
			o, err := a.Users.Organization(r.Context(), actor.OrganizationID)
			if err != nil {
				return err
			}
			out.Items = append(out.Items, toOrgJSON(o))
		}
		return web.JSON(w, http.StatusOK, out)
	}
	os, err := a.Users.Organizations(r.Context(), after, limit+1)
	if err != nil {
		return err
	}
	if len(os) > limit {
		os = os[:limit]
		out.NextCursor = idCursor("o", os[len(os)-1].ID)
	}
	for _, o := range os {
		out.Items = append(out.Items, toOrgJSON(o))
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) getOrganization(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if !actor.IsAgent() && id != actor.OrganizationID {
		return fmt.Errorf("organization %d: %w", id, fault.ErrNotFound)
	}
	o, err := a.Users.Organization(r.Context(), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toOrgJSON(o))
}

type organizationInput struct {
	Name          *string `json:"name"`
	Domain        *string `json:"domain"`
	SharedTickets *bool   `json:"shared_tickets"`
}

func (a *API) createOrganization(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	var in organizationInput
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	o, err := a.Users.CreateOrganization(r.Context(), actor, user.OrganizationInput{Name: in.Name, Domain: in.Domain, SharedTickets: in.SharedTickets})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/organizations/"+strconv.FormatInt(o.ID, 10))
	return web.JSON(w, http.StatusCreated, toOrgJSON(o))
}

func (a *API) patchOrganization(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in organizationInput
	body, err := a.decode(w, r, &in)
	if err != nil {
		return err
	}
	empty := ""
	if isNull, ok := present(body)["domain"]; ok && isNull {
		in.Domain = &empty
	}
	o, err := a.Users.UpdateOrganization(r.Context(), actor, id, user.OrganizationInput{Name: in.Name, Domain: in.Domain, SharedTickets: in.SharedTickets})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toOrgJSON(o))
}
