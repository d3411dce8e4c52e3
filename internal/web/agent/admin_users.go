package agent

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/docket/docket/internal/user"
)

type adminUsersPage struct {
	adminFrame
	Query   string
	Role    string
	Roles   []user.Role
	Users   []adminUserRow
	NextURL string
}

type adminUserRow struct {
	*user.User
	Teams []string
}

var userRoles = []user.Role{user.RoleAgent, user.RoleAdmin, user.RoleRequester}

// adminUsers lists users, filtered by a substring of email or name and by
// role, with their team memberships.
func (a *Agent) adminUsers(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	q := r.URL.Query()
	p := adminUsersPage{Query: q.Get("q"), Role: q.Get("role"), Roles: userRoles}
	role := user.Role(p.Role)
	if !role.Valid() {
		role, p.Role = "", ""
	}
	us, err := a.Users.List(ctx, user.ListFilter{After: afterParam(r), Limit: adminPageSize + 1, Role: role, Query: p.Query})
	if err != nil {
		return err
	}
	if len(us) > adminPageSize {
		us = us[:adminPageSize]
		p.NextURL = nextPage(r, us[len(us)-1].ID)
	}
	teams, err := a.teamsOf(ctx)
	if err != nil {
		return err
	}
	for _, u := range us {
		p.Users = append(p.Users, adminUserRow{User: u, Teams: teams[u.Email]})
	}
	p.adminFrame = a.adminFrame(w, r, rq, "Users", "users")
	return a.tmpl.Render(w, http.StatusOK, "admin_users", p)
}

// teamsOf maps member emails to the names of their teams.
func (a *Agent) teamsOf(ctx context.Context) (map[string][]string, error) {
	out := map[string][]string{}
	var after int64
	for {
		ts, err := a.Users.Teams(ctx, after, 500)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			for _, m := range t.Members {
				out[m] = append(out[m], t.Name)
			}
		}
		if len(ts) < 500 {
			return out, nil
		}
		after = ts[len(ts)-1].ID
	}
}

type adminUserPage struct {
	adminFrame
	U      *user.User // nil on the new-user form
	Form   userForm
	Orgs   []string // organization names
	Roles  []user.Role
	Errors map[string]string
	// NoPassword: this agent cannot sign in until an admin sets a password.
	NoPassword bool
	// Self: the admin is editing their own user, whose password they
	// change on their profile (with the current one).
	Self bool
	// Skills are an agent's or admin's skills for automatic assignment;
	// nil until loaded (or as typed, on a refused form).
	Skills *userSkills
}

type userForm struct {
	Email, Name, Role, Organization string
	Active                          bool
}

func (a *Agent) renderUserForm(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminUserPage) error {
	orgs, err := a.Users.Organizations(r.Context(), 0, 500)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		p.Orgs = append(p.Orgs, o.Name)
	}
	// Past the first page of organizations, still offer the user's own so
	// saving the form does not clear it.
	if p.Form.Organization != "" && !slices.Contains(p.Orgs, p.Form.Organization) {
		p.Orgs = append(p.Orgs, p.Form.Organization)
	}
	p.Roles = userRoles
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	title := "New user"
	p.Self = p.U != nil && p.U.ID == rq.actor.ID
	if p.U != nil {
		title = "Edit " + p.U.Email
		// The template has no use for the hash; keep it off the page.
		u := *p.U
		u.PasswordHash = ""
		p.U = &u
		if p.Skills == nil && u.Role != user.RoleRequester {
			skills, err := a.Assign.Skills(r.Context(), u.ID)
			if err != nil {
				return err
			}
			p.Skills = &userSkills{Text: strings.Join(skills, ", ")}
		}
	}
	p.adminFrame = a.adminFrame(w, r, rq, title, "users")
	return a.tmpl.Render(w, status, "admin_user", p)
}

func (a *Agent) adminNewUserForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.renderUserForm(w, r, rq, http.StatusOK, adminUserPage{Form: userForm{Role: string(user.RoleAgent), Active: true}})
}

