package ticket

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/user"
)

// Full-text search on PostgreSQL (issue 13): search_ticket holds one
// tsvector per ticket (migration 0051), the subject and public messages
// weighing 'A' and internal notes 'B', so every phrase of a search is one
// probe of one row per ticket. GIN cannot read matches in recency order:
// a newest-first search reads the index first only when a phrase has a
// word that ANALYZE's statistics do not count among the most common
// (readFirst); a ranked one reads it whole, or by blocks of ids, unless its
// words are so common that a walk meets its window soon (rankedMatches).

// statsTTL is how long the statistics read from pg_stats are kept. They
// describe the word frequencies ANALYZE sampled, not any user's data, and
// only choose a plan and weigh words: a stale copy never changes which
// tickets a search finds.
const statsTTL = time.Minute

// wordStats are the most common lexemes of search_ticket.tsv and the
// share of tickets each is in.
type wordStats struct {
	read time.Time
	freq map[string]float64
}

// statsCache keeps the last wordStats read.
type statsCache struct {
	mu    sync.Mutex
	stats *wordStats
}

// wordStats returns the statistics, read at most once per statsTTL.
func (s *Service) wordStats(ctx context.Context) (*wordStats, error) {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	if st := s.stats.stats; st != nil && time.Since(st.read) < statsTTL {
		return st, nil
	}
	var elems, freqs *string
	query := `SELECT most_common_elems::text, most_common_elem_freqs::text FROM pg_stats
		WHERE schemaname = current_schema() AND tablename = 'search_ticket' AND attname = 'tsv'`
	s.traceQuery(query, nil)
	err := s.db.R.QueryRowContext(ctx, query).Scan(&elems, &freqs)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("ticket: search statistics: %w", err)
	}
	st := &wordStats{read: time.Now(), freq: map[string]float64{}}
	if elems != nil && freqs != nil {
		es, fs := strings.Split(strings.Trim(*elems, "{}"), ","), strings.Split(strings.Trim(*freqs, "{}"), ",")
		for i, e := range es {
			if i < len(fs) {
				f, _ := strconv.ParseFloat(fs[i], 64)
				st.freq[strings.Trim(e, `"`)] = f
			}
		}
	}
	s.stats.stats = st
	return st, nil
}

// share is the statistics' share of tickets containing word (as a prefix
// when prefix: the commonest lexeme it begins), 0 when not among the most
// common.
func (st *wordStats) share(word string, prefix bool) float64 {
	if !prefix {
		return st.freq[word]
	}
	best := 0.0
	for e, f := range st.freq {
		if strings.HasPrefix(e, word) {
			best = max(best, f)
		}
	}
	return best
}

// phraseShare is the share of tickets the statistics give a phrase: that
// of its rarest stem, in the language it is commonest in (0 when every
// language has a stem not among the most common).
func (st *wordStats) phraseShare(p search.Phrase) float64 {
	best := 0.0
	for _, v := range search.Variants(p) {
		share := 1.0
		for j, w := range v {
			share = min(share, st.share(w, p.Prefix && j == len(v)-1))
		}
		best = max(best, share)
	}
	return best
}

// readFirst reports whether a search for q reads its matches from the
// index first: when q has a phrase with a word the statistics do not count
// among the most common (without statistics every word is rare). Common
// words that seldom meet are walked all the same: read first when the
// statistics expected them together in at most textWindow tickets (the
// product of their shares), a lone search of three such words took 41 ms
// instead of 742 at a million tickets, but eight at a time answered 5–35 %
// fewer searches a second than with the walk (BENCHMARKS.md, search 4).
func (s *Service) readFirst(ctx context.Context, q search.Query) (bool, error) {
	st, err := s.wordStats(ctx)
	if err != nil {
		return false, err
	}
	for _, p := range q.Phrases {
		if st.phraseShare(p) == 0 {
			return true, nil
		}
	}
	return false, nil
}

