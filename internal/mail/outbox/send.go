package outbox

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/textproto"
	"sort"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/job"
)

// SendJob is the kind of the job that sends one outbox row. The Notifier
// inserts it in the transaction that writes the row; its arguments are
// SendArgs and its unique key names the row, so a row has at most one
// send job waiting at a time.
const SendJob = "email.send"

// SendArgs are the arguments of a SendJob.
type SendArgs struct {
	OutboxID int64 `json:"outbox_id"`
}

func sendKey(id int64) string { return SendJob + ":" + strconv.FormatInt(id, 10) }

// The delivery policy: MaxAttempts tries, the first failure waiting
// BaseBackoff, each next one twice as long, up to MaxBackoff.
const (
	MaxAttempts = 8
	BaseBackoff = 30 * time.Second
	MaxBackoff  = time.Hour
)

// Backoff is the delay after the attempt-th failed attempt (1, 2, …):
// 30 s, 1 min, 2 min, … up to an hour.
func Backoff(attempt int) time.Duration {
	d := BaseBackoff
	for i := 1; i < attempt && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, MaxBackoff)
}

// SMTP is the outbound server an email is sent through.
type SMTP struct {
	Host string
	Port int    // 0: 25 for none, 587 for starttls, 465 for tls
	TLS  string // none, starttls (required; the default) or tls (implicit, "SMTPS")
	// Username and Password authenticate when Username is set, with the
	// strongest mechanism the server offers. Over TLS none the mail library
	// sends PLAIN or LOGIN only to localhost (mailbox validation refuses
	// anything else), and refuses them elsewhere.
	Username, Password string
	// TLSConfig, when set, is the TLS configuration (the mailbox's private
	// CA); else the system roots are trusted.
	TLSConfig *tls.Config
	// Timeout bounds one connection and transaction (default 60 s).
	Timeout time.Duration
	// HELO is the name we greet with; default the Message-ID domain.
	HELO string
}

// SenderOptions configure a Sender.
type SenderOptions struct {
	// SMTP picks the server for an email by the address it is sent as. It
	// is asked at every attempt, so a changed mailbox counts at once.
	SMTP   func(ctx context.Context, from string) (SMTP, error)
	Logger *slog.Logger
	// Now is the clock (time.Now); tests move it.
	Now func() time.Time
	// Attachment reads the files an email attaches, at each attempt.
	Attachment OpenAttachment
}

// Sender sends outbox rows as the handler of SendJob jobs. The job runner
// brings the retries, the backoff (Backoff) and the recovery when an
// instance dies mid-send; the outbox row records what happened, for the
// people reading the ticket.
//
// Delivery is at least once with a stable Message-ID: a row is marked
// "sending" before the SMTP transaction and "sent" after it. If the
// instance dies in between, the job's lease runs out, the job runs again
// and the email goes again under the same Message-ID, which recipients'
// mail clients recognise as the same message.
type Sender struct {
	store *Store
	opts  SenderOptions
	log   *slog.Logger
	// afterDeliver lets tests stop a sender between the SMTP transaction
	// and recording it (a crash).
	afterDeliver func()
}

// NewSender returns a Sender of store's rows.
func NewSender(store *Store, opts SenderOptions) *Sender {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sender{store: store, opts: opts, log: log.With("component", "outbox")}
}

// Requeue is the job queue's OnRetry for SendJob: when a person retries
// the job of a failed email, the email waits to be sent again (same
// Message-ID, fresh attempts), in the same transaction.
func (s *Sender) Requeue(ctx context.Context, tx *db.Tx, j *job.Job) error {
	var args SendArgs
	if err := json.Unmarshal(j.Args, &args); err != nil || args.OutboxID == 0 {
		return nil // the job will fail again, saying why
	}
	if _, err := tx.ExecContext(ctx, s.store.q.Get("outbox-requeue"), args.OutboxID); err != nil {
		return fmt.Errorf("outbox: requeue %d: %w", args.OutboxID, err)
	}
	return nil
}

// Kind is the job kind to register as SendJob.
func (s *Sender) Kind() job.Kind {
	return job.Kind{Handler: s.send, Backoff: Backoff, Timeout: 3 * time.Minute}
}

