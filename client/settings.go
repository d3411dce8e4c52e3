package client

import (
	"context"
	"net/http"
	"time"
)

// Category is a service or help topic a ticket is about.
type Category struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// NewCategory is the body of CreateCategory; Active defaults to true.
type NewCategory struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Active      *bool  `json:"active,omitempty"`
}

// CategoryPatch lists the changes of UpdateCategory; nil fields are kept.
type CategoryPatch struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	Active      *bool   `json:"active,omitempty"`
}

// ListCategories returns a page of categories (inactive ones for agents
// only).
func (c *Client) ListCategories(ctx context.Context, o ListOptions) (*Page[Category], error) {
	var p Page[Category]
	if _, err := c.Do(ctx, http.MethodGet, withQuery("/api/v1/categories", o.values()), nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// GetCategory returns category id.
func (c *Client) GetCategory(ctx context.Context, id int64) (*Category, error) {
	return c.category(ctx, http.MethodGet, idPath("/api/v1/categories", id), nil)
}

// CreateCategory adds a category (admins only).
func (c *Client) CreateCategory(ctx context.Context, in NewCategory, opts ...Option) (*Category, error) {
	return c.category(ctx, http.MethodPost, "/api/v1/categories", in, opts...)
}

// UpdateCategory changes category id (admins only).
func (c *Client) UpdateCategory(ctx context.Context, id int64, p CategoryPatch) (*Category, error) {
	return c.category(ctx, http.MethodPatch, idPath("/api/v1/categories", id), p)
}

func (c *Client) category(ctx context.Context, method, path string, body any, opts ...Option) (*Category, error) {
	var cat Category
	if _, err := c.Do(ctx, method, path, body, &cat, opts...); err != nil {
		return nil, err
	}
	return &cat, nil
}

// CustomField defines an extra ticket field. It applies to every ticket,
// or only to one TicketType and/or one Category.
type CustomField struct {
	ID    int64  `json:"id"`
	Key   string `json:"key"`
	Label string `json:"label"`
	// Type is text, number, date, select or checkbox.
	Type       string    `json:"type"`
	Options    []string  `json:"options"`
	Required   bool      `json:"required"`
	TicketType *string   `json:"ticket_type"`
	Category   *string   `json:"category"`
	Position   int       `json:"position"`
	Active     bool      `json:"active"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// NewCustomField is the body of CreateCustomField. Key and Type cannot be
// changed later; Options are for select fields; Active defaults to true.
type NewCustomField struct {
	Key        string   `json:"key"`
	Label      string   `json:"label"`
	Type       string   `json:"type"`
	Options    []string `json:"options,omitempty"`
	Required   bool     `json:"required,omitempty"`
	TicketType string   `json:"ticket_type,omitempty"`
	Category   string   `json:"category,omitempty"`
	Position   int      `json:"position,omitempty"`
	Active     *bool    `json:"active,omitempty"`
}

// CustomFieldPatch lists the changes of UpdateCustomField; nil fields are
// kept. Name "category" or "ticket_type" in Clear to make the field apply
// to every category or type.
type CustomFieldPatch struct {
	Label      *string   `json:"label,omitempty"`
	Options    *[]string `json:"options,omitempty"`
	Required   *bool     `json:"required,omitempty"`
	TicketType *string   `json:"ticket_type,omitempty"`
	Category   *string   `json:"category,omitempty"`
	Position   *int      `json:"position,omitempty"`
	Active     *bool     `json:"active,omitempty"`

	// Clear names fields to send as null.
	Clear []string `json:"-"`
}

// MarshalJSON encodes the set fields and the cleared ones as null.
func (p CustomFieldPatch) MarshalJSON() ([]byte, error) {
	type plain CustomFieldPatch
	return patchJSON(plain(p), p.Clear)
}

// ListCustomFields returns every custom field definition (inactive ones for
// agents only); the list has a single page.
func (c *Client) ListCustomFields(ctx context.Context) (*Page[CustomField], error) {
	var p Page[CustomField]
	if _, err := c.Do(ctx, http.MethodGet, "/api/v1/custom-fields", nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// GetCustomField returns custom field id.
func (c *Client) GetCustomField(ctx context.Context, id int64) (*CustomField, error) {
	return c.customField(ctx, http.MethodGet, idPath("/api/v1/custom-fields", id), nil)
}

// CreateCustomField defines a custom field (admins only).
func (c *Client) CreateCustomField(ctx context.Context, in NewCustomField, opts ...Option) (*CustomField, error) {
	return c.customField(ctx, http.MethodPost, "/api/v1/custom-fields", in, opts...)
}

// UpdateCustomField changes custom field id (admins only).
func (c *Client) UpdateCustomField(ctx context.Context, id int64, p CustomFieldPatch) (*CustomField, error) {
	return c.customField(ctx, http.MethodPatch, idPath("/api/v1/custom-fields", id), p)
}

func (c *Client) customField(ctx context.Context, method, path string, body any, opts ...Option) (*CustomField, error) {
	var f CustomField
	if _, err := c.Do(ctx, method, path, body, &f, opts...); err != nil {
		return nil, err
	}
	return &f, nil
}
