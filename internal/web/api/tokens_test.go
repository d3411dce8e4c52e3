package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/docket/docket/client"
)

func TestTokens(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		var created client.Token
		r, err := f.agentC.Do(ctx, http.MethodPost, "/api/v1/tokens", client.NewToken{Name: "ci", Scopes: []string{"read"}}, &created)
		check(t, err)
		if r.Status != http.StatusCreated || !strings.HasPrefix(created.Token, "dkt_") || created.User != f.agent.Email ||
			!slices.Equal(created.Scopes, []string{"read"}) || created.Name != "ci" || !strings.HasPrefix(created.Token, created.Prefix) {
			t.Fatalf("created %d %+v", r.Status, created)
		}
		var rawList json.RawMessage
		_, err = f.agentC.Do(ctx, http.MethodGet, "/api/v1/tokens", nil, &rawList)
		check(t, err)
		if strings.Contains(string(rawList), created.Token) || strings.Contains(string(rawList), `"token"`) {
			t.Errorf("GET /tokens shows a secret: %s", rawList)
		}
		list, err := f.agentC.ListTokens(ctx, client.TokenFilter{})
		check(t, err)
		if !slices.ContainsFunc(list.Items, func(k client.Token) bool { return k.ID == created.ID && k.Token == "" && k.RevokedAt == nil }) {
			t.Errorf("token %d not listed: %+v", created.ID, list.Items)
		}
		for _, k := range list.Items {
			if k.User != f.agent.Email {
				t.Errorf("agent sees someone else's token %+v", k)
			}
		}
		all, err := f.admin.ListTokens(ctx, client.TokenFilter{All: true})
		check(t, err)
		if !slices.ContainsFunc(all.Items, func(k client.Token) bool { return k.ID == created.ID }) {
			t.Errorf("admin's all=true lacks the agent's token")
		}
		own, err := f.admin.ListTokens(ctx, client.TokenFilter{})
		check(t, err)
		if slices.ContainsFunc(own.Items, func(k client.Token) bool { return k.ID == created.ID }) {
			t.Errorf("admin's own tokens include the agent's")
		}

		newC := f.ClientWith(created.Token)
		_, err = newC.ListTickets(ctx, client.TicketFilter{})
		check(t, err)

		// Someone else's token is not found, not forbidden.
		_, err = f.reqC.Do(ctx, http.MethodDelete, "/api/v1/tokens/"+strconv.FormatInt(created.ID, 10), nil, nil)
		wantStatus(t, err, http.StatusNotFound)
		r, err = f.agentC.Do(ctx, http.MethodDelete, "/api/v1/tokens/"+strconv.FormatInt(created.ID, 10), nil, nil)
		check(t, err)
		if r.Status != http.StatusNoContent {
			t.Errorf("DELETE status %d, want 204", r.Status)
		}
		_, err = newC.ListTickets(ctx, client.TicketFilter{})
		wantStatus(t, err, http.StatusUnauthorized)
		list, err = f.agentC.ListTokens(ctx, client.TokenFilter{})
		check(t, err)
		if !slices.ContainsFunc(list.Items, func(k client.Token) bool { return k.ID == created.ID && k.RevokedAt != nil }) {
			t.Errorf("revoked token not shown as revoked: %+v", list.Items)
		}
		_, err = f.agentC.Do(ctx, http.MethodDelete, "/api/v1/tokens/999999", nil, nil)
		wantStatus(t, err, http.StatusNotFound)

		t.Run("admin issues a token for someone", func(t *testing.T) {
			k, err := f.admin.CreateToken(ctx, client.NewToken{Name: "for agent", User: f.agent.Email})
			check(t, err)
			if k.User != f.agent.Email {
				t.Errorf("token user %s", k.User)
			}
			c := f.ClientWith(k.Token)
			tk := createTicket(t, c, client.NewTicket{Requester: &client.Contact{Email: uniqueEmail("t")}})
			evs, err := f.admin.Events(ctx, tk.Number, client.ListOptions{})
			check(t, err)
			if evs.Items[0].Actor == nil || evs.Items[0].Actor.Email != f.agent.Email {
				t.Errorf("created by %+v, want the agent", evs.Items[0].Actor)
			}
			check(t, f.admin.RevokeToken(ctx, k.ID))
			_, err = c.ListTickets(ctx, client.TicketFilter{})
			wantStatus(t, err, http.StatusUnauthorized)
		})

		invalid := []struct {
			name  string
			in    client.NewToken
			field string
		}{
			{"no name", client.NewToken{}, "name"},
			{"long name", client.NewToken{Name: strings.Repeat("n", 101)}, "name"},
			{"bad scope", client.NewToken{Name: "x", Scopes: []string{"read", "admin"}}, "scopes[1]"},
			{"unknown user", client.NewToken{Name: "x", User: "nobody@example.test"}, "user"},
		}
		for _, tt := range invalid {
			t.Run(tt.name, func(t *testing.T) {
				_, err := f.admin.CreateToken(ctx, tt.in)
				wantField(t, err, tt.field)
			})
		}
	})
}
