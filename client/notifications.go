package client

import (
	"context"
	"net/http"
	"time"
)

// Notification is something the calling agent was told: Kind is mention,
// assigned, team, reply, sla_warning_<target> or sla_breach_<target>.
type Notification struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
	Read      bool      `json:"read"`
	Text      string    `json:"text"`
	Ticket    struct {
		Number    int64  `json:"number"`
		Reference string `json:"reference"`
		Subject   string `json:"subject"`
	} `json:"ticket"`
	Message *string `json:"message"`
	Actor   *string `json:"actor"`
}

// NotificationPage is a page of notifications with the caller's unread
// count.
type NotificationPage struct {
	Page[Notification]
	Unread int `json:"unread"`
}

// NotificationFilter narrows ListNotifications.
type NotificationFilter struct {
	UnreadOnly bool
	ListOptions
}

// ListNotifications returns a page of the caller's notifications, newest
// first (agents only).
func (c *Client) ListNotifications(ctx context.Context, f NotificationFilter) (*NotificationPage, error) {
	v := f.ListOptions.values()
	if f.UnreadOnly {
		v.Set("unread", "true")
	}
	var p NotificationPage
	if _, err := c.Do(ctx, http.MethodGet, withQuery("/api/v1/notifications", v), nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// ReadNotification marks one of the caller's notifications read.
func (c *Client) ReadNotification(ctx context.Context, id int64) (*Notification, error) {
	var n Notification
	if _, err := c.Do(ctx, http.MethodPost, idPath("/api/v1/notifications", id)+"/read", nil, &n); err != nil {
		return nil, err
	}
	return &n, nil
}

// ReadAllNotifications marks all the caller's notifications read.
func (c *Client) ReadAllNotifications(ctx context.Context) error {
	_, err := c.Do(ctx, http.MethodPost, "/api/v1/notifications/read-all", nil, nil)
	return err
}

// NotificationPreference is the caller's choice for one kind: shown in
// the app or not, and Email immediately, digest or never.
type NotificationPreference struct {
	Kind  string  `json:"kind"`
	InApp *bool   `json:"in_app,omitempty"`
	Email *string `json:"email,omitempty"`
}

type notificationPreferences struct {
	Preferences []NotificationPreference `json:"preferences"`
}

// NotificationPreferences returns the caller's choice for every kind.
func (c *Client) NotificationPreferences(ctx context.Context) ([]NotificationPreference, error) {
	var out notificationPreferences
	if _, err := c.Do(ctx, http.MethodGet, "/api/v1/notifications/preferences", nil, &out); err != nil {
		return nil, err
	}
	return out.Preferences, nil
}

// SetNotificationPreferences changes the kinds given (an absent field
// keeps its value), all or nothing, and returns every kind's choice.
func (c *Client) SetNotificationPreferences(ctx context.Context, ps []NotificationPreference) ([]NotificationPreference, error) {
	var out notificationPreferences
	if _, err := c.Do(ctx, http.MethodPut, "/api/v1/notifications/preferences", notificationPreferences{ps}, &out); err != nil {
		return nil, err
	}
	return out.Preferences, nil
}
