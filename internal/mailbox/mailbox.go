// Package mailbox owns the configured mailboxes: the addresses Docket
// receives mail for and sends mail as, with their inbound and outbound
// settings. Passwords are sealed with the secret key and are write-only:
// nothing returns them to a caller except the mail code that connects.
package mailbox

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/secret"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

//go:embed queries.sql
var queryFiles embed.FS

// Mailbox is one address Docket works with.
type Mailbox struct {
	ID       int64
	Address  string
	Name     string
	Team     string // default team for new tickets
	Category string
	Priority string
	// Inbound is "imap" (Docket fetches) or "smtp" (mail arrives at the
	// --smtp-addr listener).
	Inbound     string
	IMAP        Server
	IMAPAuth    string // password or xoauth2
	OAuth       OAuth
	Folder      string
	AfterImport string // flag, move or delete
	MoveTo      string
	SMTP        Server
	// CAPEM is a private certificate authority (PEM certificates) trusted
	// for this mailbox's IMAP and SMTP servers besides the system roots.
	CAPEM  string
	Active bool
	// Status is the current state of fetching, shown to admins: "connected
	// (instance …)" only after a whole import pass succeeded.
	Status   string
	StatusAt *time.Time
	// LastError is the last failure of fetching (connection, sign-in,
	// import, moving a message), kept after the mailbox reconnects.
	LastError   string
	LastErrorAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Service stores mailboxes.
type Service struct {
	db      *db.DB
	q       *db.Queries
	box     *secret.Box
	users   *user.Service
	tickets *ticket.Service
	events  *event.Log
	// checkFolders checks an IMAP mailbox's folders at save (see
	// SetFolderChecker).
	checkFolders FolderChecker
}

// New returns a Service sealing passwords with box and recording admin
// changes in events.
func New(d *db.DB, box *secret.Box, users *user.Service, tickets *ticket.Service, events *event.Log) (*Service, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.Dialect)
	if err != nil {
		return nil, err
	}
	return &Service{db: d, q: q, box: box, users: users, tickets: tickets, events: events}, nil
}

// The kinds of domain events mailbox changes write; the subject is the
// mailbox.
const (
	EventCreated = "mailbox.created"
	EventUpdated = "mailbox.updated"
	EventDeleted = "mailbox.deleted"
)

// Queries exposes the named queries for start-up checks.
func (s *Service) Queries() *db.Queries { return s.q }

// Input creates or changes a mailbox; nil fields are kept.
type Input struct {
	Address     *string
	Name        *string
	Team        *string
	Category    *string
	Priority    *string
	Inbound     *string
	IMAP        ServerInput
	IMAPAuth    *string
	OAuth       OAuthInput
	Folder      *string
	AfterImport *string
	MoveTo      *string
	SMTP        ServerInput
	CAPEM       *string
	Active      *bool
	// CreateFolder creates the move_to folder on the IMAP server at save
	// when it does not exist (after_import: move).
	CreateFolder bool
}

func setStr(dst *string, src *string) {
	if src != nil {
		*dst = strings.TrimSpace(*src)
	}
}

// row is a mailbox as stored.
type row struct {
	Mailbox
	teamID, categoryID sql.NullInt64
	imapPass, smtpPass string
}

// newRow is a new mailbox's defaults.
func newRow() *row {
	return &row{Mailbox: Mailbox{Inbound: "smtp", IMAP: Server{TLS: "tls", Port: 993}, Folder: "INBOX", AfterImport: "flag",
		SMTP: Server{TLS: "starttls", Port: 587}, Active: true}}
}

