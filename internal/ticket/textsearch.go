package ticket

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/user"
)

// Full-text search at a million tickets (issue 13). A text search first
// reads the matching tickets' ids from the full-text index, newest first,
// at most textWindow+1 of them:
//
//   - When that is all of them (a rare or uncommon word), the list is those
//     tickets with the other filters, in any order: a few thousand primary
//     key look-ups at most, never a walk of the recency index.
//   - When there are more (a common word) and the list is newest first, the
//     page comes from the newest textWindow matches, and a second query adds
//     any older-numbered ticket whose activity puts it on the page (it walks
//     the recency index only down to the page's last row). The answer is
//     exact; if the window holds too few tickets passing the filters, it
//     grows (textWindow × 8, × 64) before the search falls back to letting
//     the planner walk. On SQLite the window starts at textWindow/8 (one
//     phrase — a word, a quoted phrase, a prefix: unless those matches lie
//     far apart, walkPast; several: always), and the window's page and the older matches are ids and
//     order values until the page is known, whose rows are read once.
//   - Relevance ranks the newest textWindow matches (all of them when there
//     are fewer), by BM25 (rank.go).
//
// On SQLite the index is search_fts_ticket, one document per ticket with
// rowid = ticket id (migration 0046), so "newest first" streams its
// doclist. On PostgreSQL, whose GIN index cannot stream in order, the
// statistics ANALYZE keeps of the indexed tsvector decide (readFirst): a
// phrase with a word they do not count among the most common is read from
// the index first; common words keep the planner's recency walk, which
// meets a match within a few rows (a few thousand when they seldom meet).
// A ranked search reads the index by blocks of ids instead of walking,
// unless its words are in a fifth of the tickets (rankedMatches).

// relevance is the sort by rank.
const relevance = "relevance"

// textWindow is how many matches, newest first, a search reads from the
// index before it treats the words as common, and how many relevance ranks
// (a variable so tests can make it small).
var textWindow = 2000

// requesterWindow is how many matches a requester's search reads before it
// walks the requester's own tickets instead.
var requesterWindow = 200

// match is a ticket the words match and, when asked for, its rank (higher
// is more relevant).
type match struct {
	id   int64
	rank float64
}

// textMatches reads up to limit+1 tickets matching q newest first (by id;
// PostgreSQL in no order). ok is false on PostgreSQL when every phrase has
// only common words (readFirst): reading the index first would read too
// many of them.
func (s *Service) textMatches(ctx context.Context, a *user.Actor, q search.Query, limit int) (ms []match, ok bool, err error) {
	if s.db.Dialect == db.SQLite {
		ms, err = s.scanMatches(ctx, "SELECT rowid, 0 FROM search_fts_ticket WHERE search_fts_ticket MATCH $1 ORDER BY rowid DESC LIMIT "+
			strconv.Itoa(limit+1), ftsQuery(a, q))
		return ms, true, err
	}
	first, err := s.readFirst(ctx, q)
	if err != nil || !first {
		return nil, false, err
	}
	ms, err = s.ginMatches(ctx, a, q, limit)
	return ms, err == nil, err
}

// pgMatches reads the ids of the tickets whose search_ticket row matches
// the to_tsquery('simple', …) string $1 (pgQuery), as matches.
const pgMatches = "SELECT st.ticket_id, 0 FROM search_ticket st WHERE st.tsv @@ to_tsquery('simple', $1)"

// ginMatches reads up to limit+1 tickets matching q from PostgreSQL's
// text index, in no order.
func (s *Service) ginMatches(ctx context.Context, a *user.Actor, q search.Query, limit int) ([]match, error) {
	return s.pgIDs(ctx, pgMatches+" LIMIT "+
		strconv.Itoa(limit+1), pgQuery(a, q))
}

func (s *Service) scanMatches(ctx context.Context, query string, args ...any) ([]match, error) {
	return s.scanMatchesOn(ctx, s.db.R, query, args...)
}

// scanMatchesOn is scanMatches through q.
func (s *Service) scanMatchesOn(ctx context.Context, q db.Queryer, query string, args ...any) ([]match, error) {
	s.traceQuery(query, args)
	rows, err := q.QueryContext(ctx, s.db.Rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("ticket: search: %w", err)
	}
	return db.Collect(rows, func(r db.Scanner) (match, error) {
		var m match
		return m, r.Scan(&m.id, &m.rank)
	})
}

// docVisibility is the condition on a search document d that a may search.
func docVisibility(a *user.Actor) string {
	if a.IsAgent() {
		return "TRUE"
	}
	return "d.internal = FALSE"
}

