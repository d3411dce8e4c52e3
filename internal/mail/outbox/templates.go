package outbox

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

//go:embed templates/*.txt
var templateFS embed.FS

// Template is an editable notification template: text/template sources for
// the subject and the plain-text body, executed with TemplateData. The
// ticket tag ("[#1042] ") is put in front of the subject by the outbox, so
// an edited template cannot break threading.
type Template struct {
	Key       string
	Subject   string
	Body      string
	Default   bool      // true when no override is stored
	UpdatedAt time.Time // of the override
}

// TemplateData is what templates see.
type TemplateData struct {
	Ticket    TicketData
	Recipient Address
	Actor     Address // who made the change
	// Message is the message the email is about (the agent's reply, the
	// requester's new message); empty otherwise. The text part shows it as
	// plain text, the HTML part as HTML.
	Message string
	// Signature is the replying agent's signature from their profile (in
	// replies; empty otherwise or when they have none), shown like Message.
	// A reply template that leaves it out gets it at the end, after "-- ".
	Signature string
	// SatisfactionURL is the page where the requester rates the help, in
	// resolution notices to the requester while ratings are on; empty
	// otherwise (and without a base URL).
	SatisfactionURL string
	// Satisfaction lists one link per score (each rates with one click on
	// the page it opens), best first, beside SatisfactionURL.
	Satisfaction []RatingLink
	// SLA is the breached target, in SLA breach notices.
	SLA SLAData
}

// RatingLink is a link that rates the help with one score: Score is its
// value ("good", "4"), Label how people read it.
type RatingLink struct {
	Score, Label, URL string
}

// SLAData names a breached SLA target: Target ("first response") and the
// Policy that set it.
type SLAData struct {
	Target string
	Policy string
}

// TicketData is the ticket as templates see it.
type TicketData struct {
	Number    int64
	Reference string
	Subject   string
	Status    string
	Solution  string
	URL       string // the ticket's page: the workspace's for agents, the portal's for requesters; empty without a base URL
}

// DefaultTemplate returns the embedded default for key.
func DefaultTemplate(key string) (Template, bool) {
	b, err := templateFS.ReadFile("templates/" + key + ".txt")
	if err != nil {
		return Template{}, false
	}
	first, body, _ := strings.Cut(string(b), "\n")
	subject, _ := strings.CutPrefix(first, "Subject: ")
	return Template{Key: key, Subject: strings.TrimSpace(subject), Body: strings.TrimPrefix(body, "\n"), Default: true}, true
}

// Templates reads and writes the template overrides in mail_templates.
type Templates struct{ s *Store }

// Templates returns the template store.
func (s *Store) Templates() *Templates { return &Templates{s: s} }

// Get returns the template for key, the stored override or the default,
// to an admin: templates are edited by admins only.
func (t *Templates) Get(ctx context.Context, a *user.Actor, key string) (*Template, error) {
	if err := requireAdmin(a); err != nil {
		return nil, fmt.Errorf("outbox: template %s: %w", key, err)
	}
	tpl, err := t.s.template(ctx, t.s.db.R, key)
	if err != nil {
		return nil, fmt.Errorf("outbox: template %s: %w", key, err)
	}
	return tpl, nil
}

func (s *Store) template(ctx context.Context, q db.Queryer, key string) (*Template, error) {
	def, ok := DefaultTemplate(key)
	if !ok {
		return nil, fault.ErrNotFound
	}
	var at int64
	err := q.QueryRowContext(ctx, s.q.Get("select-template"), key).Scan(&def.Subject, &def.Body, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return &def, nil
	} else if err != nil {
		return nil, err
	}
	def.Default, def.UpdatedAt = false, db.Time(at)
	return &def, nil
}

// The kinds of domain events template changes write. Their subject is
// "template" with no id: the payload names the template's key.
const (
	EventTemplateUpdated = "template.updated"
	EventTemplateReset   = "template.reset"
)

func requireAdmin(a *user.Actor) error {
	if !a.IsAdmin() {
		return fault.Forbidden("only admins edit notification templates")
	}
	return nil
}

