package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/docket/docket/internal/db"
)

// SMTP is the outbound server the worker sends through.
type SMTP struct {
	Host string
	Port int    // 0: 25 for none, 587 for starttls, 465 for tls
	TLS  string // none, starttls (required) or tls (implicit, "SMTPS")
	// Username and Password authenticate when Username is set (PLAIN or
	// LOGIN, whichever the server offers; only over TLS unless TLS is none).
	Username, Password string
	// Timeout bounds one connection and transaction (default 60 s).
	Timeout time.Duration
	// HELO is the name we greet with; default the Message-ID domain or localhost.
	HELO string
}

// WorkerOptions tune the sender; zero values take the defaults shown.
type WorkerOptions struct {
	SMTP SMTP
	// SMTPFor, when set, picks the server for an email by the address it
	// is sent as (each mailbox sends through its own server); SMTP is used
	// when it reports none.
	SMTPFor     func(from string) (SMTP, bool)
	Batch       int           // rows claimed at once (20)
	Interval    time.Duration // polling interval of Run (5 s)
	MaxAttempts int           // attempts before a row fails (8)
	BaseBackoff time.Duration // delay after the first failure, doubled each time (30 s)
	MaxBackoff  time.Duration // cap of the delay (1 h)
	// Lease is how long a row stays "sending" before another pass may take
	// it again, for when the process died mid-send (5 min). It must exceed
	// SMTP.Timeout.
	Lease  time.Duration
	Logger *slog.Logger
	// Now is the clock (time.Now); tests move it.
	Now func() time.Time
}

// Worker sends due outbox rows.
type Worker struct {
	store *Store
	opts  WorkerOptions
	log   *slog.Logger
	wake  chan struct{}
}