func (s *Service) validate(ctx context.Context, q db.Queryer, r *row, in Input, creating bool) error {
	inv := &fault.Invalid{}
	if in.Address != nil {
		a, err := user.NormalizeEmail("address", *in.Address)
		if err != nil {
			var fe *fault.Invalid
			errors.As(err, &fe)
			inv.Fields = append(inv.Fields, fe.Fields...)
		} else {
			r.Address = strings.ToLower(a)
		}
	} else if creating {
		inv.Add("address", "is required")
	}
	setStr(&r.Name, in.Name)
	if utf8.RuneCountInString(r.Name) > 200 {
		inv.Add("name", "must be at most 200 characters")
	}
	if in.Team != nil {
		r.teamID = sql.NullInt64{}
		if *in.Team != "" {
			t, err := s.users.TeamByName(ctx, q, *in.Team)
			if err != nil {
				inv.Add("team", "no team named %q", *in.Team)
			} else {
				r.teamID, r.Team = sql.NullInt64{Int64: t.ID, Valid: true}, t.Name
			}
		} else {
			r.Team = ""
		}
	}
	if in.Category != nil {
		r.categoryID = sql.NullInt64{}
		if *in.Category != "" {
			id, err := s.tickets.CategoryID(ctx, q, *in.Category)
			if err != nil {
				inv.Add("category", "no category named %q", *in.Category)
			} else {
				r.categoryID, r.Category = sql.NullInt64{Int64: id, Valid: true}, strings.TrimSpace(*in.Category)
			}
		} else {
			r.Category = ""
		}
	}
	if in.Priority != nil {
		r.Priority = ""
		if *in.Priority != "" {
			p, ok := ticket.ParsePriority(*in.Priority)
			if !ok {
				inv.Add("priority", "must be one of p1, p2, p3, p4")
			}
			r.Priority = p.String()
		}
	}
	setStr(&r.Inbound, in.Inbound)
	if r.Inbound != "imap" && r.Inbound != "smtp" {
		inv.Add("inbound.type", "must be imap or smtp")
	}
	if err := s.applyServer(inv, "inbound", &r.IMAP, in.IMAP, &r.imapPass); err != nil {
		return err
	}
	setStr(&r.Folder, in.Folder)
	setStr(&r.AfterImport, in.AfterImport)
	setStr(&r.MoveTo, in.MoveTo)
	switch r.AfterImport {
	case "flag", "delete":
	case "move":
		if r.MoveTo == "" {
			inv.Add("inbound.move_to", "is required when after_import is move")
		}
	default:
		inv.Add("inbound.after_import", "must be flag, move or delete")
	}
	if r.Inbound == "imap" {
		if r.IMAP.Host == "" {
			inv.Add("inbound.host", "is required for IMAP")
		}
		if r.Folder == "" {
			r.Folder = "INBOX"
		}
	}
	if err := s.applyServer(inv, "outbound", &r.SMTP, in.SMTP, &r.smtpPass); err != nil {
		return err
	}
	if in.Active != nil {
		r.Active = *in.Active
	}
	if in.CAPEM != nil {
		r.CAPEM = strings.TrimSpace(*in.CAPEM)
		if _, err := ParseCA(r.CAPEM); err != nil {
			inv.Add("ca_pem", "%s", err.Error())
		}
	}
	refusePlaintext(inv, r)
	return inv.Err()
}

// Create adds a mailbox (admins only).
func (s *Service) Create(ctx context.Context, a *user.Actor, in Input) (*Mailbox, error) {
	if !a.IsAdmin() {
		return nil, fault.Forbidden("only admins manage mailboxes")
	}
	if err := s.precheck(ctx, 0, &in); err != nil {
		return nil, fmt.Errorf("mailbox: create: %w", err)
	}
	r := newRow()
	var id int64
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		if err := s.validate(ctx, tx, r, in, true); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.q.Get("insert-mailbox"), r.Address, r.Name, r.teamID, r.categoryID, r.Priority,
			r.Inbound, r.IMAP.Host, r.IMAP.Port, r.IMAP.TLS, r.IMAP.Username, r.imapPass, r.Folder, r.AfterImport, r.MoveTo,
			r.SMTP.Host, r.SMTP.Port, r.SMTP.TLS, r.SMTP.Username, r.smtpPass, r.Active, db.Now(), r.CAPEM).Scan(&id); err != nil {
			return err
		}
		oldAuth, auth, err := s.applyOAuth(ctx, tx, id, in.IMAPAuth, in.OAuth, false)
		if err != nil {
			return err
		}
		p := fields(r, auth)
		if secrets := changedSecrets(&row{}, r, oldAuth, auth); len(secrets) > 0 {
			p["password_changed"], p["changed_secrets"] = true, secrets
		}
		return s.record(ctx, tx, a, EventCreated, id, p)
	})
	if err != nil {
		if db.IsUniqueViolation(err) {
			err = fault.Field("address", "a mailbox with this address already exists")
		}
		return nil, fmt.Errorf("mailbox: create: %w", err)
	}
	return s.Get(ctx, id)
}

