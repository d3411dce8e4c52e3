package ticket

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/user"
)

// Relevance (issue 13). FTS5's bm25 counts, on its first call in a query,
// every row that contains each phrase (its IDF), so ranking the newest
// 2,000 matches of a word found in every ticket read the word's whole
// doclist: 0.4–2 s at 1,000,000 tickets; PostgreSQL's ts_rank has no
// document frequency at all, so a common word weighed as much as a rare
// one. Docket ranks with Okapi BM25 on both engines, from sources whose
// cost is the window, not the word's frequency:
//
//   - a phrase's document frequency: on SQLite exact when its matches fit
//     in the window, else estimated from how densely its newest
//     textWindow matches lie among the ticket ids they span (a common
//     word's newest matches are as dense as the rest); on PostgreSQL the
//     share ANALYZE's statistics give its rarest word, counted from the
//     index (up to the window) when that word is not among the commonest;
//   - a ticket's term frequencies and length, each document counted on its
//     own and a subject occurrence weighing subjectWeight times a
//     message's: on SQLite from where FTS5 found the phrases in the
//     ticket's full-text document as the match reads it, its documents
//     told apart by their sizes (countedMatches), on PostgreSQL from its
//     search_terms row, counted in Go (ticketTermCounts).
//
// Only PostgreSQL's statistics are kept between searches (pgsearch.go);
// they are word frequencies, not user data.

// subjectWeight is how much more a word in the subject counts than one
// in a message.
const subjectWeight = 3

// BM25's constants, as FTS5's bm25 has them.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// termCounts are tickets' counts for a query, by ticket id.
type termCounts map[int64]ticketCount

// ticketCount is a ticket's counts for a query: each phrase's weighted
// occurrences, and its length in words.
type ticketCount struct {
	tf     []int
	length int
}

// countSlab hands out the tf slices of up to n tickets' counts of a
// query of phrases phrases from one allocation: a ranked search counts
// up to textWindow+1 tickets, where a slice each was an allocation each.
type countSlab struct {
	buf     []int
	phrases int
}

func newCountSlab(n, phrases int) *countSlab {
	return &countSlab{buf: make([]int, n*phrases), phrases: phrases}
}

// next is a zeroed tf slice of the slab's width (a new allocation once
// the slab is used up).
func (c *countSlab) next() []int {
	if len(c.buf) < c.phrases {
		return make([]int, c.phrases)
	}
	tf := c.buf[:c.phrases:c.phrases]
	c.buf = c.buf[c.phrases:]
	return tf
}

// ranks ranks the tickets ts for q as a sees them (a requester's rank ignores
// internal notes, which they cannot search). ms are the matches of the
// whole query as read (on SQLite by countedMatches): when q has one phrase,
// they give its frequency without another read. counts are the matches'
// counts when they came with them (SQLite; on PostgreSQL an agent's plain
// words, from their blocks, wordBlocks, or their walk, newestWordRows; a
// superset of ts when filters dropped some), else nil.
func (s *Service) ranks(ctx context.Context, a *user.Actor, q search.Query, ts []match, ms []match, counts termCounts) ([]match, error) {
	if len(ts) == 0 {
		return nil, nil
	}
	total, err := s.ticketSpan(ctx)
	if err != nil {
		return nil, err
	}
	idf := make([]float64, len(q.Phrases))
	for i, p := range q.Phrases {
		var df float64
		if s.db.Dialect == db.Postgres {
			if df, err = s.pgDocFrequency(ctx, a, p, total); err != nil {
				return nil, err
			}
		} else {
			if len(q.Phrases) == 1 {
				df = docFrequency(ms, textWindow, total)
			} else if df, err = s.phraseFrequency(ctx, a, p, total); err != nil {
				return nil, err
			}
		}
		idf[i] = math.Log(1 + (float64(total)-df+0.5)/(df+0.5))
	}
	if counts == nil {
		if counts, err = s.ticketTermCounts(ctx, a, q, ts); err != nil {
			return nil, err
		}
	}
	avg := 0.0 // over ts: counts may hold matches the filters dropped
	for _, t := range ts {
		avg += float64(counts[t.id].length)
	}
	avg = max(avg/float64(len(ts)), 1)
	out := make([]match, len(ts))
	for k, t := range ts {
		out[k].id = t.id
		c := counts[t.id] // none for a ticket whose terms are gone since: no occurrence
		norm := bm25K1 * (1 - bm25B + bm25B*float64(c.length)/avg)
		for i := range q.Phrases {
			f := 0.0
			if c.tf != nil {
				f = float64(c.tf[i])
			}
			out[k].rank += idf[i] * f * (bm25K1 + 1) / (f + norm)
		}
	}
	return out, nil
}