// walkShare is the share of tickets a ranked search's words must be
// expected in for PostgreSQL to find its newest matches by a walk of
// search_ticket, newest first: it then checks at most about
// textWindow/walkShare (10,000) tickets, about 2 µs each.
const walkShare = 0.2

// readAll reports whether a ranked search whose statistics expect it in
// expected tickets reads all its matches from the text index, in no
// order: when they expect no more than its window. More are read a block
// of ids at a time (blockMatches). Reading all below 10,000 expected, up
// to 20,000 matches, made the slowest searches under load (130 ms on
// average at c=8, a million tickets); with the window, relevance's p99
// fell from 283–308 ms to 157–219 ms (BENCHMARKS.md, search 10).
func readAll(expected float64) bool { return expected <= float64(textWindow) }

// rankedMatches is, on PostgreSQL, the newest textWindow matches of q that
// relevance ranks, read from the text index. ok is false when the words
// are so common that the walk is cheaper (walkShare). Otherwise, when the
// statistics expect at most the window (readAll; or a word is not among the
// most common), every match is read; when there are more (expected, or
// found past twice that), the newest blocks of ids are read until they
// hold textWindow matches. A walk passed 115,000 tickets for two words in
// 1.6 % of a million (174–250 ms), and up to 9 s when three words met far
// less than their shares said; the blocks that held their newest 4,000
// matches took 7–16 ms alone (BENCHMARKS.md, search 9), and blocks of
// 4,096 ids hold about 2,500 (search 12).
//
// keep, when not nil, is the list's other conditions: it returns the
// matches given that pass them, newest first. Matches read whole pass it
// textWindow at a time, and blocks are read, until textWindow pass. When
// they keep few of the matches (a requester's own tickets, an agent's
// "mine"), ok is false: the list's walk reads only its own tickets, where
// the blocks would be read to the oldest.
//
// An agent's plain words are read from search_words' blocks with their
// counts (wordBlocks): counts then holds every match read, else it is nil.
func (s *Service) rankedMatches(ctx context.Context, a *user.Actor, q search.Query, keep func([]match) ([]match, error)) (ms []match, counts termCounts, ok bool, err error) {
	st, err := s.wordStats(ctx)
	if err != nil {
		return nil, nil, false, err
	}
	share := 1.0
	for _, p := range search.Distinct(q.Phrases) {
		share *= st.phraseShare(p)
	}
	if share >= walkShare {
		return nil, nil, false, nil
	}
	lo, hi, err := s.ticketIDs(ctx)
	if err != nil {
		return nil, nil, false, err
	}
	if total := float64(hi - lo + 1); readAll(share * total) {
		most := 2 * textWindow
		if ms, err = s.ginMatches(ctx, a, q, most); err != nil {
			return nil, nil, false, err
		}
		if len(ms) <= most {
			ms, err = keptNewest(ms, keep)
			return ms, nil, err == nil, err
		}
		share = max(share, float64(most)/total)
	}
	if keep != nil && !a.IsAgent() {
		// A requester's own tickets are few among the matches: the blocks
		// would be read to the oldest, where a walk of their tickets is
		// short.
		return nil, nil, false, nil
	}
	var read readBlocks
	if words, ok := blockWords(a, q); ok {
		counts = make(termCounts, 2*textWindow)
		read = s.wordBlocks(a, q, words, counts)
	} else {
		read = s.ticketBlocks(a, q)
	}
	ms, ok, err = blockMatches(ctx, lo, hi, share, keep, read)
	if !ok || err != nil {
		return nil, nil, false, err
	}
	ms, _ = keptNewest(ms, nil)
	return ms, counts, true, nil
}