// adminCreateUser adds a user. Without a password an agent cannot sign in
// yet; the admin is told so and taken to the user's page to set one.
func (a *Agent) adminCreateUser(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := userForm{Email: formValue(r, "email"), Name: formValue(r, "name"), Role: formValue(r, "role"),
		Organization: formValue(r, "organization"), Active: true}
	pw := r.PostFormValue("password")
	errs := map[string]string{}
	if pw != r.PostFormValue("password2") {
		errs["password2"] = "The passwords do not match."
	}
	if len(errs) == 0 {
		u, err := a.Users.Create(r.Context(), rq.actor, user.NewUser{Email: f.Email, Name: f.Name, Role: user.Role(f.Role), Password: pw,
			Organization: f.Organization})
		if err == nil {
			if pw == "" && u.Role != user.RoleRequester {
				a.site.Flash(w, fmt.Sprintf("Created %s. They have no password yet and cannot sign in: set one below.", u.Email))
				http.Redirect(w, r, fmt.Sprintf("/admin/users/%d#password", u.ID), http.StatusSeeOther)
				return nil
			}
			a.site.Flash(w, fmt.Sprintf("Created %s.", u.Email))
			http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
			return nil
		}
		if _, ok := formFailure(err, errs); !ok {
			return err
		}
	}
	return a.renderUserForm(w, r, rq, http.StatusUnprocessableEntity, adminUserPage{Form: f, Errors: errs})
}

func (a *Agent) adminUserForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	u, err := a.pathUser(r)
	if err != nil {
		return err
	}
	return a.renderUserForm(w, r, rq, http.StatusOK, userPage(u))
}

// pathUser loads the user the path names.
func (a *Agent) pathUser(r *http.Request) (*user.User, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return a.Users.Get(r.Context(), id)
}

// userPage is the page of user u with the form filled from it.
func userPage(u *user.User) adminUserPage {
	return adminUserPage{U: u, Form: userForm{Email: u.Email, Name: u.Name, Role: string(u.Role), Organization: u.Organization,
		Active: u.Active}, NoPassword: noPassword(u)}
}

func noPassword(u *user.User) bool { return u.PasswordHash == "" && u.Role != user.RoleRequester }

// adminUpdateUser changes a user. Deactivating them, or setting a new
// password for them, signs them out everywhere.
func (a *Agent) adminUpdateUser(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return err
	}
	old, err := a.Users.Get(ctx, id)
	if err != nil {
		return err
	}
	f := userForm{Email: formValue(r, "email"), Name: formValue(r, "name"), Role: formValue(r, "role"),
		Organization: formValue(r, "organization"), Active: checked(r, "active")}
	role := user.Role(f.Role)
	p := user.Patch{Email: &f.Email, Name: &f.Name, Role: &role, Organization: &f.Organization, Active: &f.Active}
	errs := map[string]string{}
	pw := r.PostFormValue("password")
	if pw != "" || r.PostFormValue("password2") != "" {
		p.Password = &pw
		if pw != r.PostFormValue("password2") {
			errs["password2"] = "The passwords do not match."
		}
		if id == rq.actor.ID {
			errs["password"] = "Change your own password on your profile, where it asks for the current one."
		}
	}
	status := http.StatusUnprocessableEntity
	if len(errs) == 0 {
		u, err := a.Users.Update(ctx, rq.actor, id, p)
		if err == nil {
			msg := "Saved " + u.Email + "."
			switch {
			case old.Active && !u.Active:
				err = a.Auth.EndUserSessions(ctx, id, "")
				msg = "Deactivated " + u.Email + " and signed them out."
			case p.Password != nil:
				err = a.Auth.EndUserSessions(ctx, id, "")
				msg = "Saved " + u.Email + " with a new password and signed them out."
			}
			if err != nil {
				return err
			}
			a.site.Flash(w, msg)
			http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
			return nil
		}
		var ok bool
		if status, ok = formFailure(err, errs); !ok {
			return err
		}
	}
	return a.renderUserForm(w, r, rq, status, adminUserPage{U: old, Form: f, Errors: errs, NoPassword: noPassword(old)})
}
