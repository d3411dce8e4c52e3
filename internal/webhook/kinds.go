package webhook

import (
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/mail"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/sla"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// The kinds of domain events webhook changes write; the subject is the
// webhook. EventDisabled is Docket's own: a webhook whose deliveries kept
// failing for the whole retry window.
const (
	EventCreated  = "webhook.created"
	EventUpdated  = "webhook.updated"
	EventDeleted  = "webhook.deleted"
	EventDisabled = "webhook.disabled"
)

// TicketKinds are the domain events about tickets.
var TicketKinds = []string{event.TicketCreated, event.TicketUpdated, event.TicketMerged, event.MessageCreated,
	event.LinkCreated, event.LinkDeleted, event.SLAWarning, event.SLABreached, event.SatisfactionReceived, event.TicketAssigned}

// AdminKinds are the domain events of admin changes: the audit log's
// kinds, which a webhook may stream.
var AdminKinds = []string{user.EventUserCreated, user.EventUserUpdated, user.EventUserDeactivated, user.EventTeamCreated,
	user.EventTeamUpdated, user.EventTeamMemberAdded, user.EventTeamMemberRemoved, user.EventOrganizationCreated,
	user.EventOrganizationUpdated, ticket.EventCategoryCreated, ticket.EventCategoryUpdated, ticket.EventCustomFieldCreated,
	ticket.EventCustomFieldUpdated, mailbox.EventCreated, mailbox.EventUpdated, mailbox.EventDeleted,
	outbox.EventTemplateUpdated, outbox.EventTemplateReset, auth.EventTokenCreated, auth.EventTokenRevoked,
	auth.EventSignInSlowed, mail.EventInboundHeld, mail.EventInboundFiled, mail.EventInboundAttached,
	mail.EventInboundReleased, mail.EventInboundDiscarded, EventCreated, EventUpdated, EventDeleted, EventDisabled,
	sla.EventPolicyCreated, sla.EventPolicyUpdated, sla.EventPolicyDeleted}

// Kinds are every event kind a webhook may subscribe to, besides "*".
var Kinds = append(append([]string{}, TicketKinds...), AdminKinds...)

// All subscribes a webhook to every kind, including kinds added later.
const All = "*"
