package ticket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// Import is one ticket for the Importer: what Create and then Reply, in
// this order, would be called with, each at its time.
type Import struct {
	Actor   *user.Actor
	Ticket  NewTicket
	At      int64 // microseconds since the epoch
	Replies []ImportReply
}

// ImportReply is a reply or note on an imported ticket.
type ImportReply struct {
	Actor *user.Actor
	Reply NewReply
	At    int64
}

// Importer writes tickets in bulk with exactly the rows Create and Reply
// write for the same input at the same times — ticket, tags, messages,
// search documents, history, domain events, the number counter — through
// the same validation and the same row-building functions, but without
// their per-write reads: the ticket row is inserted once in its final
// state, names are resolved once, and Prepare (bodies rendered, search
// terms computed, the conversation's status changes applied) runs in any
// number of goroutines ahead of the single writer (Write).
//
// It covers what a seeded help desk needs and refuses the rest: no
// followers, attachments, InTx, initial status, author on behalf or email
// Message-IDs; replies by people who can see the ticket (a requester on
// their own ticket); requesters must exist. It runs the write hooks
// (OnWrite) after each create and reply as the service does, with the
// ticket and message as the service hands them over; but Write inserts a
// batch's tickets and messages before it runs their hooks, so a hook that
// reads the ticket's row finds it in its final state, and one that read its
// messages would find the later ones too — which is why Message-IDs are
// refused: the outgoing mail hook threads an email by the ids of the
// ticket's messages so far (the seeder's test compares against a service
// with every hook of `docket serve` registered).
type Importer struct {
	// Backdate sets the process's clock (db.SetNow) to each write's time
	// while its hooks run, so the rows they stamp "now" are stamped then:
	// for a made-up history (`docket seed`), never in a server.
	Backdate bool

	s    *Service
	defs []*FieldDef

	mu    sync.Mutex
	refs  map[[3]string]importRefs
	users map[string]*user.User
	orgs  map[int64]string
}

type importRefs struct {
	r          resolved
	restricted bool
	invalid    []fault.FieldError
}

// NewImporter returns an importer for the custom fields, categories, teams
// and users as they are now: set them up first.
func (s *Service) NewImporter(ctx context.Context) (*Importer, error) {
	defs, err := s.fieldDefs(ctx, s.db.R)
	if err != nil {
		return nil, err
	}
	return &Importer{s: s, defs: defs, refs: map[[3]string]importRefs{}, users: map[string]*user.User{}, orgs: map[int64]string{}}, nil
}

// Prepared is an Import validated and computed, ready for Write.
type Prepared struct {
	actor     *user.Actor
	in        NewTicket
	at        int64
	prio      Priority
	tags      []string
	refs      resolved
	requester *user.User
	cf, tagsJ string
	subject   searchDoc
	first     newMessage
	replies   []preparedReply
	created   Ticket // as Create hands it to the hooks
	final     Ticket // the row after the last reply
}

type preparedReply struct {
	actor   *user.Actor
	m       newMessage
	at      int64
	changes []change
	changed []string
	hooked  Ticket // as Reply hands it to the hooks
}

// Messages is how many messages p writes.
func (p *Prepared) Messages() int { return 1 + len(p.replies) }

