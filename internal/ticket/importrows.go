package ticket

import (
	"context"
	"fmt"
	"slices"

	"github.com/docket/docket/internal/db"
)

// importedTicket is what Importer.Write inserted for one Prepared: the
// ticket's id and uid, each message's (the first, then each reply's) and
// each reply's history, as Create and Reply would have written them.
type importedTicket struct {
	id      int64
	uid     string
	msgIDs  []int64
	msgUIDs []string
	changes [][]change // each reply's history rows, its message's last
}

// insertImported inserts ps' tickets, tags, messages and history rows,
// each table's rows in the order Create and Reply insert them — so with
// the ids they would take — a few hundred rows a statement instead of a
// statement a write. The uids are drawn in the order Create and Reply
// draw them. What reads these rows (the domain events, the write hooks)
// comes after, in Write.
func (im *Importer) insertImported(ctx context.Context, tx *db.Tx, ps []*Prepared, numbers []int64) ([]importedTicket, error) {
	s := im.s
	out := make([]importedTicket, len(ps))
	var tickets, tags, messages, history []any
	for i, p := range ps {
		in, f, w := p.in, &p.final, &out[i]
		w.uid = newUID(ctx, p.at)
		w.msgUIDs = append(w.msgUIDs, newUID(ctx, p.at))
		for _, r := range p.replies {
			w.msgUIDs = append(w.msgUIDs, newUID(ctx, r.at))
		}
		tickets = append(tickets, w.uid, numbers[i], string(in.Type), in.Subject,
			string(f.Status), string(f.Resolution), f.Solution, int(p.prio), string(in.Impact), string(in.Urgency),
			nullID(p.refs.category), nullID(p.refs.team), nullID(p.refs.assignee), p.requester.ID,
			nullID(p.requester.OrganizationID), string(in.Channel), p.cf, p.tagsJ, f.Version, p.at, f.UpdatedAt.UnixMicro(),
			nullTime(timePtr(f.FirstResponseAt)), nullTime(timePtr(f.ResolvedAt)), nullTime(timePtr(f.ClosedAt)),
			nullID(in.MailboxID))
	}
	ids, err := s.insertRows(ctx, tx, "import-ticket", 25, tickets, true)
	if err != nil {
		return nil, fmt.Errorf("ticket: import: tickets %d–%d: %w", numbers[0], numbers[len(numbers)-1], err)
	}
	for i, p := range ps {
		w := &out[i]
		w.id = ids[i]
		for _, tag := range p.tags {
			tags = append(tags, w.id, tag)
		}
		messages = messageArgs(messages, w.id, p.requester.ID, w.msgUIDs[0], p.first, p.at)
		for k, r := range p.replies {
			messages = messageArgs(messages, w.id, r.actor.ID, w.msgUIDs[k+1], r.m, r.at)
		}
	}
	if _, err := s.insertRows(ctx, tx, "insert-tag", 2, tags, false); err != nil {
		return nil, fmt.Errorf("ticket: import: tags: %w", err)
	}
	msgIDs, err := s.insertRows(ctx, tx, "insert-message", 11, messages, true)
	if err != nil {
		return nil, fmt.Errorf("ticket: import: messages: %w", err)
	}
	for i, p := range ps {
		w := &out[i]
		w.msgIDs, msgIDs = msgIDs[:len(w.msgUIDs):len(w.msgUIDs)], msgIDs[len(w.msgUIDs):]
		history = historyArgs(history, w.id, p.actor, p.at, []change{{field: "created", new: s.Reference(p.in.Type, numbers[i])}})
		for k, r := range p.replies {
			changes := append(r.changes[:len(r.changes):len(r.changes)], messageChange(r.m.internal, w.msgIDs[k+1]))
			w.changes = append(w.changes, changes)
			history = historyArgs(history, w.id, r.actor, r.at, changes)
		}
	}
	if _, err := s.insertRows(ctx, tx, "insert-event", 7, history, false); err != nil {
		return nil, fmt.Errorf("ticket: import: history: %w", err)
	}
	return out, nil
}

// insertRows inserts the rows in args, width values each, with the named
// one-row insert, up to rowsPerInsert rows a statement. With returning
// (an insert that returns id), it returns the rows' ids in their order.
func (s *Service) insertRows(ctx context.Context, tx *db.Tx, name string, width int, args []any, returning bool) ([]int64, error) {
	if width < 1 || len(args)%width != 0 {
		// Refused before anything is written: the whole rows would go in
		// and the rest fail as a statement of no rows (a syntax error).
		return nil, fmt.Errorf("ticket: %s: %d values are not rows of %d", name, len(args), width)
	}
	var ids []int64
	for len(args) > 0 {
		n := min(len(args)/width, rowsPerInsert)
		q, chunk := s.rowsQuery(name, n), args[:n*width]
		args = args[n*width:]
		if !returning {
			if _, err := tx.ExecContext(ctx, q, chunk...); err != nil {
				return nil, err
			}
			continue
		}
		rows, err := tx.QueryContext(ctx, q, chunk...)
		if err != nil {
			return nil, err
		}
		got, err := db.Collect(rows, db.Int64)
		if err != nil {
			return nil, err
		}
		if len(got) != n {
			return nil, fmt.Errorf("%d ids returned for %d rows", len(got), n)
		}
		// Both databases insert a VALUES list's rows in its order, each
		// taking the next id; the order of RETURNING is theirs to choose.
		slices.Sort(got)
		ids = append(ids, got...)
	}
	return ids, nil
}
