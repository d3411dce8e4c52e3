package webhook

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/user"
)

// States of a delivery.
const (
	Pending   = "pending"   // waiting for its turn, its first attempt or a retry
	Succeeded = "succeeded" // the endpoint answered 2xx
	Failed    = "failed"    // still failing when the retry window ended
)

// DeliverJob is the kind of the job that sends a delivery, and then the
// deliveries after it in the same chain.
const DeliverJob = "webhook.deliver"

// ConsumerName is the durable event consumer that queues deliveries.
const ConsumerName = "webhooks"

// Delivery is one event sent (or to be sent) to one webhook.
type Delivery struct {
	ID        int64
	WebhookID int64
	EventID   int64
	EventKind string
	// Ticket is the number of the ticket the event is about, 0 for events
	// about anything else. Deliveries of one ticket go out in order.
	Ticket int64
	// RedeliveryOf is the delivery this one repeats, 0 for a first one.
	RedeliveryOf int64
	State        string
	Attempts     int
	// StatusCode, ResponseMS, Error and ResponseExcerpt describe the last
	// attempt: 0 status when no answer came.
	StatusCode      int
	ResponseMS      int64
	Error           string
	ResponseExcerpt string
	NextAttemptAt   time.Time
	CreatedAt       time.Time
	FinishedAt      *time.Time
}

func scanDelivery(sc db.Scanner) (*Delivery, error) {
	var d Delivery
	var next, created int64
	var finished sql.NullInt64
	err := sc.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.EventKind, &d.Ticket, &d.RedeliveryOf, &d.State, &d.Attempts,
		&d.StatusCode, &d.ResponseMS, &d.Error, &d.ResponseExcerpt, &next, &created, &finished)
	d.NextAttemptAt, d.CreatedAt, d.FinishedAt = db.Time(next), db.Time(created), db.NullTime(finished)
	return &d, err
}