// Prepare validates in as Create and Reply would and computes its rows. It
// is safe for concurrent use.
func (im *Importer) Prepare(ctx context.Context, in Import) (*Prepared, error) {
	a, nt := in.Actor, in.Ticket
	if a == nil {
		return nil, fault.ErrUnauthorized
	}
	switch {
	case len(nt.Followers) > 0, len(nt.Attachments) > 0, nt.InTx != nil, nt.Status != "" && nt.Status != StatusNew,
		nt.Author != "", nt.MessageID != "", !a.IsPerson():
		return nil, errors.New("ticket: import: followers, attachments, InTx, an initial status, an author on behalf, Message-IDs and non-person actors are not supported")
	}
	prio, tags, err := checkNew(a, &nt)
	if err != nil {
		return nil, fmt.Errorf("ticket: import: %w", err)
	}
	email := a.Email
	if nt.Requester != nil && a.IsAgent() {
		email = nt.Requester.Email
	}
	requester, err := im.user(ctx, email)
	if err != nil {
		return nil, err
	}
	inv := &fault.Invalid{}
	if !requester.Active {
		inv.Add("requester", "%s is deactivated", requester.Email)
	}
	refs, err := im.resolve(ctx, nt.Category, nt.Team, nt.Assignee)
	if err != nil {
		return nil, err
	}
	inv.Fields = append(inv.Fields, refs.invalid...)
	asRequester := !a.IsAgent() && a.IsPerson()
	cf := applyFields(inv, im.defs, nt.Type, refs.r.category, nil, nt.CustomFields, bindsRequired(a) || asRequester, asRequester)
	if err := inv.Err(); err != nil {
		return nil, fmt.Errorf("ticket: import: %w", err)
	}
	cfJSON, _ := json.Marshal(cf)
	tagsJSON, _ := json.Marshal(tags)
	p := &Prepared{actor: a, in: nt, at: in.At, prio: prio, tags: tags, refs: refs.r, requester: requester,
		cf: string(cfJSON), tagsJ: string(tagsJSON), subject: newSearchDoc(nt.Subject),
		first: newMessage{body: nt.Body, format: nt.Format, channel: nt.Channel, messageID: nt.MessageID, threading: nt.Threading}}
	p.first.render()
	// The ticket as byID reads it back after Create; each reply changes it
	// as Reply does, and writeTicket's rule moves the version.
	t := &p.final
	if err := im.fill(ctx, t, p, refs); err != nil {
		return nil, err
	}
	p.created = *t
	for i, rep := range in.Replies {
		r, ra := rep.Reply, rep.Actor
		if err := checkReply(ra, &r); err != nil {
			return nil, fmt.Errorf("ticket: import: reply %d: %w", i+1, err)
		}
		if len(r.Attachments) > 0 || r.InTx != nil || r.Author != 0 || r.MessageID != "" || !ra.IsPerson() {
			return nil, fmt.Errorf("ticket: import: reply %d: attachments, InTx, an author, Message-IDs and non-person actors are not supported", i+1)
		}
		if !sees(ra, refs.r.team, refs.restricted, refs.r.assignee, requester.ID) {
			return nil, fmt.Errorf("ticket: import: reply %d: %w", i+1, fault.ErrNotFound)
		}
		if t.Status == StatusClosed {
			return nil, fmt.Errorf("ticket: import: reply %d: %w", i+1, fault.Conflict("the ticket is closed; follow-ups are not supported"))
		}
		before := [3]string{string(t.Status), string(t.Resolution), t.Solution}
		changes, changed, err := im.s.replyChanges(ra, t, r, rep.At)
		if err != nil {
			return nil, fmt.Errorf("ticket: import: reply %d: %w", i+1, err)
		}
		hooked := *t // Reply hands its in-memory ticket to the hooks, before the write
		if before != [3]string{string(t.Status), string(t.Resolution), t.Solution} {
			t.Version++
		}
		t.UpdatedAt = db.Time(rep.At)
		m := newMessage{body: r.Body, format: r.Format, internal: r.Internal, channel: r.Channel, messageID: r.MessageID, threading: r.Threading}
		m.render()
		p.replies = append(p.replies, preparedReply{actor: ra, m: m, at: rep.At, changes: changes, changed: changed, hooked: hooked})
	}
	return p, nil
}

// fill sets t to the new ticket as scanTicket reads it back.
func (im *Importer) fill(ctx context.Context, t *Ticket, p *Prepared, refs importRefs) error {
	in := p.in
	t.Type, t.Subject, t.Status, t.Priority, t.Impact, t.Urgency = in.Type, in.Subject, StatusNew, p.prio, in.Impact, in.Urgency
	t.Category, t.Team, t.TeamRestricted = optRef(refs.r.category, refs.r.categoryName), optRef(refs.r.team, refs.r.teamName), refs.restricted
	if refs.r.assignee != 0 {
		u, err := im.user(ctx, refs.r.assigneeEmail)
		if err != nil {
			return err
		}
		t.Assignee = &Person{u.ID, u.Email, u.Name}
	}
	r := p.requester
	t.Requester = Person{r.ID, r.Email, r.Name}
	if r.OrganizationID != 0 {
		name, err := im.organization(ctx, r.OrganizationID)
		if err != nil {
			return err
		}
		t.Organization = &Ref{r.OrganizationID, name}
	}
	t.Channel = in.Channel
	if err := json.Unmarshal([]byte(p.cf), &t.CustomFields); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(p.tagsJ), &t.Tags); err != nil {
		return err
	}
	if t.Tags == nil {
		t.Tags = []string{}
	}
	t.Version, t.CreatedAt, t.UpdatedAt = 1, db.Time(p.at), db.Time(p.at)
	return nil
}

