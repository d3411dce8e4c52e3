package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

func admin(email string) user.NewUser {
	return user.NewUser{Email: email, Name: "Ada", Password: "correct horse battery"}
}

// TestSetupTokenOncePerDatabase: two instances on one database print the
// same link, it works once, and then there is no link at all.
func TestSetupTokenOncePerDatabase(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		one, two := apptest.Services(t, d), apptest.Services(t, d) // two instances
		tok1, err := one.Auth.SetupToken(ctx)
		if err != nil || tok1 == "" {
			t.Fatalf("first instance: %q %v", tok1, err)
		}
		tok2, err := two.Auth.SetupToken(ctx)
		if err != nil || tok2 != tok1 {
			t.Fatalf("second instance got another token (%v): only one link would work", err)
		}
		if again, _ := one.Auth.SetupToken(ctx); again != tok1 {
			t.Fatal("a restart replaced the token")
		}
		if !two.Auth.SetupValid(ctx, tok1) || two.Auth.SetupValid(ctx, tok1+"x") || two.Auth.SetupValid(ctx, "") {
			t.Fatal("SetupValid does not accept exactly the token")
		}
		if _, err := two.Auth.CompleteSetup(ctx, "wrong", admin("eve@example.test")); !errors.Is(err, auth.ErrSetupUsed) {
			t.Fatalf("a wrong token: %v", err)
		}
		u, err := two.Auth.CompleteSetup(ctx, tok1, admin("ada@example.test"))
		if err != nil || u.Role != user.RoleAdmin {
			t.Fatalf("setup with the link printed by the other instance: %+v %v", u, err)
		}
		if _, err := one.Auth.CompleteSetup(ctx, tok1, admin("eve@example.test")); !errors.Is(err, auth.ErrSetupUsed) {
			t.Fatalf("second use of the link: %v, want ErrSetupUsed", err)
		}
		if one.Auth.SetupValid(ctx, tok1) {
			t.Fatal("the used link is still valid")
		}
		for _, s := range []*auth.Service{one.Auth, two.Auth} {
			if tok, err := s.SetupToken(ctx); tok != "" || err != nil {
				t.Fatalf("setup token once a user exists: %q %v", tok, err)
			}
		}
	})
}

// TestSetupTokenRace: instances starting together all print one token.
func TestSetupTokenRace(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		var services []*auth.Service
		for range 4 {
			services = append(services, apptest.Services(t, d).Auth)
		}
		tokens := make([]string, len(services))
		var wg sync.WaitGroup
		for i, s := range services {
			wg.Go(func() {
				var err error
				if tokens[i], err = s.SetupToken(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		for _, tok := range tokens {
			if tok == "" || tok != tokens[0] {
				t.Fatal("instances starting together got different setup tokens")
			}
		}
	})
}

// TestSetupTokenUpgradeAndStaleLink: a token stored by an older version
// (a bare hash nobody can print) is replaced, and a link stops working
// once any user exists, even one created on the command line.
func TestSetupTokenUpgradeAndStaleLink(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := apptest.Services(t, d)
		sum := sha256.Sum256([]byte("old-token"))
		if _, err := d.W.ExecContext(ctx, d.Rebind(`INSERT INTO settings (key, value, updated_at) VALUES ('setup_token', $1, 0)`),
			hex.EncodeToString(sum[:])); err != nil {
			t.Fatal(err)
		}
		tok, err := s.Auth.SetupToken(ctx)
		if err != nil || tok == "" || tok == "old-token" || !s.Auth.SetupValid(ctx, tok) {
			t.Fatalf("after upgrade: %q %v, want a new valid token", tok, err)
		}
		if _, err := s.Users.Create(ctx, apptest.Setup, user.NewUser{Email: "cli@example.test", Name: "CLI", Role: user.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
		if s.Auth.SetupValid(ctx, tok) {
			t.Fatal("the link is valid although a user exists")
		}
		if _, err := s.Auth.CompleteSetup(ctx, tok, admin("eve@example.test")); !errors.Is(err, auth.ErrSetupUsed) {
			t.Fatalf("setup although a user exists: %v", err)
		}
	})
}
