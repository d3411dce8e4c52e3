package ticket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// Patch lists the fields to change; nil leaves a field as it is. Category,
// Team and Assignee take "" to clear.
type Patch struct {
	Status       *Status
	Resolution   *Resolution
	Solution     *string
	Priority     *string
	Impact       *Level
	Urgency      *Level
	Type         *Type
	Category     *string
	Tags         *[]string
	Team         *string
	Assignee     *string
	CustomFields map[string]any
	Subject      *string
	Followers    *[]string
}

// MaxSolution bounds the solution text.
const MaxSolution = 64 * 1024

// errRetry asks Update to run again: another writer got in between our read
// and our write, and the caller did not ask for a precondition.
var errRetry = errors.New("ticket: concurrent update")

// withRetry runs fn in a transaction, again when it reports errRetry: a
// concurrent writer changed the ticket between our read and our write, and
// the whole read-decide-write must see the new state.
func (s *Service) withRetry(ctx context.Context, fn func(tx *db.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := s.db.WithTx(ctx, fn)
		if !errors.Is(err, errRetry) && !db.IsRetryable(err) || attempt >= 10 {
			return err
		}
	}
}

// lock takes the row locks of up to two tickets (PostgreSQL; SQLite
// already has a single writer) before anything else is written, so
// concurrent writers queue on the ticket instead of deadlocking on tags,
// followers or messages.
func (s *Service) lock(ctx context.Context, tx *db.Tx, a, b int64) error {
	if s.db.Dialect == db.SQLite {
		return nil // its one writer runs one transaction at a time
	}
	rows, err := tx.QueryContext(ctx, s.q.Get("lock-tickets"), a, b)
	if err != nil {
		return err
	}
	return rows.Close()
}

// Update applies p to ticket number. With ifVersion > 0 it fails with
// fault.ErrPrecondition when the ticket's version differs (the ETag rule);
// without, concurrent writers are serialized and none of their changes is
// lost.
func (s *Service) Update(ctx context.Context, a *user.Actor, number int64, p Patch, ifVersion int64) (*Ticket, error) {
	if !a.IsAgent() {
		// The ticket may not even be visible; answer as Get would.
		if _, err := s.get(ctx, s.db.R, a, number); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("ticket: update %d: %w", number, fault.Forbidden("only agents can change tickets"))
	}
	if err := tooDeep(ctx); err != nil {
		return nil, fmt.Errorf("ticket: update %d: %w", number, err)
	}
	for attempt := 0; ; attempt++ {
		t, fields, err := s.update(ctx, a, number, p, ifVersion)
		if (errors.Is(err, errRetry) || db.IsRetryable(err)) && attempt < 10 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("ticket: update %d: %w", number, err)
		}
		_ = fields
		t.Followers, _ = s.followers(ctx, s.db.R, t.ID)
		if err := s.fillMissing(ctx, a, t); err != nil {
			return nil, err
		}
		return t, nil
	}
}

func (s *Service) update(ctx context.Context, a *user.Actor, number int64, p Patch, ifVersion int64) (*Ticket, []string, error) {
	var t *Ticket
	var changes []change
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		if err := s.lock(ctx, tx, number, number); err != nil {
			return err
		}
		var err error
		if t, err = s.get(ctx, tx, a, number); err != nil {
			return err
		}
		if ifVersion > 0 && t.Version != ifVersion {
			return fmt.Errorf("ticket %s changed since version %d: %w", t.Reference, ifVersion, fault.ErrPrecondition)
		}
		if t.MergedInto != 0 {
			return fault.Conflict("%s was merged into #%d; change that ticket instead", t.Reference, t.MergedInto)
		}
		read := t.Version
		changes, err = s.apply(ctx, tx, a, t, p)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			return nil
		}
		now := db.Now()
		fields := changedFields(changes)
		// The write hooks see the ticket as it will be written, and may
		// add to its row (the SLA's due times).
		pend, err := s.pending(ctx, tx, Write{Event: event.Event{Type: event.TicketUpdated, At: db.Time(now), TicketID: t.ID,
			Number: t.Number, ActorID: a.ID, TeamID: refID(t.Team), Fields: fields}, Actor: a, Ticket: t, Fields: fieldChanges(changes)})
		if err != nil {
			return err
		}
		if err := s.writeTicket(ctx, tx, t, read, now, 0, true, pend); err != nil {
			if errors.Is(err, errRetry) && ifVersion > 0 {
				return fmt.Errorf("ticket %s changed meanwhile: %w", t.Reference, fault.ErrPrecondition)
			}
			return err
		}
		if err := s.appendEvents(ctx, tx, t.ID, a, now, changes); err != nil {
			return err
		}
		// Re-read without a visibility check: handing a ticket to a
		// restricted team the agent is not in is allowed, and the agent
		// still gets the result of what they just did.
		if t, err = s.byID(ctx, tx, t.ID); err != nil {
			return err
		}
		if err := s.emit(ctx, tx, a, event.TicketUpdated, t, event.TicketPayload{Fields: fields, Changes: payloadChanges(changes)}); err != nil {
			return err
		}
		if len(s.hooks)+len(pend.after) == 0 {
			return nil
		}
		w := pend.Write
		w.Ticket, w.Event.TeamID = t, refID(t.Team)
		return s.runHooks(ctx, tx, w, pend.after...)
	})
	if err != nil {
		return nil, nil, err
	}
	return t, changedFields(changes), nil
}

