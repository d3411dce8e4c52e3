package api_test

import (
	"strings"
	"testing"

	"github.com/docket/docket/client"
)

// A token's secret is shown once: a replayed creation (same
// Idempotency-Key) answers the record without it, and the secret is not
// kept in the idempotency store.
func TestTokenSecretIsNotReplayed(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		first, err := f.admin.CreateToken(ctx, client.NewToken{Name: "ci"}, client.WithIdempotencyKey("tok-1"))
		if err != nil || !strings.HasPrefix(first.Token, "dkt_") {
			t.Fatalf("create: %+v %v", first, err)
		}
		again, err := f.admin.CreateToken(ctx, client.NewToken{Name: "ci"}, client.WithIdempotencyKey("tok-1"))
		if err != nil || again.ID != first.ID || again.Token != "" {
			t.Fatalf("replay: %+v %v; want the same record without its secret", again, err)
		}
		var stored string
		if err := f.DB.R.QueryRowContext(ctx, `SELECT body FROM idempotency_keys WHERE key = 'tok-1'`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, first.Token) || strings.Contains(stored, `"token"`) {
			t.Fatal("the token secret is stored for replay")
		}
	})
}

// Requesters cannot tell existing organization or team names from unknown
// ones through list filters.
func TestRequesterFiltersRevealNoNames(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		if _, err := f.admin.CreateOrganization(ctx, client.NewOrganization{Name: "Acme"}); err != nil {
			t.Fatal(err)
		}
		for _, org := range []string{"Acme", "Nope"} {
			p, err := f.reqC.ListTickets(ctx, client.TicketFilter{Organization: []string{org}})
			if err != nil || len(p.Items) != 0 {
				t.Fatalf("requester filter organization=%s: %v %v; want an empty list either way", org, p, err)
			}
		}
		// Agents still get told about a typo.
		if _, err := f.agentC.ListTickets(ctx, client.TicketFilter{Organization: []string{"Nope"}}); client.StatusOf(err) != 422 {
			t.Fatalf("agent with an unknown organization: %v", err)
		}
	})
}

// Deactivating a user through the API ends their browser sessions for good:
// reactivating them does not bring a session back.
func TestDeactivationEndsSessions(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		secret, _, err := f.Auth.StartSession(ctx, f.agent.ID, "test", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.Auth.SessionActor(ctx, secret); err != nil {
			t.Fatalf("fresh session: %v", err)
		}
		if _, err := f.admin.UpdateUser(ctx, f.agent.ID, client.UserPatch{Active: client.Ptr(false)}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.admin.UpdateUser(ctx, f.agent.ID, client.UserPatch{Active: client.Ptr(true)}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.Auth.SessionActor(ctx, secret); err == nil {
			t.Fatal("the session survived deactivation")
		}
	})
}