func (im *Importer) organization(ctx context.Context, id int64) (string, error) {
	im.mu.Lock()
	name, ok := im.orgs[id]
	im.mu.Unlock()
	if ok {
		return name, nil
	}
	o, err := im.s.users.Organization(ctx, id)
	if err != nil {
		return "", fmt.Errorf("ticket: import: organization %d: %w", id, err)
	}
	im.mu.Lock()
	im.orgs[id] = o.Name
	im.mu.Unlock()
	return o.Name, nil
}

// sees is the visibility rule (visibility) for a ticket held in memory,
// for the people an import lets write: agents as the rule says, requesters
// on their own tickets.
func sees(a *user.Actor, team int64, restricted bool, assignee, requester int64) bool {
	switch {
	case a.IsAdmin():
		return true
	case a.IsAgent():
		return team == 0 || assignee == a.ID || !restricted || a.InTeam(team)
	}
	return a.ID == requester
}

func (im *Importer) user(ctx context.Context, email string) (*user.User, error) {
	email, err := user.NormalizeEmail("requester.email", email)
	if err != nil {
		return nil, fmt.Errorf("ticket: import: %w", err)
	}
	key := strings.ToLower(email)
	im.mu.Lock()
	u := im.users[key]
	im.mu.Unlock()
	if u != nil {
		return u, nil
	}
	if u, err = im.s.users.ByEmail(ctx, email); err != nil {
		return nil, fmt.Errorf("ticket: import: requester %s (the importer creates no users): %w", email, err)
	}
	im.mu.Lock()
	im.users[key] = u
	im.mu.Unlock()
	return u, nil
}

// resolve is resolveRefs, once per combination of names.
func (im *Importer) resolve(ctx context.Context, category, team, assignee string) (importRefs, error) {
	key := [3]string{category, team, assignee}
	im.mu.Lock()
	r, ok := im.refs[key]
	im.mu.Unlock()
	if ok {
		return r, nil
	}
	inv := &fault.Invalid{}
	r.r = im.s.resolveRefs(ctx, im.s.db.R, inv, &category, &team, &assignee)
	r.invalid = inv.Fields
	if r.r.team != 0 {
		t, err := im.s.users.TeamByName(ctx, im.s.db.R, r.r.teamName)
		if err != nil {
			return r, fmt.Errorf("ticket: import: team %q: %w", r.r.teamName, err)
		}
		r.restricted = t.Restricted
	}
	im.mu.Lock()
	im.refs[key] = r
	im.mu.Unlock()
	return r, nil
}