// changedFields are the fields changes change, each once, in order.
func changedFields(changes []change) []string {
	fields := make([]string, 0, len(changes))
	for _, c := range changes {
		if !slices.Contains(fields, c.field) {
			fields = append(fields, c.field)
		}
	}
	return fields
}

// writeTicket stores the columns of t that differ from the stored row, if
// its version is still read. Only a change to a field agents edit moves
// the version (the ETag): updated_at and the timestamps derived from the
// status do not, so background writes never hand agents a 412.
// An agent's own edit (edited) always moves it, followers included, even
// though followers live in their own table.
// The due and warning times a WriteHook set (p, nil for none) are stored
// too, and t's DueAt is set to what the row holds.
func (s *Service) writeTicket(ctx context.Context, tx *db.Tx, t *Ticket, read int64, now int64, mergedInto int64, edited bool, p *Pending) error {
	stored, err := s.byID(ctx, tx, t.ID)
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if stored.Version != read {
		return errRetry
	}
	return s.writeTicketOver(ctx, tx, stored, t, now, mergedInto, edited, p)
}

// writeTicketOver is writeTicket when the caller holds stored, the ticket
// as read in tx after locking it (so as it is now), and t is that ticket
// changed in memory: it is not read again.
func (s *Service) writeTicketOver(ctx context.Context, tx *db.Tx, stored, t *Ticket, now int64, mergedInto int64, edited bool, p *Pending) error {
	read := stored.Version
	var sets []string
	args := []any{t.ID, read}
	bump := edited
	set := func(col string, old, new any, moves bool) {
		if old == new {
			return
		}
		args = append(args, new)
		sets = append(sets, col+" = $"+strconv.Itoa(len(args)))
		bump = bump || moves
	}
	str := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	set("type", string(stored.Type), string(t.Type), true)
	set("subject", stored.Subject, t.Subject, true)
	set("status", string(stored.Status), string(t.Status), true)
	set("resolution", string(stored.Resolution), string(t.Resolution), true)
	set("solution", stored.Solution, t.Solution, true)
	set("priority", int(stored.Priority), int(t.Priority), true)
	set("impact", string(stored.Impact), string(t.Impact), true)
	set("urgency", string(stored.Urgency), string(t.Urgency), true)
	set("category_id", nullID(refID(stored.Category)), nullID(refID(t.Category)), true)
	set("team_id", nullID(refID(stored.Team)), nullID(refID(t.Team)), true)
	set("assignee_id", nullID(personID(stored.Assignee)), nullID(personID(t.Assignee)), true)
	set("custom_fields", str(stored.CustomFields), str(t.CustomFields), true)
	set("tags", str(stored.Tags), str(t.Tags), true)
	if mergedInto != 0 {
		set("merged_into_id", nil, mergedInto, true)
	}
	set("first_response_at", nullTime(timePtr(stored.FirstResponseAt)), nullTime(timePtr(t.FirstResponseAt)), false)
	set("resolved_at", nullTime(timePtr(stored.ResolvedAt)), nullTime(timePtr(t.ResolvedAt)), false)
	set("closed_at", nullTime(timePtr(stored.ClosedAt)), nullTime(timePtr(t.ClosedAt)), false)
	if p != nil && p.setDue {
		// The SLA's marks, never the version: clock state is no edit.
		args = append(args, optMicros(p.due), optMicros(p.warn))
		sets = append(sets, "due_at = $"+strconv.Itoa(len(args)-1), "warn_at = $"+strconv.Itoa(len(args)))
	}
	args = append(args, now)
	sets = append(sets, "updated_at = $"+strconv.Itoa(len(args)))
	if bump {
		sets = append(sets, "version = version + 1")
	}
	q := s.db.Rebind("UPDATE tickets SET " + strings.Join(sets, ", ") + " WHERE id = $1 AND version = $2")
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errRetry
	}
	if p != nil && p.setDue {
		t.DueAt = storedTime(p.due)
	}
	return nil
}

