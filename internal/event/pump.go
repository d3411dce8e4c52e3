package event

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/docket/docket/internal/db"
)

// Pump carries durable events to this process: after a local commit, on a
// PostgreSQL notification from another instance, or at the latest every
// Interval, it reads the events after its position and publishes them on
// the in-process Bus (live updates, sidebar counts), then runs the durable
// consumers. It also relays broadcasts (presence) between instances, which
// are soft state and never stored.
type Pump struct {
	log       *Log
	bus       *Bus
	db        *db.DB
	logger    *slog.Logger
	interval  time.Duration
	wake      chan struct{}
	position  atomic.Int64
	consumers []*Consumer
	observers []func([]Record)

	mu         sync.Mutex
	broadcasts []func(channel string, payload []byte)

	published atomic.Int64
	rounds    atomic.Int64
	listening atomic.Bool
	initDone  atomic.Bool
}

// NewPump returns a pump from log to bus. Call Run to start it.
func NewPump(l *Log, bus *Bus, logger *slog.Logger) *Pump {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p := &Pump{log: l, bus: bus, db: l.db, logger: logger, interval: time.Second, wake: make(chan struct{}, 1)}
	l.OnWritten(p.Wake)
	return p
}

// Wake makes the pump look for new events now. It never blocks.
func (p *Pump) Wake() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Position is the last event position published on the bus.
func (p *Pump) Position() int64 { return p.position.Load() }

// Published counts events published on the bus since start.
func (p *Pump) Published() int64 { return p.published.Load() }

// Rounds counts the rounds the pump finished: one begun after a moment has
// read every event written before it (tests wait for one).
func (p *Pump) Rounds() int64 { return p.rounds.Load() }

// Listening reports whether the PostgreSQL notification connection is up.
func (p *Pump) Listening() bool { return p.listening.Load() }

// Register adds a durable consumer. Register before Run.
func (p *Pump) Register(c *Consumer) { p.consumers = append(p.consumers, c) }

// Observe adds fn, called in each round with the events the round read
// (none, often): a cache of what other instances change learns of their
// changes within the pump's delay, and that the pump is running. fn must
// be quick. Add observers before Run.
func (p *Pump) Observe(fn func([]Record)) { p.observers = append(p.observers, fn) }

// Consumers are the registered durable consumers.
func (p *Pump) Consumers() []*Consumer { return p.consumers }

// OnBroadcast registers fn for broadcasts from any instance, this one
// included.
func (p *Pump) OnBroadcast(fn func(channel string, payload []byte)) {
	p.mu.Lock()
	p.broadcasts = append(p.broadcasts, fn)
	p.mu.Unlock()
}

type broadcast struct {
	Channel string          `json:"c"`
	Payload json.RawMessage `json:"p"`
}

// Broadcast sends payload (JSON) to every instance's OnBroadcast functions:
// through PostgreSQL NOTIFY, or directly on SQLite (one process).
func (p *Pump) Broadcast(ctx context.Context, channel string, payload []byte) error {
	if p.db.Dialect != db.Postgres {
		p.deliver(channel, payload)
		return nil
	}
	b, _ := json.Marshal(broadcast{channel, payload})
	if len(b) > 7000 {
		return fmt.Errorf("event: broadcast on %s: %d bytes is too large", channel, len(b))
	}
	if _, err := p.db.W.ExecContext(ctx, "SELECT pg_notify('docket_broadcast', $1)", string(b)); err != nil {
		return fmt.Errorf("event: broadcast on %s: %w", channel, err)
	}
	return nil
}

func (p *Pump) deliver(channel string, payload []byte) {
	p.mu.Lock()
	fns := append([]func(string, []byte){}, p.broadcasts...)
	p.mu.Unlock()
	for _, fn := range fns {
		fn(channel, payload)
	}
}