// ftsQuery is q as a MATCH expression over the columns a may search.
func ftsQuery(a *user.Actor, q search.Query) string { return ftsScope(a, search.FTS5(q)) }

// ftsScope is the MATCH expression expr over the columns a may search.
func ftsScope(a *user.Actor, expr string) string {
	if a.IsAgent() {
		return expr
	}
	return "{visible} : (" + expr + ")"
}

// textCondition adds "the ticket matches q" to w, written for a walk of
// tickets (each checked on its own) when perRow, else as the set of
// matches: one look-up of the ticket's document (search_fts_ticket on
// SQLite, search_ticket on PostgreSQL).
func (s *Service) textCondition(w *whereBuilder, a *user.Actor, q search.Query, perRow bool) {
	if s.db.Dialect == db.SQLite {
		if perRow {
			w.conds = append(w.conds, "EXISTS (SELECT 1 FROM search_fts_ticket WHERE search_fts_ticket MATCH "+w.arg(ftsQuery(a, q))+" AND rowid = t.id)")
		} else {
			w.conds = append(w.conds, "t.id IN (SELECT rowid FROM search_fts_ticket WHERE search_fts_ticket MATCH "+w.arg(ftsQuery(a, q))+")")
		}
		return
	}
	w.conds = append(w.conds, "EXISTS (SELECT 1 FROM search_ticket st WHERE st.ticket_id = t.id AND st.tsv @@ to_tsquery('simple', "+
		w.arg(pgQuery(a, q))+"))")
}

// inIDs is the condition "t.id is one of ms", written out: ids come from
// the database, and literals let each engine plan for the real count.
func inIDs(ms []match) func(*whereBuilder) {
	return func(w *whereBuilder) {
		if len(ms) == 0 {
			w.conds = append(w.conds, "FALSE")
			return
		}
		w.conds = append(w.conds, "t.id IN ("+idList(ms)+")")
	}
}

// matchIDs is the ids of ms, in order: an array parameter on PostgreSQL.
func matchIDs(ms []match) []int64 {
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.id
	}
	return ids
}

// idList is the ids of ms, comma-separated.
func idList(ms []match) string {
	var b strings.Builder
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(m.id, 10))
	}
	return b.String()
}

// pageOf is page over the tickets ms: first the ids of the page, from
// the matches' own rows, then the page's rows with their joins — never a
// walk of an index in list order. Both read one snapshot (idsThenTickets).
func (s *Service) pageOf(ctx context.Context, w *whereBuilder, spec sortSpec, sortName string, cur *cursor, limit int, ms []match) ([]*Ticket, error) {
	query, args := s.listQuery(w, spec, sortName, cur, limit, idsOnly, false, []func(*whereBuilder){inIDs(ms)})
	return s.idsThenTickets(ctx, spec, sortName, query, args)
}

// pageIDs is the ids of page with the conditions extra (limit+1 at most).
func (s *Service) pageIDs(ctx context.Context, w *whereBuilder, spec sortSpec, sortName string, cur *cursor, limit int, extra ...func(*whereBuilder)) ([]match, error) {
	query, args := s.listQuery(w, spec, sortName, cur, limit, idsOnly, false, extra)
	return s.scanMatches(ctx, query, args...)
}

// rowsOf reads the tickets ids in the list's order, with their joins.
func (s *Service) rowsOf(ctx context.Context, spec sortSpec, sortName string, ids []match) ([]*Ticket, error) {
	return s.rowsOfOn(ctx, s.db.R, spec, sortName, ids)
}

// rowsOfOn is rowsOf through q. On PostgreSQL ids are in the list's order
// already, and are read by ticketsByID.
func (s *Service) rowsOfOn(ctx context.Context, q db.Queryer, spec sortSpec, sortName string, ids []match) ([]*Ticket, error) {
	if len(ids) == 0 {
		return []*Ticket{}, nil
	}
	if s.db.Dialect != db.SQLite {
		return s.ticketsByID(ctx, q, ids)
	}
	query, args := s.listQuery(&whereBuilder{conds: []string{"TRUE"}}, spec, sortName, nil, len(ids), s.q.Get("select-tickets"), false,
		[]func(*whereBuilder){inIDs(ids)})
	return s.scanPageOn(ctx, q, query, args)
}

