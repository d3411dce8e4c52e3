package client

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// AuditEntry is one change in the audit log.
type AuditEntry struct {
	ID      int64        `json:"id"`
	At      time.Time    `json:"at"`
	Kind    string       `json:"kind"` // "user.created", "team.member_added", "mailbox.updated"…
	Actor   AuditActor   `json:"actor"`
	Subject AuditSubject `json:"subject"`
	// Ticket is the number of the ticket an event is about, else nil.
	Ticket *int64 `json:"ticket"`
	// Payload says what changed; updates carry "changes": {field: {old, new}}.
	// Secrets never appear in it.
	Payload json.RawMessage `json:"payload"`
}

// AuditActor is who made a change: a person (Type "user", with Email), or
// Docket itself ("system"), the mail importer ("mail"), a rule or the SLA.
type AuditActor struct {
	Type  string `json:"type"`
	ID    int64  `json:"id,omitempty"`
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

// AuditSubject is what changed: {"mailbox", 3}. Templates have no ID.
type AuditSubject struct {
	Type string `json:"type"`
	ID   int64  `json:"id,omitempty"`
}

// AuditFilter narrows ListAudit; every field is optional.
type AuditFilter struct {
	// Actor is a person's email or user id, or an actor type (user,
	// system, mail, rule, sla), optionally with an id ("rule:4").
	Actor string
	// Kind is an event kind, or a prefix such as "team." (or "team").
	Kind string
	// Subject is a type ("mailbox") or a type and id ("mailbox:3").
	Subject string
	// Since <= at < Until.
	Since, Until time.Time
	// IncludeTickets adds ticket events to the admin changes.
	IncludeTickets bool
	ListOptions
}

// ListAudit returns a page of the audit log, newest first (admins only).
func (c *Client) ListAudit(ctx context.Context, f AuditFilter) (*Page[AuditEntry], error) {
	v := f.ListOptions.values()
	for k, s := range map[string]string{"actor": f.Actor, "kind": f.Kind, "subject": f.Subject} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if !f.Since.IsZero() {
		v.Set("since", f.Since.UTC().Format(time.RFC3339Nano))
	}
	if !f.Until.IsZero() {
		v.Set("until", f.Until.UTC().Format(time.RFC3339Nano))
	}
	if f.IncludeTickets {
		v.Set("include", "tickets")
	}
	var p Page[AuditEntry]
	if _, err := c.Do(ctx, http.MethodGet, withQuery("/api/v1/audit", v), nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}
