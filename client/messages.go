package client

import (
	"context"
	"net/http"
	"time"
)

// Attachment describes an uploaded file.
type Attachment struct {
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// Message is one entry of a ticket's conversation: a public reply or an
// internal note.
type Message struct {
	ID          string       `json:"id"`
	Ticket      int64        `json:"ticket"`
	Author      Person       `json:"author"`
	Internal    bool         `json:"internal"`
	Body        string       `json:"body"`
	BodyHTML    string       `json:"body_html"`
	Format      string       `json:"format"`
	Attachments []Attachment `json:"attachments"`
	Channel     string       `json:"channel"`
	// MessageID and Threading are set on emailed messages only.
	MessageID *string   `json:"message_id,omitempty"`
	Threading *string   `json:"threading,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// NewMessage is the body of Reply.
type NewMessage struct {
	Body   string `json:"body"`
	Format string `json:"format,omitempty"`
	// Internal makes the message a note only agents see.
	Internal bool `json:"internal,omitempty"`
	// Attachments are ids from UploadAttachment.
	Attachments []string `json:"attachments,omitempty"`
	Channel     string   `json:"channel,omitempty"`
}

// Messages returns a page of ticket number's conversation, oldest first
// (internal notes only for agents).
func (c *Client) Messages(ctx context.Context, number int64, o ListOptions) (*Page[Message], error) {
	var p Page[Message]
	if _, err := c.Do(ctx, http.MethodGet, withQuery(ticketPath(number)+"/messages", o.values()), nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Reply adds a message to ticket number. The returned message's Ticket is
// the ticket it landed on (a requester writing to a closed ticket opens a
// follow-up).
func (c *Client) Reply(ctx context.Context, number int64, in NewMessage, opts ...Option) (*Message, error) {
	var m Message
	if _, err := c.Do(ctx, http.MethodPost, ticketPath(number)+"/messages", in, &m, opts...); err != nil {
		return nil, err
	}
	return &m, nil
}