// Update changes a mailbox (admins only).
func (s *Service) Update(ctx context.Context, a *user.Actor, id int64, in Input) (*Mailbox, error) {
	if !a.IsAdmin() {
		return nil, fault.Forbidden("only admins manage mailboxes")
	}
	if err := s.precheck(ctx, id, &in); err != nil {
		return nil, fmt.Errorf("mailbox: update %d: %w", id, err)
	}
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		r, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		before := *r
		if err := s.validate(ctx, tx, r, in, false); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("update-mailbox"), id, r.Address, r.Name, r.teamID, r.categoryID, r.Priority,
			r.Inbound, r.IMAP.Host, r.IMAP.Port, r.IMAP.TLS, r.IMAP.Username, r.imapPass, r.Folder, r.AfterImport, r.MoveTo,
			r.SMTP.Host, r.SMTP.Port, r.SMTP.TLS, r.SMTP.Username, r.smtpPass, r.Active, db.Now(), r.CAPEM); err != nil {
			return err
		}
		moved := r.IMAP.Host != "" && (r.IMAP.Host != before.IMAP.Host || r.IMAP.Port != before.IMAP.Port ||
			r.IMAP.TLS != before.IMAP.TLS || r.IMAP.Username != before.IMAP.Username)
		oldAuth, auth, err := s.applyOAuth(ctx, tx, id, in.IMAPAuth, in.OAuth, moved)
		if err != nil {
			return err
		}
		c := event.Changes{}
		was, is := fields(&before, oldAuth), fields(r, auth)
		for k, v := range is {
			c.Note(k, was[k], v)
		}
		p := map[string]any{"address": r.Address, "changes": c}
		secrets := changedSecrets(&before, r, oldAuth, auth)
		if len(secrets) > 0 {
			p["password_changed"], p["changed_secrets"] = true, secrets
		}
		if len(c) == 0 && len(secrets) == 0 {
			return nil
		}
		return s.record(ctx, tx, a, EventUpdated, id, p)
	})
	if err != nil {
		if db.IsUniqueViolation(err) {
			err = fault.Field("address", "a mailbox with this address already exists")
		}
		return nil, fmt.Errorf("mailbox: update %d: %w", id, err)
	}
	return s.Get(ctx, id)
}

// Delete removes a mailbox (admins only).
func (s *Service) Delete(ctx context.Context, a *user.Actor, id int64) error {
	if !a.IsAdmin() {
		return fault.Forbidden("only admins manage mailboxes")
	}
	return s.db.WithTx(ctx, func(tx *db.Tx) error {
		r, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("delete-mailbox"), id); err != nil {
			return err
		}
		return s.record(ctx, tx, a, EventDeleted, id, map[string]any{"address": r.Address, "name": r.Name})
	})
}

func (s *Service) scan(sc interface{ Scan(...any) error }) (*row, error) {
	var r row
	var status, lastErr sql.NullInt64
	var c, u int64
	err := sc.Scan(&r.ID, &r.Address, &r.Name, &r.teamID, &r.Team, &r.categoryID, &r.Category, &r.Priority, &r.Inbound,
		&r.IMAP.Host, &r.IMAP.Port, &r.IMAP.TLS, &r.IMAP.Username, &r.imapPass, &r.Folder, &r.AfterImport, &r.MoveTo,
		&r.SMTP.Host, &r.SMTP.Port, &r.SMTP.TLS, &r.SMTP.Username, &r.smtpPass, &r.Active, &r.Status, &status, &c, &u,
		&r.CAPEM, &r.LastError, &lastErr)
	if err != nil {
		return nil, err
	}
	r.IMAP.HasPassword, r.SMTP.HasPassword = r.imapPass != "", r.smtpPass != ""
	r.StatusAt, r.LastErrorAt = db.NullTime(status), db.NullTime(lastErr)
	r.CreatedAt, r.UpdatedAt = db.Time(c), db.Time(u)
	return &r, nil
}

