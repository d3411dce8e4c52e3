package ticket

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/user"
)

// plainWords is, for a query whose every phrase is one word and no
// prefix, each phrase's variants (the word as the index holds it, once
// per language); ok is false for any other query.
func plainWords(q search.Query) (words [][]string, ok bool) {
	if len(q.Phrases) == 0 {
		return nil, false
	}
	for _, p := range q.Phrases {
		if p.Prefix || len(p.Words) != 1 {
			return nil, false
		}
		var vs []string
		for _, v := range search.Variants(p) {
			if len(v) == 1 && v[0] != "" {
				vs = append(vs, v[0])
			}
		}
		words = append(words, vs)
	}
	return words, true
}

// lettersOnly reports whether every variant is made of letters alone, a
// word PostgreSQL's parser keeps whole in the tsvectors (migration 0051)
// as search_words does. It cuts some words with digits: "7e3f91" is
// '7e3' and 'f91' there, so a walk of search_words for "f91" would miss
// the tickets the tsvectors find. (Letters cut from such a word, the
// 'abc' of "1e5abc", are still found in the tsvectors alone, as on SQLite
// they are not.)
func lettersOnly(words [][]string) bool {
	for _, vs := range words {
		for _, w := range vs {
			for _, r := range w {
				if !unicode.IsLetter(r) {
					return false
				}
			}
		}
	}
	return true
}

// wordCounts is ticketTermCounts on PostgreSQL for a query of plain words
// (plainWords: each phrase's variants): from each ticket's search_words
// row (migration 0067), only its words' entries and its documents' kinds
// and sizes, a few bytes a ticket where search_terms is its whole text.
// The counts are docTermCounts': per document, a phrase counts in the
// language it is found most in, the subject weighs subjectWeight, and a
// requester's exclude internal notes.
func (s *Service) wordCounts(ctx context.Context, a *user.Actor, phrases [][]string, ts []match) (termCounts, error) {
	wq := newWordQuery(phrases, []any{matchIDs(ts)})
	counts := make(termCounts, len(ts))
	_, err := s.readWords(ctx, a, wq, aggregate("SELECT "+wq.line()+" AS line FROM "+wordRows+" WHERE ticket_id = ANY(CAST($1 AS BIGINT[]))"), len(ts), counts)
	return counts, err
}

// newestWordRows is newestTextRows for an agent's query of plain words
// (plainWords): the walk of search_words, newest first, for the tickets
// holding a variant of every phrase, which gives their counts with them.
// At a million tickets, the newest 2,000 of a word in a quarter of them
// took 10.7 ms this way, against 19.1 ms for search_ticket's walk (each
// row's tsvector decompressed) and a read of their counts after it.
func (s *Service) newestWordRows(ctx context.Context, a *user.Actor, phrases [][]string) ([]match, termCounts, error) {
	wq := newWordQuery(phrases, nil)
	conds := make([]string, 0, len(phrases))
	seen := map[string]bool{}
	for _, vs := range phrases {
		// A phrase given twice is one condition: PostgreSQL estimates
		// each ?| apart, and two of the same word in a fifth of a
		// million tickets were planned as a scan of the whole table, 8 s.
		if key := strings.Join(vs, " "); !seen[key] {
			seen[key] = true
			wq.args = append(wq.args, vs)
			conds = append(conds, "words ?| CAST($"+strconv.Itoa(len(wq.args))+" AS TEXT[])")
		}
	}
	query := aggregate("SELECT " + wq.line() + " AS line FROM " + wordRows + " WHERE " + strings.Join(conds, " AND ") +
		" ORDER BY ticket_id DESC LIMIT " + strconv.Itoa(textWindow))
	counts := make(termCounts, textWindow)
	ms, err := s.readWords(ctx, a, wq, query, textWindow, counts)
	return ms, counts, err
}

// wordRows is search_words with each row's object as d.w, read out of
// TOAST and decompressed once for the row's entries. A long thread's
// object passes the 8 KB a row keeps in place and is compressed, and each
// ->> of it decompressed the whole object: for two words in the newest
// 6,000 tickets of the million-ticket desk, where half the matching
// objects were over 6 KB, 15.5 ms against 7.6 (BENCHMARKS.md, search 13).
// Concatenating with an empty object returns the other one, read once;
// OFFSET 0 keeps the planner from copying the expression into each
// column. An object kept in place is not copied.
const wordRows = "search_words CROSS JOIN LATERAL (SELECT '{}'::jsonb || search_words.words AS w OFFSET 0) d"

// wordQuery is a statement's columns of search_words for phrases: the
// ticket, its documents ('#') and each distinct variant, a parameter each.
type wordQuery struct {
	cols   []string
	args   []any
	column [][]int // column[k][j]: the column of phrase k's variant j
}

// newWordQuery numbers its variants' parameters after args.
func newWordQuery(phrases [][]string, args []any) wordQuery {
	wq := wordQuery{cols: []string{"ticket_id", "d.w ->> '#'"}, args: args, column: make([][]int, len(phrases))}
	at := map[string]int{}
	for k, vs := range phrases {
		for _, w := range vs {
			c, seen := at[w]
			if !seen {
				wq.args = append(wq.args, w)
				wq.cols = append(wq.cols, "d.w ->> $"+strconv.Itoa(len(wq.args)))
				c = len(wq.cols) - 1
				at[w] = c
			}
			wq.column[k] = append(wq.column[k], c)
		}
	}
	return wq
}