func (s *Service) delivery(ctx context.Context, q db.Queryer, id int64) (*Delivery, error) {
	d, err := scanDelivery(q.QueryRowContext(ctx, s.q.Get("get-delivery"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("webhook delivery %d: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("webhook delivery %d: %w", id, err)
	}
	return d, nil
}

// Deliveries returns a page of a webhook's deliveries, newest first: at
// most limit, with ids below before (0: the newest). Admins only.
func (s *Service) Deliveries(ctx context.Context, a *user.Actor, webhookID, before int64, limit int) ([]*Delivery, error) {
	if _, err := s.Get(ctx, a, webhookID); err != nil {
		return nil, err
	}
	rows, err := s.DB.R.QueryContext(ctx, s.q.Get("list-deliveries"), webhookID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("webhook %d: deliveries: %w", webhookID, err)
	}
	return db.Collect(rows, scanDelivery)
}

// Delivery returns one delivery of a webhook (admins only).
func (s *Service) Delivery(ctx context.Context, a *user.Actor, webhookID, id int64) (*Delivery, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	d, err := s.delivery(ctx, s.DB.R, id)
	if err != nil {
		return nil, err
	}
	if d.WebhookID != webhookID {
		return nil, fmt.Errorf("webhook delivery %d: %w", id, fault.ErrNotFound)
	}
	return d, nil
}

// Redeliver sends a finished delivery's event again, as a new delivery at
// the end of its chain (admins only). A delivery still pending is being
// retried already; a disabled webhook must be enabled first.
func (s *Service) Redeliver(ctx context.Context, a *user.Actor, webhookID, id int64) (*Delivery, error) {
	d, err := s.Delivery(ctx, a, webhookID, id)
	if err != nil {
		return nil, err
	}
	if d.State == Pending {
		return nil, fault.Conflict("delivery %d is still pending: it is sent or retried without a redelivery", id)
	}
	var newID int64
	err = s.DB.WithTx(ctx, func(tx *db.Tx) error {
		w, err := s.get(ctx, tx, webhookID)
		if err != nil {
			return err
		}
		if !w.Enabled {
			return fault.Conflict("the webhook is disabled: enable it before redelivering")
		}
		newID, err = s.enqueue(ctx, tx, webhookID, d.EventID, d.EventKind, d.Ticket, d.ID, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("webhook delivery %d: redeliver: %w", id, err)
	}
	return s.delivery(ctx, s.DB.R, newID)
}

// enqueue adds a delivery of event eventID to the end of its chain and,
// when nothing before it in the chain waits, queues the job that sends
// it; otherwise the job sending the delivery before it goes on to this one.
// known is true when the caller knows a delivery of the chain already
// waits (it added one in this transaction). It returns the new delivery's
// id, or 0 when the event was queued for the webhook already.
func (s *Service) enqueue(ctx context.Context, tx *db.Tx, webhookID, eventID int64, kind string, chain, redeliveryOf int64, known bool) (int64, error) {
	var of any
	if redeliveryOf != 0 {
		of = redeliveryOf
	}
	var id int64
	err := tx.QueryRowContext(ctx, s.q.Get("insert-delivery"), webhookID, eventID, kind, chain, of, db.Now()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // delivered already: the consumer read this batch again
	}
	if err != nil || known {
		return id, err
	}
	if err := s.lockChain(ctx, tx, webhookID, chain); err != nil {
		return 0, err
	}
	var earlier int
	if err := tx.QueryRowContext(ctx, s.q.Get("earlier-pending"), webhookID, chain, id).Scan(&earlier); err != nil {
		return 0, err
	}
	if earlier == 0 {
		return id, s.start(ctx, tx, id, 0, time.Time{})
	}
	return id, nil
}

// start queues the job that sends delivery id (attempt attempts+1) at runAt
// (zero: now). The unique key keeps one job per delivery and attempt.
func (s *Service) start(ctx context.Context, tx *db.Tx, id int64, attempts int, runAt time.Time) error {
	_, err := s.Jobs.Insert(ctx, tx, job.New{Kind: DeliverJob, Args: deliverArgs{DeliveryID: id}, RunAt: runAt,
		UniqueKey: fmt.Sprintf("%s:%d:%d", DeliverJob, id, attempts), MaxAttempts: 25})
	return err
}

type deliverArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// resume restarts every chain of a re-enabled webhook at its first waiting
// delivery.
func (s *Service) resume(ctx context.Context, tx *db.Tx, webhookID int64) error {
	rows, err := tx.QueryContext(ctx, s.q.Get("chain-heads"), webhookID)
	if err != nil {
		return err
	}
	heads, err := db.Collect(rows, db.Int64)
	if err != nil {
		return err
	}
	for _, id := range heads {
		d, err := s.delivery(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.start(ctx, tx, id, d.Attempts, time.Time{}); err != nil {
			return err
		}
	}
	return nil
}

// Consumer is the durable event consumer that turns each event into a
// delivery for every enabled webhook subscribed to its kind, in the
// consumer's transaction. Register it with the event pump.
func (s *Service) Consumer() *event.Consumer {
	return &event.Consumer{Name: ConsumerName, Handle: s.handle, Batch: 500}
}

type subscriber struct {
	id     int64
	events []string
}

func (s *Service) handle(ctx context.Context, tx *db.Tx, recs []event.Record) error {
	rows, err := tx.QueryContext(ctx, s.q.Get("enabled-webhooks"))
	if err != nil {
		return err
	}
	subs, err := db.Collect(rows, func(sc db.Scanner) (subscriber, error) {
		var sub subscriber
		var events string
		if err := sc.Scan(&sub.id, &events); err != nil {
			return sub, err
		}
		return sub, json.Unmarshal([]byte(events), &sub.events)
	})
	if err != nil || len(subs) == 0 {
		return err
	}
	// Chains given a delivery in this batch: the next ones wait behind it.
	waiting := map[[2]int64]bool{}
	for _, r := range recs {
		chain := ticketNumber(r)
		for _, sub := range subs {
			if !slices.Contains(sub.events, All) && !slices.Contains(sub.events, r.Kind) {
				continue
			}
			key := [2]int64{sub.id, chain}
			id, err := s.enqueue(ctx, tx, sub.id, r.ID, r.Kind, chain, 0, waiting[key])
			if err != nil {
				return fmt.Errorf("webhook %d: queue event %d: %w", sub.id, r.ID, err)
			}
			if id != 0 {
				waiting[key] = true
			}
		}
	}
	return nil
}

// ticketNumber is the number of the ticket r is about, or 0.
func ticketNumber(r event.Record) int64 {
	if r.TicketID == 0 {
		return 0
	}
	var p struct {
		Number int64 `json:"number"`
	}
	if json.Unmarshal(r.Payload, &p) != nil {
		return 0
	}
	return p.Number
}

// Prune deletes finished deliveries (succeeded or failed) that finished
// before before, 1,000 at a time, and reports how many. Waiting ones stay.
func (s *Service) Prune(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		res, err := s.DB.W.ExecContext(ctx, s.q.Get("prune-deliveries"), before.UnixMicro())
		if err != nil {
			return total, fmt.Errorf("webhook: prune deliveries: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
		if n < 1000 {
			return total, nil
		}
	}
}

// Send queues a one-off delivery of event r to webhook id, whatever the
// kinds it subscribes to, in tx (an automation rule's action). A webhook
// that already has a delivery of r gets no second one. A disabled webhook
// is refused: its deliveries would wait until it is enabled again.
func (s *Service) Send(ctx context.Context, tx *db.Tx, id int64, r event.Record) error {
	w, err := s.get(ctx, tx, id)
	if err != nil {
		return err
	}
	if !w.Enabled {
		return fmt.Errorf("webhook %d: %w", id, fault.Conflict("the webhook to %s is disabled", w.URL))
	}
	if _, err := s.enqueue(ctx, tx, id, r.ID, r.Kind, ticketNumber(r), 0, false); err != nil {
		return fmt.Errorf("webhook %d: queue event %d: %w", id, r.ID, err)
	}
	return nil
}
