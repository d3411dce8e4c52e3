package ticket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/markup"
	"github.com/docket/docket/internal/user"
)

// Limits on ticket input.
const (
	MaxSubject     = 255
	MaxBody        = 256 * 1024 // bytes
	MaxTags        = 30
	MaxTag         = 50
	MaxAttachments = 50
	MaxFollowers   = 50
)

// Contact names a person by email, creating a requester if unknown.
type Contact struct {
	Email string
	Name  string
}

// Format is how a message body is written.
type Format string

// The body formats.
const (
	FormatMarkdown Format = "markdown"
	FormatHTML     Format = "html" // from email; sanitized
	FormatText     Format = "text"
)

// NewTicket is the input to Create.
type NewTicket struct {
	Subject      string
	Body         string
	Format       Format
	Requester    *Contact // nil: the actor is the requester
	Type         Type
	Priority     string
	Impact       Level
	Urgency      Level
	Category     string
	Tags         []string
	Team         string
	Assignee     string // email
	CustomFields map[string]any
	Channel      Channel
	// Author is whose words Body is, when an agent or integration opens a
	// ticket on a requester's behalf: "" for the requester (a call, a
	// forwarded request: they said it), or the email of the requester or of
	// the acting agent (then the first message is the agent's own).
	Author string
	// Status, Resolution and Solution open the ticket in a later status
	// than new (agents only): a phone call logged as already resolved.
	Status      Status
	Resolution  Resolution
	Solution    string
	Followers   []string // emails
	Attachments []string // attachment ids uploaded by the actor
	// MessageID and Threading record where an emailed ticket came from.
	MessageID string
	Threading string
	// MailboxID is the mailbox an emailed ticket came in through (0: none).
	MailboxID int64
	// InTx, when set, runs inside the creating transaction with the new
	// ticket's number and message id: the mail importer records the
	// message it imported there, so the import happens exactly once.
	InTx func(ctx context.Context, tx *db.Tx, number, messageID int64) error
}

// hasControl reports control characters other than tab, CR and LF: NUL
// cannot even be stored on PostgreSQL.
func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return true
		}
	}
	return false
}

func cleanSubject(inv *fault.Invalid, s string) string {
	s = strings.Join(strings.Fields(s), " ")
	switch {
	case s == "":
		inv.Add("subject", "is required")
	case !utf8.ValidString(s) || hasControl(s):
		inv.Add("subject", "must be valid UTF-8 text without control characters")
	case utf8.RuneCountInString(s) > MaxSubject:
		inv.Add("subject", "must be at most %d characters", MaxSubject)
	}
	return s
}

func checkBody(inv *fault.Invalid, body string, f Format) {
	switch {
	case strings.TrimSpace(body) == "":
		inv.Add("body", "is required")
	case len(body) > MaxBody:
		inv.Add("body", "must be at most %d bytes", MaxBody)
	case !utf8.ValidString(body) || strings.ContainsRune(body, 0):
		inv.Add("body", "must be valid UTF-8 text without NUL characters")
	}
	if f != FormatMarkdown && f != FormatHTML && f != FormatText {
		inv.Add("format", "must be markdown, html or text")
	}
}

// renderBody turns a body into sanitized HTML for display.
func renderBody(body string, f Format) string {
	switch f {
	case FormatHTML:
		return markup.HTML(body)
	case FormatText:
		return "<p>" + strings.ReplaceAll(html.EscapeString(body), "\n", "<br>\n") + "</p>"
	}
	return markup.Markdown(body)
}

// NormalizeTags lowercases, trims and de-duplicates tags, reporting bad ones.
func NormalizeTags(inv *fault.Invalid, in []string) []string {
	out := []string{}
	if len(in) > 2*MaxTags {
		inv.Add("tags", "at most %d tags", MaxTags)
		return out
	}
	for i, t := range in {
		t = strings.ToLower(strings.Join(strings.Fields(t), "-"))
		switch {
		case t == "":
			inv.Add(fmt.Sprintf("tags[%d]", i), "must not be empty")
		case utf8.RuneCountInString(t) > MaxTag || strings.ContainsAny(t, ",\"'<>") || hasControl(t) || !utf8.ValidString(t):
			inv.Add(fmt.Sprintf("tags[%d]", i), "must be at most %d characters without , \" ' < >", MaxTag)
		case !slices.Contains(out, t):
			out = append(out, t)
		}
	}
	if len(out) > MaxTags {
		inv.Add("tags", "at most %d tags", MaxTags)
	}
	slices.Sort(out)
	return out
}

// resolved holds the ids that names and emails in the input refer to.
type resolved struct {
	category, team, assignee    int64
	categoryName, teamName      string
	teamRestricted              bool
	assigneeEmail, assigneeName string
}