// keptNewest is the newest textWindow of ms that keep keeps (nil: all),
// newest first: ms newest first, passed to keep a window at a time.
func keptNewest(ms []match, keep func([]match) ([]match, error)) ([]match, error) {
	slices.SortFunc(ms, func(x, y match) int { return cmp.Compare(y.id, x.id) })
	if keep == nil {
		return ms[:min(len(ms), textWindow)], nil
	}
	var out []match
	for len(ms) > 0 && len(out) < textWindow {
		n := min(len(ms), textWindow)
		got, err := keep(ms[:n])
		if err != nil {
			return nil, err
		}
		out, ms = append(out, got...), ms[n:]
	}
	return out[:min(len(out), textWindow)], nil
}

// pgBlockOf is the second column of PostgreSQL's text indexes for a row
// whose ticket's id is the column id (search_ticket_fts, migration 0068;
// search_words_fts, 0069): the lexeme of the ticket's block of ids, '#'
// and id >> pgBlockBits, which no query's word can be.
func pgBlockOf(id string) string {
	return "array_to_tsvector(ARRAY['#' || (" + id + " >> " + strconv.Itoa(pgBlockBits) + ")::text])"
}

// pgBlockBits is how many low bits of a ticket id its block leaves out
// (migrations 0068 and 0069 name the same number). Every match a block
// holds costs about 1.5–2 µs, read or not: with blocks of 16,384 ids (14
// bits, migration 0066), two words in a tenth of a million tickets read
// 5,000–8,000 matches for the 2,000 ranked.
const pgBlockBits = 12

// pgBlock is the number of ticket ids in a block of the text indexes
// (pgBlockOf: id >> pgBlockBits); maxBlocks is how many blocks' worth of
// ids one statement reads at most, 131,072 (its span may touch 33
// blocks): 32 blocks of a word in 4 % of a million tickets took the index
// 19 ms. overRead is how many times the matches still missing, at the
// density expected, a statement's span of ids is chosen to hold: a
// statement that falls short costs one more, about half a millisecond and
// the blocks it reads. fewKept is the share of the matches read below
// which a list's conditions are left to its walk.
const (
	pgBlock   = 1 << pgBlockBits
	maxBlocks = 32
	overRead  = 1.25
	fewKept   = 1.0 / 8
)

// readBlocks reads the matches with ids from bottom to top, in the blocks
// the tsquery string blocks names ('#n' | …, every block of those ids).
type readBlocks func(ctx context.Context, blocks string, bottom, top int64) ([]match, error)

// pgSpan is the condition that a block statement's matches (their ticket
// id the column id) have ids from $3 to $4: checked on each row the index
// found, after the row is fetched, where it keeps a statement from
// counting and returning the whole of its oldest and newest blocks. The
// "+ 0" keeps the planner from reading the range by the primary key and
// testing each ticket's words.
func pgSpan(id string) string { return id + " + 0 BETWEEN $3 AND $4" }

// ticketBlocks reads the blocks' matches of q for a from search_ticket,
// pgMatches answered by both columns of its text index.
func (s *Service) ticketBlocks(a *user.Actor, q search.Query) readBlocks {
	query := pgMatches + " AND " + pgBlockOf("st.ticket_id") + " @@ CAST($2 AS tsquery) AND " + pgSpan("st.ticket_id")
	arg := pgQuery(a, q)
	return func(ctx context.Context, blocks string, bottom, top int64) ([]match, error) {
		return s.pgIDs(ctx, query, arg, blocks, bottom, top)
	}
}

// wordBlocks reads the blocks' matches of an agent's plain words
// (plainWords, lettersOnly: as search_ticket's tsvectors hold them) from
// search_words, answered by both columns of its text index (migration
// 0069), and adds their counts to counts: one pass over the rows the
// ranks count in, where reading them by id after the matches cost a
// descent of the primary key each, about 2 µs (BENCHMARKS.md, search 13).
func (s *Service) wordBlocks(a *user.Actor, q search.Query, words [][]string, counts termCounts) readBlocks {
	// The words' lexemes as search_ticket's query names them: the keys of
	// search_words are those of the tsvectors for words of letters alone.
	wq := newWordQuery(words, []any{pgQuery(a, q), "", int64(0), int64(0)})
	query := aggregate("SELECT " + wq.line() + " AS line FROM " + wordRows + " WHERE search_words_keys(words) @@ CAST($1 AS tsquery) AND " +
		pgBlockOf("ticket_id") + " @@ CAST($2 AS tsquery) AND " + pgSpan("ticket_id"))
	return func(ctx context.Context, blocks string, bottom, top int64) ([]match, error) {
		q := wq
		q.args = slices.Clone(wq.args)
		q.args[1], q.args[2], q.args[3] = blocks, bottom, top
		return s.readWords(ctx, a, q, query, textWindow, counts)
	}
}

