package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Person names a user on a ticket or message.
type Person struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

// Contact names the requester of a new ticket; an unknown email becomes a
// new requester.
type Contact struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

// SLA is a ticket's service-level state.
type SLA struct {
	Policy             *string    `json:"policy"`
	FirstResponseDueAt *time.Time `json:"first_response_due_at"`
	ResolutionDueAt    *time.Time `json:"resolution_due_at"`
	Breached           bool       `json:"breached"`
	// Targets are each measured target's clock.
	Targets []SLATarget `json:"targets"`
}

// SLATarget is one clock of a ticket: State is running, paused, met or
// breached; minutes are business minutes (RemainingMinutes or
// OverdueMinutes is set).
type SLATarget struct {
	Target           string     `json:"target"`
	Policy           string     `json:"policy"`
	GoalMinutes      int        `json:"goal_minutes"`
	State            string     `json:"state"`
	StartedAt        time.Time  `json:"started_at"`
	DueAt            *time.Time `json:"due_at"`
	RemainingMinutes *int       `json:"remaining_minutes"`
	OverdueMinutes   *int       `json:"overdue_minutes"`
	PausedMinutes    int        `json:"paused_minutes"`
	MetAt            *time.Time `json:"met_at"`
	BreachedAt       *time.Time `json:"breached_at"`
}