func personID(p *Person) int64 {
	if p == nil {
		return 0
	}
	return p.ID
}

// apply validates p against t, changes t in memory and returns the history.
func (s *Service) apply(ctx context.Context, tx *db.Tx, a *user.Actor, t *Ticket, p Patch) ([]change, error) {
	inv := &fault.Invalid{}
	var ch []change
	rec := func(field, old, new string) {
		if old != new {
			ch = append(ch, change{field, old, new})
		}
	}
	if p.Subject != nil {
		subj := cleanSubject(inv, *p.Subject)
		rec("subject", t.Subject, subj)
		if subj != t.Subject {
			if err := s.updateSubjectDoc(ctx, tx, t.ID, newSearchDoc(subj)); err != nil {
				return nil, err
			}
		}
		t.Subject = subj
	}
	if p.Type != nil {
		if !p.Type.Valid() {
			inv.Add("type", "must be one of incident, request, problem, change")
		} else {
			rec("type", string(t.Type), string(*p.Type))
			t.Type = *p.Type
		}
	}
	// Priority: impact and urgency derive it; an explicit priority overrides.
	if p.Impact != nil || p.Urgency != nil {
		imp, urg := t.Impact, t.Urgency
		if p.Impact != nil {
			imp = *p.Impact
		}
		if p.Urgency != nil {
			urg = *p.Urgency
		}
		switch {
		case imp == "" && urg == "":
		case !imp.Valid():
			inv.Add("impact", "must be high, medium or low")
		case !urg.Valid():
			inv.Add("urgency", "must be high, medium or low")
		default:
			prio := FromMatrix(imp, urg)
			rec("priority", t.Priority.String(), prio.String())
			t.Priority = prio
		}
		rec("impact", string(t.Impact), string(imp))
		rec("urgency", string(t.Urgency), string(urg))
		t.Impact, t.Urgency = imp, urg
	}
	if p.Priority != nil {
		if prio, ok := ParsePriority(*p.Priority); !ok {
			inv.Add("priority", "must be one of p1, p2, p3, p4")
		} else {
			if i := slices.IndexFunc(ch, func(c change) bool { return c.field == "priority" }); i >= 0 {
				ch = slices.Delete(ch, i, i+1)
				rec("priority", t.Priority.String(), prio.String())
			} else {
				rec("priority", t.Priority.String(), prio.String())
			}
			t.Priority = prio
		}
	}
	refs := s.resolveRefs(ctx, tx, inv, p.Category, p.Team, p.Assignee)
	if p.Category != nil {
		rec("category", refName(t.Category), refs.categoryName)
		t.Category = optRef(refs.category, refs.categoryName)
	}
	if p.Team != nil {
		rec("team", refName(t.Team), refs.teamName)
		t.Team = optRef(refs.team, refs.teamName)
	}
	if p.Assignee != nil {
		old := ""
		if t.Assignee != nil {
			old = t.Assignee.Email
		}
		rec("assignee", old, refs.assigneeEmail)
		t.Assignee = nil
		if refs.assignee != 0 {
			t.Assignee = &Person{ID: refs.assignee, Email: refs.assigneeEmail}
		}
	}
	if p.Tags != nil {
		tags := NormalizeTags(inv, *p.Tags)
		if !slices.Equal(tags, t.Tags) {
			for _, old := range t.Tags {
				if !slices.Contains(tags, old) {
					if _, err := tx.ExecContext(ctx, s.q.Get("delete-tag"), t.ID, old); err != nil {
						return nil, err
					}
				}
			}
			for _, nt := range tags {
				if _, err := tx.ExecContext(ctx, s.q.Get("insert-tag"), t.ID, nt); err != nil {
					return nil, err
				}
			}
			rec("tags", joinTags(t.Tags), joinTags(tags))
			t.Tags = tags
		}
	}
	if p.Followers != nil {
		if err := s.setFollowers(ctx, tx, inv, t, *p.Followers, rec); err != nil {
			return nil, err
		}
	}
	if p.CustomFields != nil || p.Type != nil || p.Category != nil {
		defs, err := s.txFieldDefs(ctx, tx)
		if err != nil {
			return nil, err
		}
		old := t.CustomFields
		t.CustomFields = applyCustomFields(inv, defs, t.Type, refID(t.Category), old, p.CustomFields, bindsRequired(a))
		keys := map[string]bool{}
		for k := range old {
			keys[k] = true
		}
		for k := range t.CustomFields {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			rec("custom_fields."+k, fieldString(old[k]), fieldString(t.CustomFields[k]))
		}
	}
	s.applyStatus(inv, t, p, db.Time(db.Now()), rec)
	if err := inv.Err(); err != nil {
		return nil, err
	}
	return ch, nil
}