// blockWords is q's words (plainWords) when a ranked search of q by a
// reads its blocks from search_words (wordBlocks): an agent's, every
// phrase a word of letters alone with a variant. search_words holds
// internal notes' words too, which a requester may not search.
func blockWords(a *user.Actor, q search.Query) ([][]string, bool) {
	words, ok := plainWords(q)
	if !ok || !a.IsAgent() || !lettersOnly(words) {
		return nil, false
	}
	for _, vs := range words {
		if len(vs) == 0 {
			return nil, false
		}
	}
	return words, true
}

// blockMatches reads the matches among the newest ids, a span of ids at
// a time through read, until at least textWindow are read (or every id
// is): every match newer than the last span read is then among them.
// Each statement reads the ids that, at share (then at the density
// found), hold overRead times the matches still missing (idSpan); with
// keep, only the matches it keeps count, and are returned. ok is false
// when keep has kept less than fewKept of textWindow matches or more.
func blockMatches(ctx context.Context, lo, hi int64, share float64, keep func([]match) ([]match, error), read readBlocks) (_ []match, ok bool, _ error) {
	var ms []match
	density, seen, n := min(1, hopeful*share), int64(0), 0
	for top := hi; top >= lo && len(ms) < textWindow; {
		bottom := idSpan(top, lo, overRead*float64(textWindow-len(ms))/max(density, 1e-9))
		got, err := read(ctx, blockNames(bottom, top), bottom, top)
		n += len(got)
		if err == nil && keep != nil && len(got) > 0 {
			got, err = keep(got)
		}
		if err != nil {
			return nil, false, err
		}
		if keep != nil && n >= textWindow && float64(len(ms)+len(got)) < fewKept*float64(n) {
			return nil, false, nil
		}
		ms = append(ms, got...)
		seen += top - bottom + 1
		density = float64(len(ms)+1) / float64(seen)
		top = bottom - 1
	}
	return ms, true, nil
}

// blockNames is the tsquery string of the blocks that hold the ids from
// bottom to top, newest first: '#n' | '#n-1' | ….
func blockNames(bottom, top int64) string {
	blocks := make([]string, 0, top>>pgBlockBits-bottom>>pgBlockBits+1)
	for b := top >> pgBlockBits; b >= bottom>>pgBlockBits; b-- {
		blocks = append(blocks, "'#"+strconv.FormatInt(b, 10)+"'")
	}
	return strings.Join(blocks, " | ")
}

// hopeful is how many times denser than the statistics say a search's
// first span of ids is taken to hold its matches. A word's share is the
// whole table's, and new tickets' words often run denser: in the newest
// 20,000 of the million-ticket desk, "onboarding" was in 16.7 % against
// 11.6 %, "onboarding monitor" in 5.6 % against 2.8 %, and the first
// statement of the latter read and counted twice the window and a
// quarter. A span that falls short costs one statement more, about half
// a millisecond; each match read past the window costs PostgreSQL and
// Docket about 2 µs.
const hopeful = 2

// idSpan is the lowest id of the span one statement of blockMatches reads
// from top down: want ids (the matches wanted over their density; at
// least one), at most maxBlocks blocks' worth, none below lo. A span ends
// inside a block as often as not: a dense word's 2,000 matches are a part
// of one block or two, where whole blocks held up to twice as many, each
// counted.
func idSpan(top, lo int64, want float64) (bottom int64) {
	n := int64(max(1, min(math.Ceil(want), float64(maxBlocks*pgBlock))))
	return max(lo, top-n+1)
}

