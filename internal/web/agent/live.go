package agent

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
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

func (a *Agent) presenceBroadcast(channel string, payload []byte) {
	if channel != presenceChannel {
		return
	}
	var b presenceBeat
	if json.Unmarshal(payload, &b) != nil || b.Ticket == 0 || b.User == 0 {
		return
	}
	a.presence.set(b.Ticket, b.User, b.Name, b.Replying, b.Leaving)
}

// liveEvent is what the page script receives.
type liveEvent struct {
	Type    string           `json:"type"`
	Ticket  int64            `json:"ticket"`
	Fields  []string         `json:"fields,omitempty"`
	ByMe    bool             `json:"by_me"`
	Viewers []presenceViewer `json:"viewers,omitempty"`
}

type presenceViewer struct {
	Name     string `json:"name"`
	Replying bool   `json:"replying"`
}

// events streams domain events the agent may see as server-sent events; with
// ?ticket=N it also streams who else is on that ticket.
func (a *Agent) events(w http.ResponseWriter, r *http.Request, rq *request) error {
	rc := http.NewResponseController(w)
	var watch int64
	if s := r.URL.Query().Get("ticket"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fault.Field("ticket", "must be a ticket number")
		}
		if _, err := a.Tickets.Get(r.Context(), rq.actor, n); err != nil {
			return err
		}
		watch = n
	}
	sub := a.Bus.Subscribe(256)
	defer sub.Close()
	pres := a.presence.subscribe()
	defer a.presence.unsubscribe(pres)
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
		case <-ping.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return nil
			}
			if rc.Flush() != nil {
				return nil
			}
		case n := <-pres:
			if n == watch && watch != 0 {
				if sendPresence() != nil {
					return nil
				}
			}
		case e := <-sub.C:
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
