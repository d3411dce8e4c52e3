package ticket

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/search"
)

// The search index's rows are built and written here only — by the
// service's writes and the importer alike — so a change to search_docs
// touches this file.

// searchDoc is a search_docs row's text and its search terms.
type searchDoc struct {
	body, terms string
}

func newSearchDoc(body string) searchDoc { return searchDoc{body, search.Terms(body)} }

// searchRow is a search_docs row to insert.
type searchRow struct {
	ticketID, messageID int64
	internal            bool
	doc                 searchDoc
}

// insertSearchDocs is the one writer of new search documents, in order,
// with as few statements as it can: a write puts its documents in one
// statement, and an importer writing thousands writes them together, after
// its other rows. On SQLite the search_docs insert trigger is held off
// while they go in, and the tickets' full-text documents are written when
// the transaction ends (indexFinisher).
func (s *Service) insertSearchDocs(ctx context.Context, tx *db.Tx, rows []searchRow) error {
	if len(rows) == 0 {
		return nil
	}
	if s.db.Dialect == db.SQLite {
		if err := deferIndex(ctx, tx, rows); err != nil {
			return err
		}
	}
	args := make([]any, 0, 5*len(rows))
	for _, r := range rows {
		args = append(args, r.ticketID, nullID(r.messageID), r.internal, r.doc.body, r.doc.terms)
	}
	if _, err := s.insertRows(ctx, tx, "insert-search-doc", 5, args, false); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

// SQLite statements of indexFinisher; see migrations 0050, 0061 and 0064.
const (
	// docSeparatorSQL is search.DocSeparator between single spaces, in SQL,
	// as the triggers write it.
	docSeparatorSQL  = "' ' || char(57344) || ' '"
	deferSearchFTS   = `INSERT INTO search_fts_deferred (deferred) VALUES (1)`
	undeferSearchFTS = `DELETE FROM search_fts_deferred`
	// indexedTickets are the tickets of ?1, a JSON array of ids.
	indexedTickets = `(SELECT value FROM json_each(?1))`
	// searchFTSTickets writes the full-text documents of those tickets,
	// one per ticket in rowid order: the document the search_docs insert
	// trigger builds (the same expressions, which a test compares with the
	// trigger's), each ticket's documents subject first, then in id order,
	// as the triggers join them (migration 0061).
	searchFTSTickets = `INSERT OR REPLACE INTO search_fts_ticket (rowid, visible, notes)
SELECT ticket_id,
       group_concat(CASE WHEN NOT internal THEN terms END, ` + docSeparatorSQL + `),
       group_concat(CASE WHEN internal THEN terms END, ` + docSeparatorSQL + `)
FROM (SELECT ticket_id, internal, terms FROM search_docs WHERE ticket_id IN ` + indexedTickets + ` ORDER BY ticket_id, message_id IS NOT NULL, id)
GROUP BY ticket_id`
	// searchSizesTickets writes the same tickets' search_sizes rows
	// (migration 0064): each column's documents' sizes in words, in the
	// same order, as the triggers write them.
	searchSizesTickets = `INSERT OR REPLACE INTO search_sizes (ticket_id, visible, notes)
SELECT ticket_id,
       group_concat(CASE WHEN NOT internal THEN words END, ' '),
       group_concat(CASE WHEN internal THEN words END, ' ')
FROM (SELECT ticket_id, internal, CASE WHEN terms = '' THEN 0 ELSE length(terms) - length(replace(terms, ' ', '')) + 1 END AS words
      FROM search_docs WHERE ticket_id IN ` + indexedTickets + ` ORDER BY ticket_id, message_id IS NOT NULL, id)
GROUP BY ticket_id`
)

// indexFinisher writes, when its SQLite transaction ends, the full-text
// documents (and search_sizes rows) of the tickets whose search documents
// went in while the insert trigger was held off. The trigger rewrote a
// ticket's full-text document at each new document, and FTS5 flushes its
// pending terms into a new segment at every savepoint that follows a
// write to it: once per write, since each write of a group's batch runs in
// a savepoint of its own, with the merges those segments bring — a tenth
// of the server's CPU under creates and replies, all of it in the single
// writer (BENCHMARKS.md, "A batch's full-text documents written at its
// end"). Written at the end, the batch's documents are one segment, and a
// ticket written twice in a batch is indexed once. The documents are rebuilt from search_docs, so
// whatever a write after the hold-off did (a document updated or deleted,
// its triggers rebuilding the ticket meanwhile; a write rolled back) the
// result is the triggers' own.
type indexFinisher struct {
	ids []int64
}

// indexFinisherKey is indexFinisher's in a transaction (db.Tx.BeforeCommit).
const indexFinisherKey = "ticket: full-text documents"

// deferIndex holds off tx's search_docs insert trigger, once, and records
// the tickets of rows for its indexFinisher.
func deferIndex(ctx context.Context, tx *db.Tx, rows []searchRow) error {
	f, fresh := tx.BeforeCommit(indexFinisherKey, func() db.Finisher { return &indexFinisher{} })
	if fresh {
		// Undone with the finisher if the write that registered it fails.
		if _, err := tx.ExecContext(ctx, deferSearchFTS); err != nil {
			return fmt.Errorf("index: %w", err)
		}
	}
	p := f.(*indexFinisher)
	for _, r := range rows {
		if n := len(p.ids); n == 0 || p.ids[n-1] != r.ticketID {
			p.ids = append(p.ids, r.ticketID)
		}
	}
	return nil
}

func (f *indexFinisher) Finish(ctx context.Context, tx *db.Tx) error {
	slices.Sort(f.ids)
	ids, err := json.Marshal(slices.Compact(f.ids))
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	if _, err := tx.ExecContext(ctx, undeferSearchFTS); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	for _, q := range []string{searchSizesTickets, searchFTSTickets} {
		if _, err := tx.ExecContext(ctx, q, string(ids)); err != nil {
			return fmt.Errorf("index: %w", err)
		}
	}
	return nil
}

// updateSubjectDoc re-indexes a ticket's changed subject.
func (s *Service) updateSubjectDoc(ctx context.Context, tx *db.Tx, ticketID int64, d searchDoc) error {
	if _, err := tx.ExecContext(ctx, s.q.Get("update-subject-doc"), ticketID, d.body, d.terms); err != nil {
		return fmt.Errorf("index subject: %w", err)
	}
	return nil
}