// listText lists the tickets matching f's text (see the comment above).
func (s *Service) listText(ctx context.Context, a *user.Actor, f Filter, w *whereBuilder, spec sortSpec, sortName string, cur *cursor) ([]*Ticket, error) {
	if sortName == relevance {
		return s.listRelevant(ctx, a, f, w, cur)
	}
	all := func(x *whereBuilder) { s.textCondition(x, a, f.Text, true) }
	newest := sortName == "-updated_at" || sortName == "-created_at"
	window, single := textWindow, false
	switch {
	case !a.IsAgent():
		// A requester's own tickets are few next to everyone's matches:
		// past a small window, walking them is the cheaper way (below).
		window = requesterWindow
	case len(f.Text.Phrases) > 1 && s.db.Dialect == db.SQLite:
		// FTS5's AND of common words steps through their doclists over
		// the ids the window spans: 80 ms for 2,000 matches of three words
		// at 1,000,000 tickets, 10 for 250. (GIN reads every match's
		// posting before it returns one: a smaller window would read
		// them twice.)
		window = max(textWindow/8, 1)
	case newest && s.db.Dialect == db.SQLite:
		// One phrase (a word, a quoted phrase, a prefix), newest first:
		// a common one's newest 250 matches hold its page, where reading
		// 2,000 and the tickets to order them cost most of the search
		// (4–6 ms at 1,000,000 tickets); a rarer one's are read again,
		// 2,000 of them (below).
		window = max(textWindow/8, 1)
		single = true
	}
	for ; ; window *= 8 {
		ms, ok, err := s.textMatches(ctx, a, f.Text, window)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if single && len(ms) > window && window < textWindow && walkPast(ms[:window], f.Limit) > maxWalk {
			// The page's last row would lie so far down the order that
			// olderMatches would pass more tickets than the bigger window
			// reads (and a word with at most textWindow matches is then
			// listed exactly).
			continue
		}
		if len(ms) <= window {
			// Every match is known: the other filters and the order apply
			// to them alone, without checking the words again per row (on
			// SQLite a check per row cost a quarter of a second for 2,000
			// rows).
			return s.pageOf(ctx, w, spec, sortName, cur, f.Limit, ms)
		}
		if s.db.Dialect == db.Postgres {
			if a.IsAgent() && window <= textWindow {
				// GIN reads the matches in no order: a few thousand of
				// them are still cheaper to sort than a walk checking
				// every ticket.
				continue
			}
			break
		}
		if !newest || window > textWindow*64 {
			break
		}
		// The window's page and the older matches are ids and their
		// order's values until the page is known: only its rows are read,
		// once (reading both candidate pages' rows was a third of a
		// search's time).
		top, err := s.pageKeys(ctx, w, spec, sortName, cur, f.Limit, inIDs(ms))
		if err != nil {
			return nil, err
		}
		if len(top) <= f.Limit {
			if !a.IsAgent() {
				break // walk their own tickets
			}
			continue // too few in the window pass the filters
		}
		// Older-numbered matches that sort before the window's last row.
		more, err := s.olderMatches(ctx, a, f, w, spec, sortName, cur, top[f.Limit], ms[len(ms)-1].id)
		if err != nil {
			return nil, err
		}
		keys := append(top, more...)
		slices.SortFunc(keys, func(x, y keyed) int {
			return -cmp.Or(cmp.Compare(x.v, y.v), cmp.Compare(x.id, y.id)) // both newest-first sorts are descending
		})
		page := make([]match, f.Limit+1)
		for i, k := range keys[:f.Limit+1] {
			page[i] = match{id: k.id}
		}
		return s.rowsOf(ctx, spec, sortName, page)
	}
	return s.page(ctx, w, spec, sortName, cur, f.Limit, all)
}

// maxWalk is how many tickets of the order's index olderMatches may be
// expected to pass (walkPast) before a search reads a bigger window
// instead: a few milliseconds of index reads.
const maxWalk = 4000

// walkPast estimates how many tickets olderMatches would pass on its way
// down the order to the page's last row, when the window ms (ids
// descending) holds the page: the tickets newer than the page's last
// match, limit+1 of them at the window's density, as an order by activity
// mostly follows the ids.
func walkPast(ms []match, limit int) int64 {
	span := ms[0].id - ms[len(ms)-1].id + 1
	return int64(limit+1) * span / int64(len(ms))
}

// keyed is a ticket's id and its value in a list's order.
type keyed struct{ v, id int64 }

