package ticket

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// LinkType says how two tickets relate, read from the ticket that holds the
// link: "#1 parent #2" means #1 is the parent of #2.
type LinkType string

// The link types. Child, DuplicatedBy and Causes are the inverse views of
// Parent, DuplicateOf and CausedBy.
const (
	LinkRelated      LinkType = "related"
	LinkParent       LinkType = "parent"
	LinkChild        LinkType = "child"
	LinkDuplicateOf  LinkType = "duplicate_of"
	LinkDuplicatedBy LinkType = "duplicated_by"
	LinkCausedBy     LinkType = "caused_by"
	LinkCauses       LinkType = "causes"
)

var inverse = map[LinkType]LinkType{
	LinkRelated:      LinkRelated,
	LinkParent:       LinkChild,
	LinkChild:        LinkParent,
	LinkDuplicateOf:  LinkDuplicatedBy,
	LinkDuplicatedBy: LinkDuplicateOf,
	LinkCausedBy:     LinkCauses,
	LinkCauses:       LinkCausedBy,
}

// Creatable reports whether a link of this type can be created through the
// API (the inverse-only names are read-only views).
func (l LinkType) Creatable() bool {
	switch l {
	case LinkRelated, LinkParent, LinkChild, LinkDuplicateOf, LinkCausedBy:
		return true
	}
	return false
}

// Link is a relation seen from one ticket.
type Link struct {
	Type    LinkType
	Number  int64 // the other ticket
	Subject string
	Status  Status
}

// AddLink links ticket number to ticket other (agents only).
func (s *Service) AddLink(ctx context.Context, a *user.Actor, number int64, typ LinkType, other int64) error {
	if !a.IsAgent() {
		return fmt.Errorf("ticket: link %d: %w", number, fault.Forbidden("only agents can link tickets"))
	}
	if !typ.Creatable() {
		return fmt.Errorf("ticket: link %d: %w", number, fault.Field("type", "must be one of related, parent, child, duplicate_of, caused_by"))
	}
	return s.link(ctx, a, number, typ, other)
}

func (s *Service) link(ctx context.Context, a *user.Actor, number int64, typ LinkType, other int64) error {
	if err := tooDeep(ctx); err != nil {
		return fmt.Errorf("ticket: link %d: %w", number, err)
	}
	var from, to *Ticket
	err := s.withRetry(ctx, func(tx *db.Tx) error {
		if err := s.lock(ctx, tx, number, other); err != nil {
			return err
		}
		var err error
		if from, err = s.get(ctx, tx, a, number); err != nil {
			return err
		}
		if to, err = s.get(ctx, tx, a, other); err != nil {
			return fault.Field("ticket", "no ticket %d", other)
		}
		if from.ID == to.ID {
			return fault.Field("ticket", "a ticket cannot be linked to itself")
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q.Get("count-link"), from.ID, to.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fault.Conflict("%s and %s are already linked", from.Reference, to.Reference)
		}
		// Store inverse views in their canonical direction.
		src, dst, stored := from, to, typ
		if typ == LinkChild {
			src, dst, stored = to, from, LinkParent
		}
		now := db.Now()
		if _, err := tx.ExecContext(ctx, s.q.Get("insert-link"), src.ID, dst.ID, string(stored), nullID(a.PersonID()), now); err != nil {
			if db.IsUniqueViolation(err) {
				// A concurrent request linked the same pair first.
				return fault.Conflict("%s and %s are already linked", from.Reference, to.Reference)
			}
			return err
		}
		if err := s.appendEvents(ctx, tx, from.ID, a, now, []change{{"link", "", string(typ) + " " + to.Reference}}); err != nil {
			return err
		}
		if err := s.appendEvents(ctx, tx, to.ID, a, now, []change{{"link", "", string(inverse[typ]) + " " + from.Reference}}); err != nil {
			return err
		}
		if err := s.emit(ctx, tx, a, event.LinkCreated, from, event.TicketPayload{Other: to.Number, LinkType: string(typ)}); err != nil {
			return err
		}
		return s.emit(ctx, tx, a, event.LinkCreated, to, event.TicketPayload{Other: from.Number, LinkType: string(inverse[typ])})
	})
	if err != nil {
		return fmt.Errorf("ticket: link %d to %d: %w", number, other, err)
	}
	return nil
}