// Put stores an override (admins only). Both parts must parse and execute
// against sample data within the bounds of execute (size of source and
// output, rendering time), so a broken template is refused here rather
// than failing the ticket writes that would use it.
func (t *Templates) Put(ctx context.Context, a *user.Actor, tpl Template) error {
	if err := requireAdmin(a); err != nil {
		return fmt.Errorf("outbox: put template: %w", err)
	}
	inv := &fault.Invalid{}
	if !slices.Contains(Kinds, tpl.Key) {
		inv.Add("key", "must be one of %s", strings.Join(Kinds, ", "))
	}
	if strings.TrimSpace(tpl.Subject) == "" {
		inv.Add("subject", "is required")
	} else if _, err := execute("subject", tpl.Subject, sample); err != nil {
		inv.Add("subject", "%v", err)
	}
	if strings.TrimSpace(tpl.Body) == "" {
		inv.Add("body", "is required")
	} else if _, err := execute("body", tpl.Body, sample); err != nil {
		inv.Add("body", "%v", err)
	}
	if err := inv.Err(); err != nil {
		return fmt.Errorf("outbox: put template: %w", err)
	}
	err := t.s.db.WithTx(ctx, func(tx *db.Tx) error {
		old, err := t.s.template(ctx, tx, tpl.Key)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, t.s.q.Get("upsert-template"), tpl.Key, tpl.Subject, tpl.Body, db.Now()); err != nil {
			return err
		}
		c := event.Changes{}
		c.Note("subject", old.Subject, tpl.Subject)
		c.Note("body", old.Body, tpl.Body)
		if len(c) == 0 && !old.Default {
			return nil
		}
		return t.record(ctx, tx, a, EventTemplateUpdated, tpl.Key, c)
	})
	if err != nil {
		return fmt.Errorf("outbox: put template %s: %w", tpl.Key, err)
	}
	return nil
}

// Reset removes the override for key, restoring the default (admins
// only). Resetting a template that has no override changes nothing.
func (t *Templates) Reset(ctx context.Context, a *user.Actor, key string) error {
	if err := requireAdmin(a); err != nil {
		return fmt.Errorf("outbox: reset template: %w", err)
	}
	err := t.s.db.WithTx(ctx, func(tx *db.Tx) error {
		old, err := t.s.template(ctx, tx, key)
		if err != nil || old.Default {
			return err
		}
		if _, err := tx.ExecContext(ctx, t.s.q.Get("delete-template"), key); err != nil {
			return err
		}
		def, _ := DefaultTemplate(key)
		c := event.Changes{}
		c.Note("subject", old.Subject, def.Subject)
		c.Note("body", old.Body, def.Body)
		return t.record(ctx, tx, a, EventTemplateReset, key, c)
	})
	if err != nil {
		return fmt.Errorf("outbox: reset template %s: %w", key, err)
	}
	return nil
}

// record writes the event of a change to template key, with the subject
// and body before and after where they changed.
func (t *Templates) record(ctx context.Context, tx *db.Tx, a *user.Actor, kind, key string, c event.Changes) error {
	_, err := t.s.events.Append(ctx, tx, kind, a.EventActor(), "template", 0, 0, map[string]any{"key": key, "changes": c})
	return err
}

// render executes the template for key; when a stored override fails, the
// default is used instead, so a template never blocks a ticket write.
func (s *Store) render(ctx context.Context, q db.Queryer, key string, data TemplateData) (subject, body string, err error) {
	tpl, err := s.template(ctx, q, key)
	if err != nil {
		return "", "", fmt.Errorf("template %s: %w", key, err)
	}
	subject, err1 := execute("subject", tpl.Subject, data)
	body, err2 := execute("body", tpl.Body, data)
	if err := errors.Join(err1, err2); err != nil {
		if tpl.Default {
			return "", "", fmt.Errorf("template %s: %w", key, err)
		}
		def, _ := DefaultTemplate(key)
		subject, err1 = execute("subject", def.Subject, data)
		body, err2 = execute("body", def.Body, data)
		if err := errors.Join(err1, err2); err != nil {
			return "", "", fmt.Errorf("template %s: %w", key, err)
		}
	}
	subject = strings.Join(strings.Fields(subject), " ") // one line, no header injection
	return subject, strings.TrimSpace(body) + "\n", nil
}
