package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/password"
	"github.com/docket/docket/internal/user"
)

// TestOwnPasswordNeedsTheCurrentOne: an API token alone never changes its
// owner's password (a leaked token would take the account over); with the
// current password it does, no faster than signing in. Admins set other
// people's passwords; nobody else does.
func TestOwnPasswordNeedsTheCurrentOne(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := apptest.Server(t, d)
		const first, second = "first password 123", "second password 456"
		u, err := e.Users.Create(ctx, apptest.Setup, user.NewUser{Email: uniqueEmail("own"), Name: "Own", Role: user.RoleAgent, Password: first})
		if err != nil {
			t.Fatal(err)
		}
		agent, _ := e.Users.Actor(ctx, u.ID)
		c := e.ClientFor(t, agent)
		passwordIs := func(want string) {
			t.Helper()
			got, _ := e.Users.Get(ctx, u.ID)
			if password.Verify(ctx, got.PasswordHash, want) != nil {
				t.Fatalf("the password is no longer %q", want)
			}
		}

		_, err = c.UpdateUser(ctx, u.ID, client.UserPatch{Password: client.Ptr("taken over at last")})
		wantField(t, err, "current_password")
		_, err = c.UpdateUser(ctx, u.ID, client.UserPatch{Password: client.Ptr("taken over at last"), CurrentPassword: client.Ptr("a guess")})
		wantField(t, err, "current_password")
		_, err = c.UpdateUser(ctx, u.ID, client.UserPatch{CurrentPassword: client.Ptr(first)})
		wantField(t, err, "current_password")
		passwordIs(first)

		_, err = c.UpdateUser(ctx, u.ID, client.UserPatch{Password: client.Ptr(second), CurrentPassword: client.Ptr(first)})
		check(t, err)
		passwordIs(second)

		// Only admins set other people's passwords, and they need no
		// current one for it; for their own they do.
		other := apptest.User(t, e.Services, user.RoleAgent, "")
		_, err = c.UpdateUser(ctx, other.ID, client.UserPatch{Password: client.Ptr("not yours to set")})
		wantStatus(t, err, http.StatusForbidden)
		_, err = e.Client.UpdateUser(ctx, u.ID, client.UserPatch{Password: client.Ptr(first)})
		check(t, err)
		passwordIs(first)
		_, err = e.Client.UpdateUser(ctx, e.Admin.ID, client.UserPatch{Password: client.Ptr("the admin's own")})
		wantField(t, err, "current_password")

		// Guessing the current password through the API is slowed down
		// like signing in.
		for range 6 {
			_, err = c.UpdateUser(ctx, u.ID, client.UserPatch{Password: client.Ptr(second), CurrentPassword: client.Ptr("a guess")})
			wantField(t, err, "current_password")
		}
		_, err = c.UpdateUser(ctx, u.ID, client.UserPatch{Password: client.Ptr(second), CurrentPassword: client.Ptr(first)})
		if pe := wantStatus(t, err, http.StatusTooManyRequests); pe.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		passwordIs(first)
	})
}