// Ticket is a ticket as the API shows it.
type Ticket struct {
	Number          int64          `json:"number"`
	Reference       string         `json:"reference"`
	ID              string         `json:"id"`
	Subject         string         `json:"subject"`
	Type            string         `json:"type"`
	Status          string         `json:"status"`
	Resolution      *string        `json:"resolution"`
	Solution        *string        `json:"solution"`
	Priority        string         `json:"priority"`
	Impact          *string        `json:"impact"`
	Urgency         *string        `json:"urgency"`
	Category        *string        `json:"category"`
	Tags            []string       `json:"tags"`
	Requester       Person         `json:"requester"`
	Organization    *string        `json:"organization"`
	Assignee        *Person        `json:"assignee"`
	Team            *string        `json:"team"`
	Channel         string         `json:"channel"`
	CustomFields    map[string]any `json:"custom_fields"`
	Followers       []Person       `json:"followers,omitempty"`
	MergedInto      *int64         `json:"merged_into"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
	FirstResponseAt *time.Time     `json:"first_response_at"`
	ResolvedAt      *time.Time     `json:"resolved_at"`
	ClosedAt        *time.Time     `json:"closed_at"`
	DueAt           *time.Time     `json:"due_at"`
	SLA             SLA            `json:"sla"`
	Satisfaction    any            `json:"satisfaction"`

	// ETag is the entity tag from the response that carried the ticket
	// (create, get, update, merge); pass it to WithIfMatch. It is not part
	// of the JSON.
	ETag string `json:"-"`
}

// NewTicket is the body of CreateTicket. Priority, or Impact and Urgency
// (from which the server derives the priority), are optional.
type NewTicket struct {
	Subject      string         `json:"subject"`
	Body         string         `json:"body"`
	Format       string         `json:"format,omitempty"`
	Requester    *Contact       `json:"requester,omitempty"`
	Type         string         `json:"type,omitempty"`
	Priority     string         `json:"priority,omitempty"`
	Impact       string         `json:"impact,omitempty"`
	Urgency      string         `json:"urgency,omitempty"`
	Category     string         `json:"category,omitempty"`
	Tags         []string       `json:"tags,omitempty"`
	Team         string         `json:"team,omitempty"`
	Assignee     string         `json:"assignee,omitempty"`
	CustomFields map[string]any `json:"custom_fields,omitempty"`
	Channel      string         `json:"channel,omitempty"`
	Followers    []string       `json:"followers,omitempty"`
	Attachments  []string       `json:"attachments,omitempty"`
	// Author is who wrote Body when an agent opens a ticket for a
	// requester: empty for the requester (the default), "me" or the
	// caller's own email for the caller.
	Author string `json:"author,omitempty"`
}

// CreateTicket opens a ticket. The returned ticket carries its ETag.
func (c *Client) CreateTicket(ctx context.Context, in NewTicket, opts ...Option) (*Ticket, error) {
	var t Ticket
	r, err := c.Do(ctx, http.MethodPost, "/api/v1/tickets", in, &t, opts...)
	if err != nil {
		return nil, err
	}
	t.ETag = r.Header.Get("ETag")
	return &t, nil
}

// GetTicket returns ticket number and its ETag.
func (c *Client) GetTicket(ctx context.Context, number int64, opts ...Option) (*Ticket, string, error) {
	var t Ticket
	r, err := c.Do(ctx, http.MethodGet, ticketPath(number), nil, &t, opts...)
	if err != nil {
		return nil, "", err
	}
	t.ETag = r.Header.Get("ETag")
	return &t, t.ETag, nil
}

// TicketFilter selects and orders tickets for ListTickets. Every list
// field matches any of its values; person filters take an email, "me" or
// "none"; team and category take a name or "none". Zero values are not
// sent.
type TicketFilter struct {
	Status       []string
	Type         []string
	Priority     []string
	Assignee     []string
	Team         []string
	Requester    []string
	Tag          []string
	Category     []string
	Organization []string
	// Q is a query in the search language, e.g. `status:open vpn "time out"`.
	Q string
	// Sort is updated_at, created_at, priority, due_at or number, with a
	// leading "-" for descending (the server's default is -updated_at), or
	// relevance when Q has words.
	Sort          string
	CreatedAfter  time.Time
	CreatedBefore time.Time
	UpdatedAfter  time.Time
	UpdatedBefore time.Time
	Limit         int
	Cursor        string
}

func (f TicketFilter) values() url.Values {
	v := ListOptions{Limit: f.Limit, Cursor: f.Cursor}.values()
	for key, vals := range map[string][]string{"status": f.Status, "type": f.Type, "priority": f.Priority,
		"assignee": f.Assignee, "team": f.Team, "requester": f.Requester, "tag": f.Tag, "category": f.Category,
		"organization": f.Organization} {
		for _, s := range vals {
			v.Add(key, s)
		}
	}
	if f.Q != "" {
		v.Set("q", f.Q)
	}
	if f.Sort != "" {
		v.Set("sort", f.Sort)
	}
	for key, t := range map[string]time.Time{"created_after": f.CreatedAfter, "created_before": f.CreatedBefore,
		"updated_after": f.UpdatedAfter, "updated_before": f.UpdatedBefore} {
		if !t.IsZero() {
			v.Set(key, t.UTC().Format(time.RFC3339Nano))
		}
	}
	return v
}

// ListTickets returns one page of the tickets the caller may see that
// match f. Pass the page's NextCursor as f.Cursor for the next one.
func (c *Client) ListTickets(ctx context.Context, f TicketFilter) (*Page[Ticket], error) {
	var p Page[Ticket]
	if _, err := c.Do(ctx, http.MethodGet, withQuery("/api/v1/tickets", f.values()), nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// TicketPatch lists the changes of UpdateTicket; nil fields are left as
// they are. To clear a field (assignee, team, category, impact, urgency),
// name it in Clear: it is sent as JSON null.
type TicketPatch struct {
	Status     *string   `json:"status,omitempty"`
	Resolution *string   `json:"resolution,omitempty"`
	Solution   *string   `json:"solution,omitempty"`
	Priority   *string   `json:"priority,omitempty"`
	Impact     *string   `json:"impact,omitempty"`
	Urgency    *string   `json:"urgency,omitempty"`
	Type       *string   `json:"type,omitempty"`
	Category   *string   `json:"category,omitempty"`
	Tags       *[]string `json:"tags,omitempty"`
	Team       *string   `json:"team,omitempty"`
	// Assignee is an agent's email, or "me".
	Assignee *string `json:"assignee,omitempty"`
	// CustomFields merges into the ticket's values; a nil value removes a key.
	CustomFields map[string]any `json:"custom_fields,omitempty"`
	Subject      *string        `json:"subject,omitempty"`
	Followers    *[]string      `json:"followers,omitempty"`

	// Clear names top-level fields to send as null, e.g. "assignee". It
	// overrides a value set for the same field.
	Clear []string `json:"-"`
}

// MarshalJSON encodes the set fields and the cleared ones as null.
func (p TicketPatch) MarshalJSON() ([]byte, error) {
	type plain TicketPatch
	return patchJSON(plain(p), p.Clear)
}

// UpdateTicket changes ticket number. With WithIfMatch(etag) the server
// answers 412 if the ticket changed since that ETag. The returned ticket
// carries its new ETag.
func (c *Client) UpdateTicket(ctx context.Context, number int64, p TicketPatch, opts ...Option) (*Ticket, error) {
	var t Ticket
	r, err := c.Do(ctx, http.MethodPatch, ticketPath(number), p, &t, opts...)
	if err != nil {
		return nil, err
	}
	t.ETag = r.Header.Get("ETag")
	return &t, nil
}

// Merge folds ticket number into ticket into and returns the merged
// ticket, which then has MergedInto set and status closed.
func (c *Client) Merge(ctx context.Context, number, into int64, opts ...Option) (*Ticket, error) {
	var t Ticket
	body := struct {
		Into int64 `json:"into"`
	}{into}
	r, err := c.Do(ctx, http.MethodPost, ticketPath(number)+"/merge", body, &t, opts...)
	if err != nil {
		return nil, err
	}
	t.ETag = r.Header.Get("ETag")
	return &t, nil
}

// The link types AddLink accepts. Links read back may also be the inverse
// views "duplicated_by" and "causes".
const (
	LinkRelated     = "related"
	LinkParent      = "parent"
	LinkChild       = "child"
	LinkDuplicateOf = "duplicate_of"
	LinkCausedBy    = "caused_by"
)

// Link is a relation to another ticket, seen from the ticket that lists it:
// {Type: "parent", Ticket: 7} means this ticket is the parent of #7.
type Link struct {
	Type    string `json:"type"`
	Ticket  int64  `json:"ticket"`
	Subject string `json:"subject"`
	Status  string `json:"status"`
}

// Links lists ticket number's links to tickets the caller may see.
func (c *Client) Links(ctx context.Context, number int64) ([]Link, error) {
	var p Page[Link]
	if _, err := c.Do(ctx, http.MethodGet, ticketPath(number)+"/links", nil, &p); err != nil {
		return nil, err
	}
	return p.Items, nil
}

// AddLink links ticket number to ticket other with a link type (one of the
// Link* constants) and returns number's links afterwards.
func (c *Client) AddLink(ctx context.Context, number int64, linkType string, other int64, opts ...Option) ([]Link, error) {
	body := struct {
		Type   string `json:"type"`
		Ticket int64  `json:"ticket"`
	}{linkType, other}
	var p Page[Link]
	if _, err := c.Do(ctx, http.MethodPost, ticketPath(number)+"/links", body, &p, opts...); err != nil {
		return nil, err
	}
	return p.Items, nil
}

// RemoveLink removes the link between ticket number and ticket other.
func (c *Client) RemoveLink(ctx context.Context, number, other int64, opts ...Option) error {
	_, err := c.Do(ctx, http.MethodDelete, ticketPath(number)+"/links/"+strconv.FormatInt(other, 10), nil, nil, opts...)
	return err
}

// Event is one entry of a ticket's history: who changed which field from
// what to what. Actor is nil for changes made by the system.
type Event struct {
	ID    int64     `json:"id"`
	At    time.Time `json:"at"`
	Actor *Person   `json:"actor"`
	Field string    `json:"field"`
	Old   *string   `json:"old"`
	New   *string   `json:"new"`
}

// Events returns a page of ticket number's history, oldest first.
func (c *Client) Events(ctx context.Context, number int64, o ListOptions) (*Page[Event], error) {
	var p Page[Event]
	if _, err := c.Do(ctx, http.MethodGet, withQuery(ticketPath(number)+"/events", o.values()), nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

var _ json.Marshaler = TicketPatch{}