// docFrequency is how many tickets a phrase with the newest matches ms
// (at most window+1, newest first, as countedMatches reads them) is found
// in: spanFrequency.
func docFrequency(ms []match, window int, total int64) float64 {
	if len(ms) == 0 {
		return 0
	}
	return spanFrequency(len(ms), ms[0].id, ms[len(ms)-1].id, window, total)
}

// spanFrequency is how many tickets a phrase is found in, from its newest
// n matches (at most window+1) with ids newest to oldest: exact when
// there are no more than window, else the tickets of the ids they span
// times the density of its window gaps between them.
func spanFrequency(n int, newest, oldest int64, window int, total int64) float64 {
	if n <= window {
		return float64(n)
	}
	return min(float64(total), float64(window)*float64(total)/float64(max(newest-oldest, 1)))
}

// phraseFrequency is spanFrequency of p on SQLite, from its newest
// textWindow+1 matches as a sees them, counted where they are read: for a
// query of several words, each word's frequency is one row.
func (s *Service) phraseFrequency(ctx context.Context, a *user.Actor, p search.Phrase, total int64) (float64, error) {
	query := "SELECT count(*), COALESCE(max(rowid), 0), COALESCE(min(rowid), 0) FROM (SELECT rowid FROM search_fts_ticket WHERE search_fts_ticket MATCH $1 ORDER BY rowid DESC LIMIT " +
		strconv.Itoa(textWindow+1) + ")"
	arg := ftsQuery(a, search.Query{Phrases: []search.Phrase{p}})
	s.traceQuery(query, []any{arg})
	var n int
	var newest, oldest int64
	if err := s.db.R.QueryRowContext(ctx, query, arg).Scan(&n, &newest, &oldest); err != nil {
		return 0, fmt.Errorf("ticket: search: %w", err)
	}
	return spanFrequency(n, newest, oldest, textWindow, total), nil
}

// ticketSpan is how many ticket ids there are, the N of the frequencies
// (two seeks of the primary key; deleted tickets' ids count too).
func (s *Service) ticketSpan(ctx context.Context) (int64, error) {
	lo, hi, err := s.ticketIDs(ctx)
	return max(hi-lo+1, 1), err
}

// ticketIDs is the lowest and the highest ticket id (0, 0 without
// tickets).
func (s *Service) ticketIDs(ctx context.Context) (lo, hi int64, err error) {
	err = s.db.R.QueryRowContext(ctx, `SELECT COALESCE((SELECT MIN(id) FROM tickets), 0), COALESCE((SELECT MAX(id) FROM tickets), 0)`).Scan(&lo, &hi)
	if err != nil {
		return 0, 0, fmt.Errorf("ticket: search: %w", err)
	}
	return lo, hi, nil
}

