package client

import (
	"context"
	"net/http"
	"time"
)

// SLAPolicy is an SLA policy: the first enabled one, by position, whose
// conditions all hold applies to a ticket.
type SLAPolicy struct {
	ID          int64          `json:"id"`
	Name        string         `json:"name"`
	Position    int            `json:"position"`
	Enabled     bool           `json:"enabled"`
	CalendarID  int64          `json:"calendar_id"`
	Calendar    string         `json:"calendar"`
	Conditions  []SLACondition `json:"conditions"`
	Targets     []SLAGoals     `json:"targets"`
	WarnPercent int            `json:"warn_percent"`
	Escalation  SLAEscalation  `json:"escalation"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// SLACondition tests a ticket field: Field type, priority, category, team,
// organization, channel or custom_fields.<key>; Op is or is_not.
type SLACondition struct {
	Field string `json:"field"`
	Op    string `json:"op"`
	Value any    `json:"value"`
}

// SLAGoals are one priority's goals in business minutes; nil is not
// measured.
type SLAGoals struct {
	Priority      string `json:"priority"`
	FirstResponse *int   `json:"first_response"`
	NextResponse  *int   `json:"next_response"`
	Resolution    *int   `json:"resolution"`
}

// SLAEscalation is what a breach does: notify the assignee and team
// leads, raise the priority, reassign to Team.
type SLAEscalation struct {
	Notify        bool    `json:"notify"`
	RaisePriority bool    `json:"raise_priority"`
	Team          *string `json:"team"`
}

// SLAPolicyInput creates or changes a policy; nil fields are left alone.
type SLAPolicyInput struct {
	Name        *string         `json:"name,omitempty"`
	Position    *int            `json:"position,omitempty"`
	Enabled     *bool           `json:"enabled,omitempty"`
	CalendarID  *int64          `json:"calendar_id,omitempty"`
	Conditions  *[]SLACondition `json:"conditions,omitempty"`
	Targets     *[]SLAGoals     `json:"targets,omitempty"`
	WarnPercent *int            `json:"warn_percent,omitempty"`
	Escalation  *SLAEscalation  `json:"escalation,omitempty"`
}

// ListSLAPolicies returns a page of policies in order (agents only).
func (c *Client) ListSLAPolicies(ctx context.Context, o ListOptions) (*Page[SLAPolicy], error) {
	var p Page[SLAPolicy]
	if _, err := c.Do(ctx, http.MethodGet, withQuery("/api/v1/sla-policies", o.values()), nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// GetSLAPolicy returns policy id.
func (c *Client) GetSLAPolicy(ctx context.Context, id int64) (*SLAPolicy, error) {
	return c.slaPolicy(ctx, http.MethodGet, idPath("/api/v1/sla-policies", id), nil)
}

// CreateSLAPolicy adds a policy (admins only).
func (c *Client) CreateSLAPolicy(ctx context.Context, in SLAPolicyInput, opts ...Option) (*SLAPolicy, error) {
	return c.slaPolicy(ctx, http.MethodPost, "/api/v1/sla-policies", in, opts...)
}

// UpdateSLAPolicy changes the fields set in in (admins only); Position
// moves the policy in the order.
func (c *Client) UpdateSLAPolicy(ctx context.Context, id int64, in SLAPolicyInput) (*SLAPolicy, error) {
	return c.slaPolicy(ctx, http.MethodPatch, idPath("/api/v1/sla-policies", id), in)
}

// DeleteSLAPolicy removes policy id (admins only); a policy tickets use is
// refused with 409.
func (c *Client) DeleteSLAPolicy(ctx context.Context, id int64) error {
	_, err := c.Do(ctx, http.MethodDelete, idPath("/api/v1/sla-policies", id), nil, nil)
	return err
}

func (c *Client) slaPolicy(ctx context.Context, method, path string, body any, opts ...Option) (*SLAPolicy, error) {
	var p SLAPolicy
	if _, err := c.Do(ctx, method, path, body, &p, opts...); err != nil {
		return nil, err
	}
	return &p, nil
}