// Write inserts ps in tx: their tickets, tags, messages and history rows
// (insertImported), then each write's domain event and hooks in the order
// Create and Reply run them, then the batch's search documents, in the
// same order (so with the same ids). Calls must not overlap.
func (im *Importer) Write(ctx context.Context, tx *db.Tx, ps []*Prepared) error {
	ctx = withImportMemo(ctx)
	numbers, err := im.reserveNumbers(ctx, tx, len(ps))
	if err != nil {
		return err
	}
	flush := func() error { return nil }
	if im.s.events != nil {
		if flush, err = im.s.events.Buffer(ctx, tx); err != nil {
			return err
		}
	}
	ws, err := im.insertImported(ctx, tx, ps, numbers)
	if err != nil {
		return errors.Join(err, flush())
	}
	docs := make([]searchRow, 0, 4*len(ps))
	for i, p := range ps {
		if docs, err = im.write(ctx, tx, p, numbers[i], &ws[i], docs); err != nil {
			return errors.Join(err, flush())
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return im.s.insertSearchDocs(ctx, tx, docs)
}

// reserveNumbers takes the next n ticket numbers in one statement, the
// numbers n calls of next-ticket-number would take.
func (im *Importer) reserveNumbers(ctx context.Context, tx *db.Tx, n int) ([]int64, error) {
	out := make([]int64, 0, n)
	if n == 0 {
		return out, nil
	}
	rows, err := tx.QueryContext(ctx, im.s.q.Get("reserve-ticket-numbers"), n)
	if err != nil {
		return nil, fmt.Errorf("ticket: import: numbers: %w", err)
	}
	numbers, err := db.Collect(rows, db.Int64)
	switch {
	case err != nil:
		return nil, fmt.Errorf("ticket: import: numbers: %w", err)
	case len(numbers) == 1 && n > 1: // SQLite's counter: the last of them
		for v := numbers[0] - int64(n) + 1; v <= numbers[0]; v++ {
			out = append(out, v)
		}
		return out, nil
	case len(numbers) != n:
		return nil, fmt.Errorf("ticket: import: %d numbers reserved, want %d", len(numbers), n)
	}
	return numbers, nil
}

// write runs p's domain events and write hooks, its rows inserted as w,
// and appends its search documents to docs.
func (im *Importer) write(ctx context.Context, tx *db.Tx, p *Prepared, number int64, w *importedTicket, docs []searchRow) ([]searchRow, error) {
	s, in, a, id := im.s, p.in, p.actor, w.id
	docs = append(docs, searchRow{id, 0, false, p.subject}, searchRow{id, w.msgIDs[0], false, p.first.doc})
	ref := s.Reference(in.Type, number)
	stamp := func(t *Ticket) *Ticket { t.ID, t.UID, t.Number, t.Reference = id, w.uid, number, ref; return t }
	t := stamp(&p.created)
	if err := s.emitAt(ctx, tx, p.at, a, event.TicketCreated, t, event.TicketPayload{MessageID: w.msgIDs[0]}); err != nil {
		return nil, err
	}
	if len(s.hooks) > 0 {
		if im.Backdate {
			db.SetNow(p.at)
		}
		m := p.first.written(w.msgIDs[0], w.msgUIDs[0], number, t.Requester, p.at)
		if err := s.runHooks(ctx, tx, Write{Event: event.Event{Type: event.TicketCreated, At: t.CreatedAt, TicketID: id,
			Number: number, ActorID: a.ID, TeamID: refID(t.Team), MessageID: w.msgIDs[0]}, Actor: a, Ticket: t, Message: m}); err != nil {
			return nil, err
		}
	}
	for k, r := range p.replies {
		msgID, changes := w.msgIDs[k+1], w.changes[k]
		docs = append(docs, searchRow{id, msgID, r.m.internal, r.m.doc})
		t := stamp(&r.hooked)
		if err := s.emitAt(ctx, tx, r.at, r.actor, event.MessageCreated, t, event.TicketPayload{MessageID: msgID,
			Internal: r.m.internal, Fields: r.changed, Changes: payloadChanges(changes)}); err != nil {
			return nil, err
		}
		if len(s.hooks) > 0 {
			if im.Backdate {
				db.SetNow(r.at)
			}
			m := r.m.written(msgID, w.msgUIDs[k+1], number, Person{r.actor.ID, r.actor.Email, r.actor.Name}, r.at)
			if err := s.runHooks(ctx, tx, Write{Event: event.Event{Type: event.MessageCreated, At: db.Time(r.at), TicketID: id,
				Number: number, ActorID: r.actor.ID, TeamID: refID(t.Team), MessageID: msgID, Internal: r.m.internal,
				Fields: r.changed}, Actor: r.actor, Ticket: t, Message: m, Fields: fieldChanges(changes)}); err != nil {
				return nil, err
			}
		}
	}
	return docs, nil
}

// written is the message as messageTx reads it back after its insert.
func (m *newMessage) written(id int64, uid string, number int64, author Person, at int64) *Message {
	return &Message{ID: id, UID: uid, TicketNumber: number, Author: author, Internal: m.internal, Body: m.body,
		BodyHTML: m.html, Format: m.format, Channel: m.channel, MessageID: m.messageID, Threading: m.threading,
		Attachments: []AttachmentRef{}, CreatedAt: db.Time(at)}
}