// NewWorker checks opts and returns a Worker over store.
func NewWorker(store *Store, opts WorkerOptions) (*Worker, error) {
	switch opts.SMTP.TLS {
	case "", "starttls", "tls", "none":
	default:
		return nil, fmt.Errorf("outbox: smtp tls must be none, starttls or tls, not %q", opts.SMTP.TLS)
	}
	if opts.SMTP.TLS == "" {
		opts.SMTP.TLS = "starttls"
	}
	if opts.SMTP.Host == "" {
		return nil, errors.New("outbox: no smtp host")
	}
	if opts.SMTP.Timeout <= 0 {
		opts.SMTP.Timeout = 60 * time.Second
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opts.Interval, 5*time.Second)
	def(&opts.BaseBackoff, 30*time.Second)
	def(&opts.MaxBackoff, time.Hour)
	def(&opts.Lease, 5*time.Minute)
	if opts.Lease <= opts.SMTP.Timeout {
		opts.Lease = opts.SMTP.Timeout + time.Minute
	}
	if opts.Batch <= 0 {
		opts.Batch = 20
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 8
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Worker{store: store, opts: opts, log: log.With("component", "outbox"), wake: make(chan struct{}, 1)}, nil
}

// Wake makes Run look for due rows now rather than at its next tick; call
// it after a write that enqueued mail. It never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run sends due rows until ctx is done, polling every Interval.
func (w *Worker) Run(ctx context.Context) error {
	t := time.NewTicker(w.opts.Interval)
	defer t.Stop()
	for {
		if _, err := w.Drain(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("send outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-w.wake:
		}
	}
}

// Drain sends every row due now, batch after batch, and returns how many
// were sent. Rows that fail temporarily are rescheduled, not retried here.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	sent := 0
	for ctx.Err() == nil {
		rows, err := w.claim(ctx)
		if err != nil {
			return sent, err
		}
		if len(rows) == 0 {
			return sent, nil
		}
		for _, r := range rows {
			ok, err := w.send(ctx, r)
			if err != nil {
				return sent, err
			}
			if ok {
				sent++
			}
		}
	}
	return sent, ctx.Err()
}

func (w *Worker) now() int64 { return w.opts.Now().UnixMicro() }

// claim marks up to Batch due rows "sending" with a lease, in one
// transaction. The update is conditional on the row being as read, so two
// instances never claim the same row.
func (w *Worker) claim(ctx context.Context) ([]*row, error) {
	now := w.now()
	lease := now + w.opts.Lease.Microseconds()
	var out []*row
	err := w.store.db.WithTx(ctx, func(tx *db.Tx) error {
		out = nil
		rows, err := tx.QueryContext(ctx, w.store.q.Get("due-outbox"), now, w.opts.Batch)
		if err != nil {
			return err
		}
		type due struct {
			id     int64
			status string
			next   int64
		}
		var ds []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.status, &d.next); err != nil {
				rows.Close()
				return err
			}
			ds = append(ds, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, d := range ds {
			res, err := tx.ExecContext(ctx, w.store.q.Get("claim-outbox"), d.id, lease, d.status, d.next)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				continue // another worker took it
			}
			if d.status == StatusSending {
				w.log.Warn("resending after an expired lease", "outbox_id", d.id)
			}
			r, err := w.store.get(ctx, tx, d.id)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: claim: %w", err)
	}
	return out, nil
}

// send delivers one claimed row and records the outcome.
func (w *Worker) send(ctx context.Context, r *row) (bool, error) {
	msg, err := build(r)
	if err == nil {
		err = w.deliver(ctx, r, msg)
	}
	q := w.store.db.W
	if err == nil {
		if _, err := q.ExecContext(ctx, w.store.q.Get("outbox-sent"), r.ID, w.now()); err != nil {
			// The lease expires and the row goes again, same Message-ID.
			return false, fmt.Errorf("outbox: mark %d sent: %w", r.ID, err)
		}
		w.log.Info("sent email", "outbox_id", r.ID, "kind", r.Kind, "message_id", r.RFC822MessageID, "attempts", r.Attempts)
		return true, nil
	}
	msgErr := truncate(err.Error(), 1000)
	if Permanent(err) || r.Attempts >= w.opts.MaxAttempts {
		w.log.Warn("email failed", "outbox_id", r.ID, "kind", r.Kind, "attempts", r.Attempts, "err", err)
		_, err := q.ExecContext(ctx, w.store.q.Get("outbox-failed"), r.ID, msgErr)
		return false, err
	}
	next := w.opts.Now().Add(w.backoff(r.Attempts)).UnixMicro()
	w.log.Info("email deferred", "outbox_id", r.ID, "attempts", r.Attempts, "err", err)
	_, err = q.ExecContext(ctx, w.store.q.Get("outbox-retry"), r.ID, next, msgErr)
	return false, err
}

// backoff is the delay after the attempts-th failure.
func (w *Worker) backoff(attempts int) time.Duration {
	d := w.opts.BaseBackoff
	for i := 1; i < attempts && d < w.opts.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, w.opts.MaxBackoff)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// permanentError marks a message we cannot ever build or send.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent reports whether err means retrying is pointless: an SMTP 5xx
// reply or a message that cannot be built. Temporary failures (4xx,
// connection errors, timeouts) are retried.
func Permanent(err error) bool {
	var pe permanentError
	if errors.As(err, &pe) {
		return true
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		return se.ErrorCode() >= 500 && se.ErrorCode() < 600
	}
	return false
}

// build composes the message from the stored row; the same row always
// yields the same Message-ID, subject, recipients and threading.
func build(r *row) (*gomail.Msg, error) {
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	bad := func(err error) (*gomail.Msg, error) { return nil, permanentError{fmt.Errorf("compose: %w", err)} }
	if err := m.FromFormat(r.From.Name, r.From.Email); err != nil {
		return bad(err)
	}
	to, err := parseList(r.To)
	if err != nil {
		return bad(err)
	}
	cc, err := parseList(r.Cc)
	if err != nil {
		return bad(err)
	}
	if len(to) > 0 {
		m.ToMailAddress(to...)
	}
	if len(cc) > 0 {
		m.CcMailAddress(cc...)
	}
	if r.ReplyTo != "" {
		if err := m.ReplyTo(r.ReplyTo); err != nil {
			return bad(err)
		}
	}
	m.Subject(r.Subject)
	m.SetMessageIDWithValue(r.RFC822MessageID)
	m.SetDate()
	if r.InReplyTo != "" {
		m.SetGenHeader(gomail.HeaderInReplyTo, "<"+r.InReplyTo+">")
	}
	if r.References != "" {
		m.SetGenHeaderPreformatted(gomail.HeaderReferences, r.References)
	}
	var headers map[string]string
	if err := json.Unmarshal([]byte(r.HeadersJSON), &headers); err != nil {
		return bad(err)
	}
	keys := make([]string, 0, len(headers))
	for k := range headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m.SetGenHeader(gomail.Header(k), headers[k])
	}
	m.SetBodyString(gomail.TypeTextPlain, r.Text)
	if strings.TrimSpace(r.HTML) != "" {
		m.AddAlternativeString(gomail.TypeTextHTML, r.HTML)
	}
	return m, nil
}

func (w *Worker) deliver(ctx context.Context, r *row, m *gomail.Msg) error {
	s := w.opts.SMTP
	if w.opts.SMTPFor != nil {
		if alt, ok := w.opts.SMTPFor(r.From.Email); ok {
			s = alt
			if s.Timeout <= 0 {
				s.Timeout = w.opts.SMTP.Timeout
			}
		}
	}
	opts := []gomail.Option{gomail.WithTimeout(s.Timeout)}
	helo := s.HELO
	if helo == "" {
		helo = domainOf(r.RFC822MessageID)
	}
	if helo != "" {
		opts = append(opts, gomail.WithHELO(helo))
	}
	port := s.Port
	switch s.TLS {
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
		if port == 0 {
			port = 25
		}
	case "tls":
		opts = append(opts, gomail.WithSSL())
		if port == 0 {
			port = 465
		}
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
		if port == 0 {
			port = 587
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if s.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	c, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return permanentError{fmt.Errorf("smtp client: %w", err)}
	}
	cctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	return c.DialAndSendWithContext(cctx, m)
}