func (s *Service) get(ctx context.Context, q db.Queryer, id int64) (*row, error) {
	r, err := s.scan(q.QueryRowContext(ctx, s.q.Get("select-mailbox"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("mailbox %d: %w", id, fault.ErrNotFound)
	}
	return r, err
}

// Get returns a mailbox without its passwords.
func (s *Service) Get(ctx context.Context, id int64) (*Mailbox, error) {
	r, err := s.get(ctx, s.db.R, id)
	if err != nil {
		return nil, err
	}
	return &r.Mailbox, s.fillOAuth(ctx, s.db.R, &r.Mailbox, false)
}

// ByAddress finds the active mailbox receiving for an address, ignoring
// case and a +tag (support+abc@ is support@).
func (s *Service) ByAddress(ctx context.Context, address string) (*Mailbox, error) {
	address = strings.ToLower(strings.TrimSpace(address))
	if local, domain, ok := strings.Cut(address, "@"); ok {
		if base, _, tagged := strings.Cut(local, "+"); tagged {
			address = base + "@" + domain
		}
	}
	r, err := s.scan(s.db.R.QueryRowContext(ctx, s.q.Get("select-mailbox-by-address"), address))
	if errors.Is(err, sql.ErrNoRows) || err == nil && !r.Active {
		return nil, fmt.Errorf("mailbox %s: %w", address, fault.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return &r.Mailbox, nil
}

// List returns every mailbox, without passwords.
func (s *Service) List(ctx context.Context) ([]*Mailbox, error) {
	return s.ListWith(ctx, s.db.R)
}

// keptKey is the mailboxes ListKept keeps in a transaction (db.Tx.Keep).
type keptKey struct{}

// ListKept is ListWith on tx, read once in it: each ticket write asks which
// mailbox its notifications go out through, and a group's batch on SQLite
// holds dozens of writes — with a statement for the list and one for each
// mailbox's OAuth settings, read by every write in the writer's turn. A
// change of a mailbox in tx (record) drops them, as does any savepoint's
// rollback. Callers must not change them.
func (s *Service) ListKept(ctx context.Context, tx *db.Tx) ([]*Mailbox, error) {
	if mbs, ok := tx.Kept(keptKey{}).([]*Mailbox); ok {
		return mbs, nil
	}
	mbs, err := s.ListWith(ctx, tx)
	if err != nil {
		return nil, err
	}
	tx.Keep(keptKey{}, mbs)
	return mbs, nil
}

// forgetKept drops the mailboxes ListKept keeps in ctx's transaction, if
// it runs in one: a statement on the pools then runs in it.
func forgetKept(ctx context.Context) {
	if tx := db.TxFrom(ctx); tx != nil {
		tx.Forget(keptKey{})
	}
}

// ListWith is List on q: inside a transaction, use the transaction, never
// a second connection from the pool.
func (s *Service) ListWith(ctx context.Context, q db.Queryer) ([]*Mailbox, error) {
	rows, err := q.QueryContext(ctx, s.q.Get("list-mailboxes"))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Mailbox
	for rows.Next() {
		r, err := s.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, &r.Mailbox)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	for _, m := range out {
		if err := s.fillOAuth(ctx, q, m, false); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Credentials returns a mailbox with its passwords opened, for the mail
// code that connects. Never hand its result to a user.
func (s *Service) Credentials(ctx context.Context, id int64) (*Mailbox, error) {
	return s.CredentialsWith(ctx, s.db.R, id)
}

// CredentialsWith is Credentials on q (see ListWith).
func (s *Service) CredentialsWith(ctx context.Context, q db.Queryer, id int64) (*Mailbox, error) {
	r, err := s.get(ctx, q, id)
	if err != nil {
		return nil, err
	}
	m := r.Mailbox
	if m.IMAP.Password, err = s.box.Unseal(r.imapPass); err != nil {
		return nil, fmt.Errorf("mailbox %s: inbound password: %w", m.Address, err)
	}
	if m.SMTP.Password, err = s.box.Unseal(r.smtpPass); err != nil {
		return nil, fmt.Errorf("mailbox %s: outbound password: %w", m.Address, err)
	}
	if err := s.fillOAuth(ctx, q, &m, true); err != nil {
		return nil, fmt.Errorf("mailbox %s: oauth: %w", m.Address, err)
	}
	return &m, nil
}

// SetStatus records the current state of fetching a mailbox.
func (s *Service) SetStatus(ctx context.Context, id int64, status string) error {
	forgetKept(ctx)
	_, err := s.db.W.ExecContext(ctx, s.q.Get("set-mailbox-status"), id, clip(status), db.Now())
	return err
}

// SetError records a failure of fetching a mailbox as its status and as
// its last error, with the time.
func (s *Service) SetError(ctx context.Context, id int64, msg string) error {
	forgetKept(ctx)
	_, err := s.db.W.ExecContext(ctx, s.q.Get("set-mailbox-error"), id, clip(msg), db.Now())
	return err
}

func clip(s string) string {
	if r := []rune(s); len(r) > 500 {
		return string(r[:500])
	}
	return s
}
