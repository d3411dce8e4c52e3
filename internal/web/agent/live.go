package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/notify"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/web"
)

// Presence: who is looking at or replying to which ticket right now. It is
// soft state kept in memory, refreshed by heartbeats from open pages.
const presenceTTL = 40 * time.Second

type presenceEntry struct {
	Name     string
	Replying bool
	until    time.Time
}

type presence struct {
	mu      sync.Mutex
	tickets map[int64]map[int64]presenceEntry // ticket number → user id → entry
	subs    map[chan int64]struct{}           // notified with a ticket number on change
}

func newPresence() *presence {
	return &presence{tickets: map[int64]map[int64]presenceEntry{}, subs: map[chan int64]struct{}{}}
}

// set records a heartbeat and reports whether the visible state changed.
func (p *presence) set(number, userID int64, name string, replying, leaving bool) {
	p.mu.Lock()
	m := p.tickets[number]
	if m == nil {
		m = map[int64]presenceEntry{}
		p.tickets[number] = m
	}
	old, had := m[userID]
	if leaving {
		delete(m, userID)
	} else {
		m[userID] = presenceEntry{Name: name, Replying: replying, until: time.Now().Add(presenceTTL)}
	}
	changed := leaving == had || had && old.Replying != replying
	p.mu.Unlock()
	if changed {
		p.notify(number)
	}
}

func (p *presence) notify(number int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.subs {
		select {
		case c <- number:
		default:
		}
	}
}

