package agent_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/password"
	"github.com/docket/docket/internal/user"
)

func TestProfileDetails(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		ctx := context.Background()
		b, me := signIn(t, e, user.RoleAgent)
		code, body, _ := b.get("/profile")
		admExpect(t, "profile page", code, body, 200, `id="profile-form"`, `id="password-form"`, `id="token-form"`, me.Email)

		code, _, h := admSubmit(b, "/profile", "name", "Dana Scully", "timezone", "Europe/Berlin", "signature", "Dana\n<b>Support</b>")
		if code != http.StatusSeeOther || h.Get("Location") != "/profile" {
			t.Fatalf("save profile: %d %s", code, h.Get("Location"))
		}
		u, _ := e.Users.Get(ctx, me.ID)
		if u.Name != "Dana Scully" || u.Timezone != "Europe/Berlin" || u.Signature != "Dana\n<b>Support</b>" {
			t.Fatalf("after save: %+v", u)
		}
		code, body, _ = b.get("/profile")
		admExpect(t, "saved profile", code, body, 200, "Profile saved.", "Dana Scully", "&lt;b&gt;Support&lt;/b&gt;")

		code, body, _ = admSubmit(b, "/profile", "name", "Dana", "timezone", "Mars/Olympus_Mons", "signature", "")
		admExpect(t, "unknown time zone", code, body, 422, "Is not a known IANA time zone.", `value="Mars/Olympus_Mons"`)
		code, body, _ = admSubmit(b, "/profile", "name", strings.Repeat("n", 201))
		admExpect(t, "long name", code, body, 422, "Must be at most 200 characters")
		if u, _ := e.Users.Get(ctx, me.ID); u.Name != "Dana Scully" || u.Timezone != "Europe/Berlin" {
			t.Fatalf("an invalid save changed the profile: %+v", u)
		}
		if code, _, _ := b.post("/profile", url.Values{"name": {"Forged"}}); code != http.StatusForbidden {
			t.Fatalf("save without CSRF token: %d", code)
		}
		if u, _ := e.Users.Get(ctx, me.ID); u.Name != "Dana Scully" {
			t.Fatal("a forged save changed the profile")
		}
	})
}

func TestProfilePasswordChange(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		ctx := context.Background()
		const oldPw, newPw = "correct horse battery", "staple staple staple"
		b, me := signIn(t, e, user.RoleAgent)
		other := newBrowser(t, e.URL) // the same agent on another device
		if code, _, _ := other.post("/login", url.Values{"email": {me.Email}, "password": {oldPw}}); code != http.StatusSeeOther {
			t.Fatalf("second sign-in: %d", code)
		}
		for _, c := range []struct {
			name             string
			current, pw, pw2 string
			want             int
			msg              string
		}{
			{"wrong current password", "not my password", newPw, newPw, 422, "This is not your current password."},
			{"no current password", "", newPw, newPw, 422, "Enter your current password."},
			{"mismatched new passwords", oldPw, newPw, newPw + "!", 422, "The new passwords do not match."},
			{"short new password", oldPw, "short", "short", 422, "Must be 10 to 1024 characters."},
		} {
			code, body, _ := admSubmit(b, "/profile/password", "current", c.current, "password", c.pw, "password2", c.pw2)
			admExpect(t, c.name, code, body, c.want, c.msg)
		}
		if u, _ := e.Users.Get(ctx, me.ID); password.Verify(ctx, u.PasswordHash, oldPw) != nil {
			t.Fatal("a refused change altered the password")
		}
		if code, _, _ := other.get("/tickets?view=mine"); code != 200 {
			t.Fatalf("the other device after refused changes: %d", code)
		}
		if code, _, _ := b.post("/profile/password", url.Values{"current": {oldPw}, "password": {newPw}, "password2": {newPw}}); code != http.StatusForbidden {
			t.Fatalf("change without CSRF token: %d", code)
		}

		code, _, h := admSubmit(b, "/profile/password", "current", oldPw, "password", newPw, "password2", newPw)
		if code != http.StatusSeeOther || h.Get("Location") != "/profile" {
			t.Fatalf("change password: %d %s", code, h.Get("Location"))
		}
		if u, _ := e.Users.Get(ctx, me.ID); password.Verify(ctx, u.PasswordHash, newPw) != nil {
			t.Fatal("the new password is not stored")
		}
		if code, body, _ := b.get("/profile"); code != 200 || !strings.Contains(body, "signed out on every other device") {
			t.Fatalf("this device after the change: %d", code)
		}
		if code, _, h := other.get("/tickets?view=mine"); code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
			t.Fatalf("the other device after the change: %d %s, want a redirect to /login", code, h.Get("Location"))
		}
		fresh := newBrowser(t, e.URL)
		if code, _, _ := fresh.post("/login", url.Values{"email": {me.Email}, "password": {newPw}}); code != http.StatusSeeOther {
			t.Fatalf("sign in with the new password: %d", code)
		}
	})
}

func TestProfileTokens(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		ctx := context.Background()
		b, me := signIn(t, e, user.RoleAgent)

		code, body, h := admSubmit(b, "/profile/tokens", "name", "Laptop script", "scope", "write")
		admExpect(t, "create token", code, body, http.StatusCreated, `id="token-created"`, "will not be shown again")
		secret := tokenRe.FindString(body)
		if secret == "" {
			t.Fatal("the secret is not on the result page")
		}
		if h.Get("Location") != "" || strings.Contains(strings.Join(h.Values("Set-Cookie"), "\n"), secret) {
			t.Fatal("the secret left the page in a header")
		}
		a, tok, err := e.Auth.Authenticate(ctx, secret)
		if err != nil || a.ID != me.ID || tok.ReadOnly() {
			t.Fatalf("the shown secret: %+v %+v %v", a, tok, err)
		}
		code, body, _ = b.get("/profile")
		admExpect(t, "profile after creating a token", code, body, 200, "Laptop script", tok.Prefix)
		if strings.Contains(body, secret) || strings.Contains(body, `id="token-created"`) {
			t.Fatal("the secret is shown again")
		}

		code, body, _ = admSubmit(b, "/profile/tokens", "name", "")
		admExpect(t, "nameless token", code, body, 422, "Is required.")
		if tokenRe.MatchString(body) {
			t.Fatal("a refused request shows a secret")
		}

		// The admin's token is not the agent's to revoke, nor visible.
		_, adminTok, err := e.Auth.Authenticate(ctx, apptest.Token(t, e.Services, e.Admin))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(body, adminTok.Prefix) {
			t.Error("the profile lists someone else's token")
		}
		if code, _, _ := admSubmit(b, "/profile/tokens/"+strconv.FormatInt(adminTok.ID, 10)+"/revoke"); code != http.StatusNotFound {
			t.Fatalf("revoke someone else's token: %d", code)
		}
		if ts, _ := e.Auth.Tokens(ctx, e.Admin, false, adminTok.ID-1, 1); len(ts) != 1 || ts[0].RevokedAt != nil {
			t.Fatal("the admin's token was revoked")
		}

		if code, _, _ := admSubmit(b, "/profile/tokens/"+strconv.FormatInt(tok.ID, 10)+"/revoke", "confirm", "1"); code != http.StatusSeeOther {
			t.Fatalf("revoke own token: %d", code)
		}
		if _, _, err := e.Auth.Authenticate(ctx, secret); err == nil {
			t.Fatal("a revoked token still works")
		}
	})
}