// pageKeys is the ids and order values of page with the conditions extra
// (limit+1 at most), on SQLite.
func (s *Service) pageKeys(ctx context.Context, w *whereBuilder, spec sortSpec, sortName string, cur *cursor, limit int, extra ...func(*whereBuilder)) ([]keyed, error) {
	query, args := s.listQuery(w, spec, sortName, cur, limit, "SELECT t.id, "+spec.expr+" FROM tickets t WHERE TRUE", false, extra)
	return s.scanKeys(ctx, query, args...)
}

// scanKeys reads the (id, value) rows of query.
func (s *Service) scanKeys(ctx context.Context, query string, args ...any) ([]keyed, error) {
	rows, err := s.db.R.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("ticket: search: %w", err)
	}
	ks, err := db.Collect(rows, func(r db.Scanner) (keyed, error) {
		var k keyed
		return k, r.Scan(&k.id, &k.v)
	})
	if err != nil {
		return nil, fmt.Errorf("ticket: search: %w", err)
	}
	return ks, nil
}

// olderMatches is the page (ids and order values) of the tickets numbered
// before oldest (older
// than the search's window) that match and sort before last, newest
// first: tickets an edit brought back to the top — a reply to an old
// ticket, or a time rule closing a week's resolved tickets at once. Their
// ids are read in the list's order from the order's own index alone
// (updated_at or created_at with id: no row read), a chunk at a time
// until the page is full: the words matched over the chunk's ranges of
// the full-text index (idRanges: a few, skipping the wide gaps between its
// ids), the filters applied to the chunk's matches. A
// check per ticket instead cost about 0.2 ms for three common words: a
// second for the five thousand tickets one time rule run touched. The
// chunks grow (to 6,400) while their tickets do not fill the page.
func (s *Service) olderMatches(ctx context.Context, a *user.Actor, f Filter, w *whereBuilder, spec sortSpec, sortName string, cur *cursor,
	last keyed, oldest int64) ([]keyed, error) {
	var after *keyed // the last one read
	var out []keyed
	for chunk := 2 * (f.Limit + 1); len(out) <= f.Limit; chunk = min(2*chunk, 6400) {
		c := &whereBuilder{}
		c.conds = append(c.conds, "("+spec.expr+", t.id) > ("+c.arg(last.v)+", "+c.arg(last.id)+")",
			"+t.id < "+c.arg(oldest)) // "+": not a rowid range walk (SQLite)
		if after != nil {
			c.conds = append(c.conds, "("+spec.expr+", t.id) < ("+c.arg(after.v)+", "+c.arg(after.id)+")")
		}
		q := "SELECT t.id, " + spec.expr + " FROM tickets t WHERE " + strings.Join(c.conds, " AND ") +
			" ORDER BY " + spec.expr + " DESC, t.id DESC LIMIT " + strconv.Itoa(chunk) // both newest-first sorts
		s.traceQuery(q, c.args)
		cands, err := s.scanKeys(ctx, s.db.Rebind(q), c.args...)
		if err != nil {
			return nil, err
		}
		if len(cands) == 0 {
			break
		}
		after = &cands[len(cands)-1]
		read := make([]int64, len(cands))
		for i, k := range cands {
			read[i] = k.id
		}
		is := map[int64]bool{}
		for _, r := range idRanges(read, maxRanges, rangeGap) {
			matched, err := s.scanMatches(ctx, "SELECT rowid, 0 FROM search_fts_ticket WHERE search_fts_ticket MATCH $1 AND rowid >= $2 AND rowid <= $3",
				ftsQuery(a, f.Text), r[0], r[1])
			if err != nil {
				return nil, err
			}
			for _, m := range matched {
				is[m.id] = true
			}
		}
		var part []match // the chunk's matches, in the list's order
		value := map[int64]int64{}
		for _, k := range cands {
			if is[k.id] {
				part = append(part, match{id: k.id})
				value[k.id] = k.v
			}
		}
		if len(part) > 0 {
			// The chunks follow one another in the list's order, so the
			// filtered chunks do too.
			got, err := s.pageIDs(ctx, w, spec, sortName, cur, f.Limit-len(out), inIDs(part))
			if err != nil {
				return nil, err
			}
			for _, m := range got {
				out = append(out, keyed{v: value[m.id], id: m.id})
			}
		}
		if len(cands) < chunk {
			break
		}
	}
	return out[:min(len(out), f.Limit+1)], nil
}

