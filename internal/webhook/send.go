package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/job"
)

// Payload is the JSON body of every delivery. Its schema is stable and
// documented (README.md, Webhooks): fields are only ever added.
type Payload struct {
	// ID is the event's id: the same in every delivery and redelivery of
	// the event, so receivers can drop duplicates.
	ID      int64       `json:"id"`
	Kind    string      `json:"kind"`
	At      time.Time   `json:"at"`
	Actor   event.Actor `json:"actor"`
	Subject Subject     `json:"subject"`
	// Ticket is the ticket's number for events about a ticket, else null.
	Ticket *int64 `json:"ticket"`
	// Data is the event's own payload, as the audit log shows it.
	Data json.RawMessage `json:"data"`
}

// Subject is what an event is about.
type Subject struct {
	Type string `json:"type"`
	ID   int64  `json:"id,omitempty"`
}

// Sign returns the Docket-Signature header value of body sent at timestamp
// (unix seconds) with secret: "sha256=" and the hex HMAC-SHA256 of
// timestamp + "." + body.
func Sign(secret string, timestamp int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(timestamp, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Limits of one delivery's handling.
const (
	excerptBytes = 1 << 10  // of the answer, kept in the delivery log
	drainBytes   = 64 << 10 // read past the excerpt so the connection can be reused
	runLimit     = 500      // deliveries one job sends before handing over
	runTime      = time.Minute
)

// Kind is the job kind's registration for the runner.
func (s *Service) Kind() job.Kind {
	return job.Kind{Handler: s.run, Timeout: runTime + 2*s.opts.Timeout}
}

// run sends the job's delivery, then the chain's next ones while they
// succeed; a failure schedules a retry job and ends the run.
func (s *Service) run(ctx context.Context, j *job.Job) error {
	var args deliverArgs
	if err := json.Unmarshal(j.Args, &args); err != nil {
		return job.Permanent(fmt.Errorf("webhook: job args: %w", err))
	}
	id, deadline := args.DeliveryID, time.Now().Add(runTime)
	for n := 0; id != 0; n++ {
		if n == runLimit || time.Now().After(deadline) {
			return s.DB.WithTx(ctx, func(tx *db.Tx) error { return s.start(ctx, tx, id, 0, time.Time{}) })
		}
		var err error
		if id, err = s.attempt(ctx, id, n == 0); err != nil {
			return err
		}
	}
	return nil
}

// attempt sends delivery id once and records the outcome. It returns the
// chain's next delivery to send now, or 0. first is true for a job's first
// delivery: when that is done already (the job ran before and its runner
// stopped midway), the job goes on with the chain's first waiting one.
func (s *Service) attempt(ctx context.Context, id int64, first bool) (int64, error) {
	sd, err := s.load(ctx, id)
	if errors.Is(err, fault.ErrNotFound) {
		return 0, nil // the webhook was deleted with its deliveries
	}
	if err != nil {
		return 0, err
	}
	if sd.d.State != Pending {
		if !first {
			return 0, nil
		}
		var next, at int64
		err := s.DB.R.QueryRowContext(ctx, s.q.Get("chain-head"), sd.d.WebhookID, sd.d.Ticket).Scan(&next, &at)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && at > db.Now()) {
			return 0, nil // nothing waits, or a retry job is due later
		}
		if err != nil {
			return 0, err
		}
		if sd, err = s.load(ctx, next); err != nil {
			return 0, err
		}
	}
	if !sd.w.Enabled {
		return 0, nil // waits; enabling the webhook resumes it
	}
	out := s.send(ctx, sd)
	var nextID int64
	err = s.DB.WithTx(ctx, func(tx *db.Tx) error {
		nextID = 0
		if err := s.lockChain(ctx, tx, sd.d.WebhookID, sd.d.Ticket); err != nil {
			return err
		}
		return s.recordAttempt(ctx, tx, &sd.w, &sd.d, out, &nextID)
	})
	return nextID, err
}

// lockChain serializes the hand-over of one chain (see lock-chain).
func (s *Service) lockChain(ctx context.Context, tx *db.Tx, webhookID, chain int64) error {
	_, err := tx.ExecContext(ctx, s.q.Get("lock-chain"), webhookID, chain)
	return err
}

// sendable is a delivery with what sending it takes: its webhook and the
// body built from its event (nil when the event is no longer stored).
type sendable struct {
	d    Delivery
	w    Webhook
	body []byte
}

// load reads delivery id with its webhook and event in one query.
func (s *Service) load(ctx context.Context, id int64) (*sendable, error) {
	var sd sendable
	var created, updated, at, ticketID int64
	var p Payload
	var data sql.NullString
	err := s.DB.R.QueryRowContext(ctx, s.q.Get("delivery-to-send"), id).Scan(&sd.d.ID, &sd.d.WebhookID, &sd.d.EventID,
		&sd.d.EventKind, &sd.d.Ticket, &sd.d.State, &sd.d.Attempts, &created, &sd.w.URL, &sd.w.secret, &sd.w.Enabled,
		&sd.w.AllowPrivateHost, &updated, &at, &p.Actor.Type, &p.Actor.ID, &p.Actor.Name, &p.Subject.Type, &p.Subject.ID, &ticketID, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("webhook delivery %d: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("webhook delivery %d: %w", id, err)
	}
	sd.d.CreatedAt, sd.w.ID, sd.w.UpdatedAt = db.Time(created), sd.d.WebhookID, db.Time(updated)
	if data.Valid {
		p.ID, p.Kind, p.At, p.Data = sd.d.EventID, sd.d.EventKind, db.Time(at), json.RawMessage(data.String)
		if n := ticketNumber(event.Record{TicketID: ticketID, Payload: p.Data}); n != 0 {
			p.Ticket = &n
		}
		if sd.body, err = json.Marshal(p); err != nil {
			return nil, fmt.Errorf("webhook delivery %d: %w", id, err)
		}
	}
	return &sd, nil
}

// outcome is what one attempt got.
type outcome struct {
	status  int
	ms      int64
	err     string
	excerpt string
}

func (o outcome) ok() bool { return o.err == "" && o.status >= 200 && o.status < 300 }

// send makes one attempt at delivering sd.
func (s *Service) send(ctx context.Context, sd *sendable) outcome {
	w, d, body := &sd.w, &sd.d, sd.body
	if body == nil {
		return outcome{err: fmt.Sprintf("event %d is no longer stored", d.EventID)}
	}
	sec, err := s.Secrets.Unseal(w.secret)
	if err != nil {
		return outcome{err: "the secret cannot be opened with this instance's key"}
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return outcome{err: "bad URL: " + err.Error()}
	}
	ts := time.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Docket-Webhooks/1")
	req.Header.Set("Docket-Event", d.EventKind)
	req.Header.Set("Docket-Delivery", strconv.FormatInt(d.ID, 10))
	req.Header.Set("Docket-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("Docket-Signature", Sign(sec, ts, body))
	client := s.strict
	if w.AllowPrivateHost {
		client = s.open
	}
	start := time.Now()
	resp, err := client.Do(req)
	o := outcome{ms: time.Since(start).Milliseconds()}
	if err != nil {
		o.err = clip(err.Error(), 500)
		return o
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, excerptBytes))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainBytes))
	o.status, o.excerpt = resp.StatusCode, strings.ToValidUTF8(string(b), "\uFFFD")
	o.ms = time.Since(start).Milliseconds()
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		o.err = clip(fmt.Sprintf("redirect to %q not followed: a webhook must answer 2xx at its own URL", resp.Header.Get("Location")), 500)
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		o.err = "the endpoint answered " + resp.Status
	}
	return o
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// recordAttempt stores an attempt's outcome: on success it sets next to the
// chain's next delivery; on failure it schedules the retry, or, past the
// retry window, fails the delivery and disables the webhook.
func (s *Service) recordAttempt(ctx context.Context, tx *db.Tx, w *Webhook, d *Delivery, o outcome, next *int64) error {
	now := time.Now()
	state, nextAt, finished := Pending, now, any(nil)
	attempts := d.Attempts + 1
	retry := false
	if o.ok() {
		state, finished = Succeeded, now.UnixMicro()
	} else {
		nextAt = now.Add(s.backoff(attempts))
		if nextAt.After(d.CreatedAt.Add(s.opts.RetryWindow)) {
			state, finished = Failed, now.UnixMicro()
		} else {
			retry = true
		}
	}
	res, err := tx.ExecContext(ctx, s.q.Get("record-attempt"), d.ID, state, o.status, o.ms, o.err, o.excerpt,
		nextAt.UnixMicro(), finished)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil // finished by another run already
	}
	switch {
	case retry:
		return s.start(ctx, tx, d.ID, attempts, nextAt)
	case state == Failed:
		return s.disable(ctx, tx, w, d, o)
	}
	var at int64
	err = tx.QueryRowContext(ctx, s.q.Get("chain-head"), d.WebhookID, d.Ticket).Scan(next, &at)
	if errors.Is(err, sql.ErrNoRows) {
		*next = 0
		return nil
	}
	return err
}

// backoff is the delay before retry number n (1, 2, …): FirstRetry doubled
// for each retry before it, at most MaxBackoff.
func (s *Service) backoff(n int) time.Duration {
	d := s.opts.FirstRetry
	for i := 1; i < n && d < s.opts.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.opts.MaxBackoff)
}
