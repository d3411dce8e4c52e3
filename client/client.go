// Package client is a Go client for Docket's REST API v1.
//
//	c := client.New("https://help.example.com", os.Getenv("DOCKET_TOKEN"))
//	t, err := c.CreateTicket(ctx, client.NewTicket{Subject: "VPN down", Body: "…",
//		Requester: &client.Contact{Email: "bob@example.com"}})
//
// Errors from the server are *Error values carrying the problem details.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Client calls one Docket instance with one API token.
type Client struct {
	base  string
	token string
	// HTTP is the underlying client; replace it to set timeouts or transports.
	HTTP *http.Client
}

// New returns a client for the instance at baseURL (without /api/v1).
func New(baseURL, token string) *Client {
	return &Client{base: strings.TrimRight(baseURL, "/"), token: token, HTTP: http.DefaultClient}
}

// FieldError names one invalid field in a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an API error: an RFC 9457 problem.
type Error struct {
	Status int          `json:"status"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Errors []FieldError `json:"errors"`
	// Header holds the response headers (Retry-After, ETag…).
	Header http.Header `json:"-"`
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "docket: %d %s", e.Status, e.Title)
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	for _, f := range e.Errors {
		fmt.Fprintf(&b, "; %s %s", f.Field, f.Message)
	}
	return b.String()
}

// StatusOf returns the HTTP status of an *Error, or 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// FieldErrorFor returns the message for field in an *Error, or "".
func FieldErrorFor(err error, field string) string {
	var e *Error
	if errors.As(err, &e) {
		for _, f := range e.Errors {
			if f.Field == field {
				return f.Message
			}
		}
	}
	return ""
}

// Request options.
type Option func(*http.Request)

// WithIfMatch sends If-Match (optimistic concurrency on PATCH).
func WithIfMatch(etag string) Option { return func(r *http.Request) { r.Header.Set("If-Match", etag) } }

// WithIdempotencyKey sends Idempotency-Key on a POST.
func WithIdempotencyKey(key string) Option {
	return func(r *http.Request) { r.Header.Set("Idempotency-Key", key) }
}

// Response is the raw outcome of a call, for callers who need headers.
type Response struct {
	Status int
	Header http.Header
}

// Do sends a request with a JSON body (nil for none) and decodes a JSON
// answer into out (nil to discard). Non-2xx answers return *Error.
func (c *Client) Do(ctx context.Context, method, path string, body, out any, opts ...Option) (*Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("docket: encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(req, out, opts...)
}

func (c *Client) send(req *http.Request, out any, opts ...Option) (*Response, error) {
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for _, o := range opts {
		o(req)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	r := &Response{Status: resp.StatusCode, Header: resp.Header}
	if resp.StatusCode >= 300 {
		e := &Error{Status: resp.StatusCode, Header: resp.Header}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		_ = json.Unmarshal(b, e)
		if e.Status == 0 {
			e.Status = resp.StatusCode
		}
		return r, e
	}
	if out != nil && resp.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return r, fmt.Errorf("docket: decode %s %s: %w", req.Method, req.URL.Path, err)
		}
	}
	return r, nil
}

// Page is one page of a list.
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// ListOptions page through a list.
type ListOptions struct {
	Limit  int
	Cursor string
}

func (o ListOptions) values() url.Values {
	v := url.Values{}
	if o.Limit > 0 {
		v.Set("limit", fmt.Sprint(o.Limit))
	}
	if o.Cursor != "" {
		v.Set("cursor", o.Cursor)
	}
	return v
}

func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}