// send is one attempt at one row. A row that is no longer waiting (sent,
// failed, bounced, deleted with its ticket) is left alone.
func (s *Sender) send(ctx context.Context, j *job.Job) error {
	var args SendArgs
	if err := json.Unmarshal(j.Args, &args); err != nil || args.OutboxID == 0 {
		return job.Permanent(fmt.Errorf("outbox: send job %d: bad arguments %s", j.ID, j.Args))
	}
	r, err := s.store.start(ctx, args.OutboxID)
	if errors.Is(err, errNotWaiting) {
		s.log.Info("email not sent: no longer waiting", "outbox_id", args.OutboxID)
		return nil
	} else if err != nil {
		return err
	}
	err = s.deliver(ctx, r)
	// The outcome is recorded even when the runner is shutting down: an
	// email that went must not go again.
	octx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	now := s.opts.Now()
	if err == nil {
		if s.afterDeliver != nil {
			s.afterDeliver()
		}
		if err := s.store.sent(octx, r.ID, now); err != nil {
			// The job retries: the email goes again, same Message-ID.
			return fmt.Errorf("outbox: mark %d sent: %w", r.ID, err)
		}
		s.log.Info("sent email", "outbox_id", r.ID, "kind", r.Kind, "message_id", r.RFC822MessageID, "attempts", r.Attempts)
		return nil
	}
	// The runner logs the failure with the job; the row keeps the reason
	// for the people reading the ticket.
	err = fmt.Errorf("outbox: email %d: %w", r.ID, err)
	reason := truncate(errors.Unwrap(err).Error(), 1000)
	if Permanent(err) || j.Attempt >= j.MaxAttempts {
		if ferr := s.store.failed(octx, r.ID, reason); ferr != nil {
			err = errors.Join(err, ferr)
		}
		if Permanent(err) {
			return job.Permanent(err)
		}
		return err
	}
	if rerr := s.store.retry(octx, r.ID, now.Add(Backoff(j.Attempt)), reason); rerr != nil {
		err = errors.Join(err, rerr)
	}
	return err
}

func (s *Sender) deliver(ctx context.Context, r *row) error {
	msg, err := build(r)
	if err != nil {
		return err
	}
	closeFiles, err := s.attach(ctx, r, msg)
	if err != nil {
		return err
	}
	defer closeFiles()
	if s.opts.SMTP == nil {
		return errors.New("outbox: no way to pick an SMTP server")
	}
	srv, err := s.opts.SMTP(ctx, r.From.Email)
	if err != nil {
		return err
	}
	return sendVia(ctx, srv, r, msg)
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
// reply (to the message, or to the sign-in, as 535 and 530 are), the mail
// library refusing to send the password unencrypted or finding no sign-in
// mechanism it may use, or a message that cannot be built. Temporary
// failures (4xx, connection errors, timeouts) are retried.
func Permanent(err error) bool {
	var pe permanentError
	if errors.As(err, &pe) {
		return true
	}
	var se *gomail.SendError
	if errors.As(err, &se) && se.ErrorCode() != 0 {
		return se.ErrorCode() >= 500 && se.ErrorCode() < 600
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code >= 500 && te.Code < 600
	}
	return errors.Is(err, gosmtp.ErrUnencrypted) || errors.Is(err, gomail.ErrNoSupportedAuthDiscovered) ||
		errors.Is(err, gomail.ErrPlainAuthNotSupported) || errors.Is(err, gomail.ErrLoginAuthNotSupported)
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

// sendVia delivers m through the server s.
func sendVia(ctx context.Context, s SMTP, r *row, m *gomail.Msg) error {
	if s.Host == "" {
		return errors.New("outbox: no smtp host")
	}
	if s.Timeout <= 0 {
		s.Timeout = 60 * time.Second
	}
	opts := []gomail.Option{gomail.WithTimeout(s.Timeout)}
	if s.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(s.TLSConfig))
	}
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
	case "", "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
		if port == 0 {
			port = 587
		}
	default:
		return permanentError{fmt.Errorf("smtp tls must be none, starttls or tls, not %q", s.TLS)}
	}
	opts = append(opts, gomail.WithPort(port))
	if s.Username != "" {
		auth := gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover)
		if s.TLS == "none" {
			// Discovery never picks PLAIN or LOGIN without TLS, not even
			// to localhost; these let the library decide by the host.
			auth = gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1,
				gomail.SMTPAuthCramMD5, gomail.SMTPAuthPlain, gomail.SMTPAuthLogin)
		}
		opts = append(opts, auth, gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	c, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return permanentError{fmt.Errorf("smtp client: %w", err)}
	}
	cctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	return c.DialAndSendWithContext(cctx, m)
}