// ticketTermCounts counts, per ticket of ts, each phrase's weighted
// occurrences and the words in the documents a may search, as
// docTermCounts does, from one search_terms row per ticket (PostgreSQL,
// migration 0063): each column's documents joined by the separator are
// counted one by one; a query of plain words reads only its words' entries
// in search_words instead (wordCounts). The ids are one array parameter, so
// the statement is prepared once. On SQLite, whose ranks count in the match
// (countedMatches), it is docTermCounts: the reference the tests rank by.
func (s *Service) ticketTermCounts(ctx context.Context, a *user.Actor, q search.Query, ts []match) (termCounts, error) {
	if s.db.Dialect != db.Postgres {
		return s.docTermCounts(ctx, a, q, ts)
	}
	if words, ok := plainWords(q); ok {
		return s.wordCounts(ctx, a, words, ts)
	}
	ids := matchIDs(ts)
	notes := "NULL"
	if a.IsAgent() {
		notes = "notes"
	}
	query := "SELECT ticket_id, COALESCE(subject, ''), COALESCE(visible, ''), COALESCE(" + notes + ", '') FROM search_terms WHERE ticket_id = ANY(CAST($1 AS BIGINT[]))"
	s.traceQuery(query, []any{ids})
	rows, err := s.db.R.QueryContext(ctx, query, ids)
	if err != nil {
		return nil, fmt.Errorf("ticket: search: %w", err)
	}
	counts, slab := make(termCounts, len(ts)), newCountSlab(len(ts), len(q.Phrases))
	counter := search.NewCounter(q.Phrases)
	var subject, visible, notesTerms sql.RawBytes // read before the next row
	_, err = db.Collect(rows, func(r db.Scanner) (struct{}, error) {
		var id int64
		if err := r.Scan(&id, &subject, &visible, &notesTerms); err != nil {
			return struct{}{}, err
		}
		tf := slab.next()
		n := countDocs(counter, subject, subjectWeight, tf) + countDocs(counter, visible, 1, tf) + countDocs(counter, notesTerms, 1, tf)
		counts[id] = ticketCount{tf, n}
		return struct{}{}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("ticket: search: %w", err)
	}
	return counts, nil
}

// countDocs counts the documents of a search_terms column (their terms
// joined by the separator between two spaces, search_terms_sep) each on
// its own, as counter.Count counts one, and returns their words. The
// column is read in place: nothing keeps its text.
func countDocs(counter *search.Counter, column []byte, weight int, counts []int) int {
	if len(column) == 0 {
		return 0
	}
	n := 0
	for rest := unsafe.String(&column[0], len(column)); rest != ""; {
		doc, after, found := strings.Cut(rest, search.DocSeparator)
		if found {
			// A document's terms end and begin with no space, so its words
			// are counted by its spaces (search.Counter).
			doc, after = strings.TrimSuffix(doc, " "), strings.TrimPrefix(after, " ")
		}
		n += counter.Count(doc, weight, counts)
		rest = after
	}
	return n
}

// docTermCounts reads the search documents of ts that a may search and
// counts, per ticket, each phrase's weighted occurrences and the words: a
// search_docs row per document. It is the reference the tests compare
// SQLite's counts in the match (countedMatches) and PostgreSQL's in
// search_terms (ticketTermCounts) with. On PostgreSQL the ids are one
// array parameter.
func (s *Service) docTermCounts(ctx context.Context, a *user.Actor, q search.Query, ts []match) (termCounts, error) {
	const columns = "SELECT d.ticket_id, d.message_id IS NULL, COALESCE(d.terms, '') FROM search_docs d WHERE "
	query, args := columns+"d.ticket_id IN ("+idList(ts)+") AND "+docVisibility(a), []any(nil)
	if s.db.Dialect == db.Postgres {
		query, args = columns+"d.ticket_id = ANY(CAST($1 AS BIGINT[])) AND "+docVisibility(a), []any{matchIDs(ts)}
	}
	s.traceQuery(query, args)
	rows, err := s.db.R.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("ticket: search: %w", err)
	}
	counts, slab := make(termCounts, len(ts)), newCountSlab(len(ts), len(q.Phrases))
	counter := search.NewCounter(q.Phrases)
	_, err = db.Collect(rows, func(r db.Scanner) (struct{}, error) {
		var id int64
		var subject bool
		var terms string
		if err := r.Scan(&id, &subject, &terms); err != nil {
			return struct{}{}, err
		}
		weight := 1
		if subject {
			weight = subjectWeight
		}
		c := counts[id]
		if c.tf == nil {
			c.tf = slab.next()
		}
		c.length += counter.Count(terms, weight, c.tf)
		counts[id] = c
		return struct{}{}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("ticket: search: %w", err)
	}
	return counts, nil
}

// countedMatches reads up to textWindow+1 matches of q newest first on
// SQLite, as textMatches does, with each one's counts: where FTS5 found
// the phrases in the ticket's full-text document (db.FTS5Instances), from
// the doclists the match reads anyway, and its documents' sizes in words
// (search_sizes, migration 0064, joined) to tell its documents apart and
// give its length. A relevance used to read the window's 2,000 tickets'
// terms for this, megabytes of them, and then matched the separator
// between documents beside the query's words, which FTS5 read through in
// every ticket between two matches.
func (s *Service) countedMatches(ctx context.Context, a *user.Actor, q search.Query) ([]match, termCounts, error) {
	if !q.HasText() {
		return nil, termCounts{}, nil
	}
	query := "SELECT f.rowid, " + db.FTS5Instances + "(f.search_fts_ticket), z.visible, z.notes FROM search_fts_ticket f " +
		"LEFT JOIN search_sizes z ON z.ticket_id = f.rowid WHERE f.search_fts_ticket MATCH $1 ORDER BY f.rowid DESC LIMIT " +
		strconv.Itoa(textWindow+1)
	arg := ftsQuery(a, q)
	s.traceQuery(query, []any{arg})
	rows, err := s.db.R.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, nil, fmt.Errorf("ticket: search: %w", err)
	}
	c := newOccurrenceCounter(search.FTS5Phrases(q), len(q.Phrases), a.IsAgent())
	counts, slab := make(termCounts, textWindow+1), newCountSlab(textWindow+1, len(q.Phrases))
	var unsized []match
	// Every row is scanned into the same variables: declared in the
	// closure, each escaped to the heap, an allocation a row.
	var id int64
	var found, visible, notes sql.RawBytes // read before the next row
	ms, err := db.Collect(rows, func(r db.Scanner) (match, error) {
		if err := r.Scan(&id, &found, &visible, &notes); err != nil {
			return match{}, err
		}
		m := match{id: id}
		if visible == nil && notes == nil {
			// A match has terms, so its sizes are missing (never written
			// by Docket): counted from its documents instead.
			unsized = append(unsized, m)
			return m, nil
		}
		tf := slab.next()
		n, err := c.count(tf, found, visible, notes)
		if err != nil {
			return m, err
		}
		counts[m.id] = ticketCount{tf, n}
		return m, nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("ticket: search: %w", err)
	}
	if len(unsized) > 0 {
		docs, err := s.docTermCounts(ctx, a, q, unsized)
		if err != nil {
			return nil, nil, err
		}
		for _, m := range unsized {
			counts[m.id] = docs[m.id]
		}
	}
	return ms, counts, nil
}

// occurrenceCounter counts a ticket's weighted occurrences of each of n
// query phrases from where FTS5 found them in its full-text document (a
// db.FTS5Instances value; of maps the expression's phrases to the query's,
// search.FTS5Phrases), as docTermCounts counts the ticket's documents: a
// phrase counts in each document in the language it is found most in, and
// the subject (the first document of the column visible, migration 0061)
// weighs subjectWeight. A requester's are the column visible's alone, as
// their match is. It is for one goroutine: its slices are reused.
type occurrenceCounter struct {
	of      []int
	n       int
	columns int   // 1 (visible), or 2 (and notes)
	inDoc   []int // the document's occurrences of each of the expression's phrases
	best    []int // and of each query phrase, in its likeliest language
}

func newOccurrenceCounter(of []int, n int, agent bool) *occurrenceCounter {
	c := &occurrenceCounter{of: of, n: n, columns: 1, inDoc: make([]int, len(of)), best: make([]int, n)}
	if agent {
		c.columns = 2
	}
	return c
}

// docSizes walks a search_sizes column: its documents' sizes in words
// between single spaces. In the column of the full-text document, a
// document starts one token (the separator) after the one before ends.
type docSizes struct {
	list       []byte
	doc        int // the document the walk is in
	start, end int // its tokens, [start, end)
}

func newDocSizes(list []byte) docSizes {
	d := docSizes{list: list, doc: -1}
	d.next()
	return d
}

// next moves to the next document (past the separator), or beyond the
// last, where every offset is.
func (d *docSizes) next() {
	if d.doc >= 0 {
		d.start = d.end + 1
	}
	d.doc++
	size := 0
	if len(d.list) == 0 {
		d.end = math.MaxInt // no more sizes: the rest is one document
		return
	}
	i := 0
	for ; i < len(d.list) && d.list[i] != ' '; i++ {
		size = size*10 + int(d.list[i]-'0')
	}
	d.list = d.list[min(i+1, len(d.list)):]
	d.end = d.start + size
}

// sizesTotal is the sum of the sizes in list (a search_sizes column).
func sizesTotal(list []byte) int {
	n, v := 0, 0
	for _, b := range list {
		if b == ' ' {
			n, v = n+v, 0
		} else {
			v = v*10 + int(b-'0')
		}
	}
	return n + v
}

// count adds a ticket's counts to tf (one per query phrase, zero) and
// returns its length in words, from its occurrences and its columns'
// documents' sizes (visible, notes: their search_sizes values; nil when
// the ticket has none). Occurrences come in the order of their columns
// and offsets, so a document's are read together.
func (c *occurrenceCounter) count(tf []int, found, visible, notes []byte) (length int, err error) {
	lists := [2][]byte{visible, notes}
	column := -1
	var docs docSizes
	flush := func() {
		if column < 0 {
			return
		}
		for p, k := range c.of {
			c.best[k] = max(c.best[k], c.inDoc[p])
			c.inDoc[p] = 0
		}
		weight := 1
		if column == 0 && docs.doc == 0 {
			weight = subjectWeight
		}
		for k, b := range c.best {
			tf[k] += weight * b
			c.best[k] = 0
		}
	}
	err = db.EachFTS5Occurrence(found, func(o db.FTS5Occurrence) {
		if o.Column < 0 || o.Column >= c.columns || o.Phrase < 0 || o.Phrase >= len(c.of) {
			return
		}
		if o.Column != column {
			flush()
			column, docs = o.Column, newDocSizes(lists[o.Column])
		}
		for o.Offset >= docs.end {
			flush()
			docs.next()
		}
		c.inDoc[o.Phrase]++
	})
	if err != nil {
		return 0, err
	}
	flush()
	for col := range c.columns {
		length += sizesTotal(lists[col])
	}
	return length, nil
}
