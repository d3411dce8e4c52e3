package api_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/docket/docket/client"
)

func TestAuthentication(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		revoked, err := f.admin.CreateToken(ctx, client.NewToken{Name: "to revoke"})
		check(t, err)
		check(t, f.admin.RevokeToken(ctx, revoked.ID))
		readOnly, err := f.agentC.CreateToken(ctx, client.NewToken{Name: "reader", Scopes: []string{client.ScopeRead}})
		check(t, err)
		readWrite, err := f.agentC.CreateToken(ctx, client.NewToken{Name: "writer", Scopes: []string{client.ScopeRead, client.ScopeWrite}})
		check(t, err)

		newTicket := client.NewTicket{Subject: "Auth test", Body: "x", Requester: &client.Contact{Email: uniqueEmail("auth")}}
		tests := []struct {
			name   string
			token  string
			method string
			status int // 0: success
		}{
			{"no token", "", http.MethodGet, http.StatusUnauthorized},
			{"no token on POST", "", http.MethodPost, http.StatusUnauthorized},
			{"unknown token", "dkt_notarealtokenatall", http.MethodGet, http.StatusUnauthorized},
			{"not a docket token", "abc", http.MethodGet, http.StatusUnauthorized},
			{"revoked token", revoked.Token, http.MethodGet, http.StatusUnauthorized},
			{"read scope reads", readOnly.Token, http.MethodGet, 0},
			{"read scope cannot write", readOnly.Token, http.MethodPost, http.StatusForbidden},
			{"read and write scope writes", readWrite.Token, http.MethodPost, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := f.ClientWith(tt.token)
				var err error
				if tt.method == http.MethodGet {
					_, err = c.ListTickets(ctx, client.TicketFilter{})
				} else {
					_, err = c.CreateTicket(ctx, newTicket)
				}
				if tt.status == 0 {
					check(t, err)
					return
				}
				e := wantStatus(t, err, tt.status)
				if ct := e.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type %q, want application/problem+json", ct)
				}
				if tt.status == http.StatusUnauthorized && !strings.HasPrefix(e.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate %q, want a Bearer challenge", e.Header.Get("WWW-Authenticate"))
				}
			})
		}

		t.Run("wrong scheme", func(t *testing.T) {
			r := raw(t, f.URL, "", http.MethodGet, "/api/v1/tickets", "", nil)
			if r.status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", r.status)
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL+"/api/v1/tickets", nil)
			check(t, err)
			req.Header.Set("Authorization", "Basic "+readWrite.Token)
			resp, err := http.DefaultClient.Do(req)
			check(t, err)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("Basic auth: status %d, want 401", resp.StatusCode)
			}
		})

		t.Run("deactivated user's token", func(t *testing.T) {
			u, c := f.user(t, "agent", "")
			_, err := c.ListTickets(ctx, client.TicketFilter{})
			check(t, err)
			_, err = f.admin.UpdateUser(ctx, u.ID, client.UserPatch{Active: client.Ptr(false)})
			check(t, err)
			_, err = c.ListTickets(ctx, client.TicketFilter{})
			wantStatus(t, err, http.StatusUnauthorized)
		})

		// Last: it uses up this server's allowance of failed attempts.
		t.Run("failed attempts are rate limited", func(t *testing.T) {
			bad := f.ClientWith("dkt_guessing")
			limited := 0
			for i := range 40 {
				_, err := bad.ListTickets(ctx, client.TicketFilter{})
				var e *client.Error
				if !errors.As(err, &e) {
					t.Fatalf("attempt %d: %v", i, err)
				}
				switch e.Status {
				case http.StatusUnauthorized:
					if limited > 0 {
						t.Fatalf("attempt %d: 401 after being limited", i)
					}
				case http.StatusTooManyRequests:
					limited++
					if e.Header.Get("Retry-After") == "" {
						t.Errorf("429 without Retry-After")
					}
				default:
					t.Fatalf("attempt %d: %v", i, err)
				}
			}
			if limited == 0 || limited == 40 {
				t.Errorf("%d of 40 failed attempts limited, want some but not all", limited)
			}
			// A valid token is never limited.
			_, err := f.agentC.ListTickets(ctx, client.TicketFilter{})
			check(t, err)
		})
	})
}

func TestUnknownEndpoint(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		tests := []struct {
			method, path string
			status       int
			allow        string
		}{
			{http.MethodGet, "/api/v1/nope", http.StatusNotFound, ""},
			{http.MethodGet, "/api/v2/tickets", http.StatusNotFound, ""},
			{http.MethodGet, "/api/v1/tickets/1/nope", http.StatusNotFound, ""},
			{http.MethodPost, "/api/v1/nope", http.StatusNotFound, ""},
			{http.MethodDelete, "/api/v1/tickets/1", http.StatusMethodNotAllowed, "GET, PATCH"},
			{http.MethodPut, "/api/v1/users/1", http.StatusMethodNotAllowed, "GET, PATCH"},
			{http.MethodPatch, "/api/v1/tickets", http.StatusMethodNotAllowed, "GET, POST"},
		}
		for _, tt := range tests {
			t.Run(tt.method+" "+tt.path, func(t *testing.T) {
				_, err := f.admin.Do(t.Context(), tt.method, tt.path, nil, nil)
				e := wantStatus(t, err, tt.status)
				if ct := e.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type %q, want application/problem+json", ct)
				}
				if e.Title != http.StatusText(tt.status) {
					t.Errorf("title %q", e.Title)
				}
				if e.Header.Get("Allow") != tt.allow {
					t.Errorf("Allow %q, want %q", e.Header.Get("Allow"), tt.allow)
				}
			})
		}
	})
}