// line is the row's columns as one text: the ticket, then each value,
// '|' between them (a value holds digits, letters, ':' and ' ' alone).
// Joined with ||: concat_ws took PostgreSQL a third longer for 2,000 rows.
func (wq wordQuery) line() string {
	var b strings.Builder
	b.WriteString(wq.cols[0])
	for _, c := range wq.cols[1:] {
		b.WriteString(" || '|' || COALESCE(" + c + ", '')")
	}
	return b.String()
}

// aggregate is the statement of one text value that holds the lines of
// rows (a statement of wq.line() AS line), a line each: one row to read,
// where a row per ticket cost Docket a few microseconds each through
// database/sql (36 % of Docket's CPU for ranked searches at a million
// tickets).
func aggregate(rows string) string {
	return "SELECT string_agg(w.line, E'\\n') FROM (" + rows + ") w"
}

// readWords runs query (aggregate of wq's lines) and returns its tickets
// in the rows' order, their counts added to counts; n is about how many
// rows it may give.
func (s *Service) readWords(ctx context.Context, a *user.Actor, wq wordQuery, query string, n int, counts termCounts) ([]match, error) {
	s.traceQuery(query, wq.args)
	var text []byte
	if err := s.db.R.QueryRowContext(ctx, query, wq.args...).Scan(&text); err != nil {
		return nil, fmt.Errorf("ticket: search: %w", err)
	}
	slab := newCountSlab(n, len(wq.column))
	ms := make([]match, 0, n)
	vals := make([][]byte, len(wq.cols))
	wc := wordCounter{agent: a.IsAgent()}
	for len(text) > 0 {
		var line []byte
		line, text = cutByte(text, '\n')
		for i := range vals {
			vals[i], line = cutByte(line, '|')
		}
		id := atoi(vals[0])
		if id < 0 {
			return nil, fmt.Errorf("ticket: search: a row of search_words read as %q", vals[0])
		}
		tf := slab.next()
		length := wc.docs(vals[1])
		for k, cs := range wq.column {
			tf[k] = wc.phrase(vals, cs)
		}
		counts[int64(id)] = ticketCount{tf, length}
		ms = append(ms, match{id: int64(id)})
	}
	return ms, nil
}

// wordCounter counts phrases in one search_words row after another. It is
// for one goroutine: its slices are reused.
type wordCounter struct {
	agent  bool
	weight []int // per document of the row: its weight, 0 when not searched
	best   []int // per document: the phrase's most occurrences of a variant
	lists  [][]byte
}

// docs reads a row's documents ('#': a kind and a size each) and returns
// the words of those searched.
func (c *wordCounter) docs(meta []byte) int {
	c.weight = c.weight[:0]
	n := 0
	for len(meta) > 0 {
		var doc []byte
		doc, meta = cutByte(meta, ' ')
		if len(doc) == 0 {
			continue
		}
		w := 1
		switch {
		case doc[0] == 's':
			w = subjectWeight
		case doc[0] == 'n' && !c.agent:
			w = 0
		}
		c.weight = append(c.weight, w)
		if size := atoi(doc[1:]); w > 0 && size > 0 {
			n += size
		}
	}
	return n
}

// phrase is a phrase's weighted occurrences in the row, from its variants'
// entries (vals[j] for j in cols): 'doc:count' pairs between single
// spaces, read in one pass (a malformed pair counts nothing). Each
// document counts the variant it holds most of (its language).
func (c *wordCounter) phrase(vals [][]byte, cols []int) int {
	c.best = c.best[:0]
	for range c.weight {
		c.best = append(c.best, 0)
	}
	for _, col := range cols {
		list := vals[col]
		for i := 0; i < len(list); {
			doc, d := digits(list, i)
			if d == i || d == len(list) || list[d] != ':' {
				i = pastSpace(list, d)
				continue
			}
			n, e := digits(list, d+1)
			if e == d+1 || e < len(list) && list[e] != ' ' {
				i = pastSpace(list, e)
				continue
			}
			if doc >= 0 && doc < len(c.best) {
				c.best[doc] = max(c.best[doc], n)
			}
			i = e + 1
		}
	}
	total := 0
	for doc, n := range c.best {
		total += c.weight[doc] * n
	}
	return total
}

// digits is the value of the decimal digits of b from i on, and the
// index past them.
func digits(b []byte, i int) (n, end int) {
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int(b[i]-'0')
	}
	return n, i
}

// pastSpace is the index after the next space of b from i on (len(b)
// when there is none).
func pastSpace(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	if j := bytes.IndexByte(b[i:], ' '); j >= 0 {
		return i + j + 1
	}
	return len(b)
}

// atoi is the value of the decimal digits s (-1 when s is empty or holds
// anything else).
func atoi(s []byte) int {
	if n, end := digits(s, 0); end > 0 && end == len(s) {
		return n
	}
	return -1
}

// cutByte is bytes.Cut for a separator of one byte: the text of b before
// the first sep and after it (all of b and nil when there is none).
func cutByte(b []byte, sep byte) (before, after []byte) {
	if i := bytes.IndexByte(b, sep); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}