// newestTextRows is, on PostgreSQL, the newest textWindow matches of q
// found by walking search_ticket alone, newest ticket id first: for a
// list whose conditions keep every ticket (an admin's search, or an
// agent's with no team hidden from them), where every row of search_ticket
// is a ticket of the list. The walk of tickets that probes each one's
// search_ticket row (textCondition) reads two tables and is planned among
// every index of tickets: at 100,000 tickets, 8.7 ms and 0.45 ms of
// planning for the newest 2,000 of "vpn", against 6.4 and 0.1 ms here; a
// relevance run at c=8 answered 21 % more searches (BENCHMARKS.md). An
// agent's plain words of letters walk search_words instead, and their
// counts come with them (newestWordRows); else counts is nil.
func (s *Service) newestTextRows(ctx context.Context, a *user.Actor, q search.Query) (_ []match, counts termCounts, _ error) {
	if words, ok := plainWords(q); ok && a.IsAgent() && lettersOnly(words) {
		return s.newestWordRows(ctx, a, words)
	}
	ms, err := s.pgIDs(ctx, pgMatches+" ORDER BY st.ticket_id DESC LIMIT "+
		strconv.Itoa(textWindow), pgQuery(a, q))
	return ms, nil, err
}

// pgIDs runs query (its first column a ticket's id) on PostgreSQL with
// its ids aggregated into one comma-separated text, and returns them as
// matches in the rows' order: one row to read, where a row per match cost
// Docket about a microsecond each through database/sql, for the few
// thousand a ranked search's blocks hold (29 % of Docket's CPU for ranked
// searches at a million tickets).
func (s *Service) pgIDs(ctx context.Context, query string, args ...any) ([]match, error) {
	query = "SELECT string_agg(m.id::text, ',') FROM (" + query + ") m(id)"
	s.traceQuery(query, args)
	var text []byte
	if err := s.db.R.QueryRowContext(ctx, query, args...).Scan(&text); err != nil {
		return nil, fmt.Errorf("ticket: search: %w", err)
	}
	ms := make([]match, 0, bytes.Count(text, []byte{','})+1)
	for len(text) > 0 {
		var id []byte
		id, text, _ = bytes.Cut(text, []byte{','})
		n := atoi(id)
		if n < 0 {
			return nil, fmt.Errorf("ticket: search: a match read as %q", id)
		}
		ms = append(ms, match{id: int64(n)})
	}
	return ms, nil
}

// pgQuery is q as a to_tsquery('simple', …) string over what a may
// search: a requester's only the 'A' lexemes (no internal notes).
func pgQuery(a *user.Actor, q search.Query) string {
	if a.IsAgent() {
		return search.TSQuery(q)
	}
	return search.TSQueryIn(q, "A")
}

// pgDocFrequency is how many of total tickets phrase p is found in for a:
// counted from the index, up to the window, when its rarest word is not
// among the most common, else the statistics' share.
func (s *Service) pgDocFrequency(ctx context.Context, a *user.Actor, p search.Phrase, total int64) (float64, error) {
	st, err := s.wordStats(ctx)
	if err != nil {
		return 0, err
	}
	if share := st.phraseShare(p); share > 0 {
		return share * float64(total), nil
	}
	var n int
	query := "SELECT COUNT(*) FROM (SELECT 1 FROM search_ticket st WHERE st.tsv @@ to_tsquery('simple', $1) LIMIT " + strconv.Itoa(textWindow+1) + ") m"
	q := pgQuery(a, search.Query{Phrases: []search.Phrase{p}})
	s.traceQuery(query, []any{q})
	if err := s.db.R.QueryRowContext(ctx, query, q).Scan(&n); err != nil {
		return 0, fmt.Errorf("ticket: search: %w", err)
	}
	return float64(n), nil
}