// maxRanges and rangeGap bound how olderMatches splits a chunk's ids into
// ranges of the full-text index: a range's read costs about 2 µs per
// ticket in it that has the words (a common word is in most), a query of
// its own 0.2–0.5 ms (more for several words: each query starts its
// doclist readers again), so a gap of more than rangeGap ids is worth a
// query of its own, up to maxRanges queries per chunk. A time rule's
// closed tickets sit together; a few replies to tickets far from them
// used to stretch the one range over tens of thousands of matches (130 ms
// for one common word at 1,000,000 tickets).
const (
	maxRanges = 8
	rangeGap  = 256
)

// idRanges splits ids into at most n ranges [lo, hi] that hold them all,
// in ascending order: cut at the widest gaps between neighbours that are
// wider than gap.
func idRanges(ids []int64, n int, gap int64) [][2]int64 {
	if len(ids) == 0 {
		return nil
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	var cuts []int // i: a range ends at ids[i-1], the next starts at ids[i]
	for i := 1; i < len(ids); i++ {
		if ids[i]-ids[i-1] > gap {
			cuts = append(cuts, i)
		}
	}
	if len(cuts) > n-1 {
		// Keep the widest n-1 gaps, in order.
		slices.SortFunc(cuts, func(x, y int) int { return cmp.Compare(ids[y]-ids[y-1], ids[x]-ids[x-1]) })
		cuts = cuts[:n-1]
		slices.Sort(cuts)
	}
	out := make([][2]int64, 0, len(cuts)+1)
	start := 0
	for _, c := range append(cuts, len(ids)) {
		out = append(out, [2]int64{ids[start], ids[c-1]})
		start = c
	}
	return out
}

// listRelevant ranks the newest textWindow matches (all when fewer) that
// pass the filters, most relevant first; the cursor is an offset into them.
func (s *Service) listRelevant(ctx context.Context, a *user.Actor, f Filter, w *whereBuilder, cur *cursor) ([]*Ticket, error) {
	var ms []match
	var ok bool
	var counts termCounts // the matches' counts, when they come with them
	var err error
	newest := sortSpec{expr: "t.id", desc: true}
	kept := w.keepsAll()
	if s.db.Dialect == db.Postgres {
		// GIN gives matches in no order: the newest of them, read with
		// the list's conditions, or a walk.
		var keep func([]match) ([]match, error)
		if !kept {
			keep = func(ms []match) ([]match, error) {
				return s.pageIDs(ctx, w, newest, "", nil, len(ms), inIDs(ms))
			}
		}
		ms, counts, ok, err = s.rankedMatches(ctx, a, f.Text, keep)
		kept = true
	} else {
		ms, counts, err = s.countedMatches(ctx, a, f.Text)
		ok = true
	}
	if err != nil {
		return nil, err
	}
	read := ms
	// The ids of the window's tickets that pass the filters (on
	// PostgreSQL as the matches are read), then their ranks; only the
	// page's rows are read. Filters that keep every ticket (an admin's
	// search, or an agent's with no team hidden from them, and no other
	// filter) read none: the matches are tickets.
	if ok {
		ms = ms[:min(len(ms), textWindow)]
		if !kept {
			ms, err = s.pageIDs(ctx, w, newest, "", nil, len(ms), inIDs(ms))
		}
	} else if w.keepsAll() {
		// PostgreSQL, common words, every match a ticket the list keeps:
		// the newest matches by a walk of the text's own rows.
		ms, counts, err = s.newestTextRows(ctx, a, f.Text)
	} else {
		// PostgreSQL, common words: the newest matches by a walk.
		ms, err = s.pageIDs(ctx, w, newest, "", nil, textWindow-1, func(x *whereBuilder) { s.textCondition(x, a, f.Text, false) })
	}
	if err != nil {
		return nil, err
	}
	if ms, err = s.ranks(ctx, a, f.Text, ms, read, counts); err != nil {
		return nil, err
	}
	off := min(offsetOf(cur), len(ms))
	page := topRanked(ms, off+f.Limit+1)[off:]
	ts, err := s.rowsOf(ctx, newest, "", page)
	if err != nil {
		return nil, err
	}
	at := map[int64]int{}
	for i, m := range page {
		at[m.id] = i
	}
	slices.SortFunc(ts, func(x, y *Ticket) int { return cmp.Compare(at[x.ID], at[y.ID]) })
	return ts, nil
}

// offsetOf is a relevance cursor's offset (0 on the first page).
func offsetOf(c *cursor) int {
	if c == nil || c.V < 0 || c.V > int64(textWindow) {
		return 0
	}
	return int(c.V)
}

// traceQuery hands a search's query to the test hook, if any.
func (s *Service) traceQuery(query string, args []any) {
	if s.trace != nil {
		s.trace(query, args)
	}
}
