package ticket

import (
	"context"
	"slices"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/user"
)

// TraceQueries has fn called with every query a list runs (tests only).
func (s *Service) TraceQueries(fn func(query string, args []any)) { s.trace = fn }

// TraceRuleQueries has fn called with every statement SelectForRules
// runs, from whichever goroutine runs it (tests only; nil stops it).
func (s *Service) TraceRuleQueries(fn func(query string, args []any)) {
	if fn == nil {
		s.traceRules.Store(nil)
		return
	}
	s.traceRules.Store(&fn)
}

// BetweenReads has fn called between the two statements of a page on
// PostgreSQL: a search's ids and tickets, a list's tickets and their
// lookups.
func (s *Service) BetweenReads(fn func()) { s.between = fn }

// SetTextWindow makes the search window n matches until the returned
// function restores it.
func SetTextWindow(n int) func() {
	old := textWindow
	textWindow = n
	return func() { textWindow = old }
}

// SetRequesterWindow makes a requester's search window n matches until the
// returned function restores it.
func SetRequesterWindow(n int) func() {
	old := requesterWindow
	requesterWindow = n
	return func() { requesterWindow = old }
}

// SearchFTSTickets is the statement that writes, at the end of a
// transaction, its tickets' full-text documents.
const SearchFTSTickets = searchFTSTickets

// SearchSizesTickets writes the same tickets' search_sizes rows.
const SearchSizesTickets = searchSizesTickets

// IDRanges is idRanges, for its table test.
var IDRanges = idRanges

// IDSpan is idSpan; PGBlock is the ids of a block of PostgreSQL's text
// indexes, MaxBlocks how many blocks of ids a statement reads at most, and
// OverRead how many times the missing matches a statement reads.
var IDSpan = idSpan

const (
	PGBlock   = pgBlock
	MaxBlocks = maxBlocks
	OverRead  = overRead
)

// SetMergeStep makes a step of MergeIndex write about n pages until the
// returned function restores it.
func SetMergeStep(n int) func() {
	old := mergeStep
	mergeStep = n
	return func() { mergeStep = old }
}

// TermCounts counts q's phrases in the tickets ids as a relevance does
// (fromIndex): on SQLite where the full-text index found them (every match
// of q read as countedMatches reads its window), on PostgreSQL in their
// search_terms rows; or else from search_docs.
// A ticket q does not match has no counts from the index.
func (s *Service) TermCounts(ctx context.Context, a *user.Actor, q search.Query, ids []int64, fromIndex bool) (map[int64][]int, map[int64]int, error) {
	ms := make([]match, len(ids))
	for i, id := range ids {
		ms[i].id = id
	}
	var c termCounts
	var err error
	switch {
	case fromIndex && s.db.Dialect == db.Postgres:
		c, err = s.ticketTermCounts(ctx, a, q, ms)
	case fromIndex:
		_, c, err = s.countedMatches(ctx, a, q)
	default:
		c, err = s.docTermCounts(ctx, a, q, ms)
	}
	if err != nil {
		return nil, nil, err
	}
	tf, length := map[int64][]int{}, map[int64]int{}
	for _, id := range ids {
		if c[id].tf != nil {
			tf[id], length[id] = c[id].tf, c[id].length
		}
	}
	return tf, length, nil
}

// BlockCounts counts, on PostgreSQL, an agent's plain words q in the
// tickets ids as a ranked search reads them with its blocks' matches
// (wordBlocks): every block from the lowest id's to the highest's, in one
// statement. ok is false when q is not read so.
func (s *Service) BlockCounts(ctx context.Context, a *user.Actor, q search.Query, ids []int64) (tf map[int64][]int, length map[int64]int, ok bool, err error) {
	words, ok := blockWords(a, q)
	if s.db.Dialect != db.Postgres || !ok || len(ids) == 0 {
		return nil, nil, false, nil
	}
	lo, hi := slices.Min(ids), slices.Max(ids)
	c := termCounts{}
	if _, err := s.wordBlocks(a, q, words, c)(ctx, blockNames(lo, hi), lo, hi); err != nil {
		return nil, nil, false, err
	}
	tf, length = map[int64][]int{}, map[int64]int{}
	for _, id := range ids {
		if c[id].tf != nil {
			tf[id], length[id] = c[id].tf, c[id].length
		}
	}
	return tf, length, true, nil
}

// InsertRows is insertRows (tests only).
func (s *Service) InsertRows(ctx context.Context, tx *db.Tx, name string, width int, args []any) error {
	_, err := s.insertRows(ctx, tx, name, width, args, false)
	return err
}

// SpanFrequency is spanFrequency.
var SpanFrequency = spanFrequency

// Ranks ranks the tickets ids, matches of q, as a relevance does: with the
// counts countedMatches reads for every match (fromIndex, SQLite) or with
// those docTermCounts reads for ids alone.
func (s *Service) Ranks(ctx context.Context, a *user.Actor, q search.Query, ids []int64, fromIndex bool) (map[int64]float64, error) {
	all, counts, err := s.countedMatches(ctx, a, q)
	if err != nil {
		return nil, err
	}
	if !fromIndex {
		counts = nil
	}
	ts := make([]match, len(ids))
	for i, id := range ids {
		ts[i].id = id
	}
	ranked, err := s.ranks(ctx, a, q, ts, all, counts)
	if err != nil {
		return nil, err
	}
	out := map[int64]float64{}
	for _, m := range ranked {
		out[m.id] = m.rank
	}
	return out, nil
}

// NewestTextRows is newestTextRows: the matches' ids newest first, and
// their counts when they came with them.
func (s *Service) NewestTextRows(ctx context.Context, a *user.Actor, q search.Query) ([]int64, map[int64][]int, map[int64]int, error) {
	ms, c, err := s.newestTextRows(ctx, a, q)
	if err != nil || c == nil {
		return nil, nil, nil, err
	}
	ids, tf, length := make([]int64, len(ms)), map[int64][]int{}, map[int64]int{}
	for i, m := range ms {
		ids[i] = m.id
		tf[m.id], length[m.id] = c[m.id].tf, c[m.id].length
	}
	return ids, tf, length, nil
}