// Init places the pump at the current head — the bus is for what happens
// from now on — and gives each new durable consumer its checkpoint. Call it
// before anything is written that the pump must see; Run calls it if not.
func (p *Pump) Init(ctx context.Context) {
	if p.initDone.Swap(true) {
		return
	}
	if _, err := p.log.Sequence(ctx); err != nil {
		p.logger.Error("sequence events", "err", err)
	}
	head, err := p.log.Head(ctx)
	if err != nil {
		p.logger.Error("read event head", "err", err)
	}
	p.position.Store(head)
	for _, c := range p.consumers {
		if err := c.init(ctx, p.log, head); err != nil {
			p.logger.Error("start event consumer", "consumer", c.Name, "err", err)
		}
	}
}

// Run pumps until ctx is done.
func (p *Pump) Run(ctx context.Context) {
	p.Init(ctx)
	if p.db.Dialect == db.Postgres {
		go p.listen(ctx)
	}
	t := time.NewTicker(p.interval)
	defer t.Stop()
	woken := false
	for {
		p.step(ctx, woken)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			woken = false
		case <-p.wake:
			woken = true
		}
	}
}

// Step does one round: sequence (PostgreSQL), publish what is new, and let
// every durable consumer catch up.
func (p *Pump) Step(ctx context.Context) { p.step(ctx, false) }

// step is Step; woken (a round a write woke) skips the consumers that are
// known to have read every event the round saw, without a transaction:
// under load most rounds bring each consumer nothing. Rounds on the
// interval ask every consumer, whose checkpoint someone may have moved.
func (p *Pump) step(ctx context.Context, woken bool) {
	if _, err := p.log.Sequence(ctx); err != nil && ctx.Err() == nil {
		p.logger.Error("sequence events", "err", err)
	}
	for ctx.Err() == nil {
		recs, err := p.log.Read(ctx, p.db.R, p.position.Load(), 500)
		if err != nil {
			if ctx.Err() == nil {
				p.logger.Error("read events", "err", err)
			}
			break
		}
		for _, fn := range p.observers {
			fn(recs)
		}
		for _, r := range recs {
			if e, ok := r.BusEvent(); ok {
				p.bus.Publish(e)
			}
			p.position.Store(r.Position)
			p.published.Add(1)
		}
		if len(recs) < 500 {
			break
		}
	}
	head := p.position.Load()
	for _, c := range p.consumers {
		if woken && c.Position() >= head {
			continue
		}
		if _, err := c.Drain(ctx, p.log); err != nil && ctx.Err() == nil {
			p.logger.Error("event consumer failed; it retries from its checkpoint", "consumer", c.Name, "err", err)
		}
	}
	p.rounds.Add(1)
}

// listen holds one PostgreSQL connection in LISTEN and wakes the pump (or
// relays a broadcast) on each notification, reconnecting with backoff.
func (p *Pump) listen(ctx context.Context) {
	w, _ := p.db.Pools()
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := p.listenOnce(ctx, w)
		p.listening.Store(false)
		if ctx.Err() != nil {
			return
		}
		p.logger.Warn("event notifications lost; reconnecting", "err", err, "in", backoff.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

func (p *Pump) listenOnce(ctx context.Context, pool *sql.DB) error {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer func() {
		// The connection is in LISTEN: never hand it back to the pool.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
	}()
	// Raw holds the connection's lock while it listens: a statement
	// prepared on the pool must not be closed on this connection meanwhile
	// (db.Prepare checks its statements on a connection of its own).
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return errors.New("not a pgx connection")
		}
		pc := c.Conn()
		for _, ch := range []string{"docket_events", "docket_broadcast"} {
			if _, err := pc.Exec(ctx, "LISTEN "+ch); err != nil {
				return err
			}
		}
		p.listening.Store(true)
		p.Wake() // catch up on whatever was missed while not listening
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				return err
			}
			switch n.Channel {
			case "docket_events":
				p.Wake()
			case "docket_broadcast":
				var b broadcast
				if json.Unmarshal([]byte(n.Payload), &b) == nil {
					p.deliver(b.Channel, b.Payload)
				}
			}
		}
	})
}