func (s *Service) resolveRefs(ctx context.Context, tx db.Queryer, inv *fault.Invalid, category, team, assignee *string) resolved {
	var r resolved
	if category != nil && *category != "" {
		if c, err := s.categoryByName(ctx, tx, *category); err != nil || !c.Active {
			inv.Add("category", "no active category named %q", *category)
		} else {
			r.category, r.categoryName = c.ID, c.Name
		}
	}
	if team != nil && *team != "" {
		if t, err := s.users.TeamByName(ctx, tx, *team); err != nil {
			inv.Add("team", "no team named %q", *team)
		} else {
			r.team, r.teamName, r.teamRestricted = t.ID, t.Name, t.Restricted
		}
	}
	if assignee != nil && *assignee != "" {
		if u, err := s.users.ByEmailTx(ctx, tx, *assignee); err != nil || !u.Active {
			inv.Add("assignee", "no active agent with email %q", *assignee)
		} else if u.Role == user.RoleRequester {
			inv.Add("assignee", "%s is a requester; only agents and admins can be assigned", *assignee)
		} else {
			r.assignee, r.assigneeEmail, r.assigneeName = u.ID, u.Email, u.Name
		}
	}
	return r
}

// Create opens a new ticket with its first message.
func (s *Service) Create(ctx context.Context, a *user.Actor, in NewTicket) (*Ticket, error) {
	if a == nil {
		return nil, fault.ErrUnauthorized
	}
	if err := tooDeep(ctx); err != nil {
		return nil, fmt.Errorf("ticket: create: %w", err)
	}
	prio, tags, err := checkNew(a, &in)
	if err != nil {
		return nil, fmt.Errorf("ticket: create: %w", err)
	}

	// The body's HTML and the search terms are worked out before the
	// transaction: on SQLite the writer runs one transaction's statements at
	// a time, so work done inside one holds up every other write.
	subjectDoc := newSearchDoc(in.Subject)
	msg := newMessage{body: in.Body, format: in.Format, channel: in.Channel, messageID: in.MessageID,
		threading: in.Threading, attachments: in.Attachments}
	msg.render()
	var t *Ticket
	var msgID int64
	err = s.db.WithTx(ctx, func(tx *db.Tx) error {
		inv := &fault.Invalid{}
		var requester *user.User
		var err error
		if in.Requester == nil || !a.IsAgent() {
			requester, err = s.users.ByEmailTx(ctx, tx, a.Email)
		} else {
			requester, err = s.users.FindOrCreateRequester(ctx, tx, "requester", in.Requester.Email, in.Requester.Name)
		}
		if err != nil {
			return err
		}
		if !requester.Active {
			inv.Add("requester", "%s is deactivated", requester.Email)
		}
		refs := s.resolveRefs(ctx, tx, inv, &in.Category, &in.Team, &in.Assignee)
		defs, err := s.txFieldDefs(ctx, tx)
		if err != nil {
			return err
		}
		// A requester fills in the fields shown to them, required ones
		// included; the rest are the agents' to set.
		asRequester := !a.IsAgent() && a.IsPerson()
		cf := applyFields(inv, defs, in.Type, refs.category, nil, in.CustomFields, bindsRequired(a) || asRequester, asRequester)
		if err := inv.Err(); err != nil {
			return err
		}
		var number int64
		if err := tx.QueryRowContext(ctx, s.q.Get("next-ticket-number")).Scan(&number); err != nil {
			return fmt.Errorf("next number: %w", err)
		}
		cfJSON, _ := json.Marshal(cf)
		tagsJSON, _ := json.Marshal(tags)
		now := db.Now()
		status := StatusNew
		// Hooks that set the row's due times run before it is written.
		d := &Draft{}
		if len(s.before) > 0 {
			draft := &Ticket{Type: in.Type, Subject: in.Subject, Status: status, Priority: prio, Impact: in.Impact,
				Urgency: in.Urgency, Category: optRef(refs.category, refs.categoryName), Team: optRef(refs.team, refs.teamName),
				Requester:    Person{ID: requester.ID, Email: requester.Email, Name: requester.Name},
				Organization: optRef(requester.OrganizationID, ""), Channel: in.Channel, Tags: tags,
				CreatedAt: db.Time(now), UpdatedAt: db.Time(now)}
			_ = json.Unmarshal(cfJSON, &draft.CustomFields) // as a read of the row gives them
			if d, err = s.draft(ctx, tx, draft); err != nil {
				return err
			}
		}
		uid := newUID(ctx, now)
		id, err := tx.InsertID(ctx, s.q.Get("insert-ticket"), uid, number, string(in.Type), in.Subject,
			string(status), int(prio), string(in.Impact), string(in.Urgency), nullID(refs.category), nullID(refs.team),
			nullID(refs.assignee), requester.ID, nullID(requester.OrganizationID), string(in.Channel), string(cfJSON),
			string(tagsJSON), now, nullID(in.MailboxID), optMicros(d.DueAt), optMicros(d.WarnAt))
		if err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		for _, tag := range tags {
			if _, err := tx.ExecContext(ctx, s.q.Get("insert-tag"), id, tag); err != nil {
				return err
			}
		}
		for i, e := range in.Followers {
			f, err := s.users.FindOrCreateRequester(ctx, tx, fmt.Sprintf("followers[%d]", i), e, "")
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.q.Get("insert-follower"), id, f.ID); err != nil {
				return err
			}
		}
		author, uploader := Person{ID: requester.ID, Email: requester.Email, Name: requester.Name}, a.ID
		if !authorIsRequester(in.Author, requester) {
			if !strings.EqualFold(strings.TrimSpace(in.Author), a.Email) || !a.IsPerson() {
				return fault.Field("author", "must be the requester's email (the default) or your own")
			}
			author = Person{ID: a.ID, Email: a.Email, Name: a.Name}
		}
		if !a.IsPerson() {
			uploader = author.ID // the mail importer saved the sender's attachments as theirs
		}
		// The subject's search document goes with the message's.
		written, err := s.insertMessage(ctx, tx, id, author, uploader, msg, now, searchRow{id, 0, false, subjectDoc})
		if err != nil {
			return err
		}
		msgID = written.ID
		if err := s.appendEvents(ctx, tx, id, a, now, []change{{field: "created", new: s.Reference(in.Type, number)}}); err != nil {
			return err
		}
		if in.InTx != nil {
			if err := in.InTx(ctx, tx, number, msgID); err != nil {
				return err
			}
		}
		// The ticket as a read of it gives it, without reading it back.
		t = &Ticket{ID: id, UID: uid, Number: number, Reference: s.Reference(in.Type, number), Type: in.Type,
			Subject: in.Subject, Status: status, Priority: prio, Impact: in.Impact, Urgency: in.Urgency,
			Category: optRef(refs.category, refs.categoryName), Team: optRef(refs.team, refs.teamName),
			TeamRestricted: refs.teamRestricted, Requester: Person{ID: requester.ID, Email: requester.Email, Name: requester.Name},
			Organization: optRef(requester.OrganizationID, requester.Organization), Channel: in.Channel,
			Version: 1, DueAt: storedTime(d.DueAt), CreatedAt: db.Time(now), UpdatedAt: db.Time(now)}
		if refs.assignee != 0 {
			t.Assignee = &Person{refs.assignee, refs.assigneeEmail, refs.assigneeName}
		}
		if err := storedJSON(t, string(cfJSON), string(tagsJSON)); err != nil {
			return err
		}
		if bindsRequired(a) {
			t.MissingFields = t.missing(defs) // the fields as this write saw them
		}
		if err := s.emit(ctx, tx, a, event.TicketCreated, t, event.TicketPayload{MessageID: msgID}); err != nil {
			return err
		}
		if len(s.hooks)+len(d.after) > 0 {
			m, err := s.writtenMessage(ctx, tx, written, number, msg)
			if err != nil {
				return err
			}
			if err := s.runHooks(ctx, tx, Write{Event: event.Event{Type: event.TicketCreated, At: t.CreatedAt, TicketID: t.ID,
				Number: t.Number, ActorID: a.ID, TeamID: refID(t.Team), MessageID: msgID}, Actor: a, Ticket: t, Message: m}, d.after...); err != nil {
				return err
			}
		}
		if in.Status == "" || in.Status == StatusNew {
			return nil
		}
		// The later status is a change of its own, in the same transaction:
		// history, events and notices say the ticket was opened, then
		// resolved, by whom.
		p := Patch{Status: &in.Status}
		if !in.Status.Active() {
			p.Resolution, p.Solution = &in.Resolution, optString(in.Solution)
		}
		t, _, err = s.update(db.WithinTx(ctx, tx), a, number, p, 0)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ticket: create: %w", err)
	}
	t.Followers, _ = s.followers(ctx, s.db.R, t.ID)
	if t.MissingFields == nil {
		if err := s.fillMissing(ctx, a, t); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// storedTime is t as a timestamp column gives it back: microseconds, UTC.
func storedTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := db.Time(t.UnixMicro())
	return &v
}

// checkNew validates a new ticket's input before anything is read,
// filling in the defaults, and returns its priority and normalized tags:
// Create's first step, and the importer's.
func checkNew(a *user.Actor, in *NewTicket) (Priority, []string, error) {
	inv := &fault.Invalid{}
	in.Subject = cleanSubject(inv, in.Subject)
	if in.Format == "" {
		in.Format = FormatMarkdown
	}
	checkBody(inv, in.Body, in.Format)
	if in.Type == "" {
		in.Type = Incident
	} else if !in.Type.Valid() {
		inv.Add("type", "must be one of incident, request, problem, change")
	}
	if in.Channel == "" {
		in.Channel = ChannelAPI
	} else if !in.Channel.Valid() {
		inv.Add("channel", "must be one of email, portal, api, phone, monitoring, web")
	}
	prio := P3
	if in.Impact != "" || in.Urgency != "" {
		if !in.Impact.Valid() {
			inv.Add("impact", "must be high, medium or low")
		}
		if !in.Urgency.Valid() {
			inv.Add("urgency", "must be high, medium or low")
		}
		if in.Impact.Valid() && in.Urgency.Valid() {
			prio = FromMatrix(in.Impact, in.Urgency)
		}
	}
	if in.Priority != "" {
		p, ok := ParsePriority(in.Priority)
		if !ok {
			inv.Add("priority", "must be one of p1, p2, p3, p4")
		}
		prio = p
	}
	var tags []string
	if a.IsAgent() {
		tags = NormalizeTags(inv, in.Tags)
	}
	if in.Requester != nil && a.IsAgent() {
		// Check the address now, so its error comes with the others.
		if _, err := user.NormalizeEmail("requester.email", in.Requester.Email); err != nil {
			var fe *fault.Invalid
			if errors.As(err, &fe) {
				inv.Fields = append(inv.Fields, fe.Fields...)
			}
		}
	}
	checkInitialStatus(inv, a, *in)
	if len(in.Attachments) > MaxAttachments {
		inv.Add("attachments", "at most %d attachments", MaxAttachments)
	}
	if len(in.Followers) > MaxFollowers {
		inv.Add("followers", "at most %d followers", MaxFollowers)
	}
	if !a.IsAgent() {
		// Requesters describe their problem; triage is the agents' job.
		if in.Requester != nil && !strings.EqualFold(strings.TrimSpace(in.Requester.Email), a.Email) {
			inv.Add("requester", "requesters can only open tickets for themselves")
		}
		for field, set := range map[string]bool{"team": in.Team != "", "assignee": in.Assignee != "",
			"priority": in.Priority != "", "tags": len(in.Tags) > 0, "impact": in.Impact != "", "urgency": in.Urgency != ""} {
			if set {
				inv.Add(field, "only agents can set this")
			}
		}
		if in.Channel != ChannelAPI && in.Channel != ChannelPortal && in.Channel != ChannelEmail {
			inv.Add("channel", "requesters can only use email, portal or api")
		}
	}
	return prio, tags, inv.Err()
}

// authorIsRequester reports whether author (NewTicket.Author) names the
// requester: the default.
func authorIsRequester(author string, requester *user.User) bool {
	author = strings.TrimSpace(author)
	return author == "" || strings.EqualFold(author, requester.Email)
}

// checkInitialStatus checks the status a ticket is opened in: agents only,
// any status a new ticket may move to, with a resolution exactly when it
// is resolved or closed.
func checkInitialStatus(inv *fault.Invalid, a *user.Actor, in NewTicket) {
	if in.Status == "" || in.Status == StatusNew {
		if in.Resolution != "" {
			inv.Add("resolution", "can only be set when the status is resolved or closed")
		}
		if in.Solution != "" {
			inv.Add("solution", "can only be set when the status is resolved or closed")
		}
		return
	}
	switch {
	case !a.IsAgent():
		inv.Add("status", "only agents can set this")
	case !in.Status.Valid():
		inv.Add("status", "must be one of new, open, pending, on_hold, resolved, closed")
	case !CanTransition(StatusNew, in.Status):
		inv.Add("status", "cannot open a ticket as %s", in.Status)
	case in.Status.Active():
		if in.Resolution != "" {
			inv.Add("resolution", "can only be set when the status is resolved or closed")
		}
		if in.Solution != "" {
			inv.Add("solution", "can only be set when the status is resolved or closed")
		}
	case in.Resolution == "":
		inv.Add("resolution", "is required to resolve or close a ticket")
	case !in.Resolution.Valid():
		inv.Add("resolution", "must be one of fixed, workaround, known_issue, by_design, duplicate, wont_fix, cannot_reproduce")
	}
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// optMicros is t in microseconds for a nullable column.
func optMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

func refID(r *Ref) int64 {
	if r == nil {
		return 0
	}
	return r.ID
}