// applyStatus applies p's status, resolution and solution to t as of now.
func (s *Service) applyStatus(inv *fault.Invalid, t *Ticket, p Patch, now time.Time, rec func(field, old, new string)) {
	target := t.Status
	if p.Status != nil {
		if !p.Status.Valid() {
			inv.Add("status", "must be one of new, open, pending, on_hold, resolved, closed")
			return
		}
		target = *p.Status
	}
	if target != t.Status && !CanTransition(t.Status, target) {
		inv.Add("status", "cannot change from %s to %s", t.Status, target)
		return
	}
	closing := target == StatusResolved || target == StatusClosed
	if p.Resolution != nil && !closing {
		inv.Add("resolution", "can only be set when the status is resolved or closed")
	}
	if p.Solution != nil && !closing {
		inv.Add("solution", "can only be set when the status is resolved or closed")
	}
	if p.Solution != nil && (len(*p.Solution) > MaxSolution || strings.ContainsRune(*p.Solution, 0) || !utf8.ValidString(*p.Solution)) {
		inv.Add("solution", "must be text of at most %d bytes", MaxSolution)
	}
	res := t.Resolution
	if p.Resolution != nil {
		if !p.Resolution.Valid() {
			inv.Add("resolution", "must be one of fixed, workaround, known_issue, by_design, duplicate, wont_fix, cannot_reproduce")
			return
		}
		res = *p.Resolution
	}
	if closing && res == "" {
		inv.Add("resolution", "is required to resolve or close a ticket")
		return
	}
	if target == t.Status && p.Resolution == nil && p.Solution == nil {
		return
	}
	rec("status", string(t.Status), string(target))
	if closing {
		rec("resolution", string(t.Resolution), string(res))
		t.Resolution = res
		if p.Solution != nil {
			rec("solution", t.Solution, *p.Solution)
			t.Solution = *p.Solution
		}
		if t.ResolvedAt == nil || t.Status != StatusResolved && t.Status != StatusClosed {
			t.ResolvedAt = &now
		}
		if target == StatusClosed && t.ClosedAt == nil {
			t.ClosedAt = &now
		}
	} else if !t.Status.Active() {
		// Reopened: the resolution no longer holds.
		rec("resolution", string(t.Resolution), "")
		t.Resolution, t.Solution, t.ResolvedAt = "", "", nil
	}
	t.Status = target
}

func (s *Service) setFollowers(ctx context.Context, tx *db.Tx, inv *fault.Invalid, t *Ticket, emails []string, rec func(field, old, new string)) error {
	if len(emails) > MaxFollowers {
		inv.Add("followers", "at most %d followers", MaxFollowers)
		return nil
	}
	current, err := s.followers(ctx, tx, t.ID)
	if err != nil {
		return err
	}
	var want []int64
	var wantEmails []string
	for i, e := range emails {
		u, err := s.users.FindOrCreateRequester(ctx, tx, fmt.Sprintf("followers[%d]", i), e, "")
		if err != nil {
			var fe *fault.Invalid
			if errors.As(err, &fe) {
				inv.Fields = append(inv.Fields, fe.Fields...)
				continue
			}
			return err
		}
		if !slices.Contains(want, u.ID) {
			want = append(want, u.ID)
			wantEmails = append(wantEmails, strings.ToLower(u.Email))
		}
	}
	var oldEmails []string
	for _, c := range current {
		oldEmails = append(oldEmails, strings.ToLower(c.Email))
		if !slices.Contains(want, c.ID) {
			if _, err := tx.ExecContext(ctx, s.q.Get("delete-follower"), t.ID, c.ID); err != nil {
				return err
			}
		}
	}
	for _, id := range want {
		if _, err := tx.ExecContext(ctx, s.q.Get("insert-follower"), t.ID, id); err != nil {
			return err
		}
	}
	sort.Strings(oldEmails)
	sort.Strings(wantEmails)
	rec("followers", strings.Join(oldEmails, ", "), strings.Join(wantEmails, ", "))
	return nil
}

func refName(r *Ref) string {
	if r == nil {
		return ""
	}
	return r.Name
}

func optRef(id int64, name string) *Ref {
	if id == 0 {
		return nil
	}
	return &Ref{id, name}
}

func fieldString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		if utf8.RuneCountInString(x) > 500 {
			return string([]rune(x)[:500]) + "…"
		}
		return x
	}
	b, _ := json.Marshal(v)
	return string(b)
}
