package client

import (
	"context"
	"net/http"
	"time"
)

// The token scopes. A token without scopes has all of its user's rights.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
)

// Token is an API token's record.
type Token struct {
	ID int64 `json:"id"`
	// Name is the owner's label for the token.
	Name string `json:"name"`
	// User is the owner's email.
	User string `json:"user"`
	// Prefix is the start of the secret, to recognize the token by.
	Prefix     string     `json:"prefix"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	// Token is the secret. Only CreateToken's answer carries it, once.
	Token string `json:"token,omitempty"`
}

// NewToken is the body of CreateToken. User (an email) lets an admin issue
// a token for someone else; empty means the caller's own.
type NewToken struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes,omitempty"`
	User   string   `json:"user,omitempty"`
}

// TokenFilter narrows ListTokens.
type TokenFilter struct {
	// All lists everyone's tokens (admins only; others get their own).
	All bool
	ListOptions
}

// ListTokens returns a page of the caller's tokens, without secrets.
func (c *Client) ListTokens(ctx context.Context, f TokenFilter) (*Page[Token], error) {
	v := f.ListOptions.values()
	if f.All {
		v.Set("all", "true")
	}
	var p Page[Token]
	if _, err := c.Do(ctx, http.MethodGet, withQuery("/api/v1/tokens", v), nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// CreateToken issues a token; the answer's Token field holds the secret,
// which cannot be shown again.
func (c *Client) CreateToken(ctx context.Context, in NewToken, opts ...Option) (*Token, error) {
	var t Token
	if _, err := c.Do(ctx, http.MethodPost, "/api/v1/tokens", in, &t, opts...); err != nil {
		return nil, err
	}
	return &t, nil
}

// RevokeToken ends token id at once.
func (c *Client) RevokeToken(ctx context.Context, id int64) error {
	_, err := c.Do(ctx, http.MethodDelete, idPath("/api/v1/tokens", id), nil, nil)
	return err
}