// others lists who else is on a ticket, dropping expired entries.
func (p *presence) others(number, me int64) []presenceEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	var out []presenceEntry
	for id, e := range p.tickets[number] {
		if now.After(e.until) {
			delete(p.tickets[number], id)
			continue
		}
		if id != me {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (p *presence) subscribe() chan int64 {
	c := make(chan int64, 16)
	p.mu.Lock()
	p.subs[c] = struct{}{}
	p.mu.Unlock()
	return c
}

func (p *presence) unsubscribe(c chan int64) {
	p.mu.Lock()
	delete(p.subs, c)
	p.mu.Unlock()
}

// heartbeat is POSTed by an open ticket page every few seconds.
func (a *Agent) heartbeat(w http.ResponseWriter, r *http.Request, rq *request) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	if _, err := a.Tickets.Get(r.Context(), rq.actor, n); err != nil {
		return err
	}
	name := rq.actor.Name
	if name == "" {
		name = rq.actor.Email
	}
	state := r.PostFormValue("state")
	beat := presenceBeat{Ticket: n, User: rq.actor.ID, Name: name, Replying: state == "replying", Leaving: state == "leaving"}
	if a.Pump == nil {
		a.presence.set(beat.Ticket, beat.User, beat.Name, beat.Replying, beat.Leaving)
	} else {
		// Every instance keeps presence for the pages it serves: the beat
		// goes to all of them (PostgreSQL NOTIFY; directly on SQLite).
		b, _ := json.Marshal(beat)
		if err := a.Pump.Broadcast(r.Context(), presenceChannel, b); err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

const presenceChannel = "presence"

// presenceBeat is one heartbeat as it travels between instances.
type presenceBeat struct {
	Ticket   int64  `json:"t"`
	User     int64  `json:"u"`
	Name     string `json:"n"`
	Replying bool   `json:"r,omitempty"`
	Leaving  bool   `json:"l,omitempty"`
}

// broadcast receives what any instance broadcast: presence heartbeats,
// and the users whose sessions ended.
func (a *Agent) broadcast(channel string, payload []byte) {
	switch channel {
	case presenceChannel:
		a.presenceBroadcast(payload)
	case sessionsChannel:
		var m sessionsEndedMsg
		if json.Unmarshal(payload, &m) == nil && m.User != 0 {
			a.access.notify(m.User)
		}
	case notify.Channel:
		var users []int64
		if json.Unmarshal(payload, &users) == nil {
			for _, u := range users {
				a.bells.notify(u)
			}
		}
	}
}

func (a *Agent) presenceBroadcast(payload []byte) {
	var b presenceBeat
	if json.Unmarshal(payload, &b) != nil || b.Ticket == 0 || b.User == 0 {
		return
	}
	a.presence.set(b.Ticket, b.User, b.Name, b.Replying, b.Leaving)
}

const sessionsChannel = "sessions"

// sessionsEndedMsg tells every instance that sessions of a user ended.
type sessionsEndedMsg struct {
	User int64 `json:"u"`
}

// sessionsEnded is told by the auth service that sessions of a user ended
// (sign-out, password change, deactivation): the live streams of that
// user, on every instance, re-check their sessions at once.
func (a *Agent) sessionsEnded(ctx context.Context, userID int64) {
	// This instance's streams at once, whether or not its own broadcasts
	// come back to it (a re-check too many costs one query).
	a.access.notify(userID)
	if a.Pump == nil {
		return
	}
	b, _ := json.Marshal(sessionsEndedMsg{User: userID})
	if err := a.Pump.Broadcast(context.WithoutCancel(ctx), sessionsChannel, b); err != nil {
		// Other instances' streams notice within a ping.
		a.Log.WarnContext(ctx, "broadcast ended sessions", "user_id", userID, "err", err)
	}
}

// accessWatch wakes the live streams of a user to re-check their session
// and rights. A wake-up is never lost: each stream has a pending flag (a
// channel of one), and one re-check covers any number of wake-ups.
type accessWatch struct {
	mu   sync.Mutex
	subs map[int64]map[chan struct{}]struct{} // user id → streams
}

func newAccessWatch() *accessWatch {
	return &accessWatch{subs: map[int64]map[chan struct{}]struct{}{}}
}

func (w *accessWatch) subscribe(userID int64) chan struct{} {
	c := make(chan struct{}, 1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.subs[userID] == nil {
		w.subs[userID] = map[chan struct{}]struct{}{}
	}
	w.subs[userID][c] = struct{}{}
	return c
}

func (w *accessWatch) unsubscribe(userID int64, c chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.subs[userID], c)
	if len(w.subs[userID]) == 0 {
		delete(w.subs, userID)
	}
}

func (w *accessWatch) notify(userID int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for c := range w.subs[userID] {
		select {
		case c <- struct{}{}:
		default: // a re-check is pending already
		}
	}
}

// stillEntitled re-checks the session a live stream was opened with. It
// reports false when the session ended (signed out, expired, its person
// deactivated) or its person lost a right the stream was opened with (a
// team, their role): the stream then closes, and the browser's reconnection
// is refused or opens a stream with the rights as they are now. Rights
// gained are taken on in place.
func (a *Agent) stillEntitled(ctx context.Context, rq *request) bool {
	now, err := a.Auth.CheckSession(ctx, rq.session.ID)
	if err != nil {
		if !errors.Is(err, fault.ErrUnauthorized) && ctx.Err() == nil {
			a.Log.WarnContext(ctx, "re-check live stream session", "user_id", rq.actor.ID, "err", err)
		}
		return false
	}
	if now.Role != rq.actor.Role {
		return false
	}
	for _, t := range rq.actor.TeamIDs {
		if !now.InTeam(t) {
			return false
		}
	}
	rq.actor = now
	return true
}

// liveEvent is what the page script receives.
type liveEvent struct {
	Type    string           `json:"type"`
	Ticket  int64            `json:"ticket"`
	Fields  []string         `json:"fields,omitempty"`
	ByMe    bool             `json:"by_me"`
	Viewers []presenceViewer `json:"viewers,omitempty"`
	// Unread is the agent's unread notifications, in "notifications".
	Unread *int `json:"unread,omitempty"`
}

type presenceViewer struct {
	Name     string `json:"name"`
	Replying bool   `json:"replying"`
}

// events streams domain events the agent may see as server-sent events; with
// ?ticket=N it also streams who else is on that ticket.
func (a *Agent) events(w http.ResponseWriter, r *http.Request, rq *request) error {
	rc := http.NewResponseController(w)
	// The bus is listened to before the ticket is read: a change committed
	// between the page and this stream is either newer than the version
	// the page shows (announced below) or on the bus.
	sub := a.Bus.Subscribe(256)
	defer sub.Close()
	var watch int64
	stale := false
	if s := r.URL.Query().Get("ticket"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fault.Field("ticket", "must be a ticket number")
		}
		t, err := a.Tickets.Get(r.Context(), rq.actor, n)
		if err != nil {
			return err
		}
		watch = n
		if v, err := strconv.ParseInt(r.URL.Query().Get("version"), 10, 64); err == nil && t.Version > v {
			stale = true
		}
	}
	// A queue's page says when its list was read: a ticket it may see
	// changed since (a second's margin for the instances' clocks) is
	// announced at once, as on the bus. A needless refresh costs a read; a
	// missed one left a new ticket out of the queue until the next change.
	var caught *liveEvent
	if us, err := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64); err == nil && watch == 0 {
		after := time.UnixMicro(us).Add(-time.Second)
		ts, _, err := a.Tickets.List(r.Context(), rq.actor, ticket.Filter{UpdatedAfter: &after, Limit: 1})
		if err != nil {
			return err
		}
		if len(ts) > 0 {
			caught = &liveEvent{Type: "ticket.updated", Ticket: ts[0].Number}
			if ts[0].CreatedAt.After(after) {
				caught.Type = "ticket.created"
			}
		}
	}
	pres := a.presence.subscribe()
	defer a.presence.unsubscribe(pres)
	// Signing out, deactivation and leaving a team end the stream at once:
	// a wake-up from access, or an event about this person on the bus,
	// makes it re-check its session; every ping does too, in case a
	// wake-up from another instance was lost.
	recheck := a.access.subscribe(rq.actor.ID)
	defer a.access.unsubscribe(rq.actor.ID, recheck)
	// A notification raised or read, on any instance, updates the bell.
	bell := a.bells.subscribe(rq.actor.ID)
	defer a.bells.unsubscribe(rq.actor.ID, bell)
	bell <- struct{}{} // the count as of now: the page may be older
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(e liveEvent) error {
		b, _ := json.Marshal(e)
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return err
		}
		return rc.Flush()
	}
	sendPresence := func() error {
		var vs []presenceViewer
		for _, e := range a.presence.others(watch, rq.actor.ID) {
			vs = append(vs, presenceViewer{e.Name, e.Replying})
		}
		if vs == nil {
			vs = []presenceViewer{}
		}
		b, _ := json.Marshal(liveEvent{Type: "presence", Ticket: watch, Viewers: vs})
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return err
		}
		return rc.Flush()
	}
	if _, err := fmt.Fprint(w, "retry: 3000\n\n"); err != nil {
		return web.Written(err)
	}
	if watch != 0 {
		if err := sendPresence(); err != nil {
			return nil
		}
		// The page is older than the ticket (changed while the page was on
		// its way, or while the stream was down): the page refreshes as
		// for any change.
		if stale && send(liveEvent{Type: "ticket.updated", Ticket: watch}) != nil {
			return nil
		}
	} else if caught != nil {
		if send(*caught) != nil {
			return nil
		}
	} else if err := rc.Flush(); err != nil {
		return nil
	}
	ping := time.NewTicker(25 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-a.stopping():
			return nil
		case <-recheck:
			if !a.stillEntitled(r.Context(), rq) {
				return nil
			}
		case <-ping.C:
			if !a.stillEntitled(r.Context(), rq) {
				return nil
			}
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return nil
			}
			if rc.Flush() != nil {
				return nil
			}
		case <-bell:
			if a.Notify == nil || !rq.actor.IsAgent() {
				continue
			}
			n, err := a.Notify.Unread(r.Context(), rq.actor)
			if err != nil {
				a.Log.WarnContext(r.Context(), "count notifications", "user_id", rq.actor.ID, "err", err)
				continue
			}
			if send(liveEvent{Type: "notifications", Unread: &n}) != nil {
				return nil
			}
		case n := <-pres:
			if n == watch && watch != 0 {
				if sendPresence() != nil {
					return nil
				}
			}
		case e := <-sub.C:
			if e.Number == 0 && strings.HasPrefix(e.Type, "mail.inbound") {
				// The inbound list changed: agents' "Mail not filed" count.
				if rq.actor.IsAgent() && send(liveEvent{Type: e.Type}) != nil {
					return nil
				}
				continue
			}
			if e.Number == 0 {
				// A change to someone's user record or teams.
				if e.UserID == rq.actor.ID && !a.stillEntitled(r.Context(), rq) {
					return nil
				}
				continue
			}
			if !a.visible(r, rq, e) {
				continue
			}
			if send(liveEvent{Type: e.Type, Ticket: e.Number, Fields: e.Fields, ByMe: e.ActorID == rq.actor.ID}) != nil {
				return nil
			}
		}
	}
}

// visible decides whether an event may reach this agent: the same rule as
// every read, checked against the ticket itself when a team is involved.
func (a *Agent) visible(r *http.Request, rq *request, e event.Event) bool {
	if e.Internal && !rq.actor.IsAgent() {
		return false
	}
	if rq.actor.IsAdmin() || e.TeamID == 0 || rq.actor.InTeam(e.TeamID) {
		return true
	}
	_, err := a.Tickets.Get(r.Context(), rq.actor, e.Number)
	return err == nil
}

func (a *Agent) stopping() <-chan struct{} {
	if a.Stopping == nil {
		return nil
	}
	return a.Stopping
}
