package client

import (
	"context"
	"net/http"
	"time"
)

// The kinds of a Draft.
const (
	DraftReply = "reply" // a public reply
	DraftNote  = "note"  // an internal note
)

// Draft is the caller's own unsent reply or note on a ticket. Drafts are
// private: nobody else, admins included, reads them.
type Draft struct {
	Ticket    int64     `json:"ticket"`
	Kind      string    `json:"kind"`
	Body      string    `json:"body"`
	UpdatedAt time.Time `json:"updated_at"`
}

// GetDraft returns the caller's draft of ticket number; an *Error with
// status 404 when there is none.
func (c *Client) GetDraft(ctx context.Context, number int64) (*Draft, error) {
	var d Draft
	if _, err := c.Do(ctx, http.MethodGet, ticketPath(number)+"/draft", nil, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// PutDraft stores the caller's draft of ticket number (kind DraftReply or
// DraftNote), replacing the one before.
func (c *Client) PutDraft(ctx context.Context, number int64, kind, body string) (*Draft, error) {
	in := struct {
		Kind string `json:"kind"`
		Body string `json:"body"`
	}{kind, body}
	var d Draft
	if _, err := c.Do(ctx, http.MethodPut, ticketPath(number)+"/draft", in, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// DeleteDraft discards the caller's draft of ticket number, if any.
func (c *Client) DeleteDraft(ctx context.Context, number int64) error {
	_, err := c.Do(ctx, http.MethodDelete, ticketPath(number)+"/draft", nil, nil)
	return err
}