// Links lists ticket number's links as seen from it, leaving out tickets
// the actor may not see.
func (s *Service) Links(ctx context.Context, a *user.Actor, number int64) ([]Link, error) {
	t, err := s.get(ctx, s.db.R, a, number)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.R.QueryContext(ctx, s.q.Get("list-links"), t.ID)
	if err != nil {
		return nil, err
	}
	type raw struct {
		typ        LinkType
		fromID     int64
		aNum, bNum int64
		aSub, bSub string
		aSt, bSt   Status
	}
	var rs []raw
	for rows.Next() {
		var r raw
		var toID, aTeam, bTeam int64
		if err := rows.Scan(&r.typ, &r.fromID, &toID, &r.aNum, &r.aSub, &r.aSt, &r.bNum, &r.bSub, &r.bSt, &aTeam, &bTeam); err != nil {
			rows.Close()
			return nil, err
		}
		rs = append(rs, r)
	}
	rows.Close()
	out := []Link{}
	for _, r := range rs {
		l := Link{Type: r.typ, Number: r.bNum, Subject: r.bSub, Status: r.bSt}
		if r.fromID != t.ID {
			l = Link{Type: inverse[r.typ], Number: r.aNum, Subject: r.aSub, Status: r.aSt}
		}
		if _, err := s.get(ctx, s.db.R, a, l.Number); err != nil {
			continue // not visible to this actor
		}
		out = append(out, l)
	}
	return out, nil
}

// Merge folds ticket number into ticket into: the conversation, links,
// followers and tags move to the survivor; the merged ticket is closed as a
// duplicate and points at the survivor.
func (s *Service) Merge(ctx context.Context, a *user.Actor, number, into int64) (*Ticket, error) {
	if err := tooDeep(ctx); err != nil {
		return nil, fmt.Errorf("ticket: merge %d: %w", number, err)
	}
	if !a.IsAgent() {
		return nil, fmt.Errorf("ticket: merge %d: %w", number, fault.Forbidden("only agents can merge tickets"))
	}
	var src, dst *Ticket
	err := s.withRetry(ctx, func(tx *db.Tx) error {
		if err := s.lock(ctx, tx, number, into); err != nil {
			return err
		}
		var err error
		if src, err = s.get(ctx, tx, a, number); err != nil {
			return err
		}
		if dst, err = s.get(ctx, tx, a, into); err != nil {
			return fault.Field("into", "no ticket %d", into)
		}
		switch {
		case src.ID == dst.ID:
			return fault.Field("into", "a ticket cannot be merged into itself")
		case src.MergedInto != 0:
			return fault.Conflict("%s was already merged into #%d", src.Reference, src.MergedInto)
		case dst.MergedInto != 0:
			return fault.Conflict("%s was merged into #%d; merge into that ticket instead", dst.Reference, dst.MergedInto)
		case dst.Status == StatusClosed:
			return fault.Conflict("%s is closed; it cannot receive a merge", dst.Reference)
		}
		now := db.Now()
		for _, name := range []string{"move-messages", "move-search-docs", "move-links", "move-links-other"} {
			if _, err := tx.ExecContext(ctx, s.q.Get(name), src.ID, dst.ID); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("delete-links-of"), src.ID); err != nil {
			return err
		}
		// Whoever followed the merged ticket follows the survivor.
		followers, err := s.followers(ctx, tx, src.ID)
		if err != nil {
			return err
		}
		people := append([]Person{src.Requester}, followers...)
		for _, p := range people {
			if p.ID == dst.Requester.ID {
				continue
			}
			if _, err := tx.ExecContext(ctx, s.q.Get("insert-follower"), dst.ID, p.ID); err != nil {
				return err
			}
		}
		tags := slices.Clone(dst.Tags)
		for _, tg := range src.Tags {
			if !slices.Contains(tags, tg) {
				tags = append(tags, tg)
				if _, err := tx.ExecContext(ctx, s.q.Get("insert-tag"), dst.ID, tg); err != nil {
					return err
				}
			}
		}
		slices.Sort(tags)
		dstChanges := []change{{"merged", "", src.Reference}}
		if !slices.Equal(tags, dst.Tags) {
			dstChanges = append(dstChanges, change{"tags", joinTags(dst.Tags), joinTags(tags)})
			dst.Tags = tags
		}
		if err := s.writeTicket(ctx, tx, dst, dst.Version, now, 0, true, nil); err != nil {
			return err
		}
		if err := s.appendEvents(ctx, tx, dst.ID, a, now, dstChanges); err != nil {
			return err
		}
		if err := s.emit(ctx, tx, a, event.TicketUpdated, dst, event.TicketPayload{Fields: []string{"merged"}, Other: src.Number,
			Changes: payloadChanges(dstChanges)}); err != nil {
			return err
		}
		srcChanges := []change{{"merged_into", "", dst.Reference}}
		if src.Status != StatusClosed {
			srcChanges = append(srcChanges, change{"status", string(src.Status), string(StatusClosed)})
			if src.Resolution != ResolutionDuplicate {
				srcChanges = append(srcChanges, change{"resolution", string(src.Resolution), string(ResolutionDuplicate)})
			}
			src.Status, src.Resolution = StatusClosed, ResolutionDuplicate
			t := db.Time(now)
			src.ClosedAt = &t
			if src.ResolvedAt == nil {
				src.ResolvedAt = &t
			}
		}
		// Closing the merged ticket stops its clocks as a resolution
		// does: the write hooks see it as the update of its status (the
		// OnWrite hooks do not: the merge sends no resolution mail and
		// runs no rules for the duplicate).
		var pend *Pending
		if len(srcChanges) > 1 {
			var err error
			if pend, err = s.pending(ctx, tx, Write{Event: event.Event{Type: event.TicketUpdated, At: db.Time(now), TicketID: src.ID,
				Number: src.Number, ActorID: a.ID, TeamID: refID(src.Team), Fields: changedFields(srcChanges)},
				Actor: a, Ticket: src, Fields: fieldChanges(srcChanges)}); err != nil {
				return err
			}
		}
		if err := s.writeTicket(ctx, tx, src, src.Version, now, dst.ID, true, pend); err != nil {
			return err
		}
		if err := s.appendEvents(ctx, tx, src.ID, a, now, srcChanges); err != nil {
			return err
		}
		if pend != nil {
			for _, h := range pend.after {
				if err := h(ctx, tx, pend.Write); err != nil {
					return fmt.Errorf("hook after merge: %w", err)
				}
			}
		}
		return s.emit(ctx, tx, a, event.TicketMerged, src, event.TicketPayload{Other: dst.Number, Changes: payloadChanges(srcChanges)})
	})
	if err != nil {
		return nil, fmt.Errorf("ticket: merge %d into %d: %w", number, into, err)
	}
	return s.Get(ctx, a, number)
}

