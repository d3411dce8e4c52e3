package ticket

import (
	"context"
	"fmt"
	"math"
	"strings"

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
//   - a ticket's term frequencies and length come from its documents'
//     terms (the text the index holds: on SQLite its search_terms row, on
//     PostgreSQL its search_docs rows), counted in Go, a subject
//     occurrence weighing subjectWeight times a message's.
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

// ranks ranks the tickets ts for q as a sees them (a requester's rank ignores
// internal notes, which they cannot search). ms are the matches of the
// whole query as textMatches read them: on SQLite, when q has one phrase,
// they give its frequency without another read.
func (s *Service) ranks(ctx context.Context, a *user.Actor, q search.Query, ts []match, ms []match) ([]match, error) {
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
			pm := ms
			if len(q.Phrases) > 1 {
				one := search.Query{Phrases: []search.Phrase{p}}
				if pm, _, err = s.textMatches(ctx, a, one, textWindow); err != nil {
					return nil, err
				}
			}
			df = docFrequency(pm, textWindow, total)
		}
		idf[i] = math.Log(1 + (float64(total)-df+0.5)/(df+0.5))
	}
	tf, length, err := s.termCounts(ctx, a, q, ts)
	if err != nil {
		return nil, err
	}
	avg := 0.0
	for _, n := range length {
		avg += float64(n)
	}
	avg = max(avg/float64(len(ts)), 1)
	out := make([]match, len(ts))
	for k, t := range ts {
		out[k].id = t.id
		norm := bm25K1 * (1 - bm25B + bm25B*float64(length[t.id])/avg)
		counts := tf[t.id] // none for a ticket whose terms are gone since: no occurrence
		for i := range q.Phrases {
			f := 0.0
			if counts != nil {
				f = float64(counts[i])
			}
			out[k].rank += idf[i] * f * (bm25K1 + 1) / (f + norm)
		}
	}
	return out, nil
}

// docFrequency is how many tickets a phrase with the newest matches ms
// (at most window+1, by textMatches) is found in: exact when they are
// all, else the tickets in the id span of the newest window matches times
// their density.
func docFrequency(ms []match, window int, total int64) float64 {
	if len(ms) <= window {
		return float64(len(ms))
	}
	span := ms[0].id - ms[window-1].id + 1
	return min(float64(total), float64(window)*float64(total)/float64(max(span, 1)))
}

// ticketSpan is how many ticket ids there are, the N of the frequencies
// (two seeks of the primary key; deleted tickets' ids count too).
func (s *Service) ticketSpan(ctx context.Context) (int64, error) {
	var lo, hi int64
	err := s.db.R.QueryRowContext(ctx, `SELECT COALESCE((SELECT MIN(id) FROM tickets), 0), COALESCE((SELECT MAX(id) FROM tickets), 0)`).Scan(&lo, &hi)
	if err != nil {
		return 0, fmt.Errorf("ticket: search: %w", err)
	}
	return max(hi-lo+1, 1), nil
}

// termCounts reads the search documents of ts that a may search and
// counts, per ticket, each phrase's weighted occurrences and the words.
// On SQLite they are one search_terms row per ticket (migration 0058).
func (s *Service) termCounts(ctx context.Context, a *user.Actor, q search.Query, ts []match) (map[int64][]int, map[int64]int, error) {
	if s.db.Dialect == db.SQLite {
		return s.ticketTermCounts(ctx, a, q, ts)
	}
	return s.docTermCounts(ctx, a, q, ts)
}

// docTermCounts is termCounts from search_docs, a row per document:
// PostgreSQL's, and on SQLite the reference TestSearchTermsFollowTheDocuments
// compares search_terms with. On PostgreSQL the ids are one array parameter: the statement is prepared
// once, where 2,000 literals were a statement of their own to parse, plan
// and cache at every search.
func (s *Service) docTermCounts(ctx context.Context, a *user.Actor, q search.Query, ts []match) (map[int64][]int, map[int64]int, error) {
	const columns = "SELECT d.ticket_id, d.message_id IS NULL, COALESCE(d.terms, '') FROM search_docs d WHERE "
	query, args := columns+"d.ticket_id IN ("+idList(ts)+") AND "+docVisibility(a), []any(nil)
	if s.db.Dialect == db.Postgres {
		ids := make([]int64, len(ts))
		for i, t := range ts {
			ids[i] = t.id
		}
		query, args = columns+"d.ticket_id = ANY(CAST($1 AS BIGINT[])) AND "+docVisibility(a), []any{ids}
	}
	s.traceQuery(query, args)
	rows, err := s.db.R.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("ticket: search: %w", err)
	}
	tf, length := map[int64][]int{}, map[int64]int{}
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
		if tf[id] == nil {
			tf[id] = make([]int, len(q.Phrases))
		}
		length[id] += counter.Count(terms, weight, tf[id])
		return struct{}{}, nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("ticket: search: %w", err)
	}
	return tf, length, nil
}

// docSeparator joins a ticket's documents in search_terms (and in its
// full-text document): a token no query holds, between single spaces.
const docSeparator = " \uE000 "

// ticketTermCounts is termCounts from search_terms: each column's
// documents are counted one by one, as docTermCounts counts search_docs rows
// (a phrase counts in the language it is commonest in, per document), so
// the ranks are the same.
func (s *Service) ticketTermCounts(ctx context.Context, a *user.Actor, q search.Query, ts []match) (map[int64][]int, map[int64]int, error) {
	notes := "''"
	if a.IsAgent() {
		notes = "COALESCE(notes, '')"
	}
	query := "SELECT ticket_id, COALESCE(subject, ''), COALESCE(visible, ''), " + notes + " FROM search_terms WHERE ticket_id IN (" + idList(ts) + ")"
	s.traceQuery(query, nil)
	rows, err := s.db.R.QueryContext(ctx, query)
	if err != nil {
		return nil, nil, fmt.Errorf("ticket: search: %w", err)
	}
	tf, length := map[int64][]int{}, map[int64]int{}
	counter := search.NewCounter(q.Phrases)
	_, err = db.Collect(rows, func(r db.Scanner) (struct{}, error) {
		var id int64
		var subject, visible, notes string
		if err := r.Scan(&id, &subject, &visible, &notes); err != nil {
			return struct{}{}, err
		}
		counts := make([]int, len(q.Phrases))
		n := 0
		for _, col := range [...]struct {
			terms  string
			weight int
		}{{subject, subjectWeight}, {visible, 1}, {notes, 1}} {
			for col.terms != "" {
				doc, rest, _ := strings.Cut(col.terms, docSeparator)
				n += counter.Count(doc, col.weight, counts)
				col.terms = rest
			}
		}
		tf[id], length[id] = counts, n
		return struct{}{}, nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("ticket: search: %w", err)
	}
	return tf, length, nil
}
