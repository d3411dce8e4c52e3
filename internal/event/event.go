// Package event is Docket's in-process bus for domain events. Services
// publish after their transaction commits; the live UI, SLA, automation,
// notifications and webhooks subscribe.
package event

import (
	"sync"
	"sync/atomic"
	"time"
)

// The event types published today.
const (
	TicketCreated  = "ticket.created"
	TicketUpdated  = "ticket.updated"
	TicketMerged   = "ticket.merged"
	MessageCreated = "message.created"
	LinkCreated    = "link.created"
	LinkDeleted    = "link.deleted"
	// TicketAssigned follows every write that gives a ticket an assignee,
	// by a person, a rule or automatic assignment (package assign); its
	// payload names the assignee and, when automatic, the reason.
	TicketAssigned = "ticket.assigned"
)

// Event is one thing that happened to a ticket, or to a person's access:
// then Number is 0 and UserID names the person.
type Event struct {
	Type     string    `json:"type"`
	At       time.Time `json:"at"`
	TicketID int64     `json:"-"`
	Number   int64     `json:"ticket"`
	ActorID  int64     `json:"-"`
	// TeamID lets subscribers apply visibility without a lookup.
	TeamID int64 `json:"-"`
	// Fields lists the ticket fields that changed, for ticket.updated.
	Fields    []string `json:"fields,omitempty"`
	MessageID int64    `json:"-"`
	Internal  bool     `json:"internal,omitempty"`
	// UserID is the person whose user record or team membership changed,
	// for events that are not about a ticket.
	UserID int64 `json:"-"`
}

// Bus fans events out to subscribers. A slow subscriber never blocks a
// publisher: when its buffer is full the event is dropped for it and
// counted, so subscribers that must not miss anything read from the
// database (the outbox) instead.
type Bus struct {
	mu      sync.RWMutex
	subs    map[*Subscription]struct{}
	dropped atomic.Int64
}

// NewBus returns an empty bus.
func NewBus() *Bus { return &Bus{subs: map[*Subscription]struct{}{}} }

// Subscription receives events on C until Close.
type Subscription struct {
	C   chan Event
	bus *Bus
}

// Subscribe registers a subscriber with a buffer of n events.
func (b *Bus) Subscribe(n int) *Subscription {
	s := &Subscription{C: make(chan Event, n), bus: b}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Close unregisters the subscription.
func (s *Subscription) Close() {
	s.bus.mu.Lock()
	delete(s.bus.subs, s)
	s.bus.mu.Unlock()
}

// Publish delivers e to every subscriber without blocking.
func (b *Bus) Publish(e Event) {
	if b == nil {
		return
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.subs {
		select {
		case s.C <- e:
		default:
			b.dropped.Add(1)
		}
	}
}

// Dropped counts events not delivered to a full subscriber.
func (b *Bus) Dropped() int64 { return b.dropped.Load() }

// The SLA timers' events: a clock reached its warning share, or its due
// time (see package sla).
const (
	SLAWarning  = "sla.warning"
	SLABreached = "sla.breached"
)

// SatisfactionReceived is the event a requester's satisfaction rating of a
// ticket (or its change) writes (see package satisfaction).
const SatisfactionReceived = "satisfaction.received"