func joinTags(tags []string) string {
	b, _ := json.Marshal(tags)
	return string(b)
}

// RemoveLink removes the link between ticket number and ticket other
// (agents only), recording it in both tickets' history.
func (s *Service) RemoveLink(ctx context.Context, a *user.Actor, number, other int64) error {
	if !a.IsAgent() {
		if _, err := s.get(ctx, s.db.R, a, number); err != nil {
			return fmt.Errorf("ticket: unlink %d: %w", number, err)
		}
		return fmt.Errorf("ticket: unlink %d: %w", number, fault.Forbidden("only agents can unlink tickets"))
	}
	if err := tooDeep(ctx); err != nil {
		return fmt.Errorf("ticket: unlink %d: %w", number, err)
	}
	err := s.withRetry(ctx, func(tx *db.Tx) error {
		if err := s.lock(ctx, tx, number, other); err != nil {
			return err
		}
		from, err := s.get(ctx, tx, a, number)
		if err != nil {
			return err
		}
		to, err := s.get(ctx, tx, a, other)
		if err != nil {
			return fault.NotFound("%s is not linked to #%d", from.Reference, other)
		}
		var id, holder int64
		var stored LinkType
		if err := tx.QueryRowContext(ctx, s.q.Get("find-link"), from.ID, to.ID).Scan(&id, &holder, &stored); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fault.NotFound("%s is not linked to %s", from.Reference, to.Reference)
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("delete-link"), id); err != nil {
			return err
		}
		// The type as each side sees it.
		fromType := stored
		if holder != from.ID {
			fromType = inverse[stored]
		}
		now := db.Now()
		if err := s.appendEvents(ctx, tx, from.ID, a, now, []change{{"link", string(fromType) + " " + to.Reference, ""}}); err != nil {
			return err
		}
		if err := s.appendEvents(ctx, tx, to.ID, a, now, []change{{"link", string(inverse[fromType]) + " " + from.Reference, ""}}); err != nil {
			return err
		}
		if err := s.emit(ctx, tx, a, event.LinkDeleted, from, event.TicketPayload{Other: to.Number, LinkType: string(fromType)}); err != nil {
			return err
		}
		return s.emit(ctx, tx, a, event.LinkDeleted, to, event.TicketPayload{Other: from.Number, LinkType: string(inverse[fromType])})
	})
	if err != nil {
		return fmt.Errorf("ticket: unlink %d from %d: %w", number, other, err)
	}
	return nil
}
